"""Reading bookings: lists by role, calendar ranges and the free-slot search.

Ranges are half-open [start, end) UTC; day-based searches take Paris dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from labapp.auth.models import User
from labapp.bookings.models import MAX_SPAN, STATUSES, Booking, BookingOccupancy, Site, Space
from labapp.bookings.rules import free_gaps, occupied_range
from labapp.bookings.site_services import closed_days, default_site, get_space, opening_windows
from labapp.db_types import utcnow
from labapp.errors import ValidationFailed
from labapp.extensions import db
from labapp.timeutil import combine_paris, paris_day_bounds

MAX_SEARCH_DAYS = 31


def bookings_query(actor: User, start: datetime | None = None, end: datetime | None = None,
                   space_id: int | None = None, status: str | None = None,
                   mine: bool = False, site_id: int | None = None) -> Select:
    """Bookings `actor` may see (team: all; agent or `mine`: their own) overlapping
    [start, end), optionally of one space, one status and one site, by start time."""
    query = select(Booking).order_by(Booking.start_at, Booking.id)
    if mine or not actor.is_team:
        query = query.where(Booking.requested_by_id == actor.id)
    if start is not None:
        query = query.where(Booking.end_at > start, Booking.start_at > start - MAX_SPAN)
    if end is not None:
        query = query.where(Booking.start_at < end)
    if space_id is not None:
        query = query.where(Booking.space_id == space_id)
    if site_id is not None:
        query = query.where(Booking.space_id.in_(select(Space.id).where(Space.site_id == site_id)))
    if status is not None:
        if status not in STATUSES:
            raise ValidationFailed.on("status", "Statut inconnu.")
        query = query.where(Booking.status == status)
    return query


# A list without explicit paging (`limit`) returns at most LIST_LIMIT bookings, loaded
# with their space and requester.
LIST_LIMIT = 1000
LIST_OPTIONS = (selectinload(Booking.space), selectinload(Booking.requested_by))


def pending_requests_query() -> Select:
    """Pending requests not yet over, soonest first, with what is needed to show their
    conflicts (space, site, requester); to paginate."""
    return (select(Booking).where(Booking.status == "pending", Booking.end_at > utcnow())
            .order_by(Booking.start_at, Booking.id)
            .options(selectinload(Booking.space).selectinload(Space.site),
                     selectinload(Booking.requested_by)))


def pending_requests() -> list[Booking]:
    """Every pending request of `pending_requests_query`."""
    return list(db.session.scalars(pending_requests_query()))


def calendar_bookings(start: datetime, end: datetime, site_id: int | None = None) -> list[Booking]:
    """Pending and approved bookings overlapping [start, end) (of one site's spaces when
    `site_id` is given), for calendar views."""
    query = select(Booking).where(Booking.status.in_(("pending", "approved")),
                                  Booking.end_at > start, Booking.start_at > start - MAX_SPAN,
                                  Booking.start_at < end)
    if site_id is not None:
        query = query.where(Booking.space_id.in_(select(Space.id).where(Space.site_id == site_id)))
    return list(db.session.scalars(
        query.order_by(Booking.start_at, Booking.id)
        .options(selectinload(Booking.space), selectinload(Booking.requested_by))))


@dataclass
class SpaceSlots:
    """Free slots of one space: a list of [start, end) UTC intervals long enough."""

    space: Space
    slots: list[tuple[datetime, datetime]]


def free_slots(first: date, last: date, duration_minutes: int, attendees: int,
               space_id: int | None = None, now: datetime | None = None,
               site_id: int | None = None) -> list[SpaceSlots]:
    """Free slots per active space with room for `attendees`, over Paris dates [first, last],
    on one site: the space's (`space_id`), `site_id`, or by default the lab (the first site).

    A slot is a maximal interval inside the opening hours of an open day (no
    closure or holiday), not in the past, where a booking of `duration_minutes`
    would conflict with no approved booking (buffer and whole-lab/zone rule
    included). Pending requests do not block. At most 31 days.
    """
    errors = {}
    if last < first:
        errors["to"] = ["La date de fin doit suivre la date de début."]
    elif (last - first).days >= MAX_SEARCH_DAYS:
        errors["to"] = [f"Cherchez sur {MAX_SEARCH_DAYS} jours au plus."]
    if not isinstance(duration_minutes, int) or not 5 <= duration_minutes <= 24 * 60:
        errors["duration"] = ["Indiquez une durée entre 5 minutes et 24 heures."]
    if not isinstance(attendees, int) or attendees < 1:
        errors["attendees"] = ["Indiquez au moins une personne."]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    now = now or utcnow()
    if space_id is not None:
        site = get_space(space_id).site
    elif site_id is not None:
        site = db.session.get(Site, site_id) if isinstance(site_id, int) else None
        if site is None:
            raise ValidationFailed.on("site_id", "Ce site n'existe pas.")
    else:
        site = default_site()
    spaces = [s for s in site.spaces if s.active and s.capacity >= attendees
              and (space_id is None or s.id == space_id)]
    windows = opening_windows(site)
    closed = closed_days(site, first, last)
    range_start, range_end = paris_day_bounds(first)[0], paris_day_bounds(last)[1]
    earliest = _next_quarter(now)
    zone_ids = [s.id for s in site.spaces]
    occupied: dict[int, list[tuple[datetime, datetime]]] = {}
    rows = db.session.execute(
        select(BookingOccupancy.unit_id, BookingOccupancy.start_at, BookingOccupancy.end_at)
        .where(BookingOccupancy.unit_id.in_(zone_ids), BookingOccupancy.end_at > range_start,
               BookingOccupancy.start_at < range_end + timedelta(minutes=site.buffer_minutes)))
    for unit, start, end in rows:
        occupied.setdefault(unit, []).append((start, end))
    duration = timedelta(minutes=duration_minutes)
    result = []
    for space in spaces:
        units = zone_ids if space.whole else [space.id]
        busy = [r for unit in units for r in occupied.get(unit, [])]
        slots = []
        day = first
        while day <= last:
            window = windows.get(day.weekday())
            if window is not None and day not in closed:
                bounds = (max(combine_paris(day, window.opens), earliest), combine_paris(day, window.closes))
                if bounds[0] < bounds[1]:
                    slots += free_gaps(bounds, busy, duration, site.buffer_minutes)
            day += timedelta(days=1)
        result.append(SpaceSlots(space, slots))
    return result


def _next_quarter(moment: datetime) -> datetime:
    """`moment` rounded up to the next quarter of an hour (slots start on round times)."""
    floor = moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=15)


def pending_with_conflicts(requests: list[Booking]) -> list[dict]:
    """For the team's pending page: each request with the approved bookings it conflicts
    with and the other pending requests its approval would refuse — the same answers
    as `services.find_conflicts` and `services.overlapping_pending`, whether or not those
    other requests are among `requests` (a page of them), in a constant number of queries
    (the sites' spaces, the occupancies in range, the pending requests in range)."""
    if not requests:
        return []
    site_ids = {b.space.site_id for b in requests}
    spaces = db.session.scalars(select(Space).where(Space.site_id.in_(site_ids))).all()
    by_site: dict[int, list[Space]] = {}
    for space in spaces:
        by_site.setdefault(space.site_id, []).append(space)

    def units(space: Space) -> set[int]:
        return {s.id for s in by_site[space.site_id]} if space.whole else {space.id}

    def related(space: Space) -> set[int]:
        if space.whole:
            return units(space)
        return {space.id} | {s.id for s in by_site[space.site_id] if s.whole}

    widest = max(b.space.site.buffer_minutes for b in requests)
    low = min(b.start_at for b in requests) - timedelta(minutes=widest)
    high = max(b.end_at for b in requests) + timedelta(minutes=widest)
    occupancies = db.session.execute(
        select(BookingOccupancy, Booking)
        .join(Booking, BookingOccupancy.booking_id == Booking.id)
        .where(BookingOccupancy.unit_id.in_([s.id for s in spaces]),
               BookingOccupancy.start_at < high, BookingOccupancy.end_at > low)
    ).all()
    candidates = db.session.scalars(
        select(Booking).where(Booking.status == "pending",
                              Booking.space_id.in_([s.id for s in spaces]),
                              Booking.start_at < high, Booking.end_at > low)
    ).all()
    # The other bookings shown get their space from the spaces read above (no query each).
    space_by_id = {s.id: s for s in spaces}
    for other in [*candidates, *(b for _, b in occupancies)]:
        if other.space_id in space_by_id:
            set_committed_value(other, "space", space_by_id[other.space_id])
    rows = []
    for booking in requests:
        buffer = timedelta(minutes=booking.space.site.buffer_minutes)
        occ_start, occ_end = occupied_range(booking.start_at, booking.end_at,
                                            booking.space.site.buffer_minutes)
        mine = units(booking.space)
        conflicts = {
            other.id: other for occupancy, other in occupancies
            if occupancy.unit_id in mine and other.id != booking.id
            and occupancy.start_at < occ_end and occupancy.end_at > occ_start
        }
        near = related(booking.space)
        overlapping = [
            other for other in candidates
            if other.id != booking.id and other.space_id in near
            and other.start_at < booking.end_at + buffer and other.end_at > booking.start_at - buffer
        ]
        rows.append({
            "booking": booking,
            "conflicts": sorted(conflicts.values(), key=lambda b: (b.start_at, b.id)),
            "overlapping": sorted(overlapping, key=lambda b: (b.start_at, b.id)),
        })
    return rows
