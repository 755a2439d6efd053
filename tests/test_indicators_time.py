"""Participants count only bookings that took place (ended at the time of computation),
with a computed-figures cache that follows the clock; frozen years report their stored
figures with the live ones beside (docs/interfaces.md, "Indicators")."""

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from labapp.cache import CachedFigure, warm
from labapp.extensions import db
from labapp.indicators import activity, drilldown, services
from labapp.indicators.compute import indicators_for_year
from labapp.indicators.definitions import BY_CODE
from tests.clock import moved_clock as move_clock

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)  # a Friday, 13:00 in Paris


def by_code(document):
    return {item["code"]: item for item in document["indicators"]}


@pytest.fixture
def december(build_records, monkeypatch):
    """Bookings around NOW: ended, ending right now, in progress, future, next year,
    pending, and a session's own booking; a held session with two people present."""
    move_clock(monkeypatch, NOW)
    b = build_records
    b.booking(5, start=datetime(2026, 11, 2, 9, tzinfo=UTC))       # ended in November
    b.booking(3, start=datetime(2026, 12, 4, 7, tzinfo=UTC))       # ended at 09:00 today
    b.booking(4, start=datetime(2026, 12, 4, 10, tzinfo=UTC))      # ends exactly at NOW
    b.booking(7, start=datetime(2026, 12, 4, 11, tzinfo=UTC))      # in progress until 13:00
    b.booking(20, start=datetime(2026, 12, 10, 9, tzinfo=UTC))     # future
    b.booking(12, start=datetime(2027, 1, 12, 9, tzinfo=UTC))      # next year
    b.booking(9, status="pending", start=datetime(2026, 11, 3, 9, tzinfo=UTC))
    own = b.booking(30, start=datetime(2026, 11, 5, 9, tzinfo=UTC))  # the session's own booking
    session = b.session(start=datetime(2026, 11, 5, 9, tzinfo=UTC), booking=own)
    b.registration(session, present=True)
    b.registration(session, present=True)
    b.registration(session, present=False)
    db.session.commit()
    b.held = session
    return b


def test_participants_count_only_bookings_that_have_ended(app, december, monkeypatch, runner):
    figures = by_code(indicators_for_year(2026))["participants"]
    assert (figures["value"], figures["cumulative"]) == (2 + 5 + 3 + 4, 14)
    next_year = by_code(indicators_for_year(2027))["participants"]
    assert (next_year["value"], next_year["cumulative"]) == (0, 14)  # 2027 has not started
    # Drill-down, trend and committee view read the same definition.
    assert drilldown.bookings(2026, "year", 1).total == 3
    assert drilldown.booking_attendees(2026, "year") == 12
    assert drilldown.booking_attendees(2027, "cumul") == 12
    trend = activity.monthly_trend(2026)
    assert trend["participants"][10:] == [7, 7]
    assert activity.committee_view(date(2026, 12, 4))["participants"][-1] == 14
    # The CLI gives the API's document.
    result = runner.invoke(args=["indicators", "--year", "2026", "--json"])
    assert by_code(json.loads(result.output))["participants"]["value"] == 14
    # An hour later the in-progress booking has ended; in January, next year's too.
    move_clock(monkeypatch, datetime(2026, 12, 4, 13, tzinfo=UTC))
    assert by_code(indicators_for_year(2026))["participants"]["value"] == 21
    assert drilldown.booking_attendees(2026, "year") == 19
    move_clock(monkeypatch, datetime(2027, 1, 12, 11, tzinfo=UTC))
    assert by_code(indicators_for_year(2026))["participants"]["value"] == 41
    assert by_code(indicators_for_year(2027))["participants"]["value"] == 12
    assert "terminées au moment du calcul" in BY_CODE["participants"].description


def test_cached_participants_follow_the_clock(app, december, monkeypatch, api, create_user):
    team = api(create_user("team"))

    def participants():
        response = team.get("/indicators?year=2026")
        assert response.status_code == 200
        return by_code(response.get_json())["participants"]["value"]

    assert participants() == 14
    db.session.remove()
    entry = db.session.scalar(select(CachedFigure).where(
        CachedFigure.key == "indicators:participants:2026"))
    assert entry is not None and json.loads(entry.payload)[2] == "2026-12-04T13:00:00+00:00"
    assert participants() == 14  # from the cache: nothing ended since
    move_clock(monkeypatch, datetime(2026, 12, 4, 13, tzinfo=UTC))  # no data changed
    assert participants() == 21
    move_clock(monkeypatch, datetime(2026, 12, 10, 11, 30, tzinfo=UTC))
    assert participants() == 41


def test_warmed_trend_follows_the_clock(app, december, monkeypatch):
    def december_participants():
        seen = {}
        stored = warm(lambda: seen.update(trend=activity.monthly_trend(2026)))
        db.session.commit()
        return seen["trend"]["participants"][11], stored

    assert december_participants() == (7, 1)
    assert december_participants() == (7, 0)  # cached, still true
    move_clock(monkeypatch, datetime(2026, 12, 4, 13, tzinfo=UTC))
    assert december_participants() == (14, 1)  # recomputed once the booking ended


def test_frozen_year_reports_stored_figures_with_live_ones_beside(
        app, december, monkeypatch, create_user, api, runner):
    team_user = create_user("team")
    team = api(team_user)
    document = team.get("/indicators?year=2026").get_json()
    assert document["frozen"] is None
    assert not any("live_value" in item for item in document["indicators"])
    # Frozen at 00:30 in Paris on 5 December (23:30 UTC on the 4th): the day is Paris's.
    move_clock(monkeypatch, datetime(2026, 12, 4, 23, 30, tzinfo=UTC))
    services.freeze_year(team_user, 2026)
    db.session.commit()
    document = team.get("/indicators?year=2026").get_json()
    assert document["frozen"] == {"on": "2026-12-05"}
    frozen = by_code(document)
    assert frozen["participants"]["value"] == 21
    assert not any("live_value" in item for item in document["indicators"])
    # Records change after the freeze: one more person present, a booking ends.
    december.registration(december.held, present=True)
    db.session.commit()
    move_clock(monkeypatch, datetime(2026, 12, 10, 11, tzinfo=UTC))
    document = team.get("/indicators?year=2026").get_json()
    items = by_code(document)
    assert document["frozen"] == {"on": "2026-12-05"}
    assert items["participants"]["value"] == 21 and items["participants"]["cumulative"] == 21
    assert items["participants"]["live_value"] == 42
    assert items["participants"]["live_cumulative"] == 42
    assert [code for code, item in items.items() if "live_value" in item] == ["participants"]
    assert items["formations_dispensees"] == frozen["formations_dispensees"]
    cli = runner.invoke(args=["indicators", "--year", "2026", "--json"])
    assert json.loads(cli.output) == document
    text = runner.invoke(args=["indicators", "--year", "2026"]).output
    assert "Année arrêtée le 2026-12-05" in text
    assert "21 (cumul : 21 ; cible : —) — changé depuis l'arrêté, actuel : 42 (cumul : 42)" in text
    # Reopened: live figures again, "frozen": null.
    services.unfreeze_year(create_user("admin"), 2026, "Correction des présences")
    db.session.commit()
    document = team.get("/indicators?year=2026").get_json()
    assert document["frozen"] is None and by_code(document)["participants"]["value"] == 42
    assert "live_value" not in by_code(document)["participants"]


def test_openapi_documents_frozen_and_live_fields(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert "frozen" in schemas["Indicators"]["required"]
    frozen = schemas["Indicators"]["properties"]["frozen"]["oneOf"]
    assert {"type": "null"} in frozen and frozen[1]["properties"]["on"]["format"] == "date"
    assert {"live_value", "live_cumulative"} <= set(schemas["Indicator"]["properties"])
    description = document["paths"]["/indicators"]["get"]["description"]
    assert "terminées au moment du calcul" in description and "live_cumulative" in description


def test_detail_of_a_frozen_year_says_it_lists_the_current_records(app, december, client, login,
                                                                   create_user):
    from tests.test_indicators_pages import text_of

    team_user = create_user("team")
    login(team_user)
    page = text_of(client.get("/indicateurs/detail/participants?year=2026"))
    assert "arrêtée" not in page and "terminées au moment du calcul" in page
    services.freeze_year(team_user, 2026)
    db.session.commit()
    page = text_of(client.get("/indicateurs/detail/participants?year=2026"))
    assert "Année 2026 arrêtée" in page
    assert "Ce détail donne les enregistrements actuels" in page
    assert "ne peuvent plus être modifiées" not in page
