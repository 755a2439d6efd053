"""Catalogue offerings, sessions and registrations (with waiting list and attendance).

Times are aware UTC datetimes; a session occupies the half-open interval
[start_at, end_at). A registration is *active* while it is confirmed or
waitlisted; the waiting list is ordered by (created_at, id), oldest first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labapp.db_types import UTCDateTime, utcnow
from labapp.extensions import db

KINDS = ("formation", "webinaire", "rencontre", "atelier")
KIND_LABELS = {"formation": "Formation", "webinaire": "Webinaire", "rencontre": "Rencontre",
               "atelier": "Atelier"}
# The lab's usual themes; the team may add its own to an offering.
THEMES = ("écoute usagers", "entretiens utilisateurs", "décryptage comportemental",
          "co-développement", "outils collaboratifs", "design de service")
AUDIENCES = ("agents", "societe_civile", "tous")
AUDIENCE_LABELS = {"agents": "Agents", "societe_civile": "Société civile", "tous": "Tous publics"}
LOCATIONS = ("lab", "online", "other")
LOCATION_LABELS = {"lab": "Au lab (place Beauvau)", "online": "En ligne", "other": "Autre adresse"}
SESSION_STATUSES = ("scheduled", "held", "cancelled")
SESSION_STATUS_LABELS = {"scheduled": "Programmée", "held": "Tenue", "cancelled": "Annulée"}
REGISTRATION_STATUSES = ("confirmed", "waitlisted", "cancelled")
REGISTRATION_STATUS_LABELS = {"confirmed": "Confirmée", "waitlisted": "En liste d'attente",
                              "cancelled": "Annulée"}
ACTIVE_STATUSES = ("confirmed", "waitlisted")


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


ACTIVE_WHERE = text(_in("status", ACTIVE_STATUSES))


class Offering(db.Model):
    """A catalogue entry (a training, webinar, meeting or workshop) sessions are made of.

    `duration_minutes` is the usual length of one session; `default_capacity`
    seeds the capacity of new sessions.
    """

    __tablename__ = "offerings"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(_in("audience", AUDIENCES), name="audience"),
        CheckConstraint("default_capacity >= 1", name="default_capacity_positive"),
        CheckConstraint("duration_minutes >= 1", name="duration_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    themes: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(default=180)
    audience: Mapped[str] = mapped_column(String(16), default="tous")
    default_capacity: Mapped[int] = mapped_column(default=12)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sessions: Mapped[list[Session]] = relationship(back_populates="offering")

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def audience_label(self) -> str:
        return AUDIENCE_LABELS.get(self.audience, self.audience)


class Session(db.Model):
    """One dated occurrence: [start_at, end_at) in UTC, a place, a capacity, a status.

    `sequence` only grows: it is bumped on every change of time, place, status or
    title (iCalendar SEQUENCE). `space_id`/`booking_id` refer to the bookings
    domain when the session takes place in the lab.
    """

    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(_in("location", LOCATIONS), name="location"),
        CheckConstraint(_in("status", SESSION_STATUSES), name="status"),
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        Index("ix_training_sessions_start_at", "start_at"),
        Index("ix_training_sessions_status_start_at", "status", "start_at"),
        # "Not ended yet" lists (end_at > now) read only the sessions still to come.
        Index("ix_training_sessions_end_at", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int | None] = mapped_column(
        ForeignKey("offerings.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(Text, default="")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column()
    location: Mapped[str] = mapped_column(String(8))
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="RESTRICT"),
                                                 index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"),
                                                   index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    video_link: Mapped[str | None] = mapped_column(String(500))
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trainers: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    offering: Mapped[Offering | None] = relationship(back_populates="sessions")
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="session", order_by="(Registration.created_at, Registration.id)")

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def location_label(self) -> str:
        return LOCATION_LABELS.get(self.location, self.location)

    @property
    def status_label(self) -> str:
        return SESSION_STATUS_LABELS.get(self.status, self.status)

    def bump_sequence(self) -> None:
        """A calendar-visible change (time, place, status, title) happened."""
        self.sequence = (self.sequence or 0) + 1

    def mark_held(self, now: datetime) -> None:
        self.status, self.held_at = "held", now
        self.bump_sequence()

    def mark_cancelled(self, now: datetime) -> None:
        self.status, self.cancelled_at = "cancelled", now
        self.bump_sequence()


class Registration(db.Model):
    """A person's place at a session: confirmed, waitlisted or cancelled.

    `email` is stored lower-case; at most one active (confirmed or waitlisted)
    registration per (session, email), enforced by a partial unique index on
    both engines. `present` is None until attendance is taken. People without
    an account manage their registration through a private link whose secret
    is stored as SHA-256 in `manage_token_hash`.
    """

    __tablename__ = "session_registrations"
    __table_args__ = (
        CheckConstraint(_in("status", REGISTRATION_STATUSES), name="status"),
        Index("uq_session_registrations_active_email", "session_id", "email", unique=True,
              sqlite_where=ACTIVE_WHERE, postgresql_where=ACTIVE_WHERE),
        Index("ix_session_registrations_session_status", "session_id", "status", "created_at"),
        Index("ix_session_registrations_reminder", "status", "reminder_sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    present: Mapped[bool | None] = mapped_column()
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    manage_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[Session] = relationship(back_populates="registrations")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def status_label(self) -> str:
        return REGISTRATION_STATUS_LABELS.get(self.status, self.status)

    def confirm_from_waitlist(self, now: datetime) -> None:
        self.status, self.promoted_at = "confirmed", now

    def cancel(self, now: datetime) -> None:
        self.status, self.cancelled_at = "cancelled", now
