from datetime import UTC, date, datetime

import pytest

from labapp.timeutil import (
    InvalidLocalTime,
    isoformat_paris,
    paris_day_bounds,
    parse_iso_datetime,
)


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("2026-07-01T09:00:00+02:00", datetime(2026, 7, 1, 7, 0, tzinfo=UTC)),
        ("2026-07-01T09:00:00Z", datetime(2026, 7, 1, 9, 0, tzinfo=UTC)),
        ("2026-07-01T09:00", datetime(2026, 7, 1, 7, 0, tzinfo=UTC)),  # Paris summer wall time
        ("2026-01-15T09:00", datetime(2026, 1, 15, 8, 0, tzinfo=UTC)),  # Paris winter wall time
        ("2026-10-25T02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # ambiguous: first one
        ("2026-10-25T02:30+01:00", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),  # explicit second
    ],
)
def test_parse_iso_datetime(text, expected_utc):
    assert parse_iso_datetime(text) == expected_utc


def test_spring_forward_gap_is_refused():
    with pytest.raises(InvalidLocalTime):
        parse_iso_datetime("2026-03-29T02:30")


@pytest.mark.parametrize("text", ["", "demain", "2026-13-01T09:00", "2026-07-01", "x" * 100, 12])
def test_garbage_is_refused(text):
    with pytest.raises(ValueError):
        parse_iso_datetime(text)


def test_output_carries_paris_offset():
    assert isoformat_paris(datetime(2026, 7, 1, 7, 0, tzinfo=UTC)) == "2026-07-01T09:00:00+02:00"
    assert isoformat_paris(datetime(2026, 1, 1, 8, 0, tzinfo=UTC)) == "2026-01-01T09:00:00+01:00"


def test_day_bounds_on_dst_sunday_last_23_hours():
    start, end = paris_day_bounds(date(2026, 3, 29))
    assert (end - start).total_seconds() == 23 * 3600
