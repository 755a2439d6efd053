"""Booking rules: requests, direct bookings, approval, refusal, cancellation, moves.

Intervals are half-open `[start, end)`, aware datetimes (stored UTC); opening
hours, closures and holidays are read in Europe/Paris.

No double booking: an approved booking occupies units (see `site_services.units_of`)
through `BookingOccupancy` rows. Every state change of a site's bookings first
locks the site row on PostgreSQL (`SELECT ... FOR UPDATE`), so changes are
serialised and always made in the same lock order (no deadlock); SQLite
serialises writers with BEGIN IMMEDIATE. The check is repeated by the database:
PostgreSQL's exclusion constraint refuses overlapping occupancy, and that error
becomes a Conflict (409) too. Services only flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from labapp.auth.models import User
from labapp.auth.services import require_team
from labapp.bookings import notifications
from labapp.bookings.models import PURPOSES, Booking, BookingOccupancy, Site, Space
from labapp.bookings.rules import occupied_range, paris_day_of, within_opening_hours
from labapp.bookings.site_services import (
    closure_on,
    get_space,
    opening_windows,
    related_space_ids,
    units_of,
)
from labapp.db_types import utcnow
from labapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.formatting import date_fr, time_fr
from labapp.input_checks import LINE_BREAK, line_problem

MAX_TITLE = 200
MAX_TEXT = 2000
EXCLUSION_VIOLATION = "23P01"


# --- Reading ---------------------------------------------------------------------------


def visible_booking(actor: User, booking_id: int) -> Booking:
    """The booking if `actor` may see it: the team sees all, an agent only their own (404)."""
    booking = db.session.get(Booking, booking_id) if isinstance(booking_id, int) else None
    if booking is None or not (actor.is_team or booking.requested_by_id == actor.id):
        raise NotFound("Réservation introuvable.")
    return booking


def find_conflicts(space: Space, start: datetime, end: datetime,
                   exclude_booking_id: int | None = None) -> list[Booking]:
    """Approved bookings that [start, end) in `space` would overlap (buffer and
    whole-lab/zone rule included), earliest first."""
    buffer = space.site.buffer_minutes
    occ_start, occ_end = occupied_range(start, end, buffer)
    query = (
        select(Booking).join(BookingOccupancy, BookingOccupancy.booking_id == Booking.id)
        .where(BookingOccupancy.unit_id.in_(units_of(space)),
               BookingOccupancy.start_at < occ_end, BookingOccupancy.end_at > occ_start)
        .order_by(Booking.start_at).distinct()
    )
    if exclude_booking_id is not None:
        query = query.where(Booking.id != exclude_booking_id)
    return list(db.session.scalars(query))


def overlapping_pending(booking: Booking) -> list[Booking]:
    """Other pending requests that could not be approved once `booking` is (buffer included)."""
    buffer = timedelta(minutes=booking.space.site.buffer_minutes)
    return list(db.session.scalars(
        select(Booking).where(
            Booking.status == "pending", Booking.id != booking.id,
            Booking.space_id.in_(related_space_ids(booking.space)),
            Booking.start_at < booking.end_at + buffer, Booking.end_at > booking.start_at - buffer,
        ).order_by(Booking.start_at, Booking.id)
    ))


def describe(booking: Booking) -> str:
    """`Lab entier, lundi 2 mars 2026 de 09 h 00 à 12 h 00` (Paris time)."""
    return (f"{booking.space.name}, {date_fr(booking.start_at)} "
            f"de {time_fr(booking.start_at)} à {time_fr(booking.end_at)}")


def conflict_error(conflicts: list[Booking]) -> Conflict:
    first = conflicts[0]
    message = f"Ce créneau est déjà réservé ({describe(first)})."
    return Conflict(message, {"start": [message]})


# --- Validation --------------------------------------------------------------------------


def validate_slot(space: Space, start: datetime, end: datetime, attendees: int, *,
                  allow_past: bool = False, now: datetime | None = None) -> None:
    """Raise ValidationFailed (422, messages by field) unless [start, end) can be booked.

    Rules: end after start; not in the past (unless `allow_past`: the team recording
    a past session, where opening hours, closures and horizon are not checked);
    duration between the site's min and max; within the horizon; inside the opening
    hours of one Paris day; not on a closure or a French public holiday; attendees
    between 1 and the capacity.
    """
    now = now or utcnow()
    site = space.site
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if not isinstance(attendees, int) or isinstance(attendees, bool) or attendees < 1:
        add("attendees", "Indiquez au moins une personne.")
    elif attendees > space.capacity:
        add("attendees", f"{space.name} accueille au plus {space.capacity} personnes.")
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed.on("start", "Date et heure sans fuseau horaire.")
    if end <= start:
        add("end", "La fin doit être après le début.")
        raise ValidationFailed(errors["end"][0], errors)
    duration = end - start
    if duration < timedelta(minutes=site.min_duration_minutes):
        add("end", f"Une réservation dure au moins {site.min_duration_minutes} minutes.")
    elif duration > timedelta(minutes=site.max_duration_minutes):
        add("end", f"Une réservation dure au plus {_hours(site.max_duration_minutes)}.")
    in_past = start < now
    if in_past and not allow_past:
        add("start", "Ce créneau est déjà passé.")
    elif not in_past:
        if start > now + timedelta(days=site.horizon_days):
            add("start", f"On ne peut pas réserver plus de {site.horizon_days} jours à l'avance.")
        day = paris_day_of(start, end)
        closed = closure_on(site, day) if day else None
        if closed:
            add("start", f"Le lab est fermé ce jour-là : {closed}.")
        elif not within_opening_hours(start, end, opening_windows(site)):
            add("start", "Ce créneau est en dehors des heures d'ouverture" + _hours_hint(site, day) + ".")
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} heures"


def _hours_hint(site: Site, day) -> str:
    if day is None:
        return " (une réservation tient dans une seule journée)"
    window = opening_windows(site).get(day.weekday())
    if window is None:
        return " (le lab est fermé ce jour de la semaine)"
    return f" ({window.opens:%H:%M} – {window.closes:%H:%M})"


def clean_text(value: str | None, field: str, required: bool = False, max_length: int = MAX_TEXT):
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed.on(field, "Ce champ est obligatoire.")
    if len(value) > max_length:
        raise ValidationFailed.on(field, f"{max_length} caractères au plus.")
    return value or None


def clean_line(value: str | None, field: str, max_length: int) -> str:
    """A required one-line text (a title: e-mails show it)."""
    if line_problem(value):
        raise ValidationFailed.on(field, LINE_BREAK)
    return clean_text(value, field, True, max_length)


def _check_purpose(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ValidationFailed.on("purpose", "Objet non autorisé : " + ", ".join(PURPOSES) + ".")
    return purpose


# --- Locking and occupancy ---------------------------------------------------------------


def lock_site(site_id: int) -> None:
    """Serialise booking changes of one site (PostgreSQL row lock; SQLite's BEGIN IMMEDIATE
    already serialises every writer)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Site.id).where(Site.id == site_id).with_for_update())


def _locked(booking: Booking) -> Booking:
    """Lock the booking's site, then re-read the booking as committed by others."""
    lock_site(booking.space.site_id)
    return db.session.scalars(
        select(Booking).where(Booking.id == booking.id).execution_options(populate_existing=True)
    ).one()


def occupy(booking: Booking) -> None:
    """Write the occupancy of an approved booking; Conflict (409) if any unit is taken.

    The caller holds the site lock. On PostgreSQL the exclusion constraint checks
    again; its violation is turned into the same Conflict.
    """
    conflicts = find_conflicts(booking.space, booking.start_at, booking.end_at, booking.id)
    if conflicts:
        raise conflict_error(conflicts)
    start, end = occupied_range(booking.start_at, booking.end_at, booking.space.site.buffer_minutes)
    try:
        with db.session.begin_nested():
            db.session.add_all(BookingOccupancy(booking_id=booking.id, unit_id=unit,
                                                start_at=start, end_at=end)
                               for unit in units_of(booking.space))
    except IntegrityError as error:
        if getattr(error.orig, "sqlstate", None) != EXCLUSION_VIOLATION:
            raise
        message = "Ce créneau vient d'être réservé par ailleurs."
        raise Conflict(message, {"start": [message]}) from None


def release(booking: Booking) -> None:
    """Delete the occupancy of a booking that is no longer approved (or is moving)."""
    db.session.execute(delete(BookingOccupancy).where(BookingOccupancy.booking_id == booking.id))


# --- Creating ----------------------------------------------------------------------------


def _check_project(actor: User, project_id: int | None) -> None:
    """A booking may name a project its requester may see (the team: any project)."""
    if project_id is None:
        return
    from labapp.projects.models import Project  # projects depend on bookings, not the reverse

    project = db.session.get(Project, project_id)
    if project is None or (not actor.is_team and project.requested_by_id != actor.id):
        raise ValidationFailed.on("project_id", "Projet introuvable : indiquez l'un de vos projets.")


def _new_booking(actor: User, space: Space, start: datetime, end: datetime, title: str,
                 attendees: int, purpose: str, source: str, project_id=None, needs=None,
                 comment=None, series_id: str | None = None) -> Booking:
    _check_project(actor, project_id)
    booking = Booking(
        space=space, start_at=start, end_at=end, title=clean_line(title, "title", MAX_TITLE),
        attendees=attendees, purpose=_check_purpose(purpose), source=source, status="pending",
        requested_by=actor, project_id=project_id, needs=clean_text(needs, "needs"),
        comment=clean_text(comment, "comment"), series_id=series_id,
    )
    db.session.add(booking)
    return booking


def request_booking(actor: User, space_id: int, start: datetime, end: datetime, title: str,
                    attendees: int, purpose: str = "autre", project_id: int | None = None,
                    needs: str | None = None, comment: str | None = None, *,
                    series_id: str | None = None, notify: bool = True) -> Booking:
    """An agent's request for [start, end) in a space: created `pending`; the team is told.

    422 on invalid input (see `validate_slot`), 409 when it overlaps an approved booking.
    """
    space = get_space(space_id)
    validate_slot(space, start, end, attendees)
    booking = _new_booking(actor, space, start, end, title, attendees, purpose, "request",
                           project_id, needs, comment, series_id)
    conflicts = find_conflicts(space, start, end)
    if conflicts:
        raise conflict_error(conflicts)
    booking.record(actor, "requested")
    db.session.flush()
    if notify:
        notifications.new_request(booking)
    return booking


def book_directly(actor: User, space_id: int, start: datetime, end: datetime, title: str,
                  attendees: int, purpose: str = "autre", project_id: int | None = None,
                  needs: str | None = None, comment: str | None = None, *,
                  series_id: str | None = None, allow_past: bool = False,
                  source: str = "team") -> Booking:
    """The team books a space, approved at once (same rules; 409 on overlap)."""
    require_team(actor)
    space = get_space(space_id)
    validate_slot(space, start, end, attendees, allow_past=allow_past)
    lock_site(space.site_id)
    booking = _new_booking(actor, space, start, end, title, attendees, purpose, source,
                           project_id, needs, comment, series_id)
    booking.status = "approved"
    booking.record(actor, "booked")
    db.session.flush()
    occupy(booking)
    return booking


def book_space_for_session(actor: User, space_id: int, start: datetime, end: datetime, title: str,
                           attendees: int, purpose: str = "formation") -> Booking:
    """A training session books its room: team only, approved at once, 409 on overlap.

    Allowed in the past (the team records past sessions); then opening hours,
    closures and horizon are not checked. The booking's `source` is "session".
    """
    return book_directly(actor, space_id, start, end, title, attendees, purpose,
                         allow_past=True, source="session")


# --- Decisions ---------------------------------------------------------------------------


def approve_booking(actor: User, booking_id: int, refuse_overlapping: bool = True,
                    note: str | None = None) -> Booking:
    """Team: approve a pending request, re-checking conflicts in this transaction (409).

    Other pending requests it overlaps (see `overlapping_pending`) are refused with a
    reason when `refuse_overlapping` (the UI shows them first); their requesters are told.
    """
    require_team(actor)
    booking = _locked(visible_booking(actor, booking_id))
    booking.approve(actor, note)
    db.session.flush()
    occupy(booking)
    if refuse_overlapping:
        reason = f"Le créneau a été attribué à une autre demande ({describe(booking)})."
        for other in overlapping_pending(booking):
            other.refuse(actor, reason)
            notifications.decided(other)
    db.session.flush()
    notifications.decided(booking)
    return booking


def refuse_booking(actor: User, booking_id: int, reason: str) -> Booking:
    """Team: refuse a pending request with a reason (required); the requester is told."""
    require_team(actor)
    reason = clean_text(reason, "reason", True, 500)
    booking = _locked(visible_booking(actor, booking_id))
    booking.refuse(actor, reason)
    db.session.flush()
    notifications.decided(booking)
    return booking


def cancel_booking(actor: User, booking_id: int, reason: str | None = None) -> Booking:
    """Cancel a pending or approved booking: its owner before it starts, or the team.

    Frees its occupancy. The requester is told when someone else cancels.
    """
    booking = visible_booking(actor, booking_id)
    if not actor.is_team and booking.start_at <= utcnow():
        raise Forbidden("Une réservation commencée ou passée ne peut être annulée que par l'équipe.")
    reason = clean_text(reason, "reason", False, 500)
    booking = _locked(booking)
    booking.cancel(actor, reason)
    release(booking)
    db.session.flush()
    if booking.requested_by_id != actor.id:
        notifications.decided(booking)
    return booking


def move_booking(actor: User, booking_id: int, start: datetime, end: datetime) -> Booking:
    """Change the time of a booking (same space): the team, or the owner of a pending request.

    Same rules as a new booking (a session's booking may be in the past); an approved
    booking keeps its status if the new slot is free, else 409 and nothing changes.
    """
    booking = visible_booking(actor, booking_id)
    if not actor.is_team and booking.status != "pending":
        raise Forbidden("Seule l'équipe peut déplacer une réservation acceptée.")
    if booking.status not in ("pending", "approved"):
        raise Conflict(f"Impossible de déplacer une réservation {booking.status_label.lower()}.")
    validate_slot(booking.space, start, end, booking.attendees,
                  allow_past=actor.is_team and booking.source == "session")
    booking = _locked(booking)
    if booking.status not in ("pending", "approved"):
        raise Conflict(f"Impossible de déplacer une réservation {booking.status_label.lower()}.")
    before = describe(booking)
    booking.start_at, booking.end_at = start, end
    booking.changed()
    booking.record(actor, "moved", f"Avant : {before}")
    db.session.flush()
    if booking.status == "approved":
        release(booking)
        db.session.flush()
        occupy(booking)
    else:
        conflicts = find_conflicts(booking.space, start, end, booking.id)
        if conflicts:
            raise conflict_error(conflicts)
    return booking
