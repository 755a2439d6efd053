"""Factory for per-domain API blueprints under /api/v1 with bearer-token auth."""

from __future__ import annotations

from flask import Blueprint, g, request

from labapp.auth.models import User
from labapp.auth.tokens import user_for_api_token
from labapp.errors import DomainError
from labapp.extensions import csrf, db

API_PREFIX = "/api/v1"


class Unauthenticated(DomainError):
    """Missing or invalid bearer token (401)."""

    status = 401
    title = "Authentification requise"


def public(view):
    """Mark an API view as reachable without a token."""
    view.api_public = True
    return view


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint mounted at /api/v1 whose views require a valid bearer token."""
    bp = Blueprint(name, import_name, url_prefix=API_PREFIX)
    csrf.exempt(bp)  # bearer tokens, never cookies: no CSRF surface

    @bp.before_request
    def _authenticate():
        endpoint = request.endpoint or ""
        func = _view_function(endpoint)
        if func is not None and getattr(func, "api_public", False):
            g.api_user = _optional_user()
            return None
        user = _optional_user()
        if user is None:
            raise Unauthenticated("Jeton d'API manquant ou invalide.")
        g.api_user = user
        return None

    @bp.after_request
    def _one_commit_per_request(response):
        """Commit what a successful request did (one commit); roll back otherwise."""
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    return bp


def _view_function(endpoint: str):
    from flask import current_app

    return current_app.view_functions.get(endpoint)


def _optional_user() -> User | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_api_token(token.strip())


def api_user() -> User:
    """The user the current API request acts as."""
    return g.api_user
