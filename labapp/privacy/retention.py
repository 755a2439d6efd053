"""Retention periods (RGPD), applied by `flask tick` and reused by account deletion.

Anonymising keeps every row and every column the figures are made of (status,
presence, dates, counts): only names, e-mail addresses, organisations and free
texts are replaced, so every indicator and survey result stays identical. Each
step is one bulk statement that skips rows already processed: running it again
changes nothing. Periods are read from the configuration (`RETENTION_*`):

- participants without an account (registrations by e-mail, survey invitations,
  project contacts) are anonymised `RETENTION_PARTICIPANT_MONTHS` (24) after
  their last activity;
- the free texts of bookings (needs, comment) are erased
  `RETENTION_BOOKING_TEXT_MONTHS` (36) after the booking ended;
- outbox bodies are erased `RETENTION_MAIL_BODY_DAYS` (90) after sending (or
  final failure); the outbox rows themselves and revoked API and calendar tokens
  are deleted after `RETENTION_LOG_MONTHS` (12); password-reset links
  `RETENTION_RESET_LINK_DAYS` (30) after their expiry; audit entries after
  `RETENTION_AUDIT_MONTHS` (12).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, delete, or_, select, update

from labapp.auth.models import ApiToken, PasswordResetToken, User
from labapp.bookings.models import Booking
from labapp.calendar.models import CalendarFeedToken, CalendarInvitationState
from labapp.extensions import db
from labapp.mail.models import OutboxMessage
from labapp.privacy.models import AuditEntry
from labapp.privacy.placeholders import (
    CONTACT_NAME,
    DOMAIN,
    PARTICIPANT_NAME,
    not_placeholder,
    placeholder_email_sql,
)
from labapp.projects.models import Project, ProjectContact
from labapp.surveys.models import Invitation
from labapp.tick import item
from labapp.timeutil import to_paris
from labapp.trainings.models import Registration, Session

FINAL_PROJECT_STATUSES = ("declined", "completed", "abandoned")


@dataclass(frozen=True)
class RetentionPolicy:
    """The retention periods; months are calendar months."""

    participant_months: int = 24
    booking_text_months: int = 36
    mail_body_days: int = 90
    log_months: int = 12
    reset_link_days: int = 30
    audit_months: int = 12

    @classmethod
    def from_config(cls, config) -> RetentionPolicy:
        return cls(
            participant_months=int(config["RETENTION_PARTICIPANT_MONTHS"]),
            booking_text_months=int(config["RETENTION_BOOKING_TEXT_MONTHS"]),
            mail_body_days=int(config["RETENTION_MAIL_BODY_DAYS"]),
            log_months=int(config["RETENTION_LOG_MONTHS"]),
            reset_link_days=int(config["RETENTION_RESET_LINK_DAYS"]),
            audit_months=int(config["RETENTION_AUDIT_MONTHS"]),
        )


def months_before(now: datetime, months: int) -> datetime:
    return now - relativedelta(months=months)


def paris_day(instant: datetime) -> date:
    return to_paris(instant).date()


def _run(statement) -> int:
    result = db.session.execute(statement.execution_options(synchronize_session=False))
    return max(result.rowcount or 0, 0)


def _before(column, cutoff):
    """SQL: the (optional) instant is before the cutoff."""
    return or_(column.is_(None), column < cutoff)


# --- participants without an account ------------------------------------------------------

def anonymise_registrations(cutoff: datetime) -> int:
    """Registrations without an account whose last activity (the session's end, its
    marking as held or cancelled, the registration, promotion or cancellation) is
    before `cutoff`: name, e-mail, organisation and manage link replaced."""
    over = select(Session.id).where(Session.end_at < cutoff, _before(Session.held_at, cutoff),
                                    _before(Session.cancelled_at, cutoff))
    return _run(update(Registration).where(
        Registration.user_id.is_(None), not_placeholder(Registration.email),
        Registration.created_at < cutoff, _before(Registration.promoted_at, cutoff),
        _before(Registration.cancelled_at, cutoff),
        Registration.session_id.in_(over),
    ).values(name=PARTICIPANT_NAME, email=placeholder_email_sql("inscription", Registration.id),
             organisation="", manage_token_hash=None))


def anonymise_invitations(cutoff: datetime) -> int:
    """Survey invitations that expired before `cutoff` (answered or not): the link is
    dead, the address no longer serves. Whether it was answered stays."""
    return _run(update(Invitation).where(
        Invitation.expires_at < cutoff, not_placeholder(Invitation.email),
    ).values(name="", email=placeholder_email_sql("invitation", Invitation.id)))


def anonymise_project_contacts(cutoff: datetime) -> int:
    """Contacts without an account of projects closed (declined, completed, abandoned)
    whose last change and end of support are before `cutoff`."""
    closed = select(Project.id).where(
        Project.status.in_(FINAL_PROJECT_STATUSES), Project.updated_at < cutoff,
        _before(Project.support_ended_on, paris_day(cutoff)))
    return _run(update(ProjectContact).where(
        ProjectContact.project_id.in_(closed), not_placeholder(ProjectContact.email),
        ProjectContact.email.not_in(select(User.email)),
    ).values(name=CONTACT_NAME, email=placeholder_email_sql("contact", ProjectContact.id)))


def forget_calendar_recipients() -> int:
    """What anonymised registrations were sent by the calendar job (their address)."""
    anonymised = select(Registration.id).where(Registration.email.like(f"%@{DOMAIN}"))
    return _run(delete(CalendarInvitationState).where(
        CalendarInvitationState.source == "registration",
        CalendarInvitationState.source_id.in_(anonymised)))


def clear_booking_texts(cutoff: datetime) -> int:
    """Free texts typed with a booking (needs, comment) of bookings ended before `cutoff`."""
    return _run(update(Booking).where(
        Booking.end_at < cutoff, or_(Booking.needs.is_not(None), Booking.comment.is_not(None)),
    ).values(needs=None, comment=None))


# --- logs and tokens -------------------------------------------------------------------------

def erase_mail_bodies(cutoff: datetime) -> int:
    """Bodies of messages sent (or finally failed) before `cutoff`; pending ones are kept."""
    return _run(update(OutboxMessage).where(
        OutboxMessage.raw != "",
        or_(and_(OutboxMessage.status == "sent", OutboxMessage.sent_at < cutoff),
            and_(OutboxMessage.status == "failed", OutboxMessage.created_at < cutoff)),
    ).values(raw=""))


def delete_old_messages(cutoff: datetime) -> int:
    """Outbox rows (recipient, subject) delivered or failed and created before `cutoff`."""
    return _run(delete(OutboxMessage).where(OutboxMessage.status != "pending",
                                            OutboxMessage.created_at < cutoff))


def delete_revoked_tokens(cutoff: datetime) -> int:
    """API and calendar-feed tokens revoked before `cutoff`."""
    return (_run(delete(ApiToken).where(ApiToken.revoked_at < cutoff))
            + _run(delete(CalendarFeedToken).where(CalendarFeedToken.revoked_at < cutoff)))


def delete_reset_links(cutoff: datetime) -> int:
    """Password-reset links that expired before `cutoff`."""
    return _run(delete(PasswordResetToken).where(PasswordResetToken.expires_at < cutoff))


def delete_old_audit(cutoff: datetime) -> int:
    return _run(delete(AuditEntry).where(AuditEntry.created_at < cutoff))


# --- the whole run ---------------------------------------------------------------------------

STEP_TABLES = {
    "registrations": "session_registrations",
    "invitations": "survey_invitations",
    "project_contacts": "project_contacts",
    "calendar_recipients": "calendar_invitation_states",
    "booking_texts": "bookings",
    "mail_bodies": "outbox_messages",
    "messages": "outbox_messages",
    "revoked_tokens": "api_tokens",
    "reset_links": "password_reset_tokens",
    "audit": "audit_entries",
}


def apply_retention(now: datetime, policy: RetentionPolicy) -> dict[str, int]:
    """Apply every period at `now`; returns the number of rows changed by step. In a tick,
    each step is an item of its own: one that fails is set aside and the others run."""
    participants = months_before(now, policy.participant_months)
    logs = months_before(now, policy.log_months)
    steps = {
        "registrations": lambda: anonymise_registrations(participants),
        "invitations": lambda: anonymise_invitations(participants),
        "project_contacts": lambda: anonymise_project_contacts(participants),
        "calendar_recipients": forget_calendar_recipients,
        "booking_texts": lambda: clear_booking_texts(months_before(now, policy.booking_text_months)),
        "mail_bodies": lambda: erase_mail_bodies(now - timedelta(days=policy.mail_body_days)),
        "messages": lambda: delete_old_messages(logs),
        "revoked_tokens": lambda: delete_revoked_tokens(logs),
        "reset_links": lambda: delete_reset_links(now - timedelta(days=policy.reset_link_days)),
        "audit": lambda: delete_old_audit(months_before(now, policy.audit_months)),
    }
    counts = dict.fromkeys(steps, 0)
    for name, step in steps.items():
        with item(f"step:{name}"):
            counts[name] = step()
    return counts
