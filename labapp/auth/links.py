"""Links e-mailed to an account: address verification at sign-up, and password reset.

Both are capability URLs: 256-bit secrets stored as SHA-256, expiring, and single-use even
under concurrent use (claimed by a conditional UPDATE: only one request can change
`used_at` from NULL). Using one, or setting a password by any way, voids every other
outstanding link of the account and ends its other sessions.

Verification binds the password to the link: a sign-up stores its password hash on its own
link, and following that link gives the account that password. So whoever signed up with
someone else's address gains nothing: the owner's mailbox receives the link, and a link
opened elsewhere than in the browser that signed up asks for the password chosen there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from labapp.auth.models import PasswordResetToken, User
from labapp.db_types import utcnow
from labapp.errors import NotFound, ValidationFailed
from labapp.extensions import db
from labapp.secrets_util import hash_secret, new_secret

INVALID_LINK = "Ce lien n'est plus valide : il a déjà servi, a expiré ou n'existe pas."
VERIFY_HOURS = 48


@dataclass(frozen=True)
class IssuedLink:
    """A link just made: its row and the secret to put in the e-mail (never stored)."""

    token: PasswordResetToken
    secret: str


def issue_link(user: User, purpose: str, password: str | None = None) -> IssuedLink:
    """A new link of `purpose` ("reset" or "verify") for `user`; a verification link carries
    the hash of the password chosen at sign-up."""
    secret = new_secret()
    hours = VERIFY_HOURS if purpose == "verify" else current_app.config["PASSWORD_RESET_HOURS"]
    token = PasswordResetToken(
        user=user, purpose=purpose, token_hash=hash_secret(secret),
        expires_at=utcnow() + timedelta(hours=hours),
        password_hash=generate_password_hash(password) if password else None)
    db.session.add(token)
    db.session.flush()
    return IssuedLink(token, secret)


def usable_link(secret: str, purpose: str) -> PasswordResetToken:
    """The unused, unexpired link of `purpose` behind `secret`; NotFound otherwise."""
    if not isinstance(secret, str) or not secret or len(secret) > 100:
        raise NotFound(INVALID_LINK)
    token = db.session.scalar(select(PasswordResetToken).where(
        PasswordResetToken.token_hash == hash_secret(secret), PasswordResetToken.purpose == purpose))
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        raise NotFound(INVALID_LINK)
    return token


def claim_link(token: PasswordResetToken) -> None:
    """Use `token` up: exactly one concurrent request wins, the others get NotFound."""
    won = db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == token.id, PasswordResetToken.used_at.is_(None),
               PasswordResetToken.expires_at > utcnow())
        .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if won != 1:
        raise NotFound(INVALID_LINK)


def void_links_and_sessions(user: User) -> None:
    """After a password is set: every outstanding link of the account stops working, and
    every open session (other than the one the caller may open next) ends."""
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    user.session_version += 1


def verify_address(user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()


def complete_verification(secret: str, password: str | None = None, *,
                          same_browser: bool = False) -> User:
    """Verify the address through a sign-up link. In the browser that signed up
    (`same_browser`) the link is enough; elsewhere `password` must be the one chosen at
    sign-up. The account then has that password, its address is verified, and its other
    links end."""
    token = usable_link(secret, "verify")
    if not same_browser:
        if not password or not token.password_hash or not check_password_hash(token.password_hash,
                                                                               password):
            raise ValidationFailed.on("password", "Ce n'est pas le mot de passe choisi lors de "
                                                  "la création du compte.")
    claim_link(token)
    user = token.user
    user.password_hash = token.password_hash
    verify_address(user)
    void_links_and_sessions(user)
    db.session.flush()
    return user


def complete_reset(secret: str, password: str, min_length: int) -> User:
    """Set a new password through a reset link (which proves the address too)."""
    token = usable_link(secret, "reset")
    if len(password or "") < min_length:
        raise ValidationFailed.on(
            "password", f"Le mot de passe doit compter au moins {min_length} caractères.")
    claim_link(token)
    user = token.user
    user.set_password(password)
    verify_address(user)
    void_links_and_sessions(user)
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str, min_length: int) -> User:
    """A signed-in user changes their password: the current one is asked again; every
    outstanding link and every session of the account ends (the caller signs this browser
    in again)."""
    if not user.check_password(current or ""):
        raise ValidationFailed.on("current_password", "Ce n'est pas votre mot de passe actuel.")
    if len(new or "") < min_length:
        raise ValidationFailed.on(
            "password", f"Le mot de passe doit compter au moins {min_length} caractères.")
    user.set_password(new)
    void_links_and_sessions(user)
    db.session.flush()
    return user
