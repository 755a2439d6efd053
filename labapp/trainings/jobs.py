"""`flask tick` jobs of the trainings domain: reminders and waiting-list promotions.

Both are idempotent and safe when two ticks run at once: a reminder is claimed
by a conditional UPDATE (only the tick whose UPDATE changed the row sends it),
and promotions lock the session row like every other seat change.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from labapp.extensions import db
from labapp.tick import checkpoint, item, tick_job
from labapp.trainings import mails
from labapp.trainings.models import Registration, Session
from labapp.trainings.registrations import promote_waitlist
from labapp.trainings.services import lock_session


def reminder_window(now: datetime) -> timedelta:
    return timedelta(hours=current_app.config.get("SESSION_REMINDER_HOURS", 24))


@tick_job("session_reminders", order=40)
def send_session_reminders(now: datetime) -> int:
    """Remind confirmed registrants of scheduled sessions starting within
    SESSION_REMINDER_HOURS (default 24) of `now`; once per registration."""
    due = db.session.execute(
        select(Registration.id, Session.id)
        .join(Session, Session.id == Registration.session_id)
        .where(Registration.status == "confirmed", Registration.reminder_sent_at.is_(None),
               Session.status == "scheduled", Session.start_at > now,
               Session.start_at <= now + reminder_window(now))
        .order_by(Session.start_at, Registration.id)
    ).all()
    sent = 0
    for registration_id, _session_id in due:
        with item(f"registration:{registration_id}"):
            sent += _remind(registration_id, now)
        checkpoint()
    db.session.flush()
    return sent


def _remind(registration_id: int, now: datetime) -> int:
    """Claim one reminder (conditional UPDATE) and queue it; 0 if another tick got it or the
    registration was cancelled meanwhile."""
    claimed = db.session.execute(
        update(Registration)
        .where(Registration.id == registration_id, Registration.reminder_sent_at.is_(None),
               Registration.status == "confirmed")
        .values(reminder_sent_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return 0
    registration = db.session.get(Registration, registration_id, populate_existing=True)
    mails.send_reminder_mail(registration, registration.session)
    db.session.flush()
    return 1


@tick_job("waitlist_promotions", order=30)
def promote_waitlists(now: datetime) -> int:
    """Give free seats of upcoming scheduled sessions to their waiting lists."""
    confirmed = (
        select(func.count()).select_from(Registration)
        .where(Registration.session_id == Session.id, Registration.status == "confirmed")
        .correlate(Session).scalar_subquery()
    )
    waiting = (
        select(Registration.id)
        .where(Registration.session_id == Session.id, Registration.status == "waitlisted")
        .correlate(Session).exists()
    )
    candidates = db.session.scalars(
        select(Session.id).where(Session.status == "scheduled", Session.start_at > now,
                                 waiting, confirmed < Session.capacity)
    ).all()
    promoted = 0
    for session_id in candidates:
        with item(f"session:{session_id}"):
            promoted += len(promote_waitlist(lock_session(session_id), now))
            db.session.flush()
        checkpoint()
    return promoted
