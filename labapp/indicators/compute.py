"""The four contract indicators computed from the records, per year and cumulative.

Each measure is one SQL aggregate whose year value and cumulative value come
from the same statement (conditional sums), so the number of queries does not
depend on the amount of data. The conditions themselves live in `conditions.py`,
shared with the drill-down lists, so a list holds exactly what its figure counts.
Years are Europe/Paris calendar years; instants are compared half-open [start, end) in UTC.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy import case, func, select

from labapp.bookings.models import Booking
from labapp.cache import cached
from labapp.extensions import db
from labapp.indicators import conditions as c
from labapp.indicators.definitions import DEFINITIONS, target_status, year_elapsed_share
from labapp.timeutil import to_paris
from labapp.trainings.models import Registration, Session


def _count_pair(year_condition, cumulative_condition):
    return (
        func.coalesce(func.sum(case((year_condition, 1), else_=0)), 0),
        func.coalesce(func.sum(case((cumulative_condition, 1), else_=0)), 0),
    )


def _sum_pair(value, year_condition, cumulative_condition):
    return (
        func.coalesce(func.sum(case((year_condition, value), else_=0)), 0),
        func.coalesce(func.sum(case((cumulative_condition, value), else_=0)), 0),
    )


def projects_supported(year: int) -> tuple[int, int]:
    """Projects in progress or completed whose support period meets the year
    (cumulative: whose support started by the end of the year)."""
    period = c.Period.year(year)
    row = db.session.execute(select(*_count_pair(
        c.project_supported(period), c.project_started_by(period.last)))).one()
    return int(row[0]), int(row[1])


def trainings_delivered(year: int) -> tuple[int, int]:
    """Held sessions of kind `formation` starting in the year (cumulative: by its end)."""
    period = c.Period.year(year)
    row = db.session.execute(select(*_count_pair(
        c.formation_held(period), c.formation_held_until(period)))).one()
    return int(row[0]), int(row[1])


def participants(year: int) -> tuple[int, int]:
    """Present registrations at held sessions of the year, plus declared attendees of
    approved bookings of the year that have ended (at the time of computation) and are
    not a session's own booking."""
    value, cumulative, _ = _participants(year)
    return value, cumulative


def _participants(year: int) -> tuple[int, int, str | None]:
    """`participants`, and when that figure next changes by itself (the end of the next
    approved booking, ISO) or None: how long a cached copy stays true."""
    period = c.Period.year(year)
    now = c.computation_time()
    present = db.session.execute(
        select(*_count_pair(c.present_in(period), c.present_until(period)))
        .select_from(Registration).join(Session, Registration.session_id == Session.id)
    ).one()
    # The "not a session's own booking" test stays in WHERE, where the planners turn
    # it into one anti-join (inside the CASE it ran once per booking and per column).
    ended = c.booking_ended(now)
    attendees = db.session.execute(select(*_sum_pair(
        Booking.attendees, ended & c.in_range(Booking.start_at, period.start, period.end),
        ended & (Booking.start_at < period.end)), c.next_booking_end(now))
        .where(c.approved_booking())).one()
    return (int(present[0]) + int(attendees[0]), int(present[1]) + int(attendees[1]),
            c.valid_until(attendees[2]))


def satisfaction(year: int) -> tuple[float | None, float | None]:
    """Share of answers 4 or 5 to the overall question, over the surveys of sessions
    held in the year and of projects completed in the year (None without answers)."""
    period = c.Period.year(year)
    in_year, until_year = c.response_in(period), c.response_until(period)
    counts = (*_count_pair(in_year & c.satisfied(), until_year & c.satisfied()),
              *_count_pair(in_year, until_year))
    statement = c.overall_answers().with_only_columns(*counts)
    year_ok, cum_ok, year_all, cum_all = (int(v) for v in db.session.execute(statement).one())
    return (year_ok / year_all if year_all else None, cum_ok / cum_all if cum_all else None)


MEASURES = {
    "projets_accompagnes": projects_supported,
    "formations_dispensees": trainings_delivered,
    "taux_satisfaction": satisfaction,
    "participants": _participants,
}


def _any(entry) -> bool:
    return True


def _fresh(entry) -> bool:
    """A cached participants entry [value, cumulative, valid until] still true now."""
    return len(entry) == 3 and c.still_true(entry[2])


def contract_measures(year: int) -> dict[str, tuple | list]:
    """{code: (year value, cumulative value)} of the four measures, each from the
    computed-figures cache when the data has not changed since it was computed and,
    for participants, no approved booking has ended since (a booking counts once ended)."""
    measures = {}
    for definition in DEFINITIONS:
        entry = cached("indicators", f"{definition.code}:{year}",
                       lambda measure=MEASURES[definition.code]: measure(year),
                       valid=_fresh if definition.code == "participants" else _any)
        measures[definition.code] = tuple(entry[:2])
    return measures


_ACTIVE = object()  # `indicators_for_year(freeze=...)` default: the year's active freeze


def indicators_for_year(year: int, today: date | None = None,
                        with_status: bool = True, freeze: Any = _ACTIVE,
                        live: bool = False) -> dict[str, Any]:
    """The JSON document of `GET /api/v1/indicators?year=` and `flask indicators --json`.

    For a frozen year, `value` and `cumulative` are the figures stored when it was
    frozen, and an indicator whose live figures changed since also has `live_value`
    and `live_cumulative`; `frozen` is `{"on": "YYYY-MM-DD"}` (Paris date), else None.
    `freeze`: the year's active freeze when already read; `live`: ignore any freeze
    (the figures to store when freezing)."""
    from labapp.indicators.services import active_freeze, targets_by_year

    today = today or date.today()
    if live:
        freeze = None
    elif freeze is _ACTIVE:
        freeze = active_freeze(year)
    stored = frozen_items(freeze)
    targets = targets_by_year([year])
    elapsed = year_elapsed_share(year, today)
    measures = contract_measures(year)
    items = []
    for definition in DEFINITIONS:
        value, cumulative = measures[definition.code]
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
        if stored is not None and definition.code in stored:
            apply_frozen(item, stored[definition.code])
        if with_status:
            item["status"] = target_status(definition.unit, item["value"], target, elapsed)
        items.append(item)
    return {"year": year, "indicators": items,
            "frozen": {"on": to_paris(freeze.frozen_at).date().isoformat()} if freeze else None}


def frozen_items(freeze) -> dict[str, dict] | None:
    """{code: stored indicator} of a freeze (None when not frozen)."""
    if freeze is None:
        return None
    figures = freeze.figures if isinstance(freeze.figures, dict) else {}
    return {item["code"]: item for item in figures.get("indicators", [])
            if isinstance(item, dict) and "code" in item}


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def apply_frozen(item: dict, stored: dict) -> None:
    """Report the stored figures; keep the live ones beside them when they differ."""
    live_value, live_cumulative = item["value"], item["cumulative"]
    item["value"], item["cumulative"] = stored.get("value"), stored.get("cumulative")
    if not (_same(live_value, item["value"]) and _same(live_cumulative, item["cumulative"])):
        item["live_value"], item["live_cumulative"] = live_value, live_cumulative
