"""The audit log: who (team or admin, or anyone for sensitive tables) changed what, when.

An entry names the acting account, the kind of change, the table and the row's
primary key, and the *names* of the changed columns: never a value, so the log
holds no personal data beyond the actor's id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labapp.auth.models import User
from labapp.db_types import UTCDateTime, utcnow
from labapp.extensions import db

SOURCES = ("web", "api", "cli")


class AuditEntry(db.Model):
    """One recorded action.

    `action` is "insert", "update" or "delete" for changes seen at flush time,
    or an explicit verb ("account_deleted", "retention_applied"...). `actor_id`
    is a plain integer (no foreign key: an entry must never block or fail a
    change of the users table); `actor_role` is the role at the time. `count`
    is set by summary entries (how many rows a retention run changed).
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_created_at", "created_at"),
        Index("ix_audit_entries_actor", "actor_id", "created_at"),
        Index("ix_audit_entries_entity", "entity_type", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column()
    actor_role: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(8), default="web")
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    fields: Mapped[list] = mapped_column(JSON, default=list)
    count: Mapped[int | None] = mapped_column()

    actor: Mapped[User | None] = relationship(
        primaryjoin="foreign(AuditEntry.actor_id) == User.id", viewonly=True, lazy="raise")
