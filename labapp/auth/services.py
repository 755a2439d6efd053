"""Account rules: creation, sign-up, authentication, password reset, roles.

Services take the acting user and plain values, raise domain errors and only
flush; the caller commits once per request.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from labapp.auth.models import ROLES, PasswordResetToken, User, normalise_email
from labapp.db_types import utcnow
from labapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.mail.addresses import AddressRefused, canonical_address
from labapp.secrets_util import hash_secret, new_secret

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
                password: str | None = None) -> User:
    """Create an account. Raises ValidationFailed or Conflict (e-mail taken)."""
    address = clean_email(email)
    if role not in ROLES:
        raise ValidationFailed.on("role", "Rôle inconnu : agent, team ou admin.")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed.on(
            "password", f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères."
        )
    if find_user_by_email(address) is not None:
        raise Conflict("Un compte existe déjà pour cette adresse.", {"email": [
            "Un compte existe déjà pour cette adresse."]})
    user = User(email=address, role=role, name=(name or address.split("@")[0]).strip()[:120])
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def domain_list(raw: str | None) -> list[str]:
    """`"a.fr, @b.fr"` -> `["a.fr", "b.fr"]` (settings listing e-mail domains)."""
    return [d.strip().lower().lstrip("@") for d in (raw or "").split(",") if d.strip()]


def allowed_signup_domains() -> list[str]:
    return domain_list(current_app.config.get("ALLOWED_EMAIL_DOMAINS"))


def sign_up(email: str, name: str, password: str) -> User:
    """Self-service agent account, restricted to ALLOWED_EMAIL_DOMAINS when set."""
    address = clean_email(email)
    domains = allowed_signup_domains()
    if domains and address.rsplit("@", 1)[1] not in domains:
        raise ValidationFailed.on(
            "email", "Seules les adresses professionnelles suivantes sont acceptées : "
            + ", ".join("@" + d for d in domains) + "."
        )
    if not name or not name.strip():
        raise ValidationFailed.on("name", "Indiquez votre nom.")
    return create_user(address, role="agent", name=name, password=password)


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (the caller says nothing more)."""
    user = find_user_by_email(email or "")
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    return user


def start_password_reset(email: str) -> tuple[User, str] | None:
    """Create a single-use reset link secret for an active account, if any."""
    user = find_user_by_email(email or "")
    if user is None or not user.active:
        return None
    secret = new_secret()
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    db.session.add(PasswordResetToken(
        user=user, token_hash=hash_secret(secret), expires_at=utcnow() + timedelta(hours=hours)
    ))
    db.session.flush()
    return user, secret


def reset_token_for(secret: str) -> PasswordResetToken:
    """The usable reset token behind a secret; NotFound if unknown, used or expired."""
    token = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_secret(secret))
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        raise NotFound("Ce lien n'est plus valide.")
    return token


def complete_password_reset(secret: str, password: str) -> User:
    """Set a new password through a reset link, which is then used up."""
    token = reset_token_for(secret)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed.on(
            "password", f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères."
        )
    token.used_at = utcnow()
    token.user.set_password(password)
    token.user.session_version += 1
    db.session.flush()
    return token.user


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
