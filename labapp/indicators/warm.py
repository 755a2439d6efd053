"""`flask tick` job: after the data changed, compute the current year's indicators
dashboard (and the API's /indicators of that year) into the computed-figures cache,
so that the next page view reads them instead of recomputing them (about 1–2 s at
national scale). When nothing changed since, it costs one query and stores nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from labapp.cache import warm
from labapp.indicators import activity
from labapp.indicators.compute import contract_measures
from labapp.tick import tick_job
from labapp.timeutil import PARIS


def dashboard_figures(year: int, today: date) -> None:
    """Every cached figure the dashboard of `year` reads on `today` (Paris date): the
    contract measures (also the API's), the monthly trend, the committee view,
    attendance, survey response rate and occupancy."""
    contract_measures(year)
    activity.monthly_trend(year)
    activity.committee_view(today)
    activity.attendance(year)
    activity.survey_response_rate(year)
    activity.occupancy_figures(year)


@tick_job("indicateurs précalculés", order=95)
def warm_dashboard_job(now: datetime) -> int:
    """Pre-compute the current Paris year's dashboard figures when they are not cached
    for the current data version; returns how many figures were computed."""
    today = now.astimezone(PARIS).date()
    return warm(lambda: dashboard_figures(today.year, today))
