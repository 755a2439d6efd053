"""Projects the lab supports: the request, its qualification and its lifecycle.

Support dates (`support_started_on`, `support_ended_on`) are Europe/Paris calendar
dates; the support period is the closed interval [started_on, ended_on], open-ended
while `support_ended_on` is null.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labapp.auth.models import User
from labapp.db_types import UTCDateTime, utcnow
from labapp.extensions import db

if TYPE_CHECKING:  # the journal refers to other domains' rows by string, without importing them
    from labapp.bookings.models import Booking
    from labapp.trainings.models import Session

STATUSES = ("requested", "declined", "in_progress", "completed", "abandoned")
STATUS_LABELS = {
    "requested": "Demandé",
    "declined": "Décliné",
    "in_progress": "En cours",
    "completed": "Terminé",
    "abandoned": "Abandonné",
}
SUPPORT_TYPES = ("accompagnement", "avant-projet", "conseil")
SUPPORT_TYPE_LABELS = {
    "accompagnement": "Accompagnement",
    "avant-projet": "Avant-projet",
    "conseil": "Conseil",
}
# A mainly digital project only gets pre-project support (instruction, advice, method).
DIGITAL_SUPPORT_TYPES = ("avant-projet", "conseil")
METHODS = {
    "design_service": "Design de service",
    "sciences_comportementales": "Sciences comportementales",
    "ecoute_usagers": "Écoute usagers",
    "co_developpement": "Co-développement",
    "intelligence_collective": "Intelligence collective",
    "prototypage": "Prototypage",
}
ROLLOUT_SCOPES = {"other_territories": "Autres territoires", "national": "National"}
JOURNAL_KINDS = {"atelier": "Atelier", "reunion": "Réunion", "entretien": "Entretien",
                 "restitution": "Restitution", "autre": "Autre"}
LINK_KINDS = {"duplicate": "Doublon de", "pooled": "Mutualisé avec"}

# The lifecycle as data: from a status, the statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    "requested": frozenset({"in_progress", "declined"}),
    "in_progress": frozenset({"completed", "abandoned"}),
    "declined": frozenset(),
    "completed": frozenset(),
    "abandoned": frozenset(),
}


def can_transition(current: str, target: str) -> bool:
    """Whether the lifecycle allows `current` -> `target` (pure rule)."""
    return target in TRANSITIONS.get(current, frozenset())


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Project(db.Model):
    """A support request and, once accepted, the supported project."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("support_type IS NULL OR " + _in("support_type", SUPPORT_TYPES),
                        name="support_type"),
        CheckConstraint("rollout_scope IS NULL OR " + _in("rollout_scope", ROLLOUT_SCOPES),
                        name="rollout_scope"),
        CheckConstraint("support_ended_on IS NULL OR support_started_on IS NULL "
                        "OR support_ended_on >= support_started_on", name="support_period"),
        CheckConstraint("days_saved IS NULL OR days_saved >= 0", name="days_saved"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    problem: Mapped[str] = mapped_column(Text, default="")
    users_concerned: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(String(300), default="")
    direction: Mapped[str] = mapped_column(String(200), index=True)
    territory: Mapped[str] = mapped_column(String(20), index=True)
    desired_timeframe: Mapped[str] = mapped_column(String(200), default="")
    mainly_digital: Mapped[bool] = mapped_column(Boolean, default=False)

    status: Mapped[str] = mapped_column(String(20), default="requested", index=True)
    support_type: Mapped[str | None] = mapped_column(String(20))
    support_started_on: Mapped[date | None] = mapped_column(Date, index=True)
    support_ended_on: Mapped[date | None] = mapped_column(Date, index=True)
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    decline_reason: Mapped[str | None] = mapped_column(Text)

    deliverables: Mapped[str] = mapped_column(Text, default="")
    rollout_candidate: Mapped[bool] = mapped_column(Boolean, default=False)
    rollout_scope: Mapped[str | None] = mapped_column(String(20))
    days_saved: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))

    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    pooled_with_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])
    duplicate_of: Mapped[Project | None] = relationship(
        remote_side=[id], foreign_keys=[duplicate_of_id])
    pooled_with: Mapped[Project | None] = relationship(
        remote_side=[id], foreign_keys=[pooled_with_id])
    contacts: Mapped[list[ProjectContact]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectContact.id")
    method_rows: Mapped[list[ProjectMethod]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectMethod.method")
    journal: Mapped[list[JournalEntry]] = relationship(
        back_populates="project", cascade="all, delete-orphan",
        order_by="(JournalEntry.occurred_on.desc(), JournalEntry.id.desc())")

    @property
    def methods(self) -> list[str]:
        return [row.method for row in self.method_rows]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def support_type_label(self) -> str:
        return SUPPORT_TYPE_LABELS.get(self.support_type or "", "")

    @property
    def is_final(self) -> bool:
        return not TRANSITIONS[self.status]

    def allowed_targets(self) -> frozenset[str]:
        return TRANSITIONS[self.status]

    def move_to(self, target: str) -> None:
        """Apply a lifecycle transition; the caller checked it with `can_transition`."""
        if not can_transition(self.status, target):
            raise ValueError(f"transition {self.status} -> {target} not allowed")
        self.status = target


class ProjectContact(db.Model):
    """A person to keep informed about a project (receives its satisfaction survey)."""

    __tablename__ = "project_contacts"
    __table_args__ = (UniqueConstraint("project_id", "email", name="uq_project_contacts_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(120), default="", server_default="")

    project: Mapped[Project] = relationship(back_populates="contacts")


class ProjectMethod(db.Model):
    """A method used on a project (one row per method, for filtering)."""

    __tablename__ = "project_methods"
    __table_args__ = (
        UniqueConstraint("project_id", "method", name="uq_project_methods_method"),
        CheckConstraint(_in("method", METHODS), name="method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(40), index=True)

    project: Mapped[Project] = relationship(back_populates="method_rows")


class JournalEntry(db.Model):
    """A dated activity of a project (workshop, meeting...), on a Paris calendar date.

    It may point to a booking of the project (a booking whose `project_id` is this
    project) and to a training session; those rows keep living in their own
    domains, and deleting one only clears the link (SET NULL).
    """

    __tablename__ = "project_journal_entries"
    __table_args__ = (CheckConstraint(_in("kind", JOURNAL_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="SET NULL"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship(back_populates="journal")
    booking: Mapped[Booking | None] = relationship("labapp.bookings.models.Booking")
    session: Mapped[Session | None] = relationship("labapp.trainings.models.Session")

    @property
    def kind_label(self) -> str:
        return JOURNAL_KINDS[self.kind]
