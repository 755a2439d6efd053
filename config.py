"""Configuration read from the environment (12-factor).

Every variable documented in docs/interfaces.md is read here and nowhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given without a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Defaults for development; production overrides the unsafe ones."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-key-change-me"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'labapp.db'}"
    )
    # The port `make run` serves on (PORT) gives the default, so that the links of
    # e-mails and feeds point at the running server; an explicit BASE_URL wins.
    BASE_URL = (os.environ.get("BASE_URL")
                or f"http://127.0.0.1:{os.environ.get('PORT') or 5000}").rstrip("/")

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND") or "file"
    MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR") or str(INSTANCE_DIR / "mail")
    MAIL_FROM = os.environ.get("MAIL_FROM") or "Lab Minnov <lab-minnov@interieur.gouv.fr>"
    SMTP_HOST = os.environ.get("SMTP_HOST") or "localhost"
    SMTP_PORT = int(os.environ.get("SMTP_PORT") or 25)
    SMTP_USER = os.environ.get("SMTP_USER") or None
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD") or None
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)
    SMTP_TIMEOUT = 30
    # The relay delivers addresses whose local part is not ASCII (RFC 6531): only then are
    # such addresses accepted (labapp/mail/addresses.py).
    MAIL_SMTPUTF8 = _bool("MAIL_SMTPUTF8", False)

    # Calendar (issue 8): ORGANIZER of invitations (empty: the MAIL_FROM address)
    # and how many days a cancelled item stays in feeds with STATUS:CANCELLED.
    CALENDAR_ORGANIZER = os.environ.get("CALENDAR_ORGANIZER") or ""
    CALENDAR_CANCELLED_DAYS = int(os.environ.get("CALENDAR_CANCELLED_DAYS") or 30)
    # A built feed is reused while the data is unchanged, for at most this long (0: never).
    CALENDAR_FEED_CACHE_SECONDS = int(os.environ.get("CALENDAR_FEED_CACHE_SECONDS") or 300)

    REDIS_URL = os.environ.get("REDIS_URL") or None
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True

    # Flask-Limiter limit strings of the public entry points (issue 10).
    RATELIMIT_PUBLIC_REGISTRATION = (os.environ.get("RATELIMIT_PUBLIC_REGISTRATION")
                                     or "30 per hour;10 per minute")
    RATELIMIT_FEED = os.environ.get("RATELIMIT_FEED") or "30 per minute"
    RATELIMIT_FEED_PER_ADDRESS = os.environ.get("RATELIMIT_FEED_PER_ADDRESS") or "300 per minute"
    # In-room answers: a room of 40 behind one address answers within a minute or two (the
    # number of answers is capped by the attendance, in the database).
    RATELIMIT_ROOM_ANSWER = os.environ.get("RATELIMIT_ROOM_ANSWER") or "120 per minute"
    # Failed sign-ins (issue 16): per account from any address, and per address on any account.
    RATELIMIT_LOGIN_ACCOUNT = os.environ.get("RATELIMIT_LOGIN_ACCOUNT") or "10 per 15 minutes"
    RATELIMIT_LOGIN_ADDRESS = os.environ.get("RATELIMIT_LOGIN_ADDRESS") or "30 per 10 minutes"
    # Largest request body (bytes): larger is refused with 413 before it is read.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH") or 10 * 1024 * 1024)

    # RGPD retention periods applied by `flask tick` (labapp/privacy/retention.py).
    RETENTION_PARTICIPANT_MONTHS = int(os.environ.get("RETENTION_PARTICIPANT_MONTHS") or 24)
    RETENTION_MAIL_BODY_DAYS = int(os.environ.get("RETENTION_MAIL_BODY_DAYS") or 90)
    RETENTION_LOG_MONTHS = int(os.environ.get("RETENTION_LOG_MONTHS") or 12)
    RETENTION_AUDIT_MONTHS = int(os.environ.get("RETENTION_AUDIT_MONTHS") or 12)
    RETENTION_RESET_LINK_DAYS = int(os.environ.get("RETENTION_RESET_LINK_DAYS") or 30)
    RETENTION_BOOKING_TEXT_MONTHS = int(os.environ.get("RETENTION_BOOKING_TEXT_MONTHS") or 36)

    # Facts of the deployment shown on "Mentions légales" and "Données personnelles"
    # (issue 10). The defaults are the ministry's usual answers, to confirm before production.
    LEGAL_PUBLICATION_DIRECTOR = (os.environ.get("LEGAL_PUBLICATION_DIRECTOR")
                                  or "Le secrétaire général du ministère de l'Intérieur")
    LEGAL_HOST_NAME = (os.environ.get("LEGAL_HOST_NAME")
                       or "Ministère de l'Intérieur — direction du numérique (DNUM)")
    LEGAL_HOST_ADDRESS = os.environ.get("LEGAL_HOST_ADDRESS") or "Place Beauvau, 75008 Paris"
    LEGAL_DPO_EMAIL = os.environ.get("LEGAL_DPO_EMAIL") or "dpd@interieur.gouv.fr"
    LEGAL_DPO_ADDRESS = (os.environ.get("LEGAL_DPO_ADDRESS")
                         or "Ministère de l'Intérieur, délégué à la protection des données, "
                            "place Beauvau, 75800 Paris Cedex 08")

    # Comma-separated list; empty means any domain (development only).
    ALLOWED_EMAIL_DOMAINS = os.environ.get("ALLOWED_EMAIL_DOMAINS", "")
    PASSWORD_RESET_HOURS = 2

    # ProConnect, the agents' single sign-on (OpenID Connect). Enabled when the client id,
    # the secret and the discovery URL (or the domain, e.g. fca.integ01.dev-agentconnect.fr)
    # are set; otherwise no button is shown and its routes answer 404.
    PROCONNECT_DOMAIN = os.environ.get("PROCONNECT_DOMAIN") or ""
    PROCONNECT_DISCOVERY_URL = os.environ.get("PROCONNECT_DISCOVERY_URL") or ""
    PROCONNECT_CLIENT_ID = os.environ.get("PROCONNECT_CLIENT_ID") or ""
    PROCONNECT_CLIENT_SECRET = os.environ.get("PROCONNECT_CLIENT_SECRET") or ""
    PROCONNECT_ACR = os.environ.get("PROCONNECT_ACR") or "eidas1"
    # Comma-separated e-mail domains allowed to create an account through ProConnect;
    # empty means any (ProConnect authenticates, the app decides who may enter).
    PROCONNECT_ALLOWED_DOMAINS = os.environ.get("PROCONNECT_ALLOWED_DOMAINS", "")
    PROCONNECT_TIMEOUT = int(os.environ.get("PROCONNECT_TIMEOUT") or 10)
    OUTBOX_MAX_ATTEMPTS = 10
    SESSION_REMINDER_HOURS = int(os.environ.get("SESSION_REMINDER_HOURS") or 24)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS") or 0)
    # Benchmarks: a Server-Timing header with the app time and SQL statement count.
    SERVER_TIMING = _bool("SERVER_TIMING", False)


class ProductionConfig(Config):
    """Production: secrets from the environment, secure cookies, SMTP by default."""

    ENV_NAME = "production"
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND") or "smtp"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    ALLOWED_EMAIL_DOMAINS = os.environ.get("ALLOWED_EMAIL_DOMAINS", "interieur.gouv.fr")


def config_for_environment() -> type[Config]:
    """Pick the configuration class from LABAPP_ENV (development by default)."""
    if os.environ.get("LABAPP_ENV", "").lower() == "production":
        return ProductionConfig
    return Config
