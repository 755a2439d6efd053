"""`flask tick` pre-computes the current year's indicators after the data changed: the
next dashboard view (and GET /indicators of that year) reads them from the cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from labapp.cache import current_version
from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.indicators.warm import warm_dashboard_job
from labapp.timeutil import PARIS
from tests.querycount import count_queries

JOB = "indicateurs précalculés"


def _this_year() -> int:
    return datetime.now(PARIS).year


def _recently() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=30)


def _dashboard(client) -> int:
    db.session.expire_all()  # cold reads (the test client shares the session)
    with count_queries() as counter:
        response = client.get("/indicateurs/")  # the current year
    assert response.status_code == 200
    return counter.count


def _tick(runner) -> dict[str, int]:
    db.session.commit()  # SQLite: no transaction of ours may hold the database
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    counts = {}
    for line in result.stderr.splitlines():
        name, _, count = line.rpartition(" : ")
        if name and count.isdigit():
            counts[name] = int(count)
    return counts


def test_after_a_write_and_a_tick_the_dashboard_reads_the_cache(client, login, team,
                                                                 build_records, runner):
    login(team)
    build_records.session("formation", "held", _recently())
    db.session.commit()
    computed, cached = _dashboard(client), _dashboard(client)
    assert cached < computed
    build_records.session("formation", "held", _recently() - timedelta(hours=5))
    db.session.commit()
    assert _dashboard(client) > cached  # without a tick, the first view computes
    build_records.session("formation", "held", _recently() - timedelta(hours=10))
    db.session.commit()
    assert _tick(runner)[JOB] > 0
    assert _dashboard(client) == cached
    assert _tick(runner)[JOB] == 0  # nothing changed since: nothing computed


def test_the_api_reads_the_figures_the_tick_computed(api, team, build_records, runner):
    from labapp.indicators.compute import contract_measures

    client = api(team)
    year = _this_year()

    def indicators() -> tuple[dict, int]:
        db.session.expire_all()
        with count_queries() as counter:
            response = client.get(f"/indicators?year={year}")
        assert response.status_code == 200
        return {i["code"]: i["value"] for i in response.get_json()["indicators"]}, counter.count

    build_records.session("formation", "held", _recently())
    db.session.commit()
    indicators()
    _, cached = indicators()
    build_records.session("formation", "held", _recently() - timedelta(hours=5))
    db.session.commit()
    _tick(runner)
    values, count = indicators()
    assert count == cached
    live = contract_measures(year)  # outside a request: computed from the data
    assert values == {code: pair[0] for code, pair in live.items()}
    assert values["formations_dispensees"] >= 2


def test_the_job_is_idempotent_and_costs_one_query_when_nothing_changed(app, build_records):
    build_records.session("formation", "held", _recently())
    db.session.commit()
    first = warm_dashboard_job(utcnow())
    db.session.commit()
    version = current_version()
    db.session.commit()
    assert first >= 9  # four contract measures, trend, committee, attendance, surveys, occupancy
    with count_queries() as counter:
        again = warm_dashboard_job(utcnow())
    db.session.commit()
    assert (again, counter.count) == (0, 1)
    assert current_version() == version  # storing figures changes no data version
    db.session.commit()
    build_records.booking(attendees=3, start=_recently())
    db.session.commit()
    assert warm_dashboard_job(utcnow()) == first  # a change: everything again
    db.session.commit()
