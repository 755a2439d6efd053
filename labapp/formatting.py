"""French formatting of dates, times and amounts (Babel, fr_FR, Europe/Paris)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal, get_group_symbol

from labapp.timeutil import to_paris

LOCALE = Locale.parse("fr_FR")  # parsed once: Babel re-parses a locale name at each call
GROUP = get_group_symbol(locale=LOCALE)


def datetime_fr(value: datetime | None) -> str:
    """`lundi 2 mars 2026 à 14 h 30` (Paris time); `—` for None."""
    if value is None:
        return "—"
    local = to_paris(value)
    return f"{format_date(local.date(), 'EEEE d MMMM y', locale=LOCALE)} à {time_fr(local)}"


def date_fr(value: date | datetime | None) -> str:
    """`lundi 2 mars 2026`; a datetime is first put in Paris time."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = to_paris(value).date()
    return format_date(value, "EEEE d MMMM y", locale=LOCALE)


def short_date_fr(value: date | datetime | None) -> str:
    """`02/03/2026`."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = to_paris(value).date()
    return format_date(value, "dd/MM/y", locale=LOCALE)


def iso_date(value: datetime) -> str:
    """`2026-03-02`: the Paris date of a moment, for links and form values."""
    return to_paris(value).date().isoformat()


def time_fr(value: datetime | None) -> str:
    """`14 h 30` (Paris time)."""
    if value is None:
        return "—"
    local = to_paris(value) if isinstance(value, datetime) else value
    return format_time(local, "HH 'h' mm", locale=LOCALE)


def amount_fr(value) -> str:
    """`483 200 €` (cents shown only when there are any)."""
    if value is None:
        return "—"
    pattern = "#,##0" if float(value) == int(float(value)) else "#,##0.00"
    return format_decimal(value, format=pattern, locale=LOCALE) + "\u00a0€"


def number_fr(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):  # the common case, as Babel writes it, without its cost
        return f"{value:,}".replace(",", GROUP)
    return _decimal_fr(value)


@lru_cache(maxsize=4096)
def _decimal_fr(value) -> str:  # tables repeat the same figures (hours, rates)
    return format_decimal(value, locale=LOCALE)


def duration_fr(minutes: int | None) -> str:
    """`3 h`, `1 h 30`, `45 min` ; `—` for None."""
    if minutes is None:
        return "—"
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


FILTERS = {
    "datetime_fr": datetime_fr,
    "date_fr": date_fr,
    "short_date_fr": short_date_fr,
    "time_fr": time_fr,
    "iso_date": iso_date,
    "amount_fr": amount_fr,
    "number_fr": number_fr,
    "duration_fr": duration_fr,
}
