"""Accounts, roles, personal API tokens and password-reset links."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from labapp.db_types import UTCDateTime, utcnow
from labapp.extensions import db
from labapp.mail.addresses import lookup_form

ROLES = ("agent", "team", "admin")
ROLE_LABELS = {"agent": "Agent", "team": "Équipe du lab", "admin": "Administrateur"}


def normalise_email(email: str) -> str:
    """E-mails are unique case-insensitively: stripped, lower-cased, domain in ASCII
    (the stored form, see labapp/mail/addresses.py)."""
    return lookup_form(email)


class User(UserMixin, db.Model):
    """A person with an account. Roles: agent < team < admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(10), default="agent")
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # ProConnect's stable subject identifier, once the account signed in through it.
    proconnect_sub: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped on password change or logout-everywhere: old sessions stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    # When its owner proved the address (link e-mailed at sign-up, ProConnect, or an account
    # made by an admin). Until then the account signs in to nothing and nothing made for
    # that address is linked to it.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login: an unverified account signs in to nothing
        return self.active and self.email_verified_at is not None

    @property
    def verified(self) -> bool:
        return self.email_verified_at is not None

    def get_id(self) -> str:  # Flask-Login: invalidated when session_version changes
        return f"{self.id}:{self.session_version}"

    @property
    def is_team(self) -> bool:
        """Lab team members and admins run the lab."""
        return self.role in ("team", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored. Acts with its user's role."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


TOKEN_PURPOSES = ("reset", "verify")


class PasswordResetToken(db.Model):
    """A single-use, expiring link e-mailed to an account (SHA-256 of the secret stored):
    `purpose` "reset" (choose a new password) or "verify" (prove the address)."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10), default="reset", server_default="reset")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A verification link: the hash of the password chosen with it at sign-up.
    password_hash: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship()
