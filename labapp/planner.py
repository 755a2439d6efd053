"""Planner statistics, so that the databases pick the range indexes at scale.

SQLite keeps no statistics until ANALYZE runs: without them it prefers, say,
the index on a booking's status over the one on its start time, and reads
years of history for one week of calendar. `flask tick` refreshes them with a
bounded ANALYZE (a few milliseconds whatever the size); PostgreSQL's
autovacuum does the same there, and both are analysed right after a bulk load.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from labapp.extensions import db
from labapp.tick import tick_job


def refresh_statistics(full: bool = False) -> None:
    """ANALYZE (approximate on SQLite unless `full`)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text(f"PRAGMA analysis_limit = {0 if full else 400}"))
    db.session.execute(text("ANALYZE"))


@tick_job("statistiques du planificateur", order=90)
def refresh_statistics_job(now: datetime) -> int:
    if db.session.get_bind().dialect.name != "sqlite":
        return 0  # autovacuum
    refresh_statistics()
    return 1
