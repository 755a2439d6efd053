"""`flask tick` jobs: send surveys when a target is over, remind once.

Each target kind plugs in with a small `TargetSource` (which targets are due,
their title, their recipients); `send_due_surveys` does the rest idempotently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.surveys.models import Invitation, SurveyDispatch
from labapp.surveys.services import Recipient, claim_target, config, invite, send_reminder
from labapp.tick import checkpoint, item, tick_job


@dataclass
class TargetSource:
    """A kind of surveyed target: its due targets (id, title, recipients) not yet
    surveyed, the title of one, and the ids of those that count in a year
    (sessions held / projects completed in that Paris year)."""

    kind: str
    due: Callable[[], Iterable[tuple[int, str, list[Recipient]]]]
    title: Callable[[int], str]
    in_year: Callable[[int], list[int]]


SOURCES: dict[str, TargetSource] = {}


def not_yet_dispatched(kind: str, id_column):
    """A WHERE clause: the target has no SurveyDispatch row yet."""
    return ~select(SurveyDispatch.id).where(SurveyDispatch.target_kind == kind,
                                            SurveyDispatch.target_id == id_column).exists()


def skip_locked(query):
    """FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite serialises writers already)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def send_due_surveys(kind: str, now: datetime) -> int:
    """Invite the recipients of every due target of `kind` once; returns invitations sent."""
    source = SOURCES[kind]
    sent = 0
    for target_id, title, recipients in source.due():
        with item(f"{kind}:{target_id}"):
            if claim_target(kind, target_id):
                sent += invite(kind, target_id, title, recipients, now)
        checkpoint()
    return sent


# --- projects ------------------------------------------------------------------------------

def _completed_projects():
    from labapp.projects.models import Project

    query = skip_locked(select(Project).where(
        Project.status == "completed", not_yet_dispatched("project", Project.id)
    ).order_by(Project.id).limit(200))
    for project in db.session.scalars(query).all():
        recipients = [Recipient(c.email, c.name) for c in project.contacts]
        if not recipients:
            recipients = [Recipient(project.requested_by.email, project.requested_by.name)]
        yield project.id, project.title, recipients


def _project_title(target_id: int) -> str:
    from labapp.projects.models import Project

    project = db.session.get(Project, target_id)
    return project.title if project else "projet"


def _projects_completed_in(year: int) -> list[int]:
    from datetime import date

    from labapp.projects.models import Project

    return list(db.session.scalars(select(Project.id).where(
        Project.status == "completed", Project.support_ended_on >= date(year, 1, 1),
        Project.support_ended_on <= date(year, 12, 31))))


SOURCES["project"] = TargetSource("project", _completed_projects, _project_title,
                                  _projects_completed_in)


def known_target(kind: str, target_id: int) -> bool:
    """Whether `target_id` is an existing project or session of that kind."""
    from labapp.projects.models import Project
    from labapp.trainings.models import Session

    model = {"project": Project, "session": Session}.get(kind)
    return model is not None and db.session.get(model, target_id) is not None


def target_title(kind: str, target_id: int) -> str:
    source = SOURCES.get(kind)
    return source.title(target_id) if source else ""



@tick_job("project_surveys", order=40)
def project_surveys(now: datetime) -> int:
    """Completed projects not yet surveyed: invite their contacts (the requester by default)."""
    return send_due_surveys("project", now)


# --- sessions ------------------------------------------------------------------------------

def _held_sessions():
    """Sessions marked held recently (within the survey validity), not yet surveyed:
    their attendees marked present. Older history recorded later is not surveyed."""
    from labapp.trainings.models import Registration, Session

    since = utcnow() - timedelta(days=config("SURVEY_VALID_DAYS", 30))
    query = skip_locked(select(Session).where(
        Session.status == "held", Session.held_at >= since,
        not_yet_dispatched("session", Session.id),
    ).order_by(Session.id).limit(200))
    sessions = db.session.scalars(query).all()
    present = db.session.scalars(select(Registration).where(
        Registration.session_id.in_([s.id for s in sessions]), Registration.present.is_(True),
        Registration.status == "confirmed").order_by(Registration.id)).all()
    for session in sessions:
        recipients = [Recipient(r.email, r.name) for r in present if r.session_id == session.id]
        yield session.id, session.title, recipients


def _session_title(target_id: int) -> str:
    from labapp.trainings.models import Session

    session = db.session.get(Session, target_id)
    return session.title if session else "session"


def _sessions_held_in(year: int) -> list[int]:
    from labapp.timeutil import paris_year_bounds
    from labapp.trainings.models import Session

    start, end = paris_year_bounds(year)
    return list(db.session.scalars(select(Session.id).where(
        Session.status == "held", Session.start_at >= start, Session.start_at < end)))


SOURCES["session"] = TargetSource("session", _held_sessions, _session_title, _sessions_held_in)


@tick_job("session_surveys", order=40)
def session_surveys(now: datetime) -> int:
    """Sessions just held: invite the attendees marked present, once."""
    return send_due_surveys("session", now)


@tick_job("survey_reminders", order=45)
def survey_reminders(now: datetime) -> int:
    """One reminder, SURVEY_REMINDER_DAYS after the invitation, if still unanswered and valid."""
    days = config("SURVEY_REMINDER_DAYS", 7)
    query = skip_locked(select(Invitation).where(
        Invitation.answered_at.is_(None), Invitation.reminded_at.is_(None),
        Invitation.created_at <= now - timedelta(days=days), Invitation.expires_at > now,
    ).order_by(Invitation.id).limit(500))
    sent = 0
    for invitation in db.session.scalars(query).all():
        with item(f"invitation:{invitation.id}"):
            title = target_title(invitation.target_kind, invitation.target_id)
            sent += send_reminder(invitation, title, now)
        checkpoint()
    return sent
