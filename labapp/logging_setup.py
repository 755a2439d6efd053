"""Logs: structured (one JSON object per line) in production, and never a capability
token — feed, survey, registration and password-reset secrets are masked."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

# Path segments that carry a secret: /calendrier/<s>.ics, /avis/<s>, /compte/mot-de-passe/<s>,
# /inscription/<s> (registration management), plus any `token=` query parameter.
CAPABILITY_PATH = re.compile(
    r"(/(?:calendrier|avis|mot-de-passe|inscriptions?|gerer)/)[A-Za-z0-9_\-]{16,}"
)
TOKEN_PARAM = re.compile(r"((?:token|jeton)=)[^&\s\"]+", re.IGNORECASE)
BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)


def redact(text: str) -> str:
    """The text with every capability secret masked."""
    text = CAPABILITY_PATH.sub(r"\1[masqué]", text)
    text = TOKEN_PARAM.sub(r"\1[masqué]", text)
    return BEARER.sub(r"\1[masqué]", text)


class SecretRedactor(logging.Filter):
    """Masks secrets in log records; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's business
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "labapp", "flask.app")
_REDACTOR = SecretRedactor()


def install_log_redaction(extra_loggers=()) -> None:
    """Attach the redactor to every logger that may print request paths (idempotent)."""
    for name in (*LOGGERS, *extra_loggers):
        logger = logging.getLogger(name)
        if _REDACTOR not in logger.filters:
            logger.addFilter(_REDACTOR)
        for handler in logger.handlers:
            if _REDACTOR not in handler.filters:
                handler.addFilter(_REDACTOR)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app) -> None:
    """JSON logs on stderr in production; redaction everywhere."""
    if app.config.get("ENV_NAME") == "production" and not app.config.get("TESTING"):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        app.logger.handlers[:] = [handler]
        app.logger.setLevel(logging.INFO)
    install_log_redaction()
