"""Log-in, log-out, sign-up, password reset, profile and personal API tokens."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from labapp.auth import links, oidc, services, tokens
from labapp.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
    TokenForm,
    VerifyForm,
)
from labapp.auth.models import normalise_email
from labapp.errors import DomainError, NotFound
from labapp.extensions import db, limiter
from labapp.forms_util import show_domain_error
from labapp.mail.services import queue_mail
from labapp.secrets_util import NO_STORE_HEADERS, carries_secret
from labapp.transactions import need_write_lock

bp = Blueprint("auth", __name__, url_prefix="/compte")
SIGNUP_KEY = "signup_link"
# Pages that carry or act on a secret: never kept by a cache, never sent as referrer.
NO_STORE = NO_STORE_HEADERS


def _account_key() -> str:
    """Sign-in attempts on one account, from any address."""
    return "login-account|" + normalise_email(request.form.get("email") or "")


def _address_key() -> str:
    """Sign-in attempts from one network address, on any account."""
    return "login-address|" + (request.remote_addr or "")


def _failed(response) -> bool:
    """Only failed attempts count (a success redirects): a whole service behind one address
    signs in freely while guessing stays slow."""
    return response.status_code != 302


def safe_next(target: str | None) -> str:
    """`next` only ever leads to a path of this site: no scheme or host, no scheme-relative
    `//`, no backslash, no whitespace or control character (browsers drop a tab or a line
    break, so `/%09/evil` would lead to `//evil`); anything else falls back to the home page."""
    if (not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in target)):
        return url_for("main.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("main.index")
    return target


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_ACCOUNT"], key_func=_account_key,
               methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_ADDRESS"], key_func=_address_key,
               methods=["POST"], deduct_when=_failed)
def login():
    """Log in with e-mail and password; the session is renewed."""
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash("Adresse électronique ou mot de passe incorrect (ou adresse pas encore vérifiée : "
                  "suivez d'abord le lien reçu par courriel).", "error")
        else:
            session.clear()
            login_user(user, remember=form.remember.data)
            flash(f"Bienvenue, {user.name}.", "success")
            return redirect(safe_next(request.args.get("next")))
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
    """Self-service agent account: a verification link is e-mailed; the answer is the same
    whether the address already has an account or not."""
    form = SignupForm()
    if form.validate_on_submit():
        try:
            link = services.sign_up(form.email.data, form.name.data, form.password.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
            return render_template("auth/signup.html", form=form), 422
        db.session.commit()
        # The browser that signed up may verify by the link alone (same cookie set either way).
        session[SIGNUP_KEY] = link.token.token_hash if link else secrets.token_hex(32)
        return render_template("auth/signup_sent.html", email=form.email.data.strip()), 200, NO_STORE
    return render_template("auth/signup.html", form=form), 422 if form.errors else 200


@bp.route("/verification/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])  # guessing the sign-up password
def verify_email(token: str):
    """Activate an account through its e-mailed link: at once in the browser that signed up,
    elsewhere with the password chosen at sign-up (so a link opened by a mail scanner, or
    sent for someone else's sign-up, activates nothing)."""
    try:
        link = links.usable_link(token, "verify")
    except NotFound:
        return render_template("auth/link_invalid.html"), 404, NO_STORE
    same_browser = session.get(SIGNUP_KEY) == link.token_hash
    form = VerifyForm()
    if same_browser or form.validate_on_submit():
        need_write_lock()  # a GET in the browser that signed up verifies at once
        try:
            links.complete_verification(token, form.password.data, same_browser=same_browser)
        except NotFound:
            db.session.rollback()
            return render_template("auth/link_invalid.html"), 404, NO_STORE
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
            return render_template("auth/verify.html", form=form), 422, NO_STORE
        db.session.commit()
        session.pop(SIGNUP_KEY, None)
        flash("Votre adresse est vérifiée et votre compte activé. Connectez-vous.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/verify.html", form=form), 422 if form.errors else 200, NO_STORE


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    """Send a single-use reset link; the answer never says whether the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        link = services.start_password_reset(form.email.data)
        if link:
            queue_mail(link.token.user.email, "Réinitialisation de votre mot de passe",
                       "password_reset", user=link.token.user,
                       link=url_for("auth.reset_password", token=link.secret, _external=False))
        db.session.commit()
        flash("Si un compte existe pour cette adresse, un lien vient de lui être envoyé.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour")  # a capability URL: no guessing of links
def reset_password(token: str):
    """Choose a new password through an e-mailed link (once: concurrent uses get 404)."""
    try:
        services.reset_token_for(token)
    except NotFound:
        abort(404)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.complete_password_reset(token, form.password.data)
        except NotFound:
            db.session.rollback()
            abort(404)
        db.session.commit()
        flash("Votre mot de passe est modifié. Connectez-vous.", "success")
        return redirect(url_for("auth.login"))
    # A capability URL: never kept by a cache, never sent as referrer (to our own static
    # files either: they would write the secret into access logs).
    return render_template("auth/reset_password.html", form=form), 200, NO_STORE


@bp.get("/profil")
@login_required
def profile():
    """The user's profile, password and personal API tokens."""
    return _profile()


def _profile(token_form=None, password_form=None, new_token=None, status=200):
    return render_template(
        "auth/profile.html", token_form=token_form or TokenForm(formdata=None),
        password_form=password_form or ChangePasswordForm(formdata=None, prefix="mdp"),
        tokens=tokens.list_api_tokens(current_user), new_token=new_token), status


@bp.post("/profil/mot-de-passe")
@login_required
@limiter.limit("10 per hour")
def change_password():
    """Change my password (the current one asked again); my other sessions and links end."""
    form = ChangePasswordForm(prefix="mdp")
    if form.validate_on_submit():
        try:
            user = links.change_password(current_user._get_current_object(), form.current_password.data,
                                         form.password.data, services.MIN_PASSWORD_LENGTH)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            session.clear()
            login_user(user)  # this browser goes on with the new session version
            flash("Votre mot de passe est changé. Vos autres sessions sont fermées.", "success")
            return redirect(url_for("auth.profile"))
    return _profile(password_form=form, status=422)


@bp.post("/profil/jetons")
@login_required
@limiter.limit("20 per hour")
@carries_secret
def create_token():
    """Create a personal API token, shown once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _profile(token_form=form, status=422)
    _, secret = tokens.create_api_token(current_user, form.label.data)
    db.session.commit()
    flash("Jeton créé. Copiez-le maintenant : il ne sera plus affiché.", "success")
    return _profile(new_token=secret)


@bp.post("/profil/jetons/<int:token_id>/revoquer")
@login_required
def revoke_token(token_id: int):
    """Revoke one of my tokens."""
    tokens.revoke_api_token(current_user, token_id)
    db.session.commit()
    flash("Jeton révoqué.", "success")
    return redirect(url_for("auth.profile"))


from labapp.auth import proconnect_views  # noqa: E402  (registers its routes on bp)
