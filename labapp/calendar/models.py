"""Calendar tables: feed capability tokens, event revisions, feed validators,
what each invitation recipient was last sent, and the invitation job's cursor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labapp.auth.models import User
from labapp.bookings.models import Booking
from labapp.db_types import UTCDateTime, utcnow
from labapp.extensions import db
from labapp.trainings.models import Registration, Session

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
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"),
                                                index=True)
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


INVITATION_STATES = ("none", "request", "cancel")


class CalendarInvitationState(db.Model):
    """What one recipient was last sent about one UID (iTIP over e-mail).

    `state` is "none" (claimed, nothing sent yet), "request" (they hold the
    event) or "cancel" (they were told it is cancelled); `sequence` and
    `schedule_hash` (time, place, title) are those of the last message, so a
    change of time or place sends a REQUEST with a higher SEQUENCE. The unique
    (uid, recipient) pair is what makes two concurrent ticks send once.
    """

    __tablename__ = "calendar_invitation_states"
    __table_args__ = (
        UniqueConstraint("uid", "recipient", name="uq_calendar_invitation_states_uid_recipient"),
        CheckConstraint("state IN ('none', 'request', 'cancel')", name="state"),
        Index("ix_calendar_invitation_states_source", "source", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(255))
    recipient: Mapped[str] = mapped_column(String(254))
    source: Mapped[str] = mapped_column(String(12))
    source_id: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(8), default="none")
    sequence: Mapped[int] = mapped_column(default=0)
    schedule_hash: Mapped[str] = mapped_column(String(64), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CalendarSyncCursor(db.Model):
    """Up to when a job has looked at changed rows (it rescans a margin before it)."""

    __tablename__ = "calendar_sync_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    scanned_until: Mapped[datetime] = mapped_column(UTCDateTime)


# The invitation job reads bookings, sessions and registrations changed since its
# cursor: index the columns it filters on (those domains do not know this reader).
Index("ix_bookings_updated_at", Booking.__table__.c.updated_at)
Index("ix_training_sessions_updated_at", Session.__table__.c.updated_at)
Index("ix_session_registrations_created_at", Registration.__table__.c.created_at)
Index("ix_session_registrations_promoted_at", Registration.__table__.c.promoted_at)
Index("ix_session_registrations_cancelled_at", Registration.__table__.c.cancelled_at)
