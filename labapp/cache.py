"""A cache of computed figures that is never stale: each entry is tagged with the
version of the activity data it was computed from.

The version lives in the database (`data_versions`, one row), so it is shared by
every worker and host. Any statement that changes rows of an activity table marks
its connection; when that transaction commits, the version is bumped in the same
transaction (as its last statement, so the row lock is held only while committing
and cannot take part in a deadlock). A rolled-back transaction bumps nothing.
This holds for every writer: pages, API, `flask tick`, bulk inserts of
`seed-demo --scale`, on SQLite and PostgreSQL alike.

Entries (`computed_cache`) are JSON documents keyed by a string; a request loads
all the entries of a namespace for the current version in one query, and stores
what it had to compute (committed after the response is built). Outside a
request (the CLI), nothing is cached: figures are computed live, except under
`warm()`, which `flask tick` uses to compute ahead what the next page view needs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from flask import Flask, g, has_app_context, has_request_context
from sqlalchemy import BigInteger, String, Text, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from labapp.db_types import UTCDateTime, utcnow
from labapp.extensions import db
from labapp.transactions import best_effort, in_deferred_transaction, reading

VERSION_NAME = "activity"
# Tables whose writes do not change any computed figure. Calendar revisions
# (SEQUENCE bookkeeping) are derived from the data by the first feed built after a
# change; users' names reach feeds, which are rebuilt at least every
# CALENDAR_FEED_CACHE_SECONDS. The tick's own bookkeeping (its runs, the items it set
# aside) changes no figure: written at the end of every tick, it would invalidate what
# the tick had just computed ahead.
UNWATCHED = frozenset({
    "computed_cache", "data_versions", "alembic_version", "users", "api_tokens",
    "password_reset_tokens", "outbox_messages", "calendar_feed_tokens",
    "calendar_feed_states", "calendar_invitation_states", "calendar_sync_cursors",
    "calendar_event_revisions", "audit_entries", "tick_runs", "job_failures",
})
_WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?',
                    re.IGNORECASE)
# An upsert: tests truncate every table, and a missing row must not stop the count.
_BUMP = (f"INSERT INTO data_versions (name, version) VALUES ('{VERSION_NAME}', 1) "
         "ON CONFLICT (name) DO UPDATE SET version = data_versions.version + 1")
_FLAG = "labapp_activity_written"
_WARMING = "computed_cache_warming"


class DataVersion(db.Model):
    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class CachedFigure(db.Model):
    __tablename__ = "computed_cache"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    computed_at: Mapped[Any] = mapped_column(UTCDateTime(), nullable=False)


# --- the version ---------------------------------------------------------------

@event.listens_for(Engine, "after_cursor_execute")
def _mark_write(conn, cursor, statement, parameters, context, executemany):
    """Flag the connection when a statement changed rows of an activity table. A single
    statement that changed none (the retention job's UPDATEs on every `flask tick`, an
    INSERT ... ON CONFLICT DO NOTHING) flags nothing. An executemany, or a statement
    with RETURNING (SQLite counts its rows only once they are fetched), always does."""
    match = _WRITE.match(statement)
    if match and match.group(1).lower() not in UNWATCHED and (
            executemany or cursor.rowcount != 0 or "RETURNING" in statement.upper()):
        conn.info[_FLAG] = True


@event.listens_for(Engine, "commit")
def _bump_on_commit(conn):
    if conn.info.pop(_FLAG, False) and not conn.get_execution_options().get("labapp_no_version"):
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(_BUMP)
        finally:
            cursor.close()


@event.listens_for(Engine, "rollback")
def _forget_on_rollback(conn):
    conn.info.pop(_FLAG, None)


def current_version() -> int:
    return db.session.scalar(select(DataVersion.version).where(DataVersion.name == VERSION_NAME)) or 0


# --- the cache -------------------------------------------------------------------

def _entries(namespace: str, only: str | None = None) -> tuple[int, dict[str, Any]]:
    """The current version and the cached entries of `namespace` for it (one query);
    with `only`, just that entry (namespaces of large values, such as feeds)."""
    loaded = g.setdefault("computed_cache", {})
    slot = namespace if only is None else f"{namespace}:{only}"
    if slot not in loaded:
        wanted = (CachedFigure.key == slot if only is not None
                  else CachedFigure.key.startswith(namespace + ":"))
        rows = db.session.execute(
            select(DataVersion.version, CachedFigure.key, CachedFigure.payload)
            .outerjoin(CachedFigure, (CachedFigure.version == DataVersion.version) & wanted)
            .where(DataVersion.name == VERSION_NAME)).all()
        version = int(rows[0][0]) if rows else 0
        loaded[slot] = (version, {key: json.loads(payload) for _, key, payload in rows
                                  if key is not None})
    return loaded[slot]


def cached(namespace: str, key: str, compute: Callable[[], Any], *, alone: bool = False,
           valid: Callable[[Any], bool] = lambda value: True) -> Any:
    """The JSON value of `compute()`, from the cache when the data has not changed
    since it was computed. Values round-trip through JSON (tuples become lists).
    `alone`: look this entry up by itself rather than with its whole namespace.
    `valid`: whether a stored value may still be used (else it is computed again and
    replaces it, under the same key)."""
    if not (has_request_context() or (has_app_context() and g.get(_WARMING, False))):
        return compute()
    if len(key) > 120:  # long keys (lists of periods) are shortened by a digest
        key = key[:60] + "#" + hashlib.sha256(key.encode()).hexdigest()
    full_key = f"{namespace}:{key}"
    version, entries = _entries(namespace, key if alone else None)
    if full_key in entries and valid(entries[full_key]):
        return entries[full_key]
    value = json.loads(json.dumps(compute()))
    entries[full_key] = value
    g.setdefault("computed_cache_new", []).append(
        {"key": full_key, "version": version, "payload": json.dumps(value),
         "computed_at": utcnow()})
    return value


def _store(rows: list[dict], executor=None) -> None:
    """Upsert the entries with `executor` (a Connection, or the session by default)."""
    executor = db.session if executor is None else executor
    bind = executor.get_bind() if executor is db.session else executor
    postgres = bind.dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    # Sorted keys: two workers storing at once lock their rows in the same order.
    statement = insert(CachedFigure).values(sorted(rows, key=lambda row: row["key"]))
    statement = statement.on_conflict_do_update(
        index_elements=[CachedFigure.key],
        set_={"version": statement.excluded.version, "payload": statement.excluded.payload,
              "computed_at": statement.excluded.computed_at},
        where=CachedFigure.version <= statement.excluded.version)
    executor.execute(statement)
    outdated = select(CachedFigure.key).where(
        CachedFigure.version < min(row["version"] for row in rows))
    if postgres:  # rows another worker is replacing are its to clean (no deadlock)
        outdated = outdated.with_for_update(skip_locked=True)
    executor.execute(CachedFigure.__table__.delete().where(CachedFigure.key.in_(outdated)))


def warm(fill: Callable[[], Any]) -> int:
    """Run `fill` with the cache on, as a request would, and store what it computed
    (flushed; the caller commits): `flask tick` computes the figures of the next page
    views after the data changed. On SQLite, from the CLI, what the session held is
    committed first and `fill` reads in its own deferred transaction. Returns how many
    entries it stored: 0 when all were already there for the current version (then it
    costs one query)."""
    for name in ("computed_cache", "computed_cache_new"):
        g.pop(name, None)
    setattr(g, _WARMING, True)
    try:
        if db.session.get_bind().dialect.name == "sqlite" and not has_request_context():
            # Compute in a read snapshot, without SQLite's write lock (about 0.5 s that
            # requests would otherwise wait), then store in a short writing transaction.
            db.session.commit()
            with reading():
                fill()
                db.session.commit()
        else:
            fill()
        rows = g.pop("computed_cache_new", None) or []
        if rows:
            _store(rows)
        return len(rows)
    finally:
        for name in (_WARMING, "computed_cache", "computed_cache_new"):
            g.pop(name, None)


def init_app(app: Flask) -> None:
    @app.before_request
    def _start_empty():  # `g` can outlive a request when an app context is already pushed
        g.pop("computed_cache", None)
        g.pop("computed_cache_new", None)

    @app.after_request
    def _store_new_entries(response):
        rows = g.pop("computed_cache_new", None)
        if not rows or response.status_code >= 400:
            return response
        if in_deferred_transaction():  # SQLite, a read-only request: never wait for the writer
            best_effort(lambda conn: _store(rows, conn), "computed cache store")
        else:
            try:
                _store(rows)
                db.session.commit()
            except Exception:  # a cache that cannot be written is only a slower page
                db.session.rollback()
                app.logger.exception("computed cache not stored")
        return response
