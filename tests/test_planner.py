"""Planner statistics: refreshed by `flask tick` on SQLite, after bulk loads on both."""

from __future__ import annotations

from sqlalchemy import text

from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.planner import refresh_statistics, refresh_statistics_job


def test_tick_job_fills_sqlite_statistics(app, build_records, engine_name):
    build_records.booking(attendees=2)
    build_records.session("formation", "held")
    db.session.commit()
    done = refresh_statistics_job(utcnow())
    db.session.commit()
    if engine_name == "sqlite":
        assert done == 1
        tables = db.session.scalars(text("SELECT DISTINCT tbl FROM sqlite_stat1")).all()
        assert {"bookings", "training_sessions"} <= set(tables)
    else:
        assert done == 0


def test_full_refresh_runs_on_both_engines(app, build_records, engine_name):
    db.session.commit()
    refresh_statistics(full=True)
    db.session.commit()
    if engine_name == "postgresql":
        analysed = db.session.scalar(text(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'bookings'"))
        assert analysed
