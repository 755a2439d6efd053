"""Serving calendars over HTTP: headers, conditional GET, token-free logs.

Feeds are always `text/calendar; charset=utf-8` (whatever Accept says), never
compressed (`no-transform` asks proxies not to gzip; Outlook subscriptions
break on Content-Encoding), `Cache-Control: private, no-store` (capability URLs
must not sit in shared or disk caches) and `Referrer-Policy: no-referrer`.
Calendar clients keep the ETag of their last sync themselves, so conditional
requests still get a 304 when, and only when, the body is byte-identical
(If-None-Match) or has not changed since the given date (If-Modified-Since,
only when no If-None-Match is sent, RFC 9110 13.2.2).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from flask import Response, request
from werkzeug.http import http_date, parse_date

CALENDAR_MIMETYPE = "text/calendar; charset=utf-8"
CACHE_CONTROL = "private, no-store, no-transform"


def _etag_matches(header: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 8.8.3.2), as If-None-Match requires."""
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(candidate.strip().removeprefix("W/") == wanted for candidate in header.split(","))


def not_modified(etag: str, last_modified: datetime | None) -> bool:
    """True when the request's validators show the client already has this body."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return _etag_matches(if_none_match, etag)
    since = parse_date(request.headers.get("If-Modified-Since"))
    if since is None or last_modified is None:
        return False
    return last_modified.replace(microsecond=0) <= since


def calendar_response(body: bytes, *, etag: str, last_modified: datetime | None,
                      download_name: str | None = None) -> Response:
    """A feed or .ics download with validators; 304 (no body) when unchanged."""
    conditional = request.method in ("GET", "HEAD") and not_modified(etag, last_modified)
    response = Response(b"" if conditional else body, status=304 if conditional else 200)
    response.headers["Content-Type"] = CALENDAR_MIMETYPE
    if conditional:
        del response.headers["Content-Type"]
    response.headers["ETag"] = etag
    if last_modified is not None:
        response.headers["Last-Modified"] = http_date(last_modified)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    if download_name:
        response.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    return response


# --- logs never see feed tokens --------------------------------------------

# Secrets are URL-safe base64; a format placeholder such as "%s" is left alone
# (its argument is redacted instead).
TOKEN_PATH = re.compile(r"(/calendrier/)[A-Za-z0-9_\-]{16,}")
REDACTED = r"\1[masqué]"


def redact(text: str) -> str:
    """The text with every `/calendrier/<secret>.ics` path masked."""
    return TOKEN_PATH.sub(REDACTED, text)


class FeedTokenRedactor(logging.Filter):
    """Masks feed secrets in log records (werkzeug, gunicorn access/error, the app).

    Formats the message (tuple arguments or gunicorn's atoms dict), masks the
    secret and keeps the record; never drops one.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's business
            return True
        if "/calendrier/" in message:
            # The secret may sit in the format string or in any argument: redact the
            # formatted text and drop the arguments.
            record.msg, record.args = redact(message), ()
        return True


LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error", "labapp", "flask.app")
_REDACTOR = FeedTokenRedactor()


def install_log_redaction(extra_loggers=()) -> None:
    """Attach the redactor to the loggers that may print request paths (idempotent).

    For gunicorn this runs in every process that creates the app (workers, or
    the master with --preload). It can also be wired explicitly in a
    gunicorn config file:

        def post_worker_init(worker):
            from labapp.calendar.http import install_log_redaction
            install_log_redaction()
    """
    for name in (*LOGGERS, *extra_loggers):
        logger = logging.getLogger(name)
        if _REDACTOR not in logger.filters:
            logger.addFilter(_REDACTOR)
