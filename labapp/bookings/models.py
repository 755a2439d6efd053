"""Sites, bookable spaces, booking rules, closures, bookings and their history.

Datetimes are aware UTC (`UTCDateTime`); a booking covers the half-open
interval `[start_at, end_at)`. Opening hours and closures are Paris wall-clock
dates and times.

No double booking is enforced by the database: an approved booking writes one
`BookingOccupancy` row per unit it occupies (a zone occupies itself; the whole
lab occupies itself and every zone of its site), and on PostgreSQL an
exclusion constraint (on SQLite, triggers of migration c4e8a1f2b7d3) forbids two
rows of the same unit with overlapping ranges.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, Time, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labapp.auth.models import User
from labapp.db_types import UTCDateTime, utcnow
from labapp.errors import Conflict
from labapp.extensions import db

STATUSES = ("pending", "approved", "refused", "cancelled")
STATUS_LABELS = {
    "pending": "En attente",
    "approved": "Acceptée",
    "refused": "Refusée",
    "cancelled": "Annulée",
}
PURPOSES = {
    "atelier": "Atelier",
    "reunion_projet": "Réunion projet",
    "formation": "Formation",
    "coaching": "Coaching",
    "evenement": "Événement",
    "autre": "Autre",
}
# Where a booking comes from: an agent's request, the team booking directly, or a
# training session booking its room (indicators leave the latter out).
SOURCES = ("request", "team", "session")
# No booking lasts longer (the site's maximum duration is at most 24 h, services check
# it): a booking overlapping [start, end) starts after start - MAX_SPAN, which lets
# overlap queries use the start_at index on a bounded range instead of all history.
MAX_SPAN = timedelta(hours=24)
WEEKDAY_LABELS = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Site(db.Model):
    """A place the lab runs (the Beauvau lab; territorial labs later) and its booking rules.

    Durations in minutes, horizon in days from now.
    """

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(255), default="")
    area_m2: Mapped[int | None] = mapped_column()
    buffer_minutes: Mapped[int] = mapped_column(default=0)
    min_duration_minutes: Mapped[int] = mapped_column(default=15)
    max_duration_minutes: Mapped[int] = mapped_column(default=12 * 60)
    horizon_days: Mapped[int] = mapped_column(default=365)

    spaces: Mapped[list[Space]] = relationship(back_populates="site", order_by="Space.id")
    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="site", order_by="OpeningHours.weekday", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("buffer_minutes >= 0 AND buffer_minutes <= 240", name="buffer"),
        CheckConstraint("min_duration_minutes > 0 AND max_duration_minutes >= min_duration_minutes",
                        name="durations"),
        CheckConstraint("horizon_days > 0", name="horizon"),
    )


class OpeningHours(db.Model):
    """Opening hours of a site on one weekday (0 = Monday), Paris time [opens_at, closes_at).

    A weekday without a row is closed.
    """

    __tablename__ = "site_opening_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column()
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)

    site: Mapped[Site] = relationship(back_populates="opening_hours")

    __table_args__ = (
        UniqueConstraint("site_id", "weekday", name="uq_site_opening_hours_site_weekday"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday"),
        CheckConstraint("closes_at > opens_at", name="order"),
    )


class Space(db.Model):
    """A bookable entry of a site: the whole lab (`whole`) or one of its zones."""

    __tablename__ = "spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int] = mapped_column()
    equipment: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    whole: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    site: Mapped[Site] = relationship(back_populates="spaces")

    __table_args__ = (CheckConstraint("capacity > 0", name="capacity"),)


class Closure(db.Model):
    """Days a site is closed, entered by the team: Paris dates [start_date, end_date] inclusive."""

    __tablename__ = "closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("end_date >= start_date", name="order"),)


class Booking(db.Model):
    """A request for (or a grant of) a space during [start_at, end_at), UTC.

    Lifecycle: pending -> approved | refused; pending or approved -> cancelled.
    `sequence` grows on every change of time, place, status or title (iCalendar
    SEQUENCE). Occupancy rows exist exactly while the status is approved.
    """

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(20), default="autre")
    attendees: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    source: Mapped[str] = mapped_column(String(10), default="request")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    needs: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    series_id: Mapped[str | None] = mapped_column(String(32), index=True)
    refusal_reason: Mapped[str | None] = mapped_column(String(500))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    space: Mapped[Space] = relationship()
    requested_by: Mapped[User] = relationship()
    events: Mapped[list[BookingEvent]] = relationship(
        back_populates="booking", order_by="BookingEvent.id", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("end_at > start_at", name="interval"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("purpose", PURPOSES), name="purpose"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint("attendees > 0", name="attendees"),
        Index("ix_bookings_space_start", "space_id", "start_at"),
        Index("ix_bookings_start_end", "start_at", "end_at"),
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def purpose_label(self) -> str:
        return PURPOSES.get(self.purpose, self.purpose)

    def record(self, actor: User | None, action: str, note: str | None = None) -> BookingEvent:
        """Append a history entry (who, what, when, why)."""
        event = BookingEvent(actor=actor, action=action, note=(note or None) and note[:500])
        self.events.append(event)
        return event

    def changed(self) -> None:
        """Mark a change of time, place, status or title (calendar clients re-read it)."""
        self.sequence = (self.sequence or 0) + 1
        self.updated_at = utcnow()

    def _require(self, allowed: tuple[str, ...], verb: str) -> None:
        if self.status not in allowed:
            raise Conflict(f"Impossible {verb} une réservation {STATUS_LABELS[self.status].lower()}.")

    def approve(self, actor: User, note: str | None = None) -> None:
        self._require(("pending",), "d'accepter")
        self.status = "approved"
        self.changed()
        self.record(actor, "approved", note)

    def refuse(self, actor: User, reason: str) -> None:
        self._require(("pending",), "de refuser")
        self.status, self.refusal_reason = "refused", reason[:500]
        self.changed()
        self.record(actor, "refused", reason)

    def cancel(self, actor: User, reason: str | None) -> None:
        self._require(("pending", "approved"), "d'annuler")
        self.status, self.cancel_reason = "cancelled", (reason or None) and reason[:500]
        self.changed()
        self.record(actor, "cancelled", reason)


EVENT_LABELS = {
    "requested": "Demande envoyée",
    "booked": "Réservation directe par l'équipe",
    "approved": "Acceptée",
    "refused": "Refusée",
    "cancelled": "Annulée",
    "moved": "Horaires modifiés",
}


class BookingEvent(db.Model):
    """One entry of a booking's history: who did what, when, with an optional note."""

    __tablename__ = "booking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    booking: Mapped[Booking] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        return EVENT_LABELS.get(self.action, self.action)


class BookingOccupancy(db.Model):
    """One unit (space) occupied by an approved booking during [start_at, end_at) UTC.

    `end_at` includes the site's buffer. On PostgreSQL the exclusion constraint
    (btree_gist) makes two overlapping rows of one unit impossible, whatever
    the application does; the migration creates it by hand. SQLite has no EXCLUDE:
    triggers on INSERT and UPDATE refuse the same (migration c4e8a1f2b7d3).
    """

    __tablename__ = "booking_occupancies"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("end_at > start_at", name="interval"),
        Index("ix_booking_occupancies_unit_start", "unit_id", "start_at"),
        # A unit's rows ending after a given start: what SQLite's overlap triggers look up.
        Index("ix_booking_occupancies_unit_end", "unit_id", "end_at"),
        ExcludeConstraint(
            ("unit_id", "="),
            (text("tstzrange(start_at, end_at, '[)')"), "&&"),
            name="ex_booking_occupancies_no_overlap",
            using="gist",
        ).ddl_if(dialect="postgresql"),
    )
