"""Capability secrets: 256 bits from `secrets`, stored as SHA-256, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret(prefix: str = "") -> str:
    """A fresh URL-safe secret of 256 bits."""
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """The hex SHA-256 under which a secret is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def same_hash(stored: str, secret: str) -> bool:
    """Constant-time check that `secret` hashes to `stored`."""
    return hmac.compare_digest(stored, hash_secret(secret))


NO_STORE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def carries_secret(view):
    """Mark a view whose response shows a secret (a token, a capability link): no cache
    keeps it, and it is never sent on as a referrer."""
    from functools import wraps

    from flask import make_response

    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers.update(NO_STORE_HEADERS)
        return response

    return wrapper
