"""The SQL conditions behind each contract indicator, as reusable building blocks.

`compute.py` aggregates the four measures per year with them; the drill-down
lists, the monthly trend, the strategic-committee view and the savings use the
same conditions, so a list always holds exactly the records a figure counts.
Tests check that the counts of the lists equal the API figures on hand-built
data, edge cases included.

Periods are Europe/Paris calendar days [first, last]; instants are compared
half-open [start, end) in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import aliased

from labapp.bookings.models import Booking
from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.projects.models import Project
from labapp.surveys.models import Answer, Question, SurveyResponse
from labapp.timeutil import paris_day_bounds
from labapp.trainings.models import Registration, Session

SUPPORTED = ("in_progress", "completed")
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]


@dataclass(frozen=True)
class Period:
    """Paris calendar days [first, last], i.e. UTC instants [start, end)."""

    first: date
    last: date
    label: str = ""

    @property
    def start(self) -> datetime:
        return paris_day_bounds(self.first)[0]

    @property
    def end(self) -> datetime:
        return paris_day_bounds(self.last)[1]

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), str(year))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(date(year, month, 1), following - timedelta(days=1),
                   f"{MONTHS_FR[month - 1]} {year}")


def months_of(year: int) -> list[Period]:
    return [Period.month(year, m) for m in range(1, 13)]


def last_months(today: date, count: int = 6) -> list[Period]:
    """The `count` calendar months ending with today's month, oldest first."""
    periods = []
    year, month = today.year, today.month
    for _ in range(count):
        periods.append(Period.month(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods[::-1]


def in_range(column, start, end):
    return and_(column >= start, column < end)


def hours_between(start, end):
    """SQL hours between two UTC datetime columns (PostgreSQL and SQLite)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


# --- projets_accompagnes -----------------------------------------------------

def project_started_by(last: date):
    """Cumulative: in progress or completed, support started by `last`."""
    return and_(Project.status.in_(SUPPORTED), Project.support_started_on.is_not(None),
                Project.support_started_on <= last)


def project_supported(period: Period):
    """In progress or completed, support period [started, ended or open] meets the period."""
    return and_(project_started_by(period.last),
                (Project.support_ended_on.is_(None)) | (Project.support_ended_on >= period.first))


# --- formations_dispensees ---------------------------------------------------

def held_formation():
    return and_(Session.kind == "formation", Session.status == "held")


def formation_held(period: Period):
    return and_(held_formation(), in_range(Session.start_at, period.start, period.end))


def formation_held_until(period: Period):
    return and_(held_formation(), Session.start_at < period.end)


# --- participants ------------------------------------------------------------

def present_registration():
    """A registration marked present at a held session (query joined with Session)."""
    return and_(Session.status == "held", Registration.present.is_(True),
                Registration.status != "cancelled")


def computation_time() -> datetime:
    """The instant figures are computed at (`utcnow`, which tests move: tests/clock.py)."""
    return utcnow()


def valid_until(next_end) -> str | None:
    """The ISO instant at which a figure computed now stops being true (None: never)."""
    return next_end.isoformat() if next_end is not None else None


def still_true(until: str | None) -> bool:
    """Whether a cached figure valid until `until` (ISO or None) is still true now."""
    return until is None or computation_time() < datetime.fromisoformat(until)


def approved_booking():
    """An approved booking that is not a session's own booking (ended or not)."""
    return and_(Booking.status == "approved", ~exists().where(Session.booking_id == Booking.id))


def booking_ended(now: datetime):
    """The booking took place: it has ended at `now` (never a future booking). Once
    check-in exists, a booking `released` as a no-show is not approved, so not counted."""
    return Booking.end_at <= now


def counted_booking(now: datetime | None = None):
    """An approved booking, not a session's own, that has ended at `now` (default: the
    time of computation): the bookings whose declared attendees are participants."""
    return and_(approved_booking(), booking_ended(now or computation_time()))


def next_booking_end(now: datetime):
    """SQL: the earliest end after `now` of an approved booking (select it where
    `approved_booking()`): when the participants computed at `now` next change."""
    return func.min(case((Booking.end_at > now, Booking.end_at), else_=None))


def present_in(period: Period):
    return and_(present_registration(), in_range(Session.start_at, period.start, period.end))


def present_until(period: Period):
    return and_(present_registration(), Session.start_at < period.end)


def booking_in(period: Period):
    return and_(counted_booking(), in_range(Booking.start_at, period.start, period.end))


def booking_until(period: Period):
    return and_(counted_booking(), Booking.start_at < period.end)


# --- taux_satisfaction ---------------------------------------------------------

def overall_answer():
    """An answer to the overall-satisfaction question (joined with SurveyResponse, Question)."""
    return and_(Question.code == "overall", Answer.value.is_not(None))


def satisfied():
    return Answer.value >= 4


# The surveyed target, joined once (outer joins) rather than looked up per answer and
# per period by correlated subqueries, which cost PostgreSQL a minute for a
# twelve-month trend at scale. Only a held session or a completed project matches.
HELD_SESSION = aliased(Session, name="surveyed_session")
COMPLETED_PROJECT = aliased(Project, name="surveyed_project")


def response_in(period: Period):
    """A response about a session held in the period or a project completed in it
    (a statement from `overall_answers()`, which joins the targets)."""
    project_end = COMPLETED_PROJECT.support_ended_on
    return in_range(HELD_SESSION.start_at, period.start, period.end) | (
        (project_end >= period.first) & (project_end <= period.last))


def response_until(period: Period):
    return (HELD_SESSION.start_at < period.end) | (COMPLETED_PROJECT.support_ended_on <= period.last)


def overall_answers():
    """Select of overall answers joined with their response, question and target."""
    return (select(Answer).join(SurveyResponse, Answer.response_id == SurveyResponse.id)
            .join(Question, Answer.question_id == Question.id)
            .outerjoin(HELD_SESSION, and_(SurveyResponse.target_kind == "session",
                                          HELD_SESSION.id == SurveyResponse.target_id,
                                          HELD_SESSION.status == "held"))
            .outerjoin(COMPLETED_PROJECT, and_(SurveyResponse.target_kind == "project",
                                               COMPLETED_PROJECT.id == SurveyResponse.target_id,
                                               COMPLETED_PROJECT.status == "completed"))
            .where(overall_answer()))
