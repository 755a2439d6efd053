"""Recording the audit log.

Generic: an `after_flush` listener on Flask-SQLAlchemy sessions looks at what the
flush inserted, updated and deleted and, when a team member or an admin is
acting in a web or API request, writes one `AuditEntry` per row with the names
of the changed columns (never their values). A few sensitive tables (accounts,
API tokens) are recorded whoever acts, also from the command line. At that
point of the flush the new rows have their ids and the attribute histories are
still there; the entries are written with one Core INSERT on the flush's own
connection, inside a SAVEPOINT: whatever goes wrong with the log is logged and
rolled back to the savepoint, and never fails the request's own change.

Not recorded: bookkeeping tables (outbox, calendar revisions and cursors,
occupancy rows), anything about survey answers (they must stay anonymous, even
when a team member answers in the room), the audit table itself, and bulk
UPDATE/DELETE statements (only tick jobs use them). Explicit entries
(`record_action`) cover what the generic listener cannot see or name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import contextmanager

from flask import g, has_request_context, request
from sqlalchemy import event, insert, inspect, select

from labapp.auth.models import User
from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.privacy.models import AuditEntry

logger = logging.getLogger("labapp.audit")

TEAM_ROLES = ("team", "admin")
# Bookkeeping written as a side effect of other work, and survey answers (anonymous).
SKIPPED_TABLES = frozenset({
    "audit_entries", "outbox_messages", "booking_occupancies",
    "calendar_event_revisions", "calendar_feed_states", "calendar_sync_cursors",
    "calendar_invitation_states", "survey_dispatches", "survey_responses", "survey_answers",
    "survey_invitations", "alembic_version",
})
# Recorded whoever acts (an agent, an anonymous sign-up or reset, the command line).
SENSITIVE_TABLES = frozenset({"users", "api_tokens"})
# Columns whose change alone is not an action (throttled last use, logout, timestamps).
IGNORED_COLUMNS = {
    "*": frozenset({"updated_at"}),
    "api_tokens": frozenset({"last_used_at"}),
    "users": frozenset({"session_version"}),
}
SUSPENDED = "audit_suspended"
MAX_FIELDS = 40


def _ignored(table: str) -> frozenset[str]:
    return IGNORED_COLUMNS["*"] | IGNORED_COLUMNS.get(table, frozenset())


def _request_user() -> tuple[User | None, str]:
    """The account acting in this request (without loading anything) and the source."""
    if not has_request_context():
        return None, "cli"
    if request.path.startswith("/api/"):
        return g.get("api_user"), "api"
    return g.get("_login_user"), "web"


def _identity(session, user: User | None) -> tuple[int | None, str | None]:
    """(id, role) of the acting user, read from its loaded state (no lazy load inside
    a flush); the role is read with a Core query in the rare case it was expired."""
    if not isinstance(user, User):
        return None, None
    state = inspect(user)
    if state.identity is None:
        return None, None
    user_id = state.identity[0]
    role = state.dict.get("role")
    if role is None:
        role = session.connection().execute(
            select(User.__table__.c.role).where(User.__table__.c.id == user_id)).scalar()
    return user_id, role


def actor() -> tuple[int | None, str | None, str]:
    """(actor id, role, source) of the current context, for explicit entries."""
    user, source = _request_user()
    user_id, role = _identity(db.session, user)
    return user_id, role, source


def _changed_columns(state, table: str) -> list[str]:
    ignored = _ignored(table)
    return sorted(attr.key for attr in state.mapper.column_attrs
                  if attr.key not in ignored and state.attrs[attr.key].history.has_changes())


def _set_columns(state, table: str) -> list[str]:
    ignored = _ignored(table) | {col.key for col in state.mapper.primary_key}
    return sorted(attr.key for attr in state.mapper.column_attrs
                  if attr.key not in ignored and state.dict.get(attr.key) is not None)


def _entity_id(state) -> str | None:
    try:
        values = state.mapper.primary_key_from_instance(state.obj())
    except Exception:  # an unusual primary key: the entry is still useful without it
        return None
    if any(v is None for v in values):
        return None
    return "/".join(str(v) for v in values)[:64]


def collect(session) -> list[dict]:
    """The entries this flush calls for (empty outside an audited context)."""
    user, source = _request_user()
    team, resolved = False, False
    actor_id = role = None
    changes = ((("insert", obj) for obj in session.new),
               (("update", obj) for obj in session.dirty),
               (("delete", obj) for obj in session.deleted))
    rows = []
    now = utcnow()
    for group in changes:
        for action, obj in group:
            table = getattr(obj, "__tablename__", None)
            if table is None or table in SKIPPED_TABLES:
                continue
            if not resolved:
                actor_id, role = _identity(session, user)
                team, resolved = role in TEAM_ROLES, True
            if not team and table not in SENSITIVE_TABLES:
                continue
            state = inspect(obj)
            if action == "update":
                fields = _changed_columns(state, table)
                if not fields:
                    continue
            elif action == "insert":
                fields = _set_columns(state, table)
            else:
                fields = []
            rows.append({"created_at": now, "actor_id": actor_id, "actor_role": role,
                         "source": source, "action": action, "entity_type": table[:60],
                         "entity_id": _entity_id(state), "fields": fields[:MAX_FIELDS],
                         "count": None})
    return rows


def write(session, rows: list[dict]) -> None:
    """Insert the entries on the flush's connection inside a savepoint; never raises."""
    connection = session.connection()
    savepoint = connection.begin_nested()
    try:
        connection.execute(insert(AuditEntry.__table__), rows)
        savepoint.commit()
    except Exception:
        savepoint.rollback()
        logger.exception("audit log: %d entr(y|ies) not recorded", len(rows))


def _after_flush(session, flush_context) -> None:
    if session.info.get(SUSPENDED):
        return
    try:
        rows = collect(session)
    except Exception:
        logger.exception("audit log: changes not collected")
        return
    if rows:
        write(session, rows)


def install() -> None:
    """Listen to every Flask-SQLAlchemy session (idempotent)."""
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "after_flush", _after_flush)


@contextmanager
def suspended():
    """Run a block whose changes the generic listener must not record (the block's
    service records one explicit entry instead); its changes are flushed on exit."""
    previous = db.session.info.get(SUSPENDED, False)
    db.session.info[SUSPENDED] = True
    try:
        yield
        db.session.flush()
    finally:
        db.session.info[SUSPENDED] = previous


def record_action(action: str, entity_type: str, entity_id: object = None,
                  fields: Iterable[str] = (), count: int | None = None,
                  actor_id: int | None = None, actor_role: str | None = None) -> AuditEntry:
    """Add an explicit entry to the current transaction. The actor defaults to the one
    of the current request (none from the command line or a tick)."""
    current_id, current_role, source = actor()
    entry = AuditEntry(
        actor_id=actor_id if actor_id is not None else current_id,
        actor_role=actor_role if actor_role is not None else current_role,
        source=source, action=action[:40], entity_type=entity_type[:60],
        entity_id=None if entity_id is None else str(entity_id)[:64],
        fields=list(fields)[:MAX_FIELDS], count=count)
    db.session.add(entry)
    return entry
