"""Calendar milestones of the contract: the team creates, edits and closes them (planned
against actual dates). A milestone planned in a frozen year cannot change."""

from __future__ import annotations

from datetime import date

from labapp.auth.models import User
from labapp.auth.services import require_team
from labapp.errors import NotFound, ValidationFailed
from labapp.extensions import db
from labapp.indicators.models import Milestone
from labapp.indicators.services import MAX_YEAR, MIN_YEAR, ensure_not_frozen, list_milestones

LABEL_MAX, NOTE_MAX = 200, 2000
_UNSET = object()
__all__ = ["close_milestone", "create_milestone", "edit_milestone", "get_milestone",
           "list_milestones", "milestone_json"]


def milestone_json(milestone: Milestone) -> dict:
    def iso(day):
        return day.isoformat() if day else None

    return {"id": milestone.id, "label": milestone.label,
            "planned_start": iso(milestone.planned_start), "planned_end": iso(milestone.planned_end),
            "actual_start": iso(milestone.actual_start), "actual_end": iso(milestone.actual_end),
            "note": milestone.note, "closed": milestone.actual_end is not None}


def get_milestone(actor: User, milestone_id: int) -> Milestone:
    require_team(actor)
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound("Jalon introuvable.")
    return milestone


def _check(label: str, planned_start: date | None, planned_end: date | None,
           actual_start: date | None, actual_end: date | None, note: str | None) -> None:
    if not label or not label.strip():
        raise ValidationFailed.on("label", "Indiquez l'intitulé du jalon.")
    if len(label.strip()) > LABEL_MAX:
        raise ValidationFailed.on("label", f"{LABEL_MAX} caractères au plus.")
    if planned_start is None:
        raise ValidationFailed.on("planned_start", "Indiquez le début prévu.")
    for name, day in (("planned_start", planned_start), ("planned_end", planned_end),
                      ("actual_start", actual_start), ("actual_end", actual_end)):
        if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
            raise ValidationFailed.on(name, f"Une date entre {MIN_YEAR} et {MAX_YEAR} est attendue.")
    if planned_end and planned_end < planned_start:
        raise ValidationFailed.on("planned_end", "La fin prévue ne peut précéder le début prévu.")
    if actual_end and not actual_start:
        raise ValidationFailed.on("actual_start", "Indiquez d'abord le début réel.")
    if actual_start and actual_end and actual_end < actual_start:
        raise ValidationFailed.on("actual_end", "La fin réelle ne peut précéder le début réel.")
    if note and len(note) > NOTE_MAX:
        raise ValidationFailed.on("note", f"{NOTE_MAX} caractères au plus.")


def create_milestone(actor: User, label: str, planned_start: date | None,
                     planned_end: date | None = None, note: str | None = None) -> Milestone:
    """A new milestone of the calendar (planned dates; actual ones come later)."""
    require_team(actor)
    _check(label, planned_start, planned_end, None, None, note)
    ensure_not_frozen(planned_start.year)
    milestone = Milestone(label=label.strip(), planned_start=planned_start,
                          planned_end=planned_end, note=(note or "").strip() or None)
    db.session.add(milestone)
    db.session.flush()
    return milestone


def edit_milestone(actor: User, milestone_id: int, *, label=_UNSET, planned_start=_UNSET,
                   planned_end=_UNSET, actual_start=_UNSET, actual_end=_UNSET,
                   note=_UNSET) -> Milestone:
    """Change any of a milestone's fields (those not given keep their value)."""
    milestone = get_milestone(actor, milestone_id)
    values = {"label": milestone.label, "planned_start": milestone.planned_start,
              "planned_end": milestone.planned_end, "actual_start": milestone.actual_start,
              "actual_end": milestone.actual_end, "note": milestone.note}
    given = {"label": label, "planned_start": planned_start, "planned_end": planned_end,
             "actual_start": actual_start, "actual_end": actual_end, "note": note}
    values.update({k: v for k, v in given.items() if v is not _UNSET})
    _check(**values)
    ensure_not_frozen(milestone.planned_start.year)
    ensure_not_frozen(values["planned_start"].year)
    milestone.label = values["label"].strip()
    milestone.planned_start, milestone.planned_end = values["planned_start"], values["planned_end"]
    milestone.actual_start, milestone.actual_end = values["actual_start"], values["actual_end"]
    milestone.note = (values["note"] or "").strip() or None
    db.session.flush()
    return milestone


def close_milestone(actor: User, milestone_id: int, on: date) -> Milestone:
    """The milestone is reached on `on` (its actual end; its actual start, if not recorded,
    is the planned start, or `on` when that is later)."""
    milestone = get_milestone(actor, milestone_id)
    start = milestone.actual_start or min(milestone.planned_start, on)
    return edit_milestone(actor, milestone_id, actual_start=start, actual_end=on)
