"""Reading bookings: lists by role, calendar ranges and the free-slot search.

Ranges are half-open [start, end) UTC; day-based searches take Paris dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from labapp.auth.models import User
from labapp.bookings.models import STATUSES, Booking, BookingOccupancy, Space
from labapp.bookings.rules import free_gaps
from labapp.bookings.site_services import closed_days, default_site, opening_windows
from labapp.db_types import utcnow
from labapp.errors import ValidationFailed
from labapp.extensions import db
from labapp.timeutil import combine_paris, paris_day_bounds

MAX_SEARCH_DAYS = 31


def bookings_query(actor: User, start: datetime | None = None, end: datetime | None = None,
                   space_id: int | None = None, status: str | None = None,
                   mine: bool = False) -> Select:
    """Bookings `actor` may see (team: all; agent or `mine`: their own) overlapping
    [start, end), optionally of one space and one status, by start time."""
    query = select(Booking).order_by(Booking.start_at, Booking.id)
    if mine or not actor.is_team:
        query = query.where(Booking.requested_by_id == actor.id)
    if start is not None:
        query = query.where(Booking.end_at > start)
    if end is not None:
        query = query.where(Booking.start_at < end)
    if space_id is not None:
        query = query.where(Booking.space_id == space_id)
    if status is not None:
        if status not in STATUSES:
            raise ValidationFailed.on("status", "Statut inconnu.")
        query = query.where(Booking.status == status)
    return query


def list_bookings(actor: User, start=None, end=None, space_id=None, status=None,
                  limit: int = 1000) -> list[Booking]:
    """At most `limit` bookings of `bookings_query`, with their space and requester loaded."""
    query = bookings_query(actor, start, end, space_id, status).limit(limit).options(
        selectinload(Booking.space), selectinload(Booking.requested_by))
    return list(db.session.scalars(query))


def pending_requests() -> list[Booking]:
    """Pending requests, soonest first, with what is needed to show their conflicts."""
    return list(db.session.scalars(
        select(Booking).where(Booking.status == "pending", Booking.end_at > utcnow())
        .order_by(Booking.start_at, Booking.id)
        .options(selectinload(Booking.space).selectinload(Space.site),
                 selectinload(Booking.requested_by))))


def calendar_bookings(start: datetime, end: datetime) -> list[Booking]:
    """Pending and approved bookings overlapping [start, end), for calendar views."""
    return list(db.session.scalars(
        select(Booking).where(Booking.status.in_(("pending", "approved")),
                              Booking.end_at > start, Booking.start_at < end)
        .order_by(Booking.start_at, Booking.id)
        .options(selectinload(Booking.space), selectinload(Booking.requested_by))))


@dataclass
class SpaceSlots:
    """Free slots of one space: a list of [start, end) UTC intervals long enough."""

    space: Space
    slots: list[tuple[datetime, datetime]]


def free_slots(first: date, last: date, duration_minutes: int, attendees: int,
               space_id: int | None = None, now: datetime | None = None) -> list[SpaceSlots]:
    """Free slots per active space with room for `attendees`, over Paris dates [first, last].

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
    site = default_site()
    spaces = [s for s in site.spaces if s.active and s.capacity >= attendees
              and (space_id is None or s.id == space_id)]
    windows = opening_windows(site)
    closed = closed_days(site, first, last)
    range_start, range_end = paris_day_bounds(first)[0], paris_day_bounds(last)[1]
    earliest = _next_quarter(now)
    occupied: dict[int, list[tuple[datetime, datetime]]] = {}
    rows = db.session.execute(
        select(BookingOccupancy.unit_id, BookingOccupancy.start_at, BookingOccupancy.end_at)
        .where(BookingOccupancy.end_at > range_start,
               BookingOccupancy.start_at < range_end + timedelta(minutes=site.buffer_minutes)))
    for unit, start, end in rows:
        occupied.setdefault(unit, []).append((start, end))
    zone_ids = [s.id for s in site.spaces]
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
