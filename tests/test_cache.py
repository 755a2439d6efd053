"""The computed-figures cache is never stale: every committed write to activity data
bumps the shared data version, whoever writes it, and nothing else does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, text

from labapp.cache import CachedFigure, _store, current_version
from labapp.extensions import db
from tests.querycount import count_queries


def _version() -> int:
    db.session.rollback()
    version = current_version()
    db.session.rollback()  # on SQLite, an open transaction holds the write lock
    return version


def test_a_committed_write_bumps_the_version_once(build_records):
    before = _version()
    build_records.session("formation", "held")
    build_records.session("webinaire", "held")
    db.session.commit()
    assert _version() == before + 1


def test_a_rolled_back_write_does_not(build_records):
    db.session.commit()
    before = _version()
    build_records.session("formation", "held")
    db.session.rollback()
    assert _version() == before


def test_writes_to_unwatched_tables_do_not(create_user):
    db.session.commit()
    before = _version()
    create_user("agent")  # accounts do not change any figure
    db.session.commit()
    assert _version() == before


def test_writes_that_change_no_row_do_not(build_records):
    """As the retention job's UPDATEs on every `flask tick`: the data did not change."""
    session = build_records.session("formation", "held")
    db.session.commit()
    before = _version()
    db.session.execute(text("UPDATE training_sessions SET title = 'x' WHERE id = -1"))
    db.session.execute(text("DELETE FROM bookings WHERE id = -1"))
    db.session.commit()
    assert _version() == before
    db.session.execute(text(f"UPDATE training_sessions SET title = 'x' WHERE id = {session.id}"))
    db.session.commit()
    assert _version() == before + 1


def test_orm_inserts_with_returning_bump_it(create_user):
    """The ORM inserts with RETURNING (SQLite counts such rows only once fetched)."""
    from labapp.projects.models import Project

    owner = create_user("agent")
    db.session.commit()
    before = _version()
    with count_queries() as counter:
        db.session.add_all([Project(title=f"Projet {n}", description="d", direction="DRH",
                                    territory="national", requested_by_id=owner.id)
                            for n in range(3)])
        db.session.flush()
        statements = [s for s in counter.statements if s.lstrip().upper().startswith("INSERT")]
    db.session.commit()
    assert _version() == before + 1
    assert statements and all("RETURNING" in s.upper() for s in statements)


def test_core_writes_outside_the_session_bump_it(build_records):
    from labapp.trainings.models import Session

    db.session.commit()
    before = _version()
    db.session.remove()
    start = datetime(2023, 3, 1, 9, tzinfo=UTC)
    with db.engine.begin() as connection:  # as `seed-demo --scale` does
        connection.execute(insert(Session), [{
            "title": "S", "kind": "formation", "status": "held", "capacity": 5, "location": "lab",
            "start_at": start, "end_at": start.replace(hour=12)}])
    assert _version() == before + 1
    with db.engine.begin() as connection:
        connection.execute(text("SELECT 1"))
    assert _version() == before + 1


def test_the_api_reflects_each_change_and_reads_the_cache_in_between(build_records, api,
                                                                      create_user):
    team = api(create_user("team"))

    def trainings() -> tuple[int, int]:
        db.session.expire_all()
        with count_queries() as counter:
            response = team.get("/indicators?year=2023")
        assert response.status_code == 200
        by_code = {i["code"]: i for i in response.get_json()["indicators"]}
        return by_code["formations_dispensees"]["value"], counter.count

    build_records.session("formation", "held", datetime(2023, 3, 1, 9, tzinfo=UTC))
    db.session.commit()
    value, computed = trainings()
    assert value == 1
    value, cached = trainings()
    assert value == 1 and cached < computed
    build_records.session("formation", "held", datetime(2023, 4, 1, 9, tzinfo=UTC))
    db.session.commit()
    assert trainings()[0] == 2
    session = build_records.session("formation", "held", datetime(2023, 5, 1, 9, tzinfo=UTC))
    db.session.commit()
    assert trainings()[0] == 3
    session.status = "cancelled"
    db.session.commit()
    assert trainings()[0] == 2


def test_storing_skips_outdated_rows_another_worker_holds(app, engine_name):
    """Two workers storing entries at once used to deadlock on PostgreSQL: each one
    deleted the outdated rows the other had just replaced. A row another transaction
    holds is now left to it, and the store neither waits nor fails."""
    if engine_name != "postgresql":
        pytest.skip("row locks: SQLite has one writer at a time, nothing to deadlock")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.execute(insert(CachedFigure), [
        {"key": "t:held", "version": 1, "payload": "1", "computed_at": now},
        {"key": "t:free", "version": 1, "payload": "1", "computed_at": now}])
    db.session.commit()
    other = db.engine.connect()
    other.begin()
    other.execute(text("UPDATE computed_cache SET payload = '2' WHERE key = 't:held'"))
    try:
        db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
        _store([{"key": "t:new", "version": 5, "payload": "5", "computed_at": now}])
        db.session.commit()
    finally:
        other.rollback()
        other.close()
    keys = set(db.session.scalars(text("SELECT key FROM computed_cache WHERE key LIKE 't:%'")))
    assert keys == {"t:held", "t:new"}  # the free outdated row went, the held one waits
    _store([{"key": "t:new", "version": 5, "payload": "5", "computed_at": now}])
    db.session.commit()
    assert set(db.session.scalars(
        text("SELECT key FROM computed_cache WHERE key LIKE 't:%'"))) == {"t:new"}
