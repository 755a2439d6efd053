"""Which transactions take SQLite's write lock.

On SQLite a writing transaction starts with BEGIN IMMEDIATE (labapp/extensions.py):
writers queue at BEGIN, so two of them never both read then fail to upgrade. A
request that only reads (GET, HEAD, OPTIONS) starts with a plain, deferred BEGIN
instead: in WAL mode it reads a snapshot and never waits for the writer, so pages,
the API lists and /healthz answer while `flask tick` or another request writes.

A deferred transaction must not write: once it has read, an upgrade fails with
SQLITE_BUSY as soon as another connection wrote in between (busy_timeout cannot
help). So the few GET views that write say so:

- `@writes` on a view that always may write (first visit creating a row): its
  transactions start with BEGIN IMMEDIATE, as a POST's;
- `need_write_lock()` inside a view, just before a write it only sometimes makes
  (a feed rebuilt and its SEQUENCE bookkeeping): it ends the read transaction and the
  rest of the request writes under BEGIN IMMEDIATE;
- `best_effort(work)` for bookkeeping that may be skipped (computed-figures cache
  entries, a token's last use): its own short IMMEDIATE transaction on another
  connection, waiting BEST_EFFORT_WAIT_MS at most, skipped (logged) when the lock is
  busy. Never a 500, and never part of an acknowledged write.

Writers take turns. SQLite's own busy handler polls a busy lock every 100 ms once it has
waited a little, while `flask tick` commits its batches and begins the next one within
microseconds: a request could wait through many batches (seconds) without ever seeing
the lock free. So BEGIN IMMEDIATE polls every few milliseconds itself (up to the
connection's busy_timeout), and a connection outside a request (the CLI, the tick) that
has held the lock for HOLD_BEFORE_PAUSE leaves it free for PAUSE before its next
transaction: a waiting request gets in between two batches.

Under TESTING, a write inside a read-only request's deferred transaction raises
(every test that requests a GET checks it); in production it is logged. PostgreSQL
is untouched: every helper here does what it did before (one transaction per request).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, current_app, has_app_context, has_request_context, request
from sqlalchemy import event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from labapp.extensions import BUSY_TIMEOUT_MS, DEFERRED, IMMEDIATE_OPTION, db

log = logging.getLogger("labapp.transactions")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY = "labapp.read_only"  # request.environ key, set for each request
BEST_EFFORT_WAIT_MS = 50
HOLD_BEFORE_PAUSE = 0.1  # seconds of write lock held outside a request before a pause
PAUSE = 0.015  # seconds the lock is left free then (several polls of a waiting writer)
POLL_MAX = 0.003  # longest sleep between two tries of a waiting BEGIN IMMEDIATE
_TAKEN_AT, _RELEASED_AT, _HELD = "labapp_lock_taken_at", "labapp_lock_released_at", "labapp_lock_held"
_WRITE = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


_READING: ContextVar[bool] = ContextVar("labapp_reading", default=False)


class WriteInReadTransaction(RuntimeError):
    """A statement that writes ran in a read-only request's deferred SQLite transaction."""


def writes(view):
    """Mark a GET view that writes: on SQLite its transactions take the write lock."""
    view.labapp_writes = True
    return view


def read_only_request() -> bool:
    """Whether the current request only reads (its SQLite transactions are deferred)."""
    return has_request_context() and request.environ.get(READ_ONLY, False)


@contextmanager
def reading() -> Iterator[None]:
    """Outside a request (the CLI, `flask tick`): the transactions begun inside are deferred
    reads on SQLite, computing without holding the write lock. Write nothing inside."""
    token = _READING.set(True)
    try:
        yield
    finally:
        _READING.reset(token)


def begin_sqlite(conn: Connection) -> None:
    """Start a transaction on an SQLite connection (the engine's "begin" hook): deferred
    in a read-only request, else BEGIN IMMEDIATE, taking turns with the other writers."""
    deferred = not conn.get_execution_options().get(IMMEDIATE_OPTION) and (
        read_only_request() or _READING.get())
    conn.info[DEFERRED] = deferred
    raw = conn.connection.dbapi_connection
    if deferred:
        raw.execute("BEGIN")
        return
    info = conn.info
    now = time.monotonic()
    if now - info.get(_RELEASED_AT, 0.0) >= PAUSE:
        info[_HELD] = 0.0  # the lock was free long enough since this connection's last turn
    elif info.get(_HELD, 0.0) >= HOLD_BEFORE_PAUSE and not has_request_context():
        time.sleep(PAUSE)
        info[_HELD] = 0.0
    _begin_immediate(raw)
    info[_TAKEN_AT] = time.monotonic()


def _begin_immediate(raw: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, trying again every few milliseconds while another connection
    writes, for as long as the connection's busy_timeout."""
    wait_ms = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    deadline = time.monotonic() + wait_ms / 1000
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        delay = 0.0005
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                left = deadline - time.monotonic()
                if "locked" not in str(error) or left <= 0:
                    raise OperationalError("BEGIN IMMEDIATE", None, error) from error
            time.sleep(min(delay, left))
            delay = min(delay * 2, POLL_MAX)
    finally:
        raw.execute(f"PRAGMA busy_timeout = {wait_ms}")


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _released(conn):
    taken = conn.info.pop(_TAKEN_AT, None)
    if taken is not None:
        now = time.monotonic()
        conn.info[_HELD] = conn.info.get(_HELD, 0.0) + now - taken
        conn.info[_RELEASED_AT] = now


def need_write_lock() -> bool:
    """From here on the current request writes: end its read transaction (if one is open)
    so that the next one starts with BEGIN IMMEDIATE. True when it did (then what was read
    before may have changed: read it again); False, doing nothing, outside a read-only
    request (a POST, the CLI) or on PostgreSQL."""
    if not read_only_request():
        return False
    request.environ[READ_ONLY] = False
    if db.session.get_bind().dialect.name != "sqlite":
        return False
    if db.session().in_transaction():
        db.session.commit()  # a read transaction: nothing to write, its snapshot ends
    return True


def in_deferred_transaction() -> bool:
    """Whether the session's writes would land in a deferred SQLite transaction (the one
    it is in, or the one it would begin now)."""
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return False
    if session.in_transaction():
        return bool(session.connection().info.get(DEFERRED))
    return read_only_request()


def best_effort(work: Callable[[Connection], object], what: str,
                wait_ms: int = BEST_EFFORT_WAIT_MS) -> bool:
    """Run `work(connection)` in its own IMMEDIATE transaction on another connection,
    waiting `wait_ms` at most for the write lock; False when skipped (the lock was busy,
    or the write failed: logged, never raised). For SQLite reads only: elsewhere the
    caller writes in its own session."""
    try:
        with db.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            raw.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
            try:
                with conn.execution_options(**{IMMEDIATE_OPTION: True}).begin():
                    work(conn)
            finally:
                raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            log.info("%s skipped: the database is busy", what)
        else:
            log.exception("%s failed", what)
        return False
    except Exception:
        log.exception("%s failed", what)
        return False
    return True


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_write_in_read(conn, cursor, statement, parameters, context, executemany):
    if (conn.info.get(DEFERRED) and conn.dialect.name == "sqlite" and _WRITE.match(statement)
            and read_only_request()):
        message = (f"{request.method} {request.path} writes in a read-only SQLite transaction "
                   "(mark the view @writes, or call need_write_lock() before writing)")
        if has_app_context() and current_app.testing:
            raise WriteInReadTransaction(message)
        log.warning(message)


def init_app(app: Flask) -> None:
    @app.before_request
    def _classify():
        """A GET, HEAD or OPTIONS request only reads, unless its view is marked @writes."""
        view = app.view_functions.get(request.endpoint or "")
        request.environ[READ_ONLY] = (request.method in READ_METHODS
                                      and not getattr(view, "labapp_writes", False))

    if app.testing:
        @app.teardown_request
        def _end_read_snapshot(exc):
            """Tests keep one app context, and so one session, across requests: a read-only
            request's snapshot would outlive it and hide what was committed since (by
            best-effort writes, a server, the CLI). End it, as a server's end of request
            does, but without expiring what the test's session holds: a new, still empty
            deferred transaction replaces it underneath."""
            if read_only_request() and db.session().in_transaction() and in_deferred_transaction():
                raw = db.session.connection().connection.dbapi_connection
                raw.execute("COMMIT")
                raw.execute("BEGIN")

    # Run before every other before_request hook (they may already read the database).
    funcs = app.before_request_funcs.setdefault(None, [])
    funcs.insert(0, funcs.pop())


def locked_row(model, row_id: int):
    """The row of `model` with this id, re-read and locked for this transaction (FOR UPDATE
    on PostgreSQL; SQLite writers are already serialised by BEGIN IMMEDIATE), or None."""
    query = select(model).where(model.id == row_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return db.session.scalar(query)
