"""A project's activity journal: dated workshops, meetings and interviews, each
optionally tied to one of the project's bookings and to a training session.

Dates are Europe/Paris calendar dates. Services take the acting user, raise
domain errors and only flush; the caller commits.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from labapp.auth.models import User
from labapp.auth.services import require_team
from labapp.bookings.models import Booking
from labapp.errors import ValidationFailed
from labapp.extensions import db
from labapp.projects.models import JOURNAL_KINDS, JournalEntry, Project
from labapp.timeutil import paris_day_bounds, to_paris
from labapp.trainings.models import Session

TITLE_MAX = 200
NOTES_MAX = 10000
# Sessions offered for linking: those around the support period (the API takes any).
SESSION_WINDOW_BEFORE = timedelta(days=60)
SESSION_WINDOW_AFTER = timedelta(days=120)
CHOICES_LIMIT = 100


def journal_entries(project: Project) -> list[JournalEntry]:
    """The project's entries, latest first, with their booking and session (three queries
    at most, whatever the number of entries)."""
    return list(db.session.scalars(
        select(JournalEntry).where(JournalEntry.project_id == project.id)
        .options(selectinload(JournalEntry.booking), selectinload(JournalEntry.session))
        .order_by(JournalEntry.occurred_on.desc(), JournalEntry.id.desc())))


def project_bookings(project: Project) -> list[Booking]:
    """Bookings made for this project (`Booking.project_id`), latest first."""
    return list(db.session.scalars(
        select(Booking).where(Booking.project_id == project.id)
        .order_by(Booking.start_at.desc(), Booking.id.desc()).limit(CHOICES_LIMIT)))


def sessions_around(project: Project, today: date) -> list[Session]:
    """Sessions (not cancelled) from two months before the support period (or the
    request) to four months after its end (or today), latest first."""
    first = project.support_started_on or to_paris(project.created_at).date()
    last = project.support_ended_on or max(today, first)
    start = paris_day_bounds(first - SESSION_WINDOW_BEFORE)[0]
    end = paris_day_bounds(last + SESSION_WINDOW_AFTER)[1]
    return list(db.session.scalars(
        select(Session).where(Session.status != "cancelled", Session.start_at >= start,
                              Session.start_at < end)
        .order_by(Session.start_at.desc(), Session.id.desc()).limit(CHOICES_LIMIT)))


def add_journal_entry(user: User, project: Project, occurred_on: date | None, kind: str,
                      title: str, notes: str = "", booking_id: int | None = None,
                      session_id: int | None = None) -> JournalEntry:
    """Team: record an activity of the project.

    `booking_id` must be a booking of this project, `session_id` an existing
    session. Without a date, the (Paris) day of the booking or session is taken.
    ValidationFailed (422) with French messages by field otherwise.
    """
    require_team(user)
    errors: dict[str, list[str]] = {}
    if kind not in JOURNAL_KINDS:
        errors["kind"] = ["Type d'activité inconnu : " + ", ".join(JOURNAL_KINDS) + "."]
    title = (title or "").strip()
    if not title:
        errors["title"] = ["Indiquez l'intitulé de l'activité."]
    elif len(title) > TITLE_MAX:
        errors["title"] = [f"{TITLE_MAX} caractères au plus."]
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        errors["notes"] = [f"{NOTES_MAX} caractères au plus."]
    booking = session = None
    if booking_id is not None:
        booking = db.session.get(Booking, booking_id)
        if booking is None or booking.project_id != project.id:
            errors["booking_id"] = ["Cette réservation n'est pas rattachée au projet."]
    if session_id is not None:
        session = db.session.get(Session, session_id)
        if session is None:
            errors["session_id"] = ["Session introuvable."]
    if occurred_on is None:
        linked = booking or session
        if linked is not None and not errors:
            occurred_on = to_paris(linked.start_at).date()
        elif "booking_id" not in errors and "session_id" not in errors:
            errors["occurred_on"] = ["Indiquez la date de l'activité."]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    entry = JournalEntry(project=project, occurred_on=occurred_on, kind=kind, title=title,
                         notes=notes, booking=booking, session=session, author_id=user.id)
    db.session.add(entry)
    db.session.flush()
    return entry
