"""The four contract indicators computed from the records, per year and cumulative.

Each measure is one SQL aggregate whose year value and cumulative value come
from the same statement (conditional sums), so the number of queries does not
depend on the amount of data. Years are Europe/Paris calendar years; instants
are compared half-open [start, end) in UTC.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, func, select

from labapp.bookings.models import Booking
from labapp.extensions import db
from labapp.indicators.definitions import DEFINITIONS, target_status, year_elapsed_share
from labapp.projects.models import Project
from labapp.surveys.models import Answer, Question, SurveyResponse
from labapp.timeutil import paris_year_bounds
from labapp.trainings.models import Registration, Session

SUPPORTED = ("in_progress", "completed")


def _in_year(column, start, end):
    return and_(column >= start, column < end)


def _count_pair(year_condition, cumulative_condition):
    return (
        func.coalesce(func.sum(case((year_condition, 1), else_=0)), 0),
        func.coalesce(func.sum(case((cumulative_condition, 1), else_=0)), 0),
    )


def projects_supported(year: int) -> tuple[int, int]:
    """Projects in progress or completed whose support period meets the year
    (cumulative: whose support started by the end of the year)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    started = and_(Project.support_started_on.is_not(None), Project.support_started_on <= last)
    meets_year = and_(started, (Project.support_ended_on.is_(None))
                      | (Project.support_ended_on >= first))
    row = db.session.execute(
        select(*_count_pair(meets_year, started)).where(Project.status.in_(SUPPORTED))
    ).one()
    return int(row[0]), int(row[1])


def trainings_delivered(year: int) -> tuple[int, int]:
    """Held sessions of kind `formation` starting in the year (cumulative: by its end)."""
    start, end = paris_year_bounds(year)
    row = db.session.execute(
        select(*_count_pair(_in_year(Session.start_at, start, end), Session.start_at < end))
        .where(Session.kind == "formation", Session.status == "held")
    ).one()
    return int(row[0]), int(row[1])


def participants(year: int) -> tuple[int, int]:
    """Present registrations at held sessions of the year, plus declared attendees of
    approved bookings of the year that are not a session's own booking."""
    start, end = paris_year_bounds(year)
    present = db.session.execute(
        select(*_count_pair(_in_year(Session.start_at, start, end), Session.start_at < end))
        .select_from(Registration).join(Session, Registration.session_id == Session.id)
        .where(Session.status == "held", Registration.present.is_(True),
               Registration.status != "cancelled")
    ).one()
    own_booking = exists().where(Session.booking_id == Booking.id)
    attendees = db.session.execute(
        select(
            func.coalesce(func.sum(case((_in_year(Booking.start_at, start, end),
                                         Booking.attendees), else_=0)), 0),
            func.coalesce(func.sum(case((Booking.start_at < end, Booking.attendees), else_=0)), 0),
        ).where(Booking.status == "approved", ~own_booking)
    ).one()
    return int(present[0]) + int(attendees[0]), int(present[1]) + int(attendees[1])


def satisfaction(year: int) -> tuple[float | None, float | None]:
    """Share of answers 4 or 5 to the overall question, over the surveys of sessions
    held in the year and of projects completed in the year (None without answers)."""
    start, end = paris_year_bounds(year)
    first, last = date(year, 1, 1), date(year, 12, 31)
    session_start = (
        select(Session.start_at)
        .where(Session.id == SurveyResponse.target_id, Session.status == "held")
        .scalar_subquery()
    )
    project_end = (
        select(Project.support_ended_on)
        .where(Project.id == SurveyResponse.target_id, Project.status == "completed")
        .scalar_subquery()
    )
    is_session = SurveyResponse.target_kind == "session"
    is_project = SurveyResponse.target_kind == "project"
    in_year = (is_session & _in_year(session_start, start, end)) | (
        is_project & (project_end >= first) & (project_end <= last))
    until_year = (is_session & (session_start < end)) | (is_project & (project_end <= last))
    satisfied = Answer.value >= 4
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((in_year & satisfied, 1), else_=0)), 0),
            func.coalesce(func.sum(case((in_year, 1), else_=0)), 0),
            func.coalesce(func.sum(case((until_year & satisfied, 1), else_=0)), 0),
            func.coalesce(func.sum(case((until_year, 1), else_=0)), 0),
        )
        .select_from(Answer)
        .join(SurveyResponse, Answer.response_id == SurveyResponse.id)
        .join(Question, Answer.question_id == Question.id)
        .where(Question.code == "overall", Answer.value.is_not(None))
    ).one()
    year_ok, year_all, cum_ok, cum_all = (int(v) for v in row)
    return (year_ok / year_all if year_all else None, cum_ok / cum_all if cum_all else None)


MEASURES = {
    "projets_accompagnes": projects_supported,
    "formations_dispensees": trainings_delivered,
    "taux_satisfaction": satisfaction,
    "participants": participants,
}


def indicators_for_year(year: int, today: date | None = None,
                        with_status: bool = True) -> dict[str, Any]:
    """The JSON document of `GET /api/v1/indicators?year=` and `flask indicators --json`."""
    from labapp.indicators.services import targets_by_year

    today = today or date.today()
    targets = targets_by_year([year])
    elapsed = year_elapsed_share(year, today)
    items = []
    for definition in DEFINITIONS:
        value, cumulative = MEASURES[definition.code](year)
        target = targets.get((year, definition.code))
        if target is not None and definition.unit == "count":
            target = int(target)
        item = {
            "code": definition.code,
            "label": definition.label,
            "value": value,
            "cumulative": cumulative,
            "target": target,
            "unit": definition.unit,
        }
        if with_status:
            item["status"] = target_status(definition.unit, value, target, elapsed)
        items.append(item)
    return {"year": year, "indicators": items}
