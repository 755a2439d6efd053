"""Lab indicators beyond the contract, trend and committee periods, chart geometry,
and the dashboard's query budget."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import insert

from labapp.extensions import db
from labapp.indicators import activity
from labapp.indicators.charts import bar_chart, nice_max
from labapp.indicators.conditions import Period, last_months, months_of
from tests.querycount import count_queries


def test_periods_follow_paris_months():
    march = Period.month(2024, 3)
    assert (march.first, march.last) == (date(2024, 3, 1), date(2024, 3, 31))
    # Paris switches to summer time on 31 March 2024: the month ends at 22:00 UTC.
    assert march.end == datetime(2024, 3, 31, 22, tzinfo=UTC)
    assert months_of(2024)[-1].last == date(2024, 12, 31)
    six = last_months(date(2024, 2, 10), 6)
    assert [p.first for p in six] == [date(2023, 9, 1), date(2023, 10, 1), date(2023, 11, 1),
                                       date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1)]


@pytest.mark.parametrize(("value", "top"), [(0, 4), (3, 4), (5, 8), (9, 20), (21, 40), (81, 200),
                                            (1999, 2000)])
def test_count_axes_have_whole_quarters(value, top):
    assert nice_max(value) == top and top % 4 == 0


def test_bar_chart_geometry():
    chart = bar_chart(["a", "b", "c"], ["a", "b", "c"], [0, 4, None])
    assert [b.height for b in chart["bars"]][0] == 0 and chart["bars"][2].height == 0
    assert chart["bars"][1].y + chart["bars"][1].height == chart["baseline"]
    ratio = bar_chart(["a"], ["a"], [0.5], ratio=True)
    assert ratio["top"] == 1 and ratio["bars"][0].height == pytest.approx(
        (ratio["baseline"] - 12) / 2, abs=0.1)


def test_attendance_no_show_and_survey_response_rates(build_records):
    from labapp.surveys.models import Invitation, Questionnaire

    b = build_records
    held = b.session("atelier", "held", datetime(2024, 3, 1, 9, tzinfo=UTC))
    for present in (True, True, True, False, None):
        b.registration(held, present=present)
    b.registration(held, present=None, status="waitlisted")
    b.registration(held, present=None, status="cancelled")
    cancelled = b.session("formation", "cancelled", datetime(2024, 4, 1, 9, tzinfo=UTC))
    b.registration(cancelled, present=None)
    questionnaire = db.session.query(Questionnaire).one()
    for i in range(4):
        db.session.add(Invitation(token_hash=f"{i:064d}", email=f"i{i}@example.org",
                                  questionnaire_id=questionnaire.id, target_kind="session",
                                  target_id=held.id, expires_at=datetime(2024, 5, 1, tzinfo=UTC),
                                  created_at=datetime(2024, 3, 2, tzinfo=UTC),
                                  answered_at=datetime(2024, 3, 3, tzinfo=UTC) if i < 3 else None))
    db.session.commit()
    stats = activity.attendance(2024)
    assert (stats["registrations"], stats["present"], stats["absent"], stats["not_taken"]) == (5, 3, 1, 1)
    assert stats["attendance_rate"] == pytest.approx(0.75) and stats["no_show_rate"] == pytest.approx(0.25)
    assert stats["waitlisted"] == 1 and stats["sessions"] == 1
    surveys = activity.survey_response_rate(2024)
    assert (surveys["sent"], surveys["answered"], surveys["rate"]) == (4, 3, 0.75)
    assert activity.attendance(2025)["attendance_rate"] is None
    assert activity.survey_response_rate(2025)["rate"] is None


def test_occupancy_is_booked_hours_over_opening_hours(build_records):
    from labapp.bookings.models import Closure, OpeningHours

    b = build_records
    # Open Monday to Friday 9:00-17:00 (8 h); closed 1-5 April 2024.
    for weekday in range(5):
        db.session.add(OpeningHours(site_id=b.site.id, weekday=weekday, opens_at=time(9),
                                    closes_at=time(17)))
    db.session.add(Closure(site_id=b.site.id, start_date=date(2024, 4, 1), end_date=date(2024, 4, 5),
                           label="Travaux"))
    b.booking(attendees=5, start=datetime(2024, 4, 10, 8, tzinfo=UTC), hours=4)
    b.booking(attendees=5, start=datetime(2024, 4, 11, 8, tzinfo=UTC), hours=2)
    b.booking(attendees=5, status="pending", start=datetime(2024, 4, 12, 8, tzinfo=UTC), hours=2)
    db.session.commit()
    row = next(r for r in activity.occupancy(2024)["spaces"] if r["space"].id == b.space.id)
    # April 2024: 22 weekdays, minus Easter Monday (1 April, already in the closure) and the
    # closure 1-5 April (5 weekdays) -> 17 open days of 8 h.
    assert row["opening"][3] == 17 * 8
    assert row["booked"][3] == pytest.approx(6)
    assert row["rates"][3] == pytest.approx(6 / 136)
    assert row["booked"][4] == 0


def _bulk(build_records, n: int) -> None:
    """n projects, held formations, registrations, bookings and answers."""
    from labapp.bookings.models import Booking
    from labapp.projects.models import Project
    from labapp.surveys.models import Answer, Question, SurveyResponse
    from labapp.trainings.models import Registration, Session

    b = build_records
    b.booking(attendees=1)
    user_id = db.session.execute(db.select(Booking.requested_by_id)).scalar()
    start = datetime(2023, 1, 2, 9, tzinfo=UTC)
    db.session.execute(insert(Project), [
        {"title": f"P{i}", "description": "d", "direction": "DRH", "territory": "national",
         "status": "in_progress", "support_started_on": date(2023, 1, 1) + timedelta(days=i % 300),
         "requested_by_id": user_id, "days_saved": 3} for i in range(n)])
    db.session.execute(insert(Session), [
        {"title": f"S{i}", "kind": "formation", "status": "held", "capacity": 20, "location": "lab",
         "start_at": start + timedelta(days=i % 300), "end_at": start + timedelta(days=i % 300, hours=3)}
        for i in range(n)])
    session_ids = db.session.scalars(db.select(Session.id)).all()
    db.session.execute(insert(Registration), [
        {"session_id": session_ids[i % len(session_ids)], "name": "P", "email": f"r{n}-{i}@example.org",
         "status": "confirmed", "present": i % 3 != 0} for i in range(n)])
    db.session.execute(insert(Booking), [
        {"space_id": b.space.id, "title": "B", "attendees": 3, "status": "approved",
         "requested_by_id": user_id, "start_at": start + timedelta(days=i % 300),
         "end_at": start + timedelta(days=i % 300, hours=2)} for i in range(n)])
    question_id = db.session.scalar(db.select(Question.id))
    questionnaire_id = db.session.scalar(db.select(Question.questionnaire_id))
    first = (db.session.scalar(db.select(db.func.max(SurveyResponse.id))) or 0) + 1
    db.session.execute(insert(SurveyResponse), [
        {"questionnaire_id": questionnaire_id, "target_kind": "session",
         "target_id": session_ids[i % len(session_ids)], "submitted_on": date(2023, 6, 1)}
        for i in range(n)])
    response_ids = db.session.scalars(db.select(SurveyResponse.id).where(SurveyResponse.id >= first)
                                      .order_by(SurveyResponse.id)).all()
    db.session.execute(insert(Answer), [
        {"response_id": response_id, "question_id": question_id, "value": 1 + i % 5}
        for i, response_id in enumerate(response_ids)])
    db.session.commit()


def _dashboard_queries(client) -> int:
    with count_queries() as counter:
        response = client.get("/indicateurs/?year=2023")
    assert response.status_code == 200
    return counter.count


def test_dashboard_query_count_does_not_grow_with_data(client, login, team, build_records):
    """10 then 10,000 records of each kind: the same statements, computed (the data just
    changed) or read from the computed-figures cache (nothing changed since)."""
    login(team)
    _bulk(build_records, 10)
    few_computed, few_cached = _dashboard_queries(client), _dashboard_queries(client)
    _bulk(build_records, 9990)
    many_computed, many_cached = _dashboard_queries(client), _dashboard_queries(client)
    assert few_computed == many_computed < 40
    assert few_cached == many_cached <= 10
    assert many_cached < many_computed


def test_dashboard_query_count_does_not_grow_with_sites(client, login, team, build_records):
    from datetime import date

    from labapp.bookings.models import Closure, Site, Space

    login(team)
    _bulk(build_records, 10)
    few = _dashboard_queries(client)
    for n in range(6):
        site = Site(name=f"Lab territorial {n}", address="Préfecture")
        db.session.add_all([site, Space(site=site, name=f"Zone {n}", capacity=10),
                            Space(site=site, name=f"Lab entier {n}", capacity=30, whole=True)])
        db.session.flush()
        db.session.add(Closure(site_id=site.id, start_date=date(2023, 8, 1),
                               end_date=date(2023, 8, 15), label="Fermeture estivale"))
    db.session.commit()
    assert _dashboard_queries(client) == few
