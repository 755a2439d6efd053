"""Test databases: a migrated SQLite template copied per test, and the PostgreSQL
database of TEST_DATABASE_URL migrated once per session then truncated per test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from config import normalise_database_url
from labapp import MIGRATIONS_DIR, create_app

PG_URL = normalise_database_url(os.environ.get("TEST_DATABASE_URL", ""))
PG_REASON = "TEST_DATABASE_URL is not set: PostgreSQL tests need a server (CI sets it)"


def migrate_to_head(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        from labapp.extensions import db

        db.engine.dispose()


def build_sqlite_template(directory: Path) -> Path:
    """A migrated SQLite file, emptied of the reference data (tests build their own)."""
    path = directory / "template.db"
    migrate_to_head(f"sqlite:///{path}")
    from labapp.extensions import db

    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()
    return path


def copy_sqlite(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def reset_postgres_schema(url: str) -> None:
    """Drop everything in the public schema (tests own this database)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def truncate_postgres(url: str, engine_cache: dict) -> None:
    engine = engine_cache.get(url)
    if engine is None:
        engine = engine_cache[url] = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )).scalars().all()
        if tables:
            conn.execute(text(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            ))


def scratch_postgres_database(suffix: str) -> str:
    """A separate, empty PostgreSQL database next to TEST_DATABASE_URL's."""
    from sqlalchemy.engine import make_url

    base = make_url(PG_URL)
    name = f"{base.database}_{suffix}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)
