"""Lab Minnov activity app: the application factory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, g

from config import BASE_DIR, config_for_environment
from labapp.logging_setup import configure_logging
from labapp.timing import install_server_timing

TEMPLATE_DIR = BASE_DIR / "templates"
MIGRATIONS_DIR = BASE_DIR / "migrations"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, errors, commands."""
    app = Flask(
        __name__,
        template_folder=str(TEMPLATE_DIR),
        instance_path=str(BASE_DIR / "instance"),
    )
    load_configuration(app, test_config)
    bound_integer_urls(app)
    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_path_guard(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_commands(app)
    install_server_timing(app)
    return app


def load_configuration(app: Flask, test_config: dict | None) -> None:
    app.config.from_object(config_for_environment())
    if test_config:
        app.config.update(test_config)
    if app.config["ENV_NAME"] == "production" and not os.environ.get("SECRET_KEY"):
        if not (test_config and test_config.get("SECRET_KEY")):
            raise RuntimeError("SECRET_KEY doit être défini en production.")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("PROXY_FIX_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_extensions(app: Flask) -> None:
    from labapp.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    from labapp import transactions

    transactions.init_app(app)  # first: which requests only read (SQLite's deferred BEGIN)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from labapp.privacy import audit

    audit.install()
    login_manager.login_view = "auth.login"
    from labapp import cache, planner  # noqa: F401  (planner registers its tick job)

    cache.init_app(app)
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"

    from labapp.auth.models import User

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or str(user.session_version) != version:
            return None
        return user


def register_blueprints(app: Flask) -> None:
    from labapp.admin.views import bp as admin_bp
    from labapp.api.openapi import bp as openapi_bp
    from labapp.auth.api import bp as auth_api_bp
    from labapp.auth.views import bp as auth_bp
    from labapp.calendar.api import bp as calendar_api_bp
    from labapp.calendar.views import bp as calendar_bp
    from labapp.main.views import bp as main_bp
    from labapp.main.views import pages_bp
    from labapp.projects.activity_api import bp as project_activity_api_bp
    from labapp.projects.activity_views import bp as project_activity_bp
    from labapp.projects.api import bp as projects_api_bp
    from labapp.projects.views import bp as projects_bp
    from labapp.surveys.views import bp as surveys_bp
    from labapp.trainings.api import bp as trainings_api_bp
    from labapp.trainings.views import bp as trainings_bp

    for blueprint in (main_bp, pages_bp, auth_bp, admin_bp, openapi_bp, auth_api_bp,
                      calendar_bp, calendar_api_bp, projects_api_bp, projects_bp,
                      project_activity_bp, project_activity_api_bp, surveys_bp, trainings_bp,
                      trainings_api_bp):
        app.register_blueprint(blueprint)

    from labapp.bookings.api import bp as bookings_api_bp
    from labapp.bookings.views import bp as bookings_bp

    for blueprint in (bookings_bp, bookings_api_bp):
        app.register_blueprint(blueprint)

    import labapp.indicators.demo  # noqa: F401  (models and demo seeder)
    import labapp.indicators.warm  # noqa: F401  (the tick job pre-computing the dashboard)
    from labapp.indicators.api import bp as indicators_api_bp

    app.register_blueprint(indicators_api_bp)
    from labapp.indicators.views import bp as indicators_bp

    app.register_blueprint(indicators_bp)

    import labapp.privacy.jobs  # noqa: F401  (the retention tick job)
    from labapp.privacy.api import bp as privacy_api_bp
    from labapp.privacy.audit_views import bp as audit_bp
    from labapp.privacy.views import bp as privacy_bp

    for blueprint in (privacy_bp, privacy_api_bp, audit_bp):
        app.register_blueprint(blueprint)

    from labapp.operations.views import bp as operations_bp

    app.register_blueprint(operations_bp)

    from labapp.mail.catcher import bp as mail_catcher_bp  # 404 unless file mode, outside production

    app.register_blueprint(mail_catcher_bp)


def register_errorhandlers(app: Flask) -> None:
    from labapp.main.errors import register

    register(app)


def bound_integer_urls(app: Flask) -> None:
    """`<int:...>` in every route reads a number past the largest SQL INTEGER as -1, which no
    row has (the converter takes no sign): the view answers its usual 404 instead of a lookup
    the database cannot run (SQLite: Python int too large; PostgreSQL: integer out of range).
    A converter `max` would not do: werkzeug then answers 405 when another method's rule has
    the same path."""
    from werkzeug.routing import IntegerConverter

    from labapp.input_checks import INTEGER_LIMIT

    class BoundedIntegerConverter(IntegerConverter):
        def to_python(self, value: str) -> int:
            number = super().to_python(value)
            return number if number <= INTEGER_LIMIT else -1

    app.url_map.converters["int"] = BoundedIntegerConverter


def register_path_guard(app: Flask) -> None:
    from flask import abort, request

    from labapp.input_checks import text_problem

    @app.before_request
    def refuse_control_characters_in_path():
        """No page or resource has a control character in its path (a string path parameter
        such as a series id or a room code would reach the database, and PostgreSQL cannot
        compare text with NUL): 404."""
        if text_problem(request.path):
            abort(404)


def register_template_helpers(app: Flask) -> None:
    from flask import has_request_context
    from flask_login import current_user

    from labapp.formatting import FILTERS
    from labapp.navigation import nav_items
    from labapp.operations.services import operations_alert

    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.context_processor
    def inject_navigation():
        if not has_request_context():  # e-mails rendered by `flask tick` have no request
            return {}
        try:
            return {"nav_items": nav_items(current_user),
                    "operations_alert": operations_alert(current_user)}
        except Exception:  # an error page must render even when the database is down
            app.logger.exception("navigation unavailable")
            return {"nav_items": []}


def csp_nonce() -> str:
    """A per-request nonce for the few inline scripts (DSFR theme)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def set_headers(response):
        headers = response.headers
        nonce = g.get("csp_nonce") or csp_nonce()
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if app.config["ENV_NAME"] == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def register_commands(app: Flask) -> None:
    from labapp.commands import register

    register(app)
