"""Each contract indicator on hand-built data, including the edge cases of issue 7."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from labapp.extensions import db
from labapp.indicators.compute import indicators_for_year
from labapp.indicators.definitions import target_status, year_elapsed_share
from tests.querycount import count_queries


def by_code(document):
    return {item["code"]: item for item in document["indicators"]}


@pytest.fixture
def build(app, create_user):
    """Creators of raw records (no rules applied): the definitions are about data."""
    from labapp.bookings.models import Booking, Site, Space
    from labapp.projects.models import Project
    from labapp.surveys.models import Answer, Question, Questionnaire, SurveyResponse
    from labapp.trainings.models import Registration, Session

    owner = create_user("agent")
    site = Site(name="Lab", address="Place Beauvau, 75008 Paris")
    space = Space(site=site, name="Salle", capacity=40)
    db.session.add_all([site, space])
    questionnaire = Questionnaire(code="q", target_kind="session", title="Avis")
    overall = Question(questionnaire=questionnaire, code="overall", kind="scale5",
                       label="Satisfaction", required=True)
    db.session.add_all([questionnaire, overall])
    db.session.flush()
    ids = {"owner": owner.id, "space": space.id, "questionnaire": questionnaire.id,
           "overall": overall.id}  # plain values: tests may end the ORM session

    numbers = itertools.count()

    class Build:
        def project(self, status, started=None, ended=None, title="Projet"):
            project = Project(title=title, description="d", direction="DRH", territory="national",
                              status=status, support_started_on=started, support_ended_on=ended,
                              requested_by_id=ids["owner"])
            db.session.add(project)
            db.session.flush()
            return project

        def session(self, kind="formation", status="held", start=datetime(2023, 5, 10, 8, tzinfo=UTC),
                    booking=None):
            session = Session(title="Session", kind=kind, start_at=start,
                              end_at=start + timedelta(hours=3), capacity=20, location="lab",
                              status=status, booking_id=booking.id if booking else None)
            db.session.add(session)
            db.session.flush()
            return session

        def registration(self, session, present, status="confirmed", email=None):
            registration = Registration(session_id=session.id, name="P",
                                        email=email or f"p{next(numbers)}@example.org",
                                        status=status, present=present)
            db.session.add(registration)
            db.session.flush()
            return registration

        def booking(self, attendees, status="approved", start=datetime(2023, 3, 1, 9, tzinfo=UTC)):
            booking = Booking(space_id=ids["space"], start_at=start, end_at=start + timedelta(hours=2),
                              title="Réunion", attendees=attendees, status=status,
                              requested_by_id=ids["owner"])
            db.session.add(booking)
            db.session.flush()
            return booking

        def answers(self, kind, target_id, values):
            for value in values:
                response = SurveyResponse(questionnaire_id=ids["questionnaire"], target_kind=kind,
                                          target_id=target_id, submitted_on=date(2023, 6, 1))
                response.answers.append(Answer(question_id=ids["overall"], value=value))
                db.session.add(response)
            db.session.flush()

    return Build()


def test_a_project_spanning_two_years_counts_in_both(build):
    build.project("in_progress", date(2022, 10, 1), None)
    build.project("completed", date(2022, 11, 1), date(2023, 2, 1))
    build.project("completed", date(2021, 1, 1), date(2021, 12, 31))  # before: not in 2022
    build.project("requested")
    build.project("declined", date(2022, 1, 1), None)
    build.project("abandoned", date(2022, 1, 1), None)
    db.session.commit()
    y2022 = by_code(indicators_for_year(2022))["projets_accompagnes"]
    y2023 = by_code(indicators_for_year(2023))["projets_accompagnes"]
    assert (y2022["value"], y2023["value"]) == (2, 2)
    assert (y2022["cumulative"], y2023["cumulative"]) == (3, 3)


def test_trainings_count_held_formations_only(build):
    build.session("formation", "held", datetime(2023, 3, 1, 9, tzinfo=UTC))
    build.session("formation", "cancelled", datetime(2023, 4, 1, 9, tzinfo=UTC))
    build.session("formation", "scheduled", datetime(2023, 5, 1, 9, tzinfo=UTC))
    build.session("webinaire", "held", datetime(2023, 6, 1, 9, tzinfo=UTC))
    build.session("formation", "held", datetime(2022, 6, 1, 9, tzinfo=UTC))
    # 31 Dec 2023 23:30 in Paris is 22:30 UTC: still 2023.
    build.session("formation", "held", datetime(2023, 12, 31, 22, 30, tzinfo=UTC))
    # 1 Jan 2024 00:30 in Paris is 23:30 UTC on 31 Dec: already 2024.
    build.session("formation", "held", datetime(2023, 12, 31, 23, 30, tzinfo=UTC))
    db.session.commit()
    item = by_code(indicators_for_year(2023))["formations_dispensees"]
    assert (item["value"], item["cumulative"]) == (2, 3)


def test_participants_exclude_waitlisted_absent_and_session_bookings(build):
    own = build.booking(attendees=30)  # the session's own booking: not counted twice
    held = build.session("formation", "held", datetime(2023, 3, 1, 9, tzinfo=UTC), booking=own)
    for _ in range(3):
        build.registration(held, present=True)
    build.registration(held, present=False)
    build.registration(held, present=None, status="waitlisted")
    cancelled = build.session("atelier", "cancelled", datetime(2023, 4, 1, 9, tzinfo=UTC))
    build.registration(cancelled, present=True)
    build.booking(attendees=7)
    build.booking(attendees=5, status="pending")
    build.booking(attendees=9, status="cancelled")
    build.booking(attendees=4, start=datetime(2022, 3, 1, 9, tzinfo=UTC))
    db.session.commit()
    item = by_code(indicators_for_year(2023))["participants"]
    assert (item["value"], item["cumulative"]) == (3 + 7, 3 + 7 + 4)


def test_satisfaction_rate_and_null_without_answers(build):
    assert by_code(indicators_for_year(2023))["taux_satisfaction"]["value"] is None
    held = build.session("formation", "held", datetime(2023, 3, 1, 9, tzinfo=UTC))
    build.answers("session", held.id, [5, 4, 3, 2])
    done = build.project("completed", date(2022, 1, 1), date(2023, 9, 1))
    build.answers("project", done.id, [5, 1])
    running = build.project("in_progress", date(2023, 1, 1), None)
    build.answers("project", running.id, [1, 1])  # not completed: not counted
    old = build.session("formation", "held", datetime(2022, 3, 1, 9, tzinfo=UTC))
    build.answers("session", old.id, [5, 5])
    db.session.commit()
    item = by_code(indicators_for_year(2023))["taux_satisfaction"]
    assert item["value"] == pytest.approx(3 / 6)
    assert item["cumulative"] == pytest.approx(5 / 8)
    assert item["unit"] == "ratio"
    assert by_code(indicators_for_year(2022))["taux_satisfaction"]["value"] == 1.0


def test_targets_and_status(app, create_user):
    from labapp.indicators.services import set_target

    team = create_user("team")
    set_target(team, 2023, "formations_dispensees", 11)
    set_target(team, 2023, "taux_satisfaction", 0.9)
    db.session.commit()
    items = by_code(indicators_for_year(2023, today=date(2026, 1, 1)))
    assert items["formations_dispensees"]["target"] == 11
    assert items["formations_dispensees"]["status"] == "en retard"
    assert items["taux_satisfaction"]["target"] == 0.9
    assert items["taux_satisfaction"]["status"] is None  # no answers: no status
    assert items["participants"]["target"] is None


@pytest.mark.parametrize(("unit", "value", "target", "elapsed", "expected"), [
    ("count", 5, 4, 0.5, "atteint"),
    ("count", 2, 4, 0.5, "en bonne voie"),
    ("count", 1, 4, 0.5, "en retard"),
    ("count", 3, 4, 1.0, "en retard"),
    ("ratio", 0.87, 0.9, 0.5, "en bonne voie"),
    ("ratio", 0.70, 0.9, 0.5, "en retard"),
    ("ratio", 0.95, 0.9, 1.0, "atteint"),
    ("count", 3, None, 0.5, None),
])
def test_status_rule(unit, value, target, elapsed, expected):
    assert target_status(unit, value, target, elapsed) == expected


def test_year_elapsed_share():
    assert year_elapsed_share(2026, date(2025, 6, 1)) == 0
    assert year_elapsed_share(2026, date(2027, 1, 1)) == 1
    assert 0.49 < year_elapsed_share(2026, date(2026, 7, 1)) < 0.51


def test_query_count_does_not_grow_with_data(build):
    db.session.commit()
    db.session.remove()
    with count_queries() as few:
        indicators_for_year(2023)
    for i in range(40):
        session = build.session("formation", "held", datetime(2023, 3, 1, 9, tzinfo=UTC))
        build.registration(session, present=True)
        build.booking(attendees=2, start=datetime(2023, 3, 2, 9, tzinfo=UTC) + timedelta(days=i))
        build.answers("session", session.id, [4])
        build.project("in_progress", date(2023, 1, 1), None)
    db.session.commit()
    db.session.remove()
    with count_queries() as many:
        indicators_for_year(2023)
    assert many.count == few.count <= 7  # targets, freeze, four measures (+ version)


def test_api_and_cli_give_the_same_document(build, api, runner, create_user):
    import json

    build.session("formation", "held", datetime(2023, 3, 1, 9, tzinfo=UTC))
    db.session.commit()
    team = create_user("team")
    response = api(team).get("/indicators?year=2023")
    assert response.status_code == 200
    result = runner.invoke(args=["indicators", "--year", "2023", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == response.get_json()
    document = response.get_json()
    assert [i["code"] for i in document["indicators"]] == [
        "projets_accompagnes", "formations_dispensees", "taux_satisfaction", "participants"]
    assert set(document["indicators"][0]) >= {"code", "label", "value", "cumulative", "target",
                                              "unit"}


def test_api_access_and_bad_year(api, create_user):
    assert api(create_user("agent")).get("/indicators?year=2023").status_code == 403
    team = api(create_user("team"))
    for query in ("", "?year=abc", "?year=99999", "?year=1500"):
        response = team.get("/indicators" + query)
        assert response.status_code == 422, query
        assert "year" in response.get_json(force=True)["errors"]
    empty = team.get("/indicators?year=2031").get_json()
    assert by_code(empty)["taux_satisfaction"]["value"] is None
    assert by_code(empty)["participants"]["value"] == 0
