"""Shared pieces of the indicators pages: the blueprint, team-only access, the chosen
year and French number parsing."""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import Blueprint, abort, request
from flask_login import current_user, login_required

from labapp.errors import ValidationFailed
from labapp.indicators.services import MAX_YEAR, MIN_YEAR
from labapp.timeutil import PARIS

bp = Blueprint("indicators", __name__, url_prefix="/indicateurs")

FIRST_CONTRACT_YEAR = 2022


def team_required(view):
    """Anonymous visitors go to the login page; agents get a 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_team:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def current_year() -> int:
    return datetime.now(PARIS).year


def selected_year() -> int:
    """`?year=` when it is a plausible year, else the current Paris year."""
    year = request.args.get("year", type=int)
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        return current_year()
    return year


def year_choices(selected: int) -> list[int]:
    """Years offered by the year selector: the contract's years up to next year."""
    years = set(range(FIRST_CONTRACT_YEAR, current_year() + 2))
    years.add(selected)
    return sorted(years, reverse=True)


def parse_number(text: str | None, field: str, *, integer: bool = False,
                 required: bool = False) -> float | None:
    """A French number ("12,5", "1 200") or None when empty; 422 on `field` otherwise."""
    cleaned = (text or "").strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    cleaned = cleaned.replace(",", ".").rstrip("%").strip()
    if not cleaned:
        if required:
            raise ValidationFailed.on(field, "Ce champ est obligatoire.")
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise ValidationFailed.on(field, "Nombre invalide.") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValidationFailed.on(field, "Nombre invalide.")
    if integer and value != int(value):
        raise ValidationFailed.on(field, "Un nombre entier est attendu.")
    return value


@bp.context_processor
def references():
    from labapp.indicators.references import MANAGEMENT_REFERENCES

    return {"management_references": MANAGEMENT_REFERENCES}
