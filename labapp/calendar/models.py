"""Calendar tables: feed capability tokens, event revisions, feed validators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labapp.auth.models import User
from labapp.db_types import UTCDateTime, utcnow
from labapp.extensions import db

FEED_KINDS = ("personal", "team", "space")


class CalendarFeedToken(db.Model):
    """A capability URL for one feed of one user (`/calendrier/<secret>.ics`).

    The secret in the URL is derived from `nonce` with HMAC-SHA256 under
    SECRET_KEY (so the link can be shown again without being stored); only its
    SHA-256 (`token_hash`) is used for lookup. Regenerating revokes the row
    (`revoked_at`) and creates a new one: the old URL then answers 404.
    `space_id` is set for kind "space" only.
    """

    __tablename__ = "calendar_feed_tokens"
    __table_args__ = (
        CheckConstraint("kind IN ('personal', 'team', 'space')", name="kind"),
        CheckConstraint("(kind = 'space') = (space_id IS NOT NULL)",
                        name="space"),
        Index("ix_calendar_feed_tokens_owner", "user_id", "kind", "space_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    space_id: Mapped[int | None] = mapped_column(Integer)
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def revoke(self, now: datetime) -> None:
        """Stop this URL from working (idempotent)."""
        if self.revoked_at is None:
            self.revoked_at = now


class CalendarEventRevision(db.Model):
    """What was last published under a UID, so SEQUENCE only grows.

    `schedule_hash` covers time, place, status and title (a change bumps
    `sequence`, RFC 5545 3.8.7.4); `content_hash` covers everything written
    (a change moves `last_modified`).
    """

    __tablename__ = "calendar_event_revisions"

    uid: Mapped[str] = mapped_column(String(255), primary_key=True)
    sequence: Mapped[int] = mapped_column(default=0)
    schedule_hash: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarFeedState(db.Model):
    """The last body served under a feed key (its ETag) and since when.

    `changed_at` is the Last-Modified of the feed: it moves whenever the body
    changes, including when an item leaves the feed, so If-Modified-Since
    never gets a 304 for a feed that changed.
    """

    __tablename__ = "calendar_feed_states"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    etag: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
