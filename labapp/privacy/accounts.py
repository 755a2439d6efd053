"""Right to erasure: a person deletes their own account, at once.

Chosen over a request queued for an admin: nothing in the account needs a human
decision, and the figures the lab reports do not depend on who the people were.
The account row stays (bookings, projects and the audit log point to it) but is
deactivated and anonymised, its sessions end, its tokens and links are deleted;
what is still to come is cancelled (booking requests, registrations: waiting
lists move up); the person's name and address are replaced wherever they were
copied (registrations, survey invitations, project contacts, calendar and
outbox bookkeeping). A confirmation goes to the address before it is erased.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update

from labapp.auth.models import ApiToken, PasswordResetToken, User
from labapp.bookings.models import Booking
from labapp.bookings.services import cancel_booking
from labapp.calendar.models import CalendarFeedToken, CalendarInvitationState
from labapp.errors import Conflict, ValidationFailed
from labapp.extensions import db
from labapp.formatting import date_fr
from labapp.mail.models import OutboxMessage
from labapp.mail.services import queue_mail
from labapp.privacy import audit
from labapp.privacy.placeholders import (
    CONTACT_NAME,
    DELETED_ACCOUNT_NAME,
    PARTICIPANT_NAME,
    placeholder_email,
    placeholder_email_sql,
)
from labapp.projects.models import ProjectContact
from labapp.surveys.models import Invitation
from labapp.trainings.models import ACTIVE_STATUSES, Registration, Session
from labapp.trainings.registrations import cancel_registration

CONFIRM_MESSAGE = "Cochez la case pour confirmer la suppression de votre compte."
PASSWORD_MESSAGE = "Mot de passe incorrect."
LAST_ADMIN_MESSAGE = ("Vous êtes le seul administrateur actif : confiez ce rôle à un autre compte "
                      "avant de supprimer le vôtre.")
CANCEL_REASON = "Compte supprimé à la demande de son titulaire."


def _check(user: User, confirmed: bool, password: str | None) -> None:
    errors: dict[str, list[str]] = {}
    if confirmed is not True:
        errors["confirm"] = [CONFIRM_MESSAGE]
    if user.password_hash and not user.check_password(password or ""):
        errors["password"] = [PASSWORD_MESSAGE]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    if user.is_admin:
        others = db.session.scalar(select(func.count(User.id)).where(
            User.role == "admin", User.active.is_(True), User.id != user.id)) or 0
        if not others:
            raise Conflict(LAST_ADMIN_MESSAGE)


def _cancel_upcoming(user: User, now: datetime) -> None:
    """Booking requests and registrations still to come are cancelled (the services
    free the space and promote waiting lists)."""
    booking_ids = db.session.scalars(select(Booking.id).where(
        Booking.requested_by_id == user.id, Booking.source == "request",
        Booking.status.in_(("pending", "approved")), Booking.start_at > now)).all()
    for booking_id in booking_ids:
        cancel_booking(user, booking_id, CANCEL_REASON)
    registrations = db.session.scalars(
        select(Registration).join(Session, Session.id == Registration.session_id).where(
            or_(Registration.user_id == user.id, Registration.email == user.email),
            Registration.status.in_(ACTIVE_STATUSES), Session.status == "scheduled",
            Session.start_at > now).order_by(Registration.id)).all()
    for registration in registrations:
        registration.user_id = user.id  # registered by e-mail before the account existed
        db.session.flush()
        cancel_registration(user, registration.id, now)


def anonymise_person(user: User) -> None:
    """Replace the person's identity everywhere it was copied, delete their secrets
    and deactivate the account (its sessions end). Flushes."""
    email = user.email
    db.session.flush()
    db.session.execute(update(Registration).where(
        or_(Registration.user_id == user.id, Registration.email == email),
    ).values(name=PARTICIPANT_NAME, email=placeholder_email_sql("inscription", Registration.id),
             organisation="", manage_token_hash=None).execution_options(synchronize_session=False))
    db.session.execute(update(Invitation).where(Invitation.email == email).values(
        name="", email=placeholder_email_sql("invitation", Invitation.id),
    ).execution_options(synchronize_session=False))
    db.session.execute(update(ProjectContact).where(ProjectContact.email == email).values(
        name=CONTACT_NAME, email=placeholder_email_sql("contact", ProjectContact.id),
    ).execution_options(synchronize_session=False))
    for statement in (
        delete(CalendarInvitationState).where(CalendarInvitationState.recipient == email),
        delete(OutboxMessage).where(OutboxMessage.recipient == email,
                                    OutboxMessage.status != "pending"),
        delete(ApiToken).where(ApiToken.user_id == user.id),
        delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id),
        delete(CalendarFeedToken).where(CalendarFeedToken.user_id == user.id),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))
    user.name = DELETED_ACCOUNT_NAME
    user.email = placeholder_email("compte", user.id)
    user.password_hash = None
    user.proconnect_sub = None  # the person may come back through ProConnect as a new account
    user.active = False
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()


def delete_account(user: User, confirmed: bool, password: str | None, now: datetime) -> User:
    """The account holder deletes their account (any role; not the last active admin).

    `confirmed` is the ticked confirmation, `password` the current password (asked
    when the account has one). Raises ValidationFailed (422) or Conflict (409).
    One explicit audit entry is recorded; the detailed changes are not.
    """
    _check(user, confirmed, password)
    user_id, role, name, email = user.id, user.role, user.name, user.email
    queue_mail(email, "Votre compte Lab Minnov est supprimé", "account_deleted",
               name=name, deleted_on=date_fr(now))
    with audit.suspended():
        _cancel_upcoming(user, now)
        anonymise_person(user)
    db.session.expire_all()
    audit.record_action("account_deleted", "users", user_id, actor_id=user_id, actor_role=role)
    db.session.flush()
    return db.session.get(User, user_id)
