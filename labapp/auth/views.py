"""Log-in, log-out, sign-up, password reset, profile and personal API tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from labapp.auth import oidc, services, tokens
from labapp.auth.forms import (
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
    TokenForm,
)
from labapp.errors import DomainError, NotFound
from labapp.extensions import db, limiter
from labapp.forms_util import show_domain_error
from labapp.mail.services import queue_mail

bp = Blueprint("auth", __name__, url_prefix="/compte")


def _login_key() -> str:
    return f"{request.remote_addr}|{(request.form.get('email') or '').strip().lower()}"


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.index")


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit("10 per minute", key_func=_login_key, methods=["POST"])
def login():
    """Log in with e-mail and password; the session is renewed."""
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash("Adresse électronique ou mot de passe incorrect.", "error")
        else:
            session.clear()
            login_user(user, remember=form.remember.data)
            flash(f"Bienvenue, {user.name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, proconnect=oidc.is_configured())


@bp.post("/deconnexion")
@login_required
def logout():
    """Log out; the session version changes so no copy of the cookie stays valid.

    A session opened with ProConnect then ends at ProConnect too."""
    if session.get(proconnect_views.ID_TOKEN_KEY):
        return proconnect_views.end_sessions()
    current_user.session_version += 1
    db.session.commit()
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté(e).", "success")
    return redirect(url_for("main.index"))


@bp.route("/inscription", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    """Self-service agent account."""
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.sign_up(form.email.data, form.name.data, form.password.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            flash("Votre compte est créé.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/signup.html", form=form)


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    """Send a single-use reset link; the answer never says whether the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        started = services.start_password_reset(form.email.data)
        if started:
            user, secret = started
            queue_mail(user.email, "Réinitialisation de votre mot de passe", "password_reset",
                       user=user, link=url_for("auth.reset_password", token=secret,
                                               _external=False))
        db.session.commit()
        flash("Si un compte existe pour cette adresse, un lien vient de lui être envoyé.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour")  # a capability URL: no guessing of links
def reset_password(token: str):
    """Choose a new password through an e-mailed link."""
    try:
        services.reset_token_for(token)
    except NotFound:
        abort(404)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.complete_password_reset(token, form.password.data)
        db.session.commit()
        flash("Votre mot de passe est modifié. Connectez-vous.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.get("/profil")
@login_required
def profile():
    """The user's profile and personal API tokens."""
    return render_template("auth/profile.html", token_form=TokenForm(),
                           tokens=tokens.list_api_tokens(current_user), new_token=None)


@bp.post("/profil/jetons")
@login_required
@limiter.limit("20 per hour")
def create_token():
    """Create a personal API token, shown once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return render_template("auth/profile.html", token_form=form,
                               tokens=tokens.list_api_tokens(current_user), new_token=None), 422
    _, secret = tokens.create_api_token(current_user, form.label.data)
    db.session.commit()
    flash("Jeton créé. Copiez-le maintenant : il ne sera plus affiché.", "success")
    return render_template("auth/profile.html", token_form=TokenForm(formdata=None),
                           tokens=tokens.list_api_tokens(current_user), new_token=secret)


@bp.post("/profil/jetons/<int:token_id>/revoquer")
@login_required
def revoke_token(token_id: int):
    """Revoke one of my tokens."""
    tokens.revoke_api_token(current_user, token_id)
    db.session.commit()
    flash("Jeton révoqué.", "success")
    return redirect(url_for("auth.profile"))


from labapp.auth import proconnect_views  # noqa: E402  (registers its routes on bp)
