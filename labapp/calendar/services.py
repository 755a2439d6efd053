"""Calendar rules: feed tokens, monotonic SEQUENCE, feed validators (ETag/Last-Modified)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from labapp.auth.models import User
from labapp.calendar.ical import CalendarEvent
from labapp.calendar.models import (
    FEED_KINDS,
    CalendarEventRevision,
    CalendarFeedState,
    CalendarFeedToken,
)
from labapp.db_types import utcnow
from labapp.errors import NotFound, ValidationFailed
from labapp.extensions import db
from labapp.secrets_util import hash_secret, same_hash

MAX_SECRET_LENGTH = 100
FEED_PATH = "/calendrier/{secret}.ics"


# --- feed tokens -----------------------------------------------------------

def feed_secret(token: CalendarFeedToken) -> str:
    """The URL secret of a token: HMAC-SHA256(SECRET_KEY, nonce), 256 bits, URL-safe.

    The nonce comes from `secrets.token_urlsafe(32)`; without SECRET_KEY the
    stored row does not give the URL back.
    """
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    digest = hmac.new(key, b"calendar-feed:" + token.nonce.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _check_kind(user: User, kind: str, space_id: int | None) -> None:
    if kind not in FEED_KINDS:
        raise ValidationFailed.on("kind", "Type de calendrier inconnu.")
    if (kind == "space") != (space_id is not None):
        raise ValidationFailed.on("space_id", "Un calendrier d'espace doit désigner un espace.")
    if kind == "team" and not user.is_team:
        raise NotFound("Calendrier introuvable.")


def create_feed_token(user: User, kind: str = "personal", space_id: int | None = None) -> CalendarFeedToken:
    """A new active token for one of the user's feeds."""
    _check_kind(user, kind, space_id)
    token = CalendarFeedToken(user=user, kind=kind, space_id=space_id,
                              nonce=secrets.token_urlsafe(32), token_hash="")
    token.token_hash = hash_secret(feed_secret(token))
    db.session.add(token)
    db.session.flush()
    return token


def _active_tokens(user: User, kind: str, space_id: int | None) -> list[CalendarFeedToken]:
    query = select(CalendarFeedToken).where(
        CalendarFeedToken.user_id == user.id, CalendarFeedToken.kind == kind,
        CalendarFeedToken.revoked_at.is_(None),
    )
    if space_id is None:
        query = query.where(CalendarFeedToken.space_id.is_(None))
    else:
        query = query.where(CalendarFeedToken.space_id == space_id)
    return list(db.session.scalars(query.order_by(CalendarFeedToken.id.desc())))


def feed_token(user: User, kind: str = "personal", space_id: int | None = None,
               create: bool = True) -> CalendarFeedToken | None:
    """The user's active token for a feed, created on first use when `create`."""
    _check_kind(user, kind, space_id)
    tokens = _active_tokens(user, kind, space_id)
    if tokens:
        token = tokens[0]
        if not same_hash(token.token_hash, feed_secret(token)):
            # SECRET_KEY changed: the link we can show is a new one; the old one stops.
            token.token_hash = hash_secret(feed_secret(token))
            db.session.flush()
        return token
    return create_feed_token(user, kind, space_id) if create else None


def regenerate_feed_token(user: User, kind: str = "personal",
                          space_id: int | None = None) -> CalendarFeedToken:
    """Revoke the user's link(s) for this feed and make a new one (old URL -> 404)."""
    _check_kind(user, kind, space_id)
    now = utcnow()
    for token in _active_tokens(user, kind, space_id):
        token.revoke(now)
    db.session.flush()
    return create_feed_token(user, kind, space_id)


def token_for_secret(secret: str) -> CalendarFeedToken | None:
    """The active token whose URL secret this is (its user active), else None."""
    if not isinstance(secret, str) or not 20 <= len(secret) <= MAX_SECRET_LENGTH:
        return None
    token = db.session.scalar(  # with its user: a poll then costs one query before the cache
        select(CalendarFeedToken).options(joinedload(CalendarFeedToken.user))
        .where(CalendarFeedToken.token_hash == hash_secret(secret)))
    if token is None or not token.active or not same_hash(token.token_hash, secret):
        return None
    if not token.user.active or (token.kind == "team" and not token.user.is_team):
        return None
    return token


def feed_urls(token: CalendarFeedToken) -> dict:
    """{"https": absolute URL ending in .ics, "webcal": the same as webcal://}."""
    # Built without url_for so it works outside a request (mails, ticks); same path
    # as the `calendar.token_feed` route.
    https = current_app.config["BASE_URL"] + FEED_PATH.format(secret=feed_secret(token))
    return {"https": https, "webcal": webcal_url(https)}


def webcal_url(url: str) -> str:
    """The webcal:// form of an http(s) feed URL (calendar apps subscribe to it)."""
    return "webcal://" + url.split("://", 1)[1]


# --- revisions: SEQUENCE only grows ----------------------------------------

def _fingerprint(values: list) -> str:
    return hashlib.sha256(json.dumps(values, default=str, ensure_ascii=False).encode()).hexdigest()


def _when(value) -> str:
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value.isoformat()


def schedule_hash(event: CalendarEvent) -> str:
    """Time, place, status and title: a change here bumps SEQUENCE."""
    return _fingerprint([_when(event.start), _when(event.end), event.all_day, event.summary,
                         event.location, event.status])


def content_hash(event: CalendarEvent) -> str:
    """Everything written: a change here moves LAST-MODIFIED."""
    return _fingerprint([schedule_hash(event), event.description, event.url,
                         repr(event.organizer), repr(event.attendees)])


def insert_ignoring_duplicates(model, rows: dict | list[dict]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING, one statement for all rows (two requests
    or ticks may insert the same key); returns how many rows were inserted."""
    rows = [rows] if isinstance(rows, dict) else rows
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return db.session.execute(insert(model).values(rows).on_conflict_do_nothing()).rowcount



def publish_revisions(events: list[CalendarEvent]) -> list[CalendarEvent]:
    """The events with the SEQUENCE and LAST-MODIFIED to publish; records them.

    SEQUENCE is never lower than the one given nor than the one published
    before, and grows by one when time, place, status or title changed since.
    LAST-MODIFIED moves when anything written changed. Only flushes.
    """
    if not events:
        return []
    uids = [event.uid for event in events]
    rows = {row.uid: row for row in db.session.scalars(
        select(CalendarEventRevision).where(CalendarEventRevision.uid.in_(uids)))}
    now = utcnow()
    published, new_rows = [], {}
    for event in events:
        schedule, content = schedule_hash(event), content_hash(event)
        row = rows.get(event.uid)
        if row is None:
            new_rows[event.uid] = dict(
                uid=event.uid, sequence=event.sequence, schedule_hash=schedule,
                content_hash=content, last_modified=event.last_modified)
            published.append(event)
            continue
        sequence = max(row.sequence, event.sequence)
        if row.schedule_hash != schedule:
            sequence = max(row.sequence + 1, event.sequence)
        last_modified = max(row.last_modified, event.last_modified)
        if row.content_hash != content and event.last_modified <= row.last_modified:
            last_modified = max(now, row.last_modified)
        row.sequence, row.schedule_hash, row.content_hash = sequence, schedule, content
        row.last_modified = last_modified
        published.append(replace(event, sequence=sequence, last_modified=last_modified))
    db.session.flush()
    # One statement for every new UID, so a feed costs the same number of queries
    # whatever its size.
    insert_ignoring_duplicates(CalendarEventRevision, list(new_rows.values()))
    return published


# --- feed validators -------------------------------------------------------

def body_etag(body: bytes) -> str:
    """A strong ETag: the body's SHA-256 (quoted)."""
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def feed_validators(key: str, body: bytes) -> tuple[str, datetime]:
    """(ETag, Last-Modified) of a feed body served under `key`.

    Last-Modified is when this feed's body last changed (whole seconds,
    strictly increasing at each change), so it also moves when an item leaves
    the feed. Only flushes.
    """
    etag = body_etag(body)
    now = utcnow().replace(microsecond=0)
    state = db.session.get(CalendarFeedState, key)
    if state is None:
        insert_ignoring_duplicates(CalendarFeedState, dict(key=key, etag=etag, changed_at=now))
        return etag, now
    if state.etag != etag:
        state.etag = etag
        state.changed_at = max(now, state.changed_at.replace(microsecond=0) + timedelta(seconds=1))
        db.session.flush()
    return etag, state.changed_at
