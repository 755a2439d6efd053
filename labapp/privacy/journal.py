"""Reading the audit log (admins only): filtered, newest first, actors in the same query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from labapp.auth.models import User
from labapp.auth.services import require_admin
from labapp.extensions import db
from labapp.privacy.models import AuditEntry
from labapp.timeutil import paris_day_bounds


@dataclass(frozen=True)
class AuditFilters:
    """Empty values mean "any". Dates are Paris calendar days, both included."""

    actor_id: int | None = None
    entity_type: str | None = None
    action: str | None = None
    first: date | None = None
    last: date | None = None


def audit_entries(user: User, filters: AuditFilters) -> Select:
    """The select of matching entries with their actor joined (for `paginate`)."""
    require_admin(user)
    query = (select(AuditEntry).options(joinedload(AuditEntry.actor))
             .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()))
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.entity_type:
        query = query.where(AuditEntry.entity_type == filters.entity_type)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.first:
        query = query.where(AuditEntry.created_at >= paris_day_bounds(filters.first)[0])
    if filters.last:
        query = query.where(AuditEntry.created_at < paris_day_bounds(filters.last)[1])
    return query


def possible_actors(user: User) -> list[User]:
    """Team members and admins (those whose every change is recorded), by name."""
    require_admin(user)
    return list(db.session.scalars(select(User).where(User.role.in_(("team", "admin")))
                                   .order_by(User.name, User.id)))
