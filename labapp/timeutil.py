"""Paris wall time <-> UTC, with the DST edges handled explicitly.

Everything is stored in UTC; people enter and read Europe/Paris wall time.
A wall time that does not exist (the spring-forward hour) is refused; an
ambiguous one (the fall-back hour) is read as its first occurrence (summer time)
unless the caller passes an explicit offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


# Dates people may enter: wide enough for history and planning, and clear of the
# limits of `datetime` (years 1 and 9999 overflow once moved between Paris and UTC
# or shifted by a day).
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2999, 12, 31)
DATE_RANGE_MESSAGE = "Date hors des limites acceptées (années 1900 à 2999)."


def supported_date(day: date) -> bool:
    """Whether `day` lies in [MIN_DATE, MAX_DATE]."""
    return MIN_DATE <= day <= MAX_DATE


class InvalidLocalTime(ValueError):
    """A Paris wall time that does not exist (spring-forward gap)."""


def paris_to_utc(naive: datetime) -> datetime:
    """Convert a naive Europe/Paris wall time to an aware UTC datetime.

    Raises InvalidLocalTime for a time inside the spring-forward gap.
    """
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    local = naive.replace(tzinfo=PARIS, fold=0)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(PARIS).replace(tzinfo=None) != naive:
        raise InvalidLocalTime(f"{naive:%Y-%m-%d %H:%M} n'existe pas à Paris (changement d'heure)")
    return as_utc


def combine_paris(day: date, at: time) -> datetime:
    """A Paris date and wall-clock time as an aware UTC datetime."""
    return paris_to_utc(datetime.combine(day, at))


def to_paris(value: datetime) -> datetime:
    """An aware datetime expressed in Europe/Paris."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(PARIS)


def isoformat_paris(value: datetime | None) -> str | None:
    """ISO 8601 with the Paris offset, e.g. 2026-07-01T09:00:00+02:00."""
    if value is None:
        return None
    return to_paris(value).isoformat()


def parse_iso_datetime(text: str) -> datetime:
    """Parse an ISO 8601 input: with offset or Z as is, without as Paris wall time.

    Returns an aware UTC datetime. Raises ValueError (or InvalidLocalTime) when
    the text is not a datetime or names a Paris time that does not exist.
    """
    if not isinstance(text, str) or len(text) > 40 or "T" not in text.upper():
        raise ValueError("not an ISO 8601 datetime")
    value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if value.tzinfo is None:
        return paris_to_utc(value)
    return value.astimezone(UTC)


def paris_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a Paris calendar day (23 to 25 hours)."""
    return (
        datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC),
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC),
    )


def paris_year_bounds(year: int) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a Paris calendar year."""
    return (
        datetime(year, 1, 1, tzinfo=PARIS).astimezone(UTC),
        datetime(year + 1, 1, 1, tzinfo=PARIS).astimezone(UTC),
    )
