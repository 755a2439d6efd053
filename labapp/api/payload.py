"""Reading and validating JSON bodies: field by field, errors collected in French.

`Payload` never raises on the first error: it gathers every field's messages and
`check()` raises one ValidationFailed (422) carrying them all.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask import request

from labapp.errors import DomainError, ValidationFailed
from labapp.input_checks import TOO_BIG, text_problem, within_integer_limit
from labapp.timeutil import (
    DATE_RANGE_MESSAGE,
    InvalidLocalTime,
    paris_day_bounds,
    parse_iso_datetime,
    supported_date,
)

MISSING = object()
ASCII_INTEGER = re.compile(r"-?[0-9]{1,18}")  # str.isdigit() also takes "²", which int() refuses


class MalformedBody(DomainError):
    """The body is not a JSON object (400)."""

    status = 400
    title = "Requête mal formée"


def json_body(optional: bool = False) -> dict[str, Any]:
    """The request's JSON object; 400 when the body is not a JSON object."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if optional:
            return {}
        raise MalformedBody("Le corps de la requête doit être un objet JSON.")
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:  # nested deeper than the parser goes
        data = None
    if not isinstance(data, dict):
        raise MalformedBody("Le corps de la requête doit être un objet JSON valide.")
    return data


class Payload:
    """Typed accessors over a JSON object that collect per-field errors."""

    def __init__(self, data: dict[str, Any], from_query: bool = False):
        self.data = data
        self.from_query = from_query
        self.errors: dict[str, list[str]] = {}

    @classmethod
    def query(cls) -> Payload:
        """Accessors over the query string (empty values count as absent)."""
        return cls({k: v for k, v in request.args.items() if v != ""}, from_query=True)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def _raw(self, name: str, required: bool):
        value = self.data.get(name, MISSING)
        if value is MISSING or value is None:
            if required:
                self.error(name, "Ce champ est obligatoire.")
            return MISSING
        return value

    def has(self, name: str) -> bool:
        return name in self.data

    def string(self, name: str, required: bool = True, max_length: int = 200,
               default: str | None = None, allow_empty: bool = False) -> str | None:
        value = self._raw(name, required)
        if value is MISSING:
            return default
        if not isinstance(value, str):
            self.error(name, "Une chaîne de caractères est attendue.")
            return default
        value = value.strip()
        if not value and not allow_empty:
            if required:
                self.error(name, "Ce champ est obligatoire.")
            return default
        if len(value) > max_length:
            self.error(name, f"{max_length} caractères au plus.")
            return default
        problem = text_problem(value)
        if problem:
            self.error(name, problem)
            return default
        return value

    def integer(self, name: str, required: bool = True, minimum: int | None = None,
                maximum: int | None = None, default: int | None = None) -> int | None:
        value = self._raw(name, required)
        if value is MISSING:
            return default
        if self.from_query and isinstance(value, str) and ASCII_INTEGER.fullmatch(value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(name, "Un nombre entier est attendu.")
            return default
        if minimum is not None and value < minimum:
            self.error(name, f"La valeur doit être au moins {minimum}.")
            return default
        if maximum is not None and value > maximum:
            self.error(name, f"La valeur doit être au plus {maximum}.")
            return default
        if not within_integer_limit(value):
            self.error(name, TOO_BIG)
            return default
        return value

    def boolean(self, name: str, required: bool = True, default: bool | None = None):
        value = self._raw(name, required)
        if value is MISSING:
            return default
        if not isinstance(value, bool):
            self.error(name, "Un booléen (true ou false) est attendu.")
            return default
        return value

    def choice(self, name: str, choices, required: bool = True, default=None):
        value = self._raw(name, required)
        if value is MISSING:
            return default
        if not isinstance(value, str) or value not in choices:
            self.error(name, "Valeur non autorisée : " + ", ".join(sorted(choices)) + ".")
            return default
        return value

    def datetime(self, name: str, required: bool = True) -> datetime | None:
        value = self._raw(name, required)
        if value is MISSING:
            return None
        try:
            parsed = parse_iso_datetime(value)
        except InvalidLocalTime:
            self.error(name, "Cette heure n'existe pas à Paris (passage à l'heure d'été).")
        except OverflowError:
            self.error(name, DATE_RANGE_MESSAGE)
        except (ValueError, TypeError):
            self.error(name, "Date et heure ISO 8601 attendues (AAAA-MM-JJTHH:MM).")
        else:
            if supported_date(parsed.date()):
                return parsed
            self.error(name, DATE_RANGE_MESSAGE)
        return None

    def date(self, name: str, required: bool = True) -> date | None:
        value = self._raw(name, required)
        if value is MISSING:
            return None
        if not isinstance(value, str) or len(value) != 10:
            self.error(name, "Date attendue au format AAAA-MM-JJ.")
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            self.error(name, "Date attendue au format AAAA-MM-JJ.")
            return None
        if not supported_date(parsed):
            self.error(name, DATE_RANGE_MESSAGE)
            return None
        return parsed

    def bound(self, name: str, end_of_day: bool) -> datetime | None:
        """A `from`/`to` filter: a date (a Paris day; as `to` it includes that day) or an
        ISO 8601 datetime. Returns an aware UTC instant, or None when absent or invalid."""
        raw = self.data.get(name)
        if raw is None:
            return None
        if isinstance(raw, str) and len(raw) == 10:
            day = self.date(name)
            return None if day is None else paris_day_bounds(day)[1 if end_of_day else 0]
        return self.datetime(name)

    def id_list(self, name: str, required: bool = True) -> list[int] | None:
        value = self._raw(name, required)
        if value is MISSING:
            return None
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and within_integer_limit(v) for v in value
        ):
            self.error(name, "Une liste d'identifiants entiers est attendue.")
            return None
        return value

    def check(self) -> None:
        """Raise ValidationFailed with every collected error, if any."""
        if self.errors:
            first = next(iter(self.errors.values()))[0]
            raise ValidationFailed(first, self.errors)
