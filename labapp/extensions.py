"""Bare extension objects, initialised by create_app (no import cycles)."""

from __future__ import annotations

import sqlite3

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention (needed by SQLite batch migrations)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)


BUSY_TIMEOUT_MS = 30000
# Keys of `Connection.info` / execution options read by the hooks below (labapp/transactions.py
# decides which transactions are reads).
DEFERRED = "labapp_sqlite_deferred"
IMMEDIATE_OPTION = "labapp_immediate"


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    """SQLite: WAL, foreign keys, busy timeout, full sync; transactions driven by us.

    pysqlite's own transaction handling is switched off so that `_sqlite_on_begin`
    can start every writing transaction with BEGIN IMMEDIATE: writers are then
    serialised at BEGIN (waiting up to busy_timeout) instead of failing later with
    "database is locked" when a read transaction tries to upgrade. A read-only
    request's transactions start with a plain (deferred) BEGIN: in WAL mode a reader
    never waits for the writer. See labapp/transactions.py, which also keeps a long
    writer (`flask tick`) from starving the others.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name == "sqlite":
        from labapp.transactions import begin_sqlite

        begin_sqlite(conn)
