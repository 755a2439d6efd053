"""Account rules: creation, sign-up, authentication, password reset, roles.

Services take the acting user and plain values, raise domain errors and only
flush; the caller commits once per request.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from labapp.auth.links import (
    VERIFY_HOURS,
    IssuedLink,
    complete_reset,
    issue_link,
    usable_link,
)
from labapp.auth.models import ROLES, User, normalise_email
from labapp.db_types import utcnow
from labapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.input_checks import LINE_BREAK, line_problem
from labapp.mail.addresses import AddressRefused, canonical_address
from labapp.mail.services import queue_mail

MIN_PASSWORD_LENGTH = 12


def require_team(user: User | None) -> None:
    """Raise Forbidden unless `user` belongs to the lab team (or is an admin)."""
    if user is None or not user.is_team:
        raise Forbidden("Cette action est réservée à l'équipe du lab.")


def require_admin(user: User | None) -> None:
    if user is None or not user.is_admin:
        raise Forbidden("Cette action est réservée aux administrateurs.")


def clean_email(email: str, field: str = "email") -> str:
    """The address policy of every entry point (labapp/mail/addresses.py): syntax checked
    (no DNS lookup), domain in ASCII, lower-cased; a non-ASCII local part only with
    MAIL_SMTPUTF8; ValidationFailed on `field` with the French reason otherwise."""
    try:
        return canonical_address(email if isinstance(email, str) else "",
                                 smtputf8=bool(current_app.config.get("MAIL_SMTPUTF8")))
    except AddressRefused as refused:
        raise ValidationFailed.on(field, refused.message) from None


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, role: str = "agent", name: str | None = None,
                password: str | None = None, verified: bool = True) -> User:
    """Create an account. Raises ValidationFailed or Conflict (e-mail taken).

    Accounts made by an admin (page or CLI), the demo or ProConnect are `verified`; a
    self-service sign-up is not until its owner follows the e-mailed link."""
    address = clean_email(email)
    if role not in ROLES:
        raise ValidationFailed.on("role", "Rôle inconnu : agent, team ou admin.")
    check_password_length(password)
    if find_user_by_email(address) is not None:
        raise Conflict("Un compte existe déjà pour cette adresse.", {"email": [
            "Un compte existe déjà pour cette adresse."]})
    user = User(email=address, role=role, name=clean_name(name or address.split("@")[0]),
                email_verified_at=utcnow() if verified else None)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def check_password_length(password: str | None, field: str = "password") -> None:
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed.on(
            field, f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.")


def clean_name(name: str, field: str = "name") -> str:
    """A person's name as it goes into e-mails: one line (no CR/LF or other control
    character), spaces collapsed, at most 120 characters."""
    if line_problem(name):
        raise ValidationFailed.on(field, LINE_BREAK)
    return " ".join((name or "").split())[:120]


def domain_list(raw: str | None) -> list[str]:
    """`"a.fr, @b.fr"` -> `["a.fr", "b.fr"]` (settings listing e-mail domains)."""
    return [d.strip().lower().lstrip("@") for d in (raw or "").split(",") if d.strip()]


def allowed_signup_domains() -> list[str]:
    return domain_list(current_app.config.get("ALLOWED_EMAIL_DOMAINS"))


def sign_up(email: str, name: str, password: str) -> IssuedLink | None:
    """Self-service agent account, restricted to ALLOWED_EMAIL_DOMAINS when set.

    Never says whether the address has an account: a new (or still unverified) address gets
    a verification link bound to this password, returned to the caller; an address whose
    account exists is told by e-mail instead, and None is returned. Either way the answer
    shown is the same."""
    address = clean_email(email)
    domains = allowed_signup_domains()
    if domains and address.rsplit("@", 1)[1] not in domains:
        raise ValidationFailed.on(
            "email", "Seules les adresses professionnelles suivantes sont acceptées : "
            + ", ".join("@" + d for d in domains) + "."
        )
    if not name or not name.strip():
        raise ValidationFailed.on("name", "Indiquez votre nom.")
    name = clean_name(name)
    check_password_length(password or "")
    user = find_user_by_email(address)
    if user is not None and (user.verified or not user.active):
        queue_mail(user.email, "Votre compte Lab Minnov existe déjà", "account_exists", user=user)
        return None
    if user is None:
        user = create_user(address, role="agent", name=name, verified=False)
    link = issue_link(user, "verify", password)
    queue_mail(user.email, "Activez votre compte Lab Minnov", "account_verify", name=name,
               path=url_for_link("auth.verify_email", link.secret), hours=VERIFY_HOURS)
    return link


def url_for_link(endpoint: str, secret: str) -> str:
    """The path of a capability link (built without a request: it goes into an e-mail)."""
    return current_app.url_map.bind("").build(endpoint, {"token": secret})


# A hash to check a password against when the account does not exist, so that the answer
# takes the same time either way (no account enumeration by timing).
_ABSENT = generate_password_hash("absent account: never matches")


def authenticate(email: str, password: str) -> User | None:
    """The active, verified user with these credentials, or None (the caller says nothing
    more). The password is checked even without an account: same time either way."""
    user = find_user_by_email(email or "")
    if user is None or not user.password_hash:
        check_password_hash(_ABSENT, password or "")
        return None
    if not user.check_password(password or "") or not user.active or not user.verified:
        return None
    return user


def start_password_reset(email: str) -> IssuedLink | None:
    """A reset link for an active account, if any (queued by the caller)."""
    user = find_user_by_email(email or "")
    if user is None or not user.active:
        return None
    return issue_link(user, "reset")


def reset_token_for(secret: str):
    """The usable reset link behind a secret; NotFound if unknown, used or expired."""
    return usable_link(secret, "reset")


def complete_password_reset(secret: str, password: str) -> User:
    """Set a new password through a reset link: used up, every other link and session ends."""
    return complete_reset(secret, password, MIN_PASSWORD_LENGTH)


def update_account(actor: User, user_id: int, role: str, active: bool) -> User:
    """Admin: change a user's role and active flag (an admin cannot demote themself)."""
    require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Compte introuvable.")
    if role not in ROLES:
        raise ValidationFailed.on("role", "Rôle inconnu.")
    if user.id == actor.id and (role != "admin" or not active):
        raise Conflict("Vous ne pouvez pas retirer vos propres droits d'administration.")
    if not active and user.active:
        user.session_version += 1
    user.role, user.active = role, active
    db.session.flush()
    return user


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0
