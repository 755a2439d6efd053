"""Personal API tokens: creation, lookup, revocation."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from labapp.auth.models import ApiToken, User
from labapp.db_types import utcnow
from labapp.errors import NotFound
from labapp.extensions import db
from labapp.secrets_util import hash_secret, new_secret, same_hash
from labapp.transactions import best_effort, in_deferred_transaction

TOKEN_PREFIX = "lm_"


def create_api_token(user: User, label: str = "Jeton personnel") -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the secret (shown once)."""
    secret = new_secret(TOKEN_PREFIX)
    token = ApiToken(user=user, label=label.strip()[:80] or "Jeton personnel",
                     token_hash=hash_secret(secret))
    db.session.add(token)
    db.session.flush()
    return token, secret


def user_for_api_token(secret: str) -> User | None:
    """The active user owning a non-revoked token, or None. Records last use."""
    if len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None or not same_hash(token.token_hash, secret):
        return None
    if not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        _record_use(token, now)  # throttled: avoid a write on every API call
    return token.user


def _record_use(token: ApiToken, now) -> None:
    """Stamp the token's last use: with the request's work, or, in a read-only request on
    SQLite, in a short transaction of its own, skipped while another connection writes."""
    if not in_deferred_transaction():
        token.last_used_at = now
        return
    set_committed_value(token, "last_used_at", now)
    best_effort(lambda conn: conn.execute(
        update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)),
        "API token last use")


def list_api_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that are not revoked, newest first."""
    return list(db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (404 for anyone else's)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound("Jeton introuvable.")
    token.revoked_at = utcnow()
    db.session.flush()
    return token
