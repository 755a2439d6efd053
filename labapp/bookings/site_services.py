"""Sites, spaces, opening hours and closures: reading them and the team's edits.

Opening hours and closures are Paris wall-clock times and dates. The booking
rules of a site (buffer, durations, horizon) live on the Site row.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from labapp.auth.models import User
from labapp.auth.services import require_admin, require_team
from labapp.bookings.models import BookingOccupancy, Closure, OpeningHours, Site, Space
from labapp.bookings.rules import OpeningWindow, paris_day_of, public_holiday, within_opening_hours
from labapp.errors import Conflict, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.transactions import need_write_lock

DEFAULT_SITE = {
    "name": "Lab Minnov",
    "address": "Place Beauvau, 75008 Paris",
    "area_m2": 100,
}
DEFAULT_OPENS, DEFAULT_CLOSES = time(8, 0), time(20, 0)


def create_site(name: str, address: str = "", area_m2: int | None = None) -> Site:
    """A site with the default rules: Monday to Friday 08:00-20:00 (Paris), no buffer,
    15 min to 12 h per booking, bookable up to 365 days ahead."""
    site = Site(name=name, address=address, area_m2=area_m2, buffer_minutes=0,
                min_duration_minutes=15, max_duration_minutes=12 * 60, horizon_days=365)
    site.opening_hours = [OpeningHours(weekday=d, opens_at=DEFAULT_OPENS, closes_at=DEFAULT_CLOSES)
                          for d in range(5)]
    db.session.add(site)
    db.session.flush()
    return site


def default_site() -> Site:
    """The lab (the first site), created with its defaults if there is none yet."""
    site = db.session.scalar(select(Site).order_by(Site.id).limit(1))
    if site is None and need_write_lock():  # a page view reaching it first writes
        site = db.session.scalar(select(Site).order_by(Site.id).limit(1))
    return site or create_site(**DEFAULT_SITE)


def get_site(site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None:
        raise NotFound("Site introuvable.")
    return site


def list_sites() -> list[Site]:
    """Every site, the lab (the first site) first."""
    return list(db.session.scalars(select(Site).order_by(Site.id)))


def site_choice(site_id: int | None) -> tuple[list[Site], Site]:
    """Every site (the lab first) and the one `site_id` names, or the lab when it is None;
    404 for an unknown id. One query, whatever the number of sites."""
    sites = list_sites() or [default_site()]
    if site_id is None:
        return sites, sites[0]
    site = next((s for s in sites if s.id == site_id), None)
    if site is None:
        raise NotFound("Site introuvable.")
    return sites, site


def list_closures(site_id: int | None = None, first: date | None = None,
                  last: date | None = None) -> list[Closure]:
    """Closures (of one site, overlapping the Paris dates [first, last] when given),
    latest first."""
    query = select(Closure).order_by(Closure.start_date.desc(), Closure.id.desc())
    if site_id is not None:
        query = query.where(Closure.site_id == site_id)
    if first is not None:
        query = query.where(Closure.end_date >= first)
    if last is not None:
        query = query.where(Closure.start_date <= last)
    return list(db.session.scalars(query))


def list_spaces(include_inactive: bool = False, site_id: int | None = None) -> list[Space]:
    """Bookable entries (of one site when `site_id` is given), site by site: the whole lab
    first, then zones by name."""
    query = (select(Space).options(joinedload(Space.site))
             .order_by(Space.site_id, Space.whole.desc(), Space.name))
    if site_id is not None:
        query = query.where(Space.site_id == site_id)
    if not include_inactive:
        query = query.where(Space.active.is_(True))
    return list(db.session.scalars(query))


def get_space(space_id: int | None, field: str = "space_id", active_only: bool = True) -> Space:
    """The space, or a 422 on `field` when it does not exist (or is inactive)."""
    space = db.session.get(Space, space_id) if isinstance(space_id, int) else None
    if space is None or (active_only and not space.active):
        raise ValidationFailed.on(field, "Cet espace n'existe pas ou n'est plus réservable.")
    return space


def units_of(space: Space) -> list[int]:
    """The units a booking of `space` occupies: the whole lab occupies itself and every
    zone of its site; a zone occupies itself."""
    if not space.whole:
        return [space.id]
    return list(db.session.scalars(select(Space.id).where(Space.site_id == space.site_id)))


def related_space_ids(space: Space) -> list[int]:
    """Spaces whose bookings can conflict with a booking of `space` (itself included)."""
    if space.whole:
        return units_of(space)
    wholes = db.session.scalars(
        select(Space.id).where(Space.site_id == space.site_id, Space.whole.is_(True)))
    return [space.id, *wholes]


def opening_windows(site: Site) -> dict[int, OpeningWindow]:
    return {h.weekday: OpeningWindow(h.weekday, h.opens_at, h.closes_at) for h in site.opening_hours}


def closure_on(site: Site, day: date) -> str | None:
    """Why the site is closed on that Paris date (a team closure or a public holiday), or None."""
    label = db.session.scalar(
        select(Closure.label).where(Closure.site_id == site.id, Closure.start_date <= day,
                                    Closure.end_date >= day).limit(1))
    if label:
        return label
    holiday = public_holiday(day)
    return f"Jour férié ({holiday})" if holiday else None


def opening_problem(site: Site, start: datetime, end: datetime) -> str | None:
    """Why [start, end) cannot be held at the site as its calendar stands now (a
    closure or public holiday, or outside the opening hours of one Paris day), or None."""
    day = paris_day_of(start, end)
    closed = closure_on(site, day) if day else None
    if closed:
        return f"Le lab est fermé ce jour-là : {closed}."
    if not within_opening_hours(start, end, opening_windows(site)):
        return "Ce créneau est en dehors des heures d'ouverture" + _hours_hint(site, day) + "."
    return None


def _hours_hint(site: Site, day) -> str:
    if day is None:
        return " (une réservation tient dans une seule journée)"
    window = opening_windows(site).get(day.weekday())
    if window is None:
        return " (le lab est fermé ce jour de la semaine)"
    return f" ({window.opens:%H:%M} – {window.closes:%H:%M})"


def closed_days(site: Site, first: date, last: date,
                closures: list[Closure] | None = None) -> dict[date, str]:
    """Every closed Paris date in [first, last] with its reason (closures and holidays).

    `closures`, when given, are the site's closures already read (no query)."""
    from datetime import timedelta

    result: dict[date, str] = {}
    if closures is None:
        closures = db.session.scalars(
            select(Closure).where(Closure.site_id == site.id, Closure.start_date <= last,
                                  Closure.end_date >= first))
    for closure in closures:
        day = max(closure.start_date, first)
        while day <= min(closure.end_date, last):
            result.setdefault(day, closure.label)
            day += timedelta(days=1)
    day = first
    while day <= last:
        holiday = public_holiday(day)
        if holiday and day not in result:
            result[day] = f"Jour férié ({holiday})"
        day += timedelta(days=1)
    return result


# --- The team's edits -----------------------------------------------------------------


def add_closure(actor: User, site_id: int, start_date: date, end_date: date, label: str) -> Closure:
    """Close a site on Paris dates [start_date, end_date] (existing bookings are kept)."""
    require_team(actor)
    site = get_site(site_id)
    if end_date < start_date:
        raise ValidationFailed.on("end_date", "La date de fin doit suivre la date de début.")
    label = (label or "").strip()
    if not label:
        raise ValidationFailed.on("label", "Indiquez le motif de la fermeture.")
    closure = Closure(site_id=site.id, start_date=start_date, end_date=end_date, label=label[:200])
    db.session.add(closure)
    db.session.flush()
    return closure


def delete_closure(actor: User, closure_id: int, site_id: int | None = None) -> None:
    """Remove a closure (of `site_id` when given: another site's closure is not found)."""
    require_team(actor)
    closure = db.session.get(Closure, closure_id)
    if closure is None or (site_id is not None and closure.site_id != site_id):
        raise NotFound("Fermeture introuvable.")
    db.session.delete(closure)
    db.session.flush()


def set_opening_hours(actor: User, site_id: int,
                      hours: dict[int, tuple[time, time] | None]) -> Site:
    """Replace a site's opening hours: weekday (0 = Monday) -> (opens, closes) or None (closed)."""
    require_team(actor)
    site = get_site(site_id)
    for weekday, window in hours.items():
        if window is not None and window[1] <= window[0]:
            raise ValidationFailed.on(f"closes_{weekday}",
                                      "L'heure de fermeture doit suivre l'heure d'ouverture.")
    existing = {h.weekday: h for h in site.opening_hours}
    for weekday in range(7):
        window = hours.get(weekday)
        row = existing.get(weekday)
        if window is None and row is not None:
            site.opening_hours.remove(row)
        elif window is not None and row is None:
            site.opening_hours.append(OpeningHours(weekday=weekday, opens_at=window[0],
                                                   closes_at=window[1]))
        elif window is not None:
            row.opens_at, row.closes_at = window
    db.session.flush()
    return site


def set_booking_rules(actor: User, site_id: int, buffer_minutes: int, min_duration_minutes: int,
                      max_duration_minutes: int, horizon_days: int) -> Site:
    """Buffer (minutes, 0-240), durations (minutes) and horizon (days) of a site.

    A new buffer applies to bookings approved from now on.
    """
    require_team(actor)
    site = get_site(site_id)
    if not 0 <= buffer_minutes <= 240:
        raise ValidationFailed.on("buffer_minutes", "Entre 0 et 240 minutes.")
    if not 5 <= min_duration_minutes <= 24 * 60:
        raise ValidationFailed.on("min_duration_minutes", "Entre 5 minutes et 24 heures.")
    if not min_duration_minutes <= max_duration_minutes <= 24 * 60:
        raise ValidationFailed.on("max_duration_minutes",
                                  "Au moins la durée minimale, au plus 24 heures.")
    if not 1 <= horizon_days <= 3 * 365:
        raise ValidationFailed.on("horizon_days", "Entre 1 et 1095 jours.")
    site.buffer_minutes, site.horizon_days = buffer_minutes, horizon_days
    site.min_duration_minutes, site.max_duration_minutes = min_duration_minutes, max_duration_minutes
    db.session.flush()
    return site


def save_space(actor: User, space_id: int | None, *, name: str, capacity: int, equipment: str = "",
               description: str = "", whole: bool = False, active: bool = True,
               site_id: int | None = None) -> Space:
    """Admin: create (space_id None) or edit a bookable entry. One whole-lab entry per site."""
    require_admin(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.on("name", "Indiquez le nom de l'espace.")
    if not isinstance(capacity, int) or not 1 <= capacity <= 1000:
        raise ValidationFailed.on("capacity", "La capacité doit être comprise entre 1 et 1000.")
    if space_id is None:
        site = get_site(site_id) if site_id else default_site()
        # Checked before the new row joins the session: the query would flush it, nameless.
        if whole and db.session.scalar(
                select(Space.id).where(Space.site_id == site.id, Space.whole.is_(True))):
            raise ValidationFailed.on("whole", "Ce site a déjà une entrée « lab entier ».")
        space = Space(site_id=site.id)
        db.session.add(space)
    else:
        space = db.session.get(Space, space_id)
        if space is None:
            raise NotFound("Espace introuvable.")
        if space.whole != whole:
            raise Conflict("On ne peut pas changer un espace en « lab entier » ni l'inverse.")
    space.name, space.capacity, space.whole, space.active = name[:120], capacity, whole, active
    space.equipment, space.description = (equipment or "").strip(), (description or "").strip()
    db.session.flush()
    if space_id is None and not whole:
        _occupy_new_zone(space)
    return space


def _occupy_new_zone(zone: Space) -> None:
    """A new zone is occupied by the whole-lab bookings already approved on its site."""
    whole_ids = select(Space.id).where(Space.site_id == zone.site_id, Space.whole.is_(True))
    rows = db.session.execute(
        select(BookingOccupancy.booking_id, BookingOccupancy.start_at, BookingOccupancy.end_at)
        .where(BookingOccupancy.unit_id.in_(whole_ids))).all()
    db.session.add_all(BookingOccupancy(booking_id=b, unit_id=zone.id, start_at=s, end_at=e)
                       for b, s, e in rows)
    db.session.flush()
