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
from labapp.errors import NotFound, ValidationFailed
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
    values = _validated(project, occurred_on, kind, title, notes, booking_id, session_id)
    entry = JournalEntry(project=project, author_id=user.id, **values)
    db.session.add(entry)
    db.session.flush()
    return entry


def editable_entry(user: User, project: Project, entry_id: int) -> JournalEntry:
    """Team: one entry of this project, to correct or delete. Forbidden (403) for anyone
    else; NotFound (404) for an unknown id or another project's entry."""
    require_team(user)
    entry = db.session.scalar(select(JournalEntry).where(
        JournalEntry.id == entry_id, JournalEntry.project_id == project.id))
    if entry is None:
        raise NotFound("Activité introuvable dans le journal de ce projet.")
    return entry


def update_journal_entry(user: User, project: Project, entry_id: int, occurred_on: date | None,
                         kind: str, title: str, notes: str = "", booking_id: int | None = None,
                         session_id: int | None = None) -> JournalEntry:
    """Team: correct an entry (every value is replaced, with the rules of
    `add_journal_entry`). NotFound (404): not an entry of this project."""
    entry = editable_entry(user, project, entry_id)
    values = _validated(project, occurred_on, kind, title, notes, booking_id, session_id)
    for name, value in values.items():
        setattr(entry, name, value)
    db.session.flush()
    return entry


def delete_journal_entry(user: User, project: Project, entry_id: int) -> None:
    """Team: delete an entry. NotFound (404): not an entry of this project."""
    db.session.delete(editable_entry(user, project, entry_id))
    db.session.flush()


def _validated(project: Project, occurred_on: date | None, kind: str, title: str, notes: str,
               booking_id: int | None, session_id: int | None) -> dict:
    """The entry's values, cleaned, or ValidationFailed with French messages by field."""
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
    return {"occurred_on": occurred_on, "kind": kind, "title": title, "notes": notes,
            "booking": booking, "session": session}
