"""Pure booking rules: intervals, buffer, opening hours, recurrence, free gaps (no database)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from labapp.bookings.rules import (
    OpeningWindow,
    conflicts,
    free_gaps,
    overlaps,
    paris_day_of,
    public_holiday,
    recurrence_days,
    within_opening_hours,
)
from labapp.timeutil import combine_paris


def h(hours: float) -> datetime:
    return datetime(2027, 3, 3, tzinfo=UTC) + timedelta(hours=hours)


# Existing booking [10, 12). Cases: (name, start, end, overlaps, conflicts with a 0.25 h buffer)
CASES = [
    ("before", 8, 9, False, False),
    ("touching before", 9, 10, False, True),
    ("gap of a buffer before", 8.75, 9.75, False, False),
    ("overlapping start", 9, 10.5, True, True),
    ("same", 10, 12, True, True),
    ("inside", 10.5, 11, True, True),
    ("covering", 9, 13, True, True),
    ("overlapping end", 11.5, 13, True, True),
    ("touching after", 12, 13, False, True),
    ("gap of a buffer after", 12.25, 13, False, False),
    ("after", 13, 14, False, False),
]


@pytest.mark.parametrize("name,start,end,overlap,with_buffer", CASES, ids=[c[0] for c in CASES])
def test_overlap_table(name, start, end, overlap, with_buffer):
    assert overlaps(h(start), h(end), h(10), h(12)) is overlap
    assert overlaps(h(10), h(12), h(start), h(end)) is overlap  # symmetric
    assert conflicts(h(start), h(end), h(10), h(12), 0) is overlap
    assert conflicts(h(start), h(end), h(10), h(12), 15) is with_buffer
    assert conflicts(h(10), h(12), h(start), h(end), 15) is with_buffer


WEEKDAYS = {d: OpeningWindow(d, time(8), time(20)) for d in range(5)}
WEDNESDAY = date(2027, 3, 3)


@pytest.mark.parametrize("day,start,end,inside", [
    (WEDNESDAY, time(8), time(20), True),
    (WEDNESDAY, time(7, 45), time(9), False),
    (WEDNESDAY, time(19), time(20, 15), False),
    (date(2027, 3, 6), time(10), time(12), False),  # Saturday
])
def test_opening_hours(day, start, end, inside):
    assert within_opening_hours(combine_paris(day, start), combine_paris(day, end), WEEKDAYS) is inside


def test_a_booking_spanning_two_paris_days_has_no_single_day():
    assert paris_day_of(combine_paris(WEDNESDAY, time(22)), combine_paris(WEDNESDAY, time(23))) == WEDNESDAY
    start = combine_paris(WEDNESDAY, time(22))
    assert paris_day_of(start, start + timedelta(hours=3)) is None
    # ending exactly at midnight stays on the same day
    assert paris_day_of(start, combine_paris(WEDNESDAY + timedelta(days=1), time(0))) == WEDNESDAY


def test_french_public_holidays():
    assert public_holiday(date(2027, 7, 14)) == "Fête nationale"
    assert public_holiday(date(2027, 5, 6))  # Ascension 2027
    assert public_holiday(date(2027, 7, 15)) is None


def test_weekly_recurrence_every_two_weeks_on_two_days():
    days = recurrence_days(date(2027, 3, 1), date(2027, 3, 31), "weekly", 2, [0, 3])
    assert days == [date(2027, 3, 1), date(2027, 3, 4), date(2027, 3, 15), date(2027, 3, 18),
                    date(2027, 3, 29)]


def test_daily_recurrence_and_the_52_limit():
    assert recurrence_days(date(2027, 3, 1), date(2027, 3, 5), "daily") == [
        date(2027, 3, d) for d in range(1, 6)]
    assert len(recurrence_days(date(2027, 1, 4), date(2027, 12, 31), "weekly", 1, [0])) == 52
    with pytest.raises(ValueError):
        recurrence_days(date(2027, 1, 4), date(2028, 1, 3), "weekly", 1, [0])


def test_recurrence_keeps_paris_wall_time_across_dst():
    before, after = date(2027, 3, 22), date(2027, 3, 29)  # DST starts 28 March 2027
    assert combine_paris(before, time(9)).hour == 8 and combine_paris(after, time(9)).hour == 7


def test_free_gaps_respect_buffer_and_duration():
    window = (h(8), h(20))
    occupied = [(h(10), h(12.25))]  # [10, 12) plus a 15 min buffer
    gaps = free_gaps(window, occupied, timedelta(hours=1), buffer_minutes=15)
    assert gaps == [(h(8), h(9.75)), (h(12.25), h(20))]
    assert free_gaps(window, occupied, timedelta(hours=2), 15) == [(h(12.25), h(20))]
