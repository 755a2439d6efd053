"""ProConnect log-in and log-out routes (under the auth blueprint, /compte/proconnect/...).

Thin views: the protocol is in labapp/auth/oidc.py, who may enter in
labapp/auth/proconnect.py. Every failure ends on the login page with a French
message; no route answers when ProConnect is not configured (404).
"""

from __future__ import annotations

import hmac
import logging
import secrets

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from labapp.auth import oidc
from labapp.auth.proconnect import user_for_identity
from labapp.auth.views import bp, safe_next
from labapp.errors import DomainError
from labapp.extensions import db, limiter
from labapp.transactions import writes

log = logging.getLogger(__name__)

STATE_KEY, NONCE_KEY, NEXT_KEY = "proconnect_state", "proconnect_nonce", "proconnect_next"
ID_TOKEN_KEY, LOGOUT_STATE_KEY = "proconnect_id_token", "proconnect_logout_state"
FAILED = ("La connexion avec ProConnect n'a pas abouti. Réessayez, ou connectez-vous "
          "avec votre adresse électronique et votre mot de passe.")
EXPIRED = "La demande de connexion avec ProConnect a expiré ou n'est pas valide. Réessayez."


def _require_configured() -> None:
    if not oidc.is_configured():
        abort(404)


def _external(endpoint: str) -> str:
    """An absolute URL on BASE_URL: it must equal the one registered with ProConnect."""
    return current_app.config["BASE_URL"] + url_for(endpoint)


def _refuse(message: str):
    flash(message, "error")
    return redirect(url_for("auth.login"))


@bp.get("/proconnect/connexion")
@limiter.limit("30 per minute")
def proconnect_start():
    """Send the browser to ProConnect with a fresh state and nonce kept in the session."""
    _require_configured()
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)  # 43 characters each
    try:
        url = oidc.authorization_url(_external("auth.proconnect_callback"), state, nonce)
    except oidc.ProConnectError as error:
        log.warning("ProConnect start failed: %s", error)
        return _refuse("ProConnect est momentanément indisponible. Réessayez plus tard, ou "
                       "connectez-vous avec votre adresse électronique et votre mot de passe.")
    session[STATE_KEY], session[NONCE_KEY] = state, nonce
    session[NEXT_KEY] = safe_next(request.args.get("next"))
    return redirect(url)


@bp.get("/proconnect/retour")
@writes  # creates or links the account
@limiter.limit("30 per minute")
def proconnect_callback():
    """ProConnect's answer: check state, code, ID token and userinfo, then log in."""
    _require_configured()
    expected_state, nonce = session.pop(STATE_KEY, None), session.pop(NONCE_KEY, None)
    next_url = session.pop(NEXT_KEY, None)
    state, code = request.args.get("state") or "", request.args.get("code") or ""
    if not expected_state or not nonce or not hmac.compare_digest(state, expected_state):
        return _refuse(EXPIRED)
    if request.args.get("error") or not code:
        log.info("ProConnect answered an error: %s", request.args.get("error"))
        return _refuse(FAILED)
    try:
        token = oidc.exchange_code(code, _external("auth.proconnect_callback"))
        claims = oidc.validate_id_token(token["id_token"], nonce, token["access_token"])
        info = oidc.fetch_userinfo(token["access_token"], claims["sub"])
    except oidc.ProConnectError as error:
        log.warning("ProConnect login refused: %s", error)
        return _refuse(FAILED)
    try:
        user = user_for_identity(claims["sub"], info.get("email"), info.get("given_name"),
                                 info.get("usual_name"))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _refuse(error.message)
    except IntegrityError:  # the same identity arriving twice at once
        db.session.rollback()
        return _refuse(FAILED)
    session.clear()
    login_user(user)
    session[ID_TOKEN_KEY] = token["id_token"]
    flash(f"Bienvenue, {user.name}.", "success")
    return redirect(safe_next(next_url))


def end_sessions():
    """End the local session, then ProConnect's when it opened this one."""
    id_token = session.get(ID_TOKEN_KEY)
    if current_user.is_authenticated:
        current_user.session_version += 1
        db.session.commit()
    logout_user()
    session.clear()
    url = None
    if id_token and oidc.is_configured():
        state = secrets.token_urlsafe(32)
        try:
            url = oidc.end_session_url(id_token, state, _external("auth.proconnect_logout_return"))
        except oidc.ProConnectError as error:
            log.warning("ProConnect logout skipped: %s", error)
        if url:
            session[LOGOUT_STATE_KEY] = state
            return redirect(url)
    flash("Vous êtes déconnecté(e).", "success")
    return redirect(url_for("main.index"))


@bp.post("/proconnect/deconnexion")
@login_required
def proconnect_logout():
    """Log out here and at ProConnect (the ordinary log-out does the same)."""
    _require_configured()
    return end_sessions()


@bp.get("/proconnect/deconnexion/retour")
def proconnect_logout_return():
    """Back from ProConnect's end_session_endpoint (the post-logout redirect URI)."""
    _require_configured()
    expected = session.pop(LOGOUT_STATE_KEY, None)
    state = request.args.get("state") or ""
    if expected and hmac.compare_digest(state, expected):
        flash("Vous êtes déconnecté(e) de Lab Minnov et de ProConnect.", "success")
    else:
        flash("Vous êtes déconnecté(e).", "success")
    return redirect(url_for("main.index"))
