"""The records behind each figure of the contract table (drill-down), paginated.

Each list is built from the conditions of `conditions.py`, the same ones the
figures are computed with; `scope` is "year" (the value of the year) or
"cumul" (from the first recorded activity to the end of the year).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from labapp.bookings.models import Booking
from labapp.extensions import db
from labapp.indicators import conditions as c
from labapp.indicators.conditions import Period
from labapp.pagination import Page, paginate
from labapp.projects.models import Project
from labapp.surveys.models import Answer, SurveyResponse
from labapp.surveys.rules import details_allowed, others_label, pool_small_groups
from labapp.surveys.services import min_answers
from labapp.trainings.models import Registration, Session

SCOPES = {"year": "de l'année", "cumul": "cumulé depuis le début"}
PER_PAGE = 25


def projects(year: int, scope: str, page: int) -> Page:
    period = Period.year(year)
    condition = c.project_supported(period) if scope == "year" else c.project_started_by(period.last)
    return paginate(select(Project).where(condition)
                    .order_by(Project.support_started_on, Project.id), page, PER_PAGE)


def formations(year: int, scope: str, page: int) -> Page:
    period = Period.year(year)
    condition = c.formation_held(period) if scope == "year" else c.formation_held_until(period)
    return paginate(select(Session).where(condition).order_by(Session.start_at, Session.id),
                    page, PER_PAGE)


def present_registrations(year: int, scope: str, page: int) -> Page:
    period = Period.year(year)
    condition = c.present_in(period) if scope == "year" else c.present_until(period)
    return paginate(select(Registration).join(Session, Registration.session_id == Session.id)
                    .where(condition).options(joinedload(Registration.session))
                    .order_by(Session.start_at, Registration.id), page, PER_PAGE)


def bookings(year: int, scope: str, page: int) -> Page:
    period = Period.year(year)
    condition = c.booking_in(period) if scope == "year" else c.booking_until(period)
    return paginate(select(Booking).where(condition).options(joinedload(Booking.space))
                    .order_by(Booking.start_at, Booking.id), page, PER_PAGE)


def booking_attendees(year: int, scope: str) -> int:
    period = Period.year(year)
    condition = c.booking_in(period) if scope == "year" else c.booking_until(period)
    return int(db.session.scalar(
        select(func.coalesce(func.sum(Booking.attendees), 0)).where(condition)) or 0)


@dataclass
class Others:
    """The pooled line of the sessions and projects under the anonymity threshold."""

    label: str
    minimum: int
    groups: int
    satisfied: int
    answers: int
    detailed: bool  # the pooled answers reach the threshold: their figures may be shown


def answers_by_target(year: int, scope: str, page: int) -> tuple[Page, Others]:
    """Overall answers counted, grouped by surveyed target (session or project); the
    targets under the anonymity threshold pooled into one `Others` line."""
    period = Period.year(year)
    condition = c.response_in(period) if scope == "year" else c.response_until(period)
    # Rows counted have their target joined (a held session or a completed project).
    title = func.coalesce(c.HELD_SESSION.title, c.COMPLETED_PROJECT.title)
    rows = db.session.execute(
        c.overall_answers().with_only_columns(
            SurveyResponse.target_kind.label("kind"), SurveyResponse.target_id.label("target_id"),
            func.max(title).label("title"),
            func.sum(case((c.satisfied(), 1), else_=0)).label("satisfied"),
            func.count(Answer.id).label("answers"))
        .where(condition)
        .group_by(SurveyResponse.target_kind, SurveyResponse.target_id)
        .order_by(SurveyResponse.target_kind, SurveyResponse.target_id)).all()
    minimum = min_answers()
    shown, pooled = pool_small_groups(rows, minimum, size=lambda row: row.answers)
    pooled_answers = sum(row.answers for row in pooled)
    others = Others(label=others_label(minimum), minimum=minimum, groups=len(pooled),
                    satisfied=sum(int(row.satisfied) for row in pooled), answers=pooled_answers,
                    detailed=details_allowed(pooled_answers, minimum))
    last = max(1, -(-len(shown) // PER_PAGE))
    page = min(max(page, 1), last)
    items = shown[(page - 1) * PER_PAGE:page * PER_PAGE]
    return Page(items=items, page=page, per_page=PER_PAGE, total=len(shown)), others


def answers_totals(year: int, scope: str) -> tuple[int, int]:
    period = Period.year(year)
    condition = c.response_in(period) if scope == "year" else c.response_until(period)
    row = db.session.execute(c.overall_answers().with_only_columns(
        func.coalesce(func.sum(case((c.satisfied(), 1), else_=0)), 0), func.count(Answer.id))
        .where(condition)).one()
    return int(row[0]), int(row[1])
