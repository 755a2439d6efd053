"""Recurring bookings: every N weeks on chosen weekdays, or every N days, until a date.

Each occurrence is its own Booking row (own status) sharing a `series_id`, at the
same Paris wall-clock times on each date (so 09:00 stays 09:00 across DST). At
most 52 occurrences. `preview_series` lists each date with what prevents it, so
the requester sees conflicting dates before sending.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from labapp.auth.models import User
from labapp.bookings import notifications
from labapp.bookings.models import Booking
from labapp.bookings.rules import (
    MAX_OCCURRENCES,
    occurrence_bounds,
    paris_day_of,
    paris_wall_times,
    recurrence_days,
)
from labapp.bookings.services import (
    _locked,
    book_directly,
    clean_text,
    find_conflicts,
    release,
    request_booking,
    validate_slot,
    visible_booking,
)
from labapp.bookings.site_services import get_space
from labapp.db_types import utcnow
from labapp.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.timeutil import InvalidLocalTime


@dataclass
class Occurrence:
    """One date of a series: its UTC [start, end) and why it cannot be booked (None if it can)."""

    day: date
    start: datetime | None
    end: datetime | None
    problem: str | None


def series_days(first_day: date, until: date, frequency: str, interval: int = 1,
                weekdays: list[int] | None = None) -> list[date]:
    """The dates of a series, with 422s on the fields a form or the API sends."""
    if until < first_day:
        raise ValidationFailed.on("until", "La date de fin de la série doit suivre la première date.")
    if frequency not in ("daily", "weekly"):
        raise ValidationFailed.on("frequency", "Fréquence inconnue : daily ou weekly.")
    if not isinstance(interval, int) or not 1 <= interval <= 52:
        raise ValidationFailed.on("interval", "L'intervalle doit être compris entre 1 et 52.")
    if weekdays and any(not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays):
        raise ValidationFailed.on("weekdays", "Jours de la semaine : 0 (lundi) à 6 (dimanche).")
    try:
        return recurrence_days(first_day, until, frequency, interval, weekdays)
    except ValueError:
        raise ValidationFailed.on(
            "until", f"Une série compte au plus {MAX_OCCURRENCES} dates : rapprochez la date de fin."
        ) from None


def first_occurrence(start: datetime, end: datetime) -> tuple[date, time, time]:
    """The first occurrence [start, end) as its Paris date and wall-clock times, which every
    other date repeats; 422 on `end` unless it ends after it starts on the same Paris day."""
    if end <= start:
        raise ValidationFailed.on("end", "La fin doit être après le début.")
    if paris_day_of(start, end) is None:
        raise ValidationFailed.on("end", "Chaque date d'une série tient dans une seule journée.")
    return paris_wall_times(start, end)


def preview_series(space_id: int, first_day: date, start_time: time, end_time: time, until: date,
                   frequency: str, attendees: int, interval: int = 1,
                   weekdays: list[int] | None = None, allow_past: bool = False) -> list[Occurrence]:
    """Each date of the series with its problem (rule broken or overlap), nothing stored."""
    space = get_space(space_id)
    occurrences = []
    for day in series_days(first_day, until, frequency, interval, weekdays):
        try:
            start, end = occurrence_bounds(day, start_time, end_time)
        except InvalidLocalTime:
            occurrences.append(Occurrence(day, None, None, "Cette heure n'existe pas ce jour-là."))
            continue
        problem = None
        try:
            validate_slot(space, start, end, attendees, allow_past=allow_past)
            conflicts = find_conflicts(space, start, end)
            if conflicts:
                problem = "Déjà réservé."
        except ValidationFailed as error:
            problem = error.message
        occurrences.append(Occurrence(day, start, end, problem))
    return occurrences


def book_series(actor: User, space_id: int, first_day: date, start_time: time, end_time: time,
                until: date, frequency: str, title: str, attendees: int, purpose: str = "autre",
                interval: int = 1, weekdays: list[int] | None = None, project_id: int | None = None,
                needs: str | None = None, comment: str | None = None, *, direct: bool = False,
                skip_unavailable: bool = False) -> list[Booking]:
    """Request (or, `direct` for the team, book approved) every date of a series.

    Dates that cannot be booked make the whole call fail (422 listing them on
    `until`, or 409 for overlaps) unless `skip_unavailable`, which books the others.
    The team is told once for the whole series.
    """
    return book_series_detailed(
        actor, space_id, first_day, start_time, end_time, until, frequency, title, attendees,
        purpose, interval, weekdays, project_id, needs, comment, direct=direct,
        skip_unavailable=skip_unavailable)[0]


def book_series_detailed(actor: User, space_id: int, first_day: date, start_time: time,
                         end_time: time, until: date, frequency: str, title: str, attendees: int,
                         purpose: str = "autre", interval: int = 1, weekdays: list[int] | None = None,
                         project_id: int | None = None, needs: str | None = None,
                         comment: str | None = None, *, direct: bool = False,
                         skip_unavailable: bool = False) -> tuple[list[Booking], list[Occurrence]]:
    """`book_series`, also returning the dates left out (with their problem)."""
    occurrences = preview_series(space_id, first_day, start_time, end_time, until, frequency,
                                 attendees, interval, weekdays)
    blocked = [o for o in occurrences if o.problem]
    if blocked and not skip_unavailable:
        listing = "; ".join(f"{o.day:%d/%m/%Y} : {o.problem}" for o in blocked)
        error_class = Conflict if all(o.problem == "Déjà réservé." for o in blocked) else ValidationFailed
        raise error_class(f"Dates impossibles : {listing}", {"until": [f"Dates impossibles : {listing}"]})
    bookable = [o for o in occurrences if not o.problem]
    if not bookable:
        raise ValidationFailed.on("until", "Aucune date de la série n'est disponible.")
    series_id = uuid.uuid4().hex if len(bookable) > 1 else None
    bookings = []
    for occurrence in bookable:
        if direct:
            bookings.append(book_directly(actor, space_id, occurrence.start, occurrence.end, title,
                                          attendees, purpose, project_id, needs, comment,
                                          series_id=series_id))
        else:
            bookings.append(request_booking(actor, space_id, occurrence.start, occurrence.end, title,
                                            attendees, purpose, project_id, needs, comment,
                                            series_id=series_id, notify=False))
    if not direct:
        notifications.new_request(bookings[0], occurrences=len(bookings))
    return bookings, blocked


def cancel_series(actor: User, booking_id: int, reason: str | None = None,
                  following: bool = True) -> list[Booking]:
    """Cancel one occurrence (`following=False`) or it and every later pending or approved
    occurrence of its series that `actor` may cancel (an agent: not yet started)."""
    booking = visible_booking(actor, booking_id)
    reason = clean_text(reason, "reason", False, 500)
    targets = [booking]
    if following and booking.series_id:
        query = select(Booking).where(Booking.series_id == booking.series_id,
                                      Booking.start_at >= booking.start_at,
                                      Booking.status.in_(("pending", "approved")),
                                      Booking.id != booking.id)
        if not actor.is_team:
            query = query.where(Booking.requested_by_id == actor.id, Booking.start_at > utcnow())
        targets += list(db.session.scalars(query.order_by(Booking.start_at)))
    if not actor.is_team and booking.start_at <= utcnow():
        raise Forbidden("Une réservation commencée ou passée ne peut être annulée que par l'équipe.")
    cancelled = []
    for target in targets:
        target = _locked(target)
        try:
            target.cancel(actor, reason)
        except DomainError:
            if target is booking:
                raise
            continue
        release(target)
        cancelled.append(target)
    db.session.flush()
    # The requester hears of a cancellation made by someone else: one e-mail for every date.
    notifications.cancelled([b for b in cancelled if b.requested_by_id != actor.id])
    return cancelled


def series_bookings(actor: User, series_id: str) -> list[Booking]:
    """The occurrences of a series `actor` may see (team: all; an agent: their own), by date;
    404 when there is none."""
    query = select(Booking).where(Booking.series_id == series_id)
    if not actor.is_team:
        query = query.where(Booking.requested_by_id == actor.id)
    bookings = list(db.session.scalars(query.order_by(Booking.start_at, Booking.id)))
    if not bookings:
        raise NotFound("Série introuvable.")
    return bookings


def cancel_rest_of_series(actor: User, series_id: str, reason: str | None = None,
                          from_booking_id: int | None = None) -> list[Booking]:
    """Cancel the rest of a series: from the occurrence `from_booking_id`, or by default from
    the next occurrence still to come (pending or approved). Same rights as `cancel_series`
    (the requester before the start, or the team); 409 when nothing is left to cancel."""
    bookings = series_bookings(actor, series_id)
    if from_booking_id is not None:
        first = next((b for b in bookings if b.id == from_booking_id), None)
        if first is None:
            raise ValidationFailed.on("from_booking_id",
                                      "Cette réservation n'appartient pas à la série.")
    else:
        now = utcnow()
        first = next((b for b in bookings
                      if b.status in ("pending", "approved") and b.start_at > now), None)
        if first is None:
            raise Conflict("Il ne reste aucune date à venir à annuler dans cette série.")
    return cancel_series(actor, first.id, reason, following=True)
