"""Pure interval and calendar rules of bookings (no database, no Flask).

Every interval is half-open `[start, end)` of aware datetimes (UTC in storage).
Two bookings that touch (one ends when the other starts) do not overlap.

The buffer (minutes for setting up and clearing) extends the range a booking
occupies at its end: a booking `[s, e)` occupies `[s, e + buffer)`. Two bookings
then conflict iff their occupied ranges overlap, which leaves at least `buffer`
minutes between any two approved bookings of the same place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from labapp.timeutil import PARIS, combine_paris, to_paris

MAX_OCCURRENCES = 52


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """True when the half-open intervals [a_start, a_end) and [b_start, b_end) share an instant."""
    return a_start < b_end and b_start < a_end


def occupied_range(start: datetime, end: datetime, buffer_minutes: int = 0) -> tuple[datetime, datetime]:
    """The range a booking [start, end) occupies once the buffer is added at its end."""
    return start, end + timedelta(minutes=buffer_minutes)


def conflicts(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime,
              buffer_minutes: int = 0) -> bool:
    """True when two bookings of the same place cannot both be approved (buffer included)."""
    return overlaps(*occupied_range(a_start, a_end, buffer_minutes),
                    *occupied_range(b_start, b_end, buffer_minutes))


@lru_cache(maxsize=64)
def _french_holidays(year: int) -> dict[date, str]:
    return dict(holidays.France(years=year, language="fr"))


def public_holiday(day: date) -> str | None:
    """The name of the French (metropolitan) public holiday on `day`, or None."""
    return _french_holidays(day.year).get(day)


@dataclass(frozen=True)
class OpeningWindow:
    """Opening hours of one weekday (0 = Monday), Paris wall time, [opens, closes)."""

    weekday: int
    opens: time
    closes: time


def paris_day_of(start: datetime, end: datetime) -> date | None:
    """The Paris date a booking lies in, or None when it spans more than one Paris day."""
    first = to_paris(start).date()
    last = to_paris(end - timedelta(microseconds=1)).date()
    return first if first == last else None


def within_opening_hours(start: datetime, end: datetime, windows: dict[int, OpeningWindow]) -> bool:
    """True when [start, end) lies inside the opening hours of its (single) Paris day."""
    day = paris_day_of(start, end)
    if day is None:
        return False
    window = windows.get(day.weekday())
    if window is None:
        return False
    return combine_paris(day, window.opens) <= start and end <= combine_paris(day, window.closes)


def subtract(window: tuple[datetime, datetime],
             busy: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The parts of `window` not covered by any busy interval, in order."""
    free = []
    cursor, stop = window
    for b_start, b_end in sorted(busy):
        if b_end <= cursor or b_start >= stop:
            continue
        if b_start > cursor:
            free.append((cursor, b_start))
        cursor = max(cursor, b_end)
        if cursor >= stop:
            break
    if cursor < stop:
        free.append((cursor, stop))
    return free


def free_gaps(window: tuple[datetime, datetime], occupied: Iterable[tuple[datetime, datetime]],
              duration: timedelta, buffer_minutes: int = 0) -> list[tuple[datetime, datetime]]:
    """Gaps of `window` where a booking of `duration` fits without conflict.

    `occupied` are the ranges already occupied (buffer included). A new booking
    [s, e) is free of an occupied [o_s, o_e) iff e + buffer <= o_s or s >= o_e,
    so each occupied range blocks [o_s - buffer, o_e) for the new booking.
    """
    buffer = timedelta(minutes=buffer_minutes)
    blocked = [(o_start - buffer, o_end) for o_start, o_end in occupied]
    return [(s, e) for s, e in subtract(window, blocked) if e - s >= duration]


FREQUENCIES = ("daily", "weekly")


def recurrence_days(first_day: date, until: date, frequency: str, interval: int = 1,
                    weekdays: Iterable[int] | None = None) -> list[date]:
    """The Paris dates of a series, from `first_day` up to `until` (inclusive).

    `daily`: every `interval` days. `weekly`: every `interval` weeks on the given
    weekdays (0 = Monday; default the first day's weekday), weeks counted from
    the first day's week. The first day is always included. Raises ValueError
    when the series would exceed MAX_OCCURRENCES.
    """
    if frequency not in FREQUENCIES:
        raise ValueError("unknown frequency")
    if interval < 1:
        raise ValueError("interval must be at least 1")
    days = [first_day]
    if frequency == "daily":
        day = first_day + timedelta(days=interval)
        while day <= until:
            days.append(day)
            day += timedelta(days=interval)
            if len(days) > MAX_OCCURRENCES:
                raise ValueError("too many occurrences")
    else:
        chosen = sorted(set(weekdays or [first_day.weekday()]))
        week_start = first_day - timedelta(days=first_day.weekday())
        while week_start <= until:
            for weekday in chosen:
                day = week_start + timedelta(days=weekday)
                if first_day < day <= until:
                    days.append(day)
                    if len(days) > MAX_OCCURRENCES:
                        raise ValueError("too many occurrences")
            week_start += timedelta(weeks=interval)
    return days


def occurrence_bounds(day: date, start_time: time, end_time: time) -> tuple[datetime, datetime]:
    """The UTC [start, end) of one occurrence at the same Paris wall times on `day`."""
    return combine_paris(day, start_time), combine_paris(day, end_time)


def paris_wall_times(start: datetime, end: datetime) -> tuple[date, time, time]:
    """Date and wall-clock start/end of a booking in Paris."""
    local_start, local_end = start.astimezone(PARIS), end.astimezone(PARIS)
    return local_start.date(), local_start.time(), local_end.time()
