"""Registration rules: register, cancel, waiting list and promotion, attendance.

The last seat holds under concurrency: every change that counts seats first
locks the session row (`lock_session`: FOR UPDATE on PostgreSQL, BEGIN
IMMEDIATE on SQLite), then recounts, then writes. A partial unique index
guarantees one active registration per (session, e-mail). The waiting list is
FIFO by (created_at, id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from labapp.auth.models import User
from labapp.auth.services import clean_email, find_user_by_email, require_team
from labapp.db_types import utcnow
from labapp.errors import Conflict, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.secrets_util import hash_secret, new_secret
from labapp.trainings import mails
from labapp.trainings.models import ACTIVE_STATUSES, Registration, Session
from labapp.trainings.rules import closed_reason, initial_status
from labapp.trainings.services import get_session, lock_session

ALREADY_REGISTERED = "Cette adresse est déjà inscrite à cette session (déjà inscrit)."


@dataclass
class RegistrationOutcome:
    """What `register` did: the row, its 1-based waiting-list position (None when
    confirmed) and, for a person without account, the secret of their manage link."""

    registration: Registration
    waitlist_position: int | None
    manage_secret: str | None = None


def count_active(session_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.session_id == session_id, Registration.status.in_(ACTIVE_STATUSES))
        .group_by(Registration.status)
    )
    counts = {"confirmed": 0, "waitlisted": 0}
    counts.update({status: count for status, count in rows})
    return counts


def waitlist_position(registration: Registration) -> int | None:
    """1-based place in the waiting list (oldest first), None unless waitlisted."""
    if registration.status != "waitlisted":
        return None
    ahead = db.session.scalar(
        select(func.count()).select_from(Registration).where(
            Registration.session_id == registration.session_id,
            Registration.status == "waitlisted",
            or_(Registration.created_at < registration.created_at,
                and_(Registration.created_at == registration.created_at,
                     Registration.id < registration.id)),
        )
    )
    return (ahead or 0) + 1


def _upcoming(session: Session, now: datetime) -> bool:
    """Mails go out only for sessions still to come (not when recording history)."""
    return session.status == "scheduled" and session.start_at > now


def _identity(actor: User | None, name, email, organisation, consent, now):
    """Who is being registered: (user_id, name, email, organisation, consent_at)."""
    errors: dict[str, list[str]] = {}

    def text(value, field, limit, required):
        value = (value or "").strip() if isinstance(value, str) or value is None else None
        if value is None:
            errors.setdefault(field, []).append("Une chaîne de caractères est attendue.")
            return ""
        if required and not value:
            errors.setdefault(field, []).append("Ce champ est obligatoire.")
        if len(value) > limit:
            errors.setdefault(field, []).append(f"{limit} caractères au plus.")
        if any(ord(c) < 32 for c in value):
            errors.setdefault(field, []).append("Caractères de contrôle non autorisés.")
        return value

    def address(value):
        try:
            return clean_email(value.strip() if isinstance(value, str) else "")
        except ValidationFailed as error:
            errors.setdefault("email", []).extend(error.errors["email"])
            return ""

    organisation = text(organisation, "organisation", 200, False)
    user_id, consent_at = None, None
    if actor is None:  # public form: a person without account
        name = text(name, "name", 120, True)
        email = address(email)
        if consent is not True:
            errors.setdefault("consent", []).append(
                "Votre accord est nécessaire pour traiter votre inscription.")
        consent_at = now
    elif actor.is_team and email not in (None, ""):  # the team registers someone
        name = text(name, "name", 120, True)
        email = address(email)
        account = find_user_by_email(email) if email else None
        user_id = account.id if account is not None and account.verified else None
    else:  # a user registers themself
        if email not in (None, "") and (not isinstance(email, str)
                                        or email.strip().lower() != actor.email):
            errors.setdefault("email", []).append(
                "Vous ne pouvez inscrire que vous-même : laissez l'adresse vide.")
        name = text(name, "name", 120, False) or actor.name
        email, user_id = actor.email, actor.id
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    return user_id, name, email, organisation, consent_at


def register(actor: User | None, session_id: int, name: str | None = None,
             email: str | None = None, organisation: str | None = None,
             consent: bool = False, now: datetime | None = None) -> RegistrationOutcome:
    """Register a person for a session: confirmed while seats remain, else waitlisted.

    `actor` None is the public form (name, e-mail and consent required; a manage
    link secret is returned and e-mailed). An agent registers themself. The team
    may register anyone, also when registration is closed or the session is past
    (not when it is cancelled). Raises ValidationFailed (422: invalid or closed),
    Conflict (409: that e-mail already holds an active registration), NotFound.
    """
    given_now = now
    now = now or utcnow()
    is_team = actor is not None and actor.is_team
    user_id, name, email, organisation, consent_at = _identity(
        actor, name, email, organisation, consent, now)
    session = lock_session(session_id)
    if given_now is None:
        # Read the clock once the seat lock is held, so the queue order (created_at)
        # is the order in which registrations were actually decided.
        now = utcnow()
    reason = closed_reason(session, now)
    if reason and (not is_team or session.status == "cancelled"):
        raise ValidationFailed.on("session", reason)
    existing = db.session.scalar(select(Registration.id).where(
        Registration.session_id == session.id, Registration.email == email,
        Registration.status.in_(ACTIVE_STATUSES)))
    if existing is not None:
        raise Conflict(ALREADY_REGISTERED, {"email": [ALREADY_REGISTERED]})
    promote_waitlist(session, now)  # free seats go to those already waiting first
    counts = count_active(session.id)
    registration = Registration(
        session_id=session.id, user_id=user_id, name=name, email=email,
        organisation=organisation, consent_at=consent_at, created_at=now,
        status=initial_status(counts["confirmed"], counts["waitlisted"], session.capacity),
    )
    secret = None
    if user_id is None:
        secret = new_secret()
        registration.manage_token_hash = hash_secret(secret)
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:
        raise Conflict(ALREADY_REGISTERED, {"email": [ALREADY_REGISTERED]}) from None
    position = waitlist_position(registration)
    if _upcoming(session, now):
        mails.send_registration_mail(registration, session, secret, position)
    return RegistrationOutcome(registration, position, secret)


def promote_waitlist(session: Session, now: datetime) -> list[Registration]:
    """Give free seats to the waiting list, oldest first; the promoted are e-mailed.

    The caller holds the session lock. Only scheduled sessions promote.
    """
    if session.status != "scheduled":
        return []
    free = session.capacity - count_active(session.id)["confirmed"]
    if free <= 0:
        return []
    promoted = list(db.session.scalars(
        select(Registration)
        .where(Registration.session_id == session.id, Registration.status == "waitlisted")
        .order_by(Registration.created_at, Registration.id)
        .limit(free)
    ))
    for registration in promoted:
        registration.confirm_from_waitlist(now)
        if _upcoming(session, now):
            mails.send_promoted_mail(registration, session)
    db.session.flush()
    return promoted


TIME_FIELDS = frozenset({"start_at", "end_at"})
PLACE_FIELDS = frozenset({"location", "space_id", "address"})


@dataclass
class SessionChange:
    """What a team edit changed in a session (field names), and its time before the edit."""

    previous_start: datetime
    previous_end: datetime
    fields: set[str]

    @property
    def moved(self) -> bool:
        return bool(self.fields & TIME_FIELDS)

    @property
    def place_changed(self) -> bool:
        return bool(self.fields & PLACE_FIELDS)

    @property
    def link_changed(self) -> bool:
        return "video_link" in self.fields


def tell_registrants_of_change(session: Session, change: SessionChange, now: datetime,
                               already_told: set[int] | frozenset = frozenset()) -> int:
    """E-mail the confirmed and waitlisted registrants of a session still to come that its
    time or place changed (a new video link: the confirmed only, who alone receive it).
    `already_told`: registrations just promoted, whose mail already gives the new details.
    A new time makes the day-before reminder due again. Returns the number of e-mails."""
    if change.moved:
        db.session.execute(
            update(Registration)
            .where(Registration.session_id == session.id, Registration.status.in_(ACTIVE_STATUSES))
            .values(reminder_sent_at=None))
    if not (change.moved or change.place_changed or change.link_changed) or not _upcoming(session, now):
        return 0
    statuses = ACTIVE_STATUSES if change.moved or change.place_changed else ("confirmed",)
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.session_id == session.id, Registration.status.in_(statuses))
        .order_by(Registration.created_at, Registration.id))
    told, position = 0, 0
    for registration in registrations:
        position += registration.status == "waitlisted"
        if registration.id in already_told:
            continue
        mails.send_changed_mail(registration, session, change,
                                position if registration.status == "waitlisted" else None)
        told += 1
    return told


def get_registration(actor: User, registration_id: int) -> Registration:
    """A registration the actor may see (their own, or any for the team); else 404."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or not (actor.is_team or registration.user_id == actor.id):
        raise NotFound("Inscription introuvable.")
    return registration


def cancel_registration(actor: User, registration_id: int,
                        now: datetime | None = None) -> Registration:
    """The registrant or the team cancels; the first waitlisted person is promoted.

    Someone else's registration is a 404 for an agent. The team may also remove
    people from past sessions (recording history).
    """
    registration = get_registration(actor, registration_id)
    return _cancel(registration, by_team=actor.is_team, now=now or utcnow())


def registration_for_token(secret: str) -> Registration:
    """The registration behind a private manage link; NotFound otherwise."""
    if not isinstance(secret, str) or not 20 <= len(secret) <= 100:
        raise NotFound("Ce lien n'est pas valide.")
    registration = db.session.scalar(
        select(Registration).where(Registration.manage_token_hash == hash_secret(secret)))
    if registration is None:
        raise NotFound("Ce lien n'est pas valide.")
    return registration


def cancel_registration_by_token(secret: str, now: datetime | None = None) -> Registration:
    """Cancel through the private link sent to a person without account."""
    return _cancel(registration_for_token(secret), by_team=False, now=now or utcnow())


def _cancel(registration: Registration, by_team: bool, now: datetime) -> Registration:
    session = lock_session(registration.session_id)
    registration = db.session.scalar(
        select(Registration).where(Registration.id == registration.id)
        .execution_options(populate_existing=True))
    if registration.status == "cancelled":
        raise Conflict("Cette inscription est déjà annulée.")
    if not by_team and not _upcoming(session, now):
        raise ValidationFailed.on(
            "session", "La session est passée ou annulée : l'inscription ne peut plus être annulée.")
    registration.cancel(now)
    db.session.flush()
    promote_waitlist(session, now)
    return registration


def list_registrations(actor: User, session_id: int) -> list[Registration]:
    """Team: the roster, confirmed then waitlisted (queue order) then cancelled."""
    require_team(actor)
    get_session(session_id)
    order = {"confirmed": 0, "waitlisted": 1, "cancelled": 2}
    rows = db.session.scalars(
        select(Registration).where(Registration.session_id == session_id)
        .order_by(Registration.created_at, Registration.id))
    return sorted(rows, key=lambda r: order[r.status])


def mark_attendance(actor: User, session_id: int, present_ids: list[int],
                    now: datetime | None = None) -> list[Registration]:
    """Team: the listed confirmed registrations were present, the other confirmed
    ones absent. Refused for a cancelled session (409) or one not yet started (422)."""
    require_team(actor)
    now = now or utcnow()
    session = lock_session(session_id)
    if session.status == "cancelled":
        raise Conflict("Cette session est annulée.")
    if session.start_at > now:
        raise ValidationFailed.on("present", "La session n'a pas encore commencé.")
    confirmed = list(db.session.scalars(
        select(Registration).where(Registration.session_id == session.id,
                                   Registration.status == "confirmed")))
    wanted = set(present_ids)
    unknown = wanted - {r.id for r in confirmed}
    if unknown:
        raise ValidationFailed.on(
            "present", "Inscriptions inconnues ou non confirmées pour cette session : "
            + ", ".join(str(i) for i in sorted(unknown)) + ".")
    for registration in confirmed:
        registration.present = registration.id in wanted
    db.session.flush()
    return confirmed
