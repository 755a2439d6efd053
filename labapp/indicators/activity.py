"""Measures over arbitrary periods (monthly trend, strategic-committee view) and the
lab's own indicators beyond the contract (occupancy, registrations, attendance,
survey response rate).

Every measure is one SQL statement with one conditional sum per period, so the
number of queries depends on the number of measures, never on the data.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from labapp.bookings.models import Booking, Closure, Site, Space
from labapp.bookings.site_services import closed_days
from labapp.cache import cached
from labapp.extensions import db
from labapp.indicators import conditions as c
from labapp.indicators.conditions import Period
from labapp.surveys.models import Invitation, SurveyResponse
from labapp.trainings.models import Registration, Session


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _total(condition, value):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def _ints(row) -> list[int]:
    return [int(v or 0) for v in row]


def measures_by_period(periods: list[Period]) -> dict[str, list]:
    """`_measures_by_period`, from the computed-figures cache when the data is unchanged."""
    key = "periods:" + ",".join(f"{p.start.isoformat()}/{p.end.isoformat()}" for p in periods)
    return cached("indicators", key, lambda: _measures_by_period(periods),
                  valid=lambda entry: "valid_until" in entry and c.still_true(entry["valid_until"]))


def _measures_by_period(periods: list[Period]) -> dict[str, list]:
    """The four contract measures for each period (4 or 5 queries whatever the data).

    Returns lists aligned with `periods`: projects, formations, participants
    (present + attendees of ended bookings), satisfied / answered and the rate, and
    `valid_until` (ISO or None): when an approved booking next ends.
    """
    projects = _ints(db.session.execute(
        select(*[_count(c.project_supported(p)) for p in periods])).one())
    formations = _ints(db.session.execute(
        select(*[_count(c.in_range(Session.start_at, p.start, p.end)) for p in periods])
        .where(c.held_formation())).one())
    present = _ints(db.session.execute(
        select(*[_count(c.in_range(Session.start_at, p.start, p.end)) for p in periods])
        .select_from(Registration).join(Session, Registration.session_id == Session.id)
        .where(c.present_registration())).one())
    now = c.computation_time()
    ended = c.booking_ended(now)
    *attendees, next_end = db.session.execute(
        select(*[_total(ended & c.in_range(Booking.start_at, p.start, p.end), Booking.attendees)
                 for p in periods], c.next_booking_end(now)).where(c.approved_booking())).one()
    attendees = _ints(attendees)
    answers = _ints(db.session.execute(c.overall_answers().with_only_columns(
        *[col for p in periods for col in (_count(c.response_in(p) & c.satisfied()),
                                           _count(c.response_in(p)))])).one())
    satisfied, answered = answers[0::2], answers[1::2]
    return {
        "projets_accompagnes": projects,
        "formations_dispensees": formations,
        "participants": [a + b for a, b in zip(present, attendees, strict=True)],
        "present": present,
        "booking_attendees": attendees,
        "satisfied": satisfied,
        "answered": answered,
        "taux_satisfaction": [s / a if a else None for s, a in zip(satisfied, answered, strict=True)],
        # Participants count bookings once ended: this result is true until the next end.
        "valid_until": c.valid_until(next_end),
    }


def monthly_trend(year: int) -> dict:
    months = c.months_of(year)
    return {"periods": months, **measures_by_period(months)}


def committee_view(today: date) -> dict:
    """The last six calendar months (the strategic committee meets twice a year), with
    the whole window as a last column."""
    months = c.last_months(today, 6)
    window = Period(months[0].first, months[-1].last,
                    f"{months[0].label} – {months[-1].label}")
    return {"periods": months, "window": window, **measures_by_period([*months, window])}


# --- Lab indicators beyond the contract --------------------------------------

def attendance(year: int) -> dict:
    return cached("indicators", f"attendance:{year}", lambda: _attendance(year))


def _attendance(year: int) -> dict:
    """Registrations at sessions held in the year (all kinds): attendance and no-show."""
    period = Period.year(year)
    row = _ints(db.session.execute(select(
        _count(Registration.status == "confirmed"),
        _count((Registration.status == "confirmed") & Registration.present.is_(True)),
        _count((Registration.status == "confirmed") & Registration.present.is_(False)),
        _count((Registration.status == "confirmed") & Registration.present.is_(None)),
        _count(Registration.status == "waitlisted"),
        _count(Registration.status == "cancelled"),
        func.count(func.distinct(Session.id)),
    ).select_from(Registration).join(Session, Registration.session_id == Session.id).where(
        Session.status == "held", c.in_range(Session.start_at, period.start, period.end))).one())
    confirmed, present, absent, unknown, waitlisted, cancelled, sessions = row
    taken = present + absent
    return {
        "sessions": sessions, "registrations": confirmed, "present": present, "absent": absent,
        "not_taken": unknown, "waitlisted": waitlisted, "cancelled": cancelled,
        "attendance_rate": present / taken if taken else None,
        "no_show_rate": absent / taken if taken else None,
    }


def survey_response_rate(year: int) -> dict:
    return cached("indicators", f"surveys:{year}", lambda: _survey_response_rate(year))


def _survey_response_rate(year: int) -> dict:
    """Invitations sent in the year and those answered; answers given in the room."""
    period = Period.year(year)
    sent, answered = _ints(db.session.execute(select(
        func.count(Invitation.id), _count(Invitation.answered_at.is_not(None)),
    ).where(c.in_range(Invitation.created_at, period.start, period.end))).one())
    room = db.session.scalar(select(func.count(SurveyResponse.id)).where(
        SurveyResponse.channel == "room", SurveyResponse.submitted_on >= period.first,
        SurveyResponse.submitted_on <= period.last)) or 0
    return {"sent": sent, "answered": answered, "room": int(room),
            "rate": answered / sent if sent else None}


def opening_hours(site: Site, period: Period, closed=None) -> float:
    """Opening hours of a site over a period, closures and public holidays excluded
    (`closed`: the site's closed days when already known)."""
    windows = {h.weekday: h for h in site.opening_hours}
    if closed is None:
        closed = closed_days(site, period.first, period.last)
    hours, day = 0.0, period.first
    while day <= period.last:
        window = windows.get(day.weekday())
        if window is not None and day not in closed:
            opens = window.opens_at.hour * 60 + window.opens_at.minute
            closes = window.closes_at.hour * 60 + window.closes_at.minute
            hours += (closes - opens) / 60
        day += timedelta(days=1)
    return hours


def occupancy(year: int) -> dict:
    """Approved booked hours divided by opening hours, per month and per space.

    A booking counts in the month and for the space (whole lab or zone) it was
    booked for, sessions' own bookings included: the space was in use.
    """
    months = c.months_of(year)
    spaces = db.session.scalars(select(Space).order_by(Space.site_id, Space.whole.desc(), Space.name)
                                .options(selectinload(Space.site))).all()
    figures = {space_id: (booked, opening)
               for space_id, booked, opening in occupancy_figures(year)}
    result = []
    for space in spaces:
        used, opening = figures.get(space.id, ([0.0] * 12, [0.0] * 12))
        result.append({
            "space": space, "booked": used, "opening": opening,
            "rates": [u / o if o else None for u, o in zip(used, opening, strict=True)],
            "booked_total": sum(used), "opening_total": sum(opening),
            "rate_total": sum(used) / sum(opening) if sum(opening) else None,
        })
    return {"periods": months, "spaces": result}


def occupancy_figures(year: int) -> list:
    """`_occupancy_figures`, from the computed-figures cache when the data is unchanged."""
    return cached("indicators", f"occupancy:{year}",
                  lambda: _occupancy_figures(year, c.months_of(year)))


def _occupancy_figures(year: int, months: list[Period]) -> list:
    """[space id, approved hours per month, opening hours per month] for every space."""
    spaces = db.session.scalars(select(Space).options(
        selectinload(Space.site).selectinload(Site.opening_hours))).all()
    hours_expr = c.hours_between(Booking.start_at, Booking.end_at)
    rows = db.session.execute(
        select(Booking.space_id,
               *[_total(c.in_range(Booking.start_at, m.start, m.end), hours_expr) for m in months])
        .where(Booking.status == "approved").group_by(Booking.space_id)).all()
    booked = {row[0]: [float(v or 0) for v in row[1:]] for row in rows}
    year_period = c.Period.year(year)
    closures: dict[int, list[Closure]] = {}
    for closure in db.session.scalars(select(Closure).where(
            Closure.start_date <= year_period.last, Closure.end_date >= year_period.first)):
        closures.setdefault(closure.site_id, []).append(closure)
    open_by_site: dict[int, list[float]] = {}
    figures = []
    for space in spaces:
        if space.site_id not in open_by_site:  # one closures query for every site
            closed = closed_days(space.site, year_period.first, year_period.last,
                                 closures.get(space.site_id, []))
            open_by_site[space.site_id] = [opening_hours(space.site, m, closed) for m in months]
        figures.append([space.id, booked.get(space.id, [0.0] * 12), open_by_site[space.site_id]])
    return figures
