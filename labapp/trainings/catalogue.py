"""Catalogue rules: the offerings (trainings, webinars, meetings, workshops) sessions are
made of, and the public catalogue (each active offering with its upcoming open sessions).

Services take the acting user and plain values, raise domain errors and only flush.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from labapp.auth.models import User
from labapp.auth.services import require_team
from labapp.db_types import utcnow
from labapp.errors import NotFound, ValidationFailed
from labapp.extensions import db
from labapp.input_checks import text_problem
from labapp.trainings.models import AUDIENCES, KINDS, Offering, Session
from labapp.trainings.services import MAX_CAPACITY, _clean_text, open_conditions, session_counts

MAX_THEMES = 12
MAX_THEME_LENGTH = 80
MAX_DURATION = 5 * 24 * 60  # minutes
EDITABLE = ("title", "kind", "themes", "description", "duration_minutes", "audience",
            "default_capacity", "active")


def _int_between(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def clean_themes(themes, errors: dict) -> list[str]:
    """Themes as given (known ones or the team's own), trimmed, without duplicates."""
    if themes is None:
        return []
    if not isinstance(themes, list | tuple) or not all(isinstance(t, str) for t in themes):
        errors.setdefault("themes", []).append("Une liste de thèmes est attendue.")
        return []
    cleaned: list[str] = []
    for theme in (" ".join(t.split()) for t in themes):
        if not theme or theme.lower() in (c.lower() for c in cleaned):
            continue
        problem = text_problem(theme)
        if problem:  # a lone surrogate stored here would break every page showing the theme
            errors.setdefault("themes", []).append(problem)
            return []
        if len(theme) > MAX_THEME_LENGTH:
            errors.setdefault("themes", []).append(
                f"Un thème fait {MAX_THEME_LENGTH} caractères au plus.")
            return []
        cleaned.append(theme)
    if len(cleaned) > MAX_THEMES:
        errors.setdefault("themes", []).append(f"{MAX_THEMES} thèmes au plus.")
    return cleaned


def _clean(values: dict) -> dict:
    """Check and clean the offering fields present in `values`; ValidationFailed by field."""
    errors: dict[str, list[str]] = {}
    clean = dict(values)
    if "title" in values:
        clean["title"] = _clean_text(values["title"], "title", 200, True, errors)
    if "description" in values:
        clean["description"] = _clean_text(values["description"], "description", 5000, False,
                                           errors) or ""
    if "kind" in values and values["kind"] not in KINDS:
        errors.setdefault("kind", []).append("Type inconnu : " + ", ".join(KINDS) + ".")
    if "audience" in values and values["audience"] not in AUDIENCES:
        errors.setdefault("audience", []).append("Public inconnu : " + ", ".join(AUDIENCES) + ".")
    if "themes" in values:
        clean["themes"] = clean_themes(values["themes"], errors)
    if "duration_minutes" in values and not _int_between(values["duration_minutes"], 1, MAX_DURATION):
        errors.setdefault("duration_minutes", []).append(
            f"Durée en minutes entre 1 et {MAX_DURATION} (5 jours).")
    if "default_capacity" in values and not _int_between(values["default_capacity"], 1, MAX_CAPACITY):
        errors.setdefault("default_capacity", []).append(
            f"Capacité entre 1 et {MAX_CAPACITY} places.")
    if "active" in values and not isinstance(values["active"], bool):
        errors.setdefault("active", []).append("Un booléen (true ou false) est attendu.")
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    return clean


def create_offering(actor: User, title: str, kind: str, themes: list[str] | None = None,
                    description: str = "", duration_minutes: int = 180, audience: str = "tous",
                    default_capacity: int = 12, active: bool = True) -> Offering:
    """Team: add a catalogue entry. Raises ValidationFailed by field."""
    require_team(actor)
    values = _clean({"title": title, "kind": kind, "themes": themes, "description": description,
                     "duration_minutes": duration_minutes, "audience": audience,
                     "default_capacity": default_capacity, "active": active})
    offering = Offering(**values)
    db.session.add(offering)
    db.session.flush()
    return offering


def update_offering(actor: User, offering_id: int, **changes) -> Offering:
    """Team: change an offering's fields (see EDITABLE). Its sessions keep their own title,
    kind and capacity; archiving (`active=False`) hides it from the public catalogue."""
    require_team(actor)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed.on(sorted(unknown)[0], "Champ non modifiable.")
    offering = get_offering(offering_id)
    for name, value in _clean(changes).items():
        setattr(offering, name, value)
    db.session.flush()
    return offering


def get_offering(offering_id: int, include_inactive: bool = True) -> Offering:
    offering = db.session.get(Offering, offering_id) if isinstance(offering_id, int) else None
    if offering is None or not (include_inactive or offering.active):
        raise NotFound("Offre du catalogue introuvable.")
    return offering


def list_offerings(active_only: bool = True, kind: str | None = None,
                   audience: str | None = None) -> list[Offering]:
    """Offerings by kind then title (one query)."""
    query = select(Offering).order_by(Offering.kind, Offering.title, Offering.id)
    if active_only:
        query = query.where(Offering.active.is_(True))
    if kind is not None:
        query = query.where(Offering.kind == kind)
    if audience is not None:
        query = query.where(Offering.audience == audience)
    return list(db.session.scalars(query))


@dataclass
class CatalogueEntry:
    """An offering and its upcoming open sessions (scheduled, not started), soonest first."""

    offering: Offering
    sessions: list[Session] = field(default_factory=list)


@dataclass
class Catalogue:
    entries: list[CatalogueEntry]
    counts: dict[int, dict[str, int]]  # session id -> {"confirmed", "waitlisted"}


def catalogue(offerings: list[Offering], now: datetime | None = None) -> Catalogue:
    """Attach to each offering its upcoming open sessions, with seat counts: two queries
    whatever the number of offerings and sessions."""
    upcoming = list(db.session.scalars(
        select(Session).where(Session.offering_id.in_([o.id for o in offerings]),
                              *open_conditions(now or utcnow()))
        .order_by(Session.start_at, Session.id)))
    entries = {o.id: CatalogueEntry(o) for o in offerings}
    for session in upcoming:
        entries[session.offering_id].sessions.append(session)
    return Catalogue(list(entries.values()), session_counts(s.id for s in upcoming))


def offering_session_stats(offering_ids) -> dict[int, dict[str, int]]:
    """{offering_id: {"scheduled": n, "held": m, "cancelled": k}} in one grouped query."""
    ids = list(offering_ids)
    stats = {oid: {"scheduled": 0, "held": 0, "cancelled": 0} for oid in ids}
    if not ids:
        return stats
    rows = db.session.execute(
        select(Session.offering_id, Session.status, func.count())
        .where(Session.offering_id.in_(ids)).group_by(Session.offering_id, Session.status))
    for offering_id, status, count in rows:
        stats[offering_id][status] = count
    return stats


def offering_sessions(offering_id: int) -> list[Session]:
    """Every session of an offering, by start time (for its survey results)."""
    return list(db.session.scalars(
        select(Session).where(Session.offering_id == offering_id)
        .order_by(Session.start_at, Session.id)))
