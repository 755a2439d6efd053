"""API: the contract indicators of a year (team)."""

from __future__ import annotations

from flask import jsonify

from labapp.api.blueprint import api_blueprint, api_user
from labapp.api.openapi import json_response, operation, register_paths
from labapp.api.payload import Payload, json_body
from labapp.auth.services import require_team
from labapp.indicators import milestones
from labapp.indicators.compute import indicators_for_year
from labapp.indicators.services import MAX_YEAR, MIN_YEAR

bp = api_blueprint("indicators_api", __name__)


@bp.get("/indicators")
def indicators():
    """The four result indicators of `year`, with cumulative values and targets."""
    require_team(api_user())
    query = Payload.query()
    year = query.integer("year", minimum=MIN_YEAR, maximum=MAX_YEAR)
    query.check()
    return jsonify(indicators_for_year(year))


@bp.get("/milestones")
def list_milestones():
    """Team: the contract calendar, by planned start."""
    user = api_user()
    require_team(user)
    return jsonify([milestones.milestone_json(m) for m in milestones.list_milestones()])


def _milestone_fields(body: Payload, creating: bool) -> dict:
    fields = {}
    if creating or body.has("label"):
        fields["label"] = body.string("label", max_length=milestones.LABEL_MAX)
    if creating or body.has("planned_start"):
        fields["planned_start"] = body.date("planned_start")
    for name in ("planned_end",) + (() if creating else ("actual_start", "actual_end")):
        if body.has(name):
            fields[name] = body.date(name, required=False)
    if body.has("note"):
        fields["note"] = body.string("note", required=False, max_length=milestones.NOTE_MAX,
                                     default=None, allow_empty=True)
    return fields


@bp.post("/milestones")
def create_milestone():
    """Team: a new milestone (201)."""
    user = api_user()
    require_team(user)
    body = Payload(json_body())
    fields = _milestone_fields(body, creating=True)
    body.check()
    milestone = milestones.create_milestone(user, **fields)
    return jsonify(milestones.milestone_json(milestone)), 201


@bp.patch("/milestones/<int:milestone_id>")
def patch_milestone(milestone_id: int):
    """Team: change a milestone; absent fields keep their value, null clears a date."""
    user = api_user()
    milestones.get_milestone(user, milestone_id)
    body = Payload(json_body())
    fields = _milestone_fields(body, creating=False)
    body.check()
    milestone = milestones.edit_milestone(user, milestone_id, **fields)
    return jsonify(milestones.milestone_json(milestone))


@bp.post("/milestones/<int:milestone_id>/close")
def close_milestone(milestone_id: int):
    """Team: the milestone is reached on `on` (default: today, Europe/Paris)."""
    from datetime import datetime

    from labapp.timeutil import PARIS

    user = api_user()
    milestones.get_milestone(user, milestone_id)
    body = Payload(json_body(optional=True))
    on = body.date("on", required=False) or datetime.now(PARIS).date()
    body.check()
    milestone = milestones.close_milestone(user, milestone_id, on)
    return jsonify(milestones.milestone_json(milestone))


_DATE = {"type": "string", "format": "date"}
_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
_MILESTONE_ID = {"name": "milestone_id", "in": "path", "required": True,
                 "schema": {"type": "integer"}}
MILESTONE_SCHEMA = {
    "type": "object",
    "required": ["id", "label", "planned_start", "planned_end", "actual_start", "actual_end",
                 "note", "closed"],
    "properties": {
        "id": {"type": "integer"}, "label": {"type": "string"},
        "planned_start": _DATE, "planned_end": _NULLABLE_DATE,
        "actual_start": _NULLABLE_DATE, "actual_end": _NULLABLE_DATE,
        "note": {"type": ["string", "null"]},
        "closed": {"type": "boolean", "description": "Une fin réelle est enregistrée."},
    },
}
_MILESTONE_REF = {"$ref": "#/components/schemas/Milestone"}

INDICATOR_SCHEMA = {
    "type": "object",
    "required": ["code", "label", "value", "cumulative", "target", "unit"],
    "properties": {
        "code": {"type": "string", "enum": ["projets_accompagnes", "formations_dispensees",
                                             "taux_satisfaction", "participants"]},
        "label": {"type": "string"},
        "value": {"type": ["number", "null"]},
        "cumulative": {"type": ["number", "null"]},
        "target": {"type": ["number", "null"]},
        "unit": {"type": "string", "enum": ["count", "ratio"]},
        "status": {"type": ["string", "null"], "enum": ["atteint", "en bonne voie", "en retard", None]},
    },
}

register_paths({
    "/indicators": {"get": operation(
        "Indicateurs du contrat pour une année (équipe du lab)",
        {"200": json_response("Indicateurs", {"$ref": "#/components/schemas/Indicators"})},
        parameters=[{"name": "year", "in": "query", "required": True,
                     "schema": {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR}}],
        errors=("401", "403", "422"),
    )},
    "/milestones": {
        "get": operation("Équipe : jalons du calendrier du contrat (par début prévu)",
                         {"200": json_response("Jalons", {"type": "array", "items": _MILESTONE_REF})},
                         errors=("401", "403")),
        "post": operation(
            "Équipe : ajouter un jalon (201). Refusé (409) si son année est arrêtée.",
            {"201": json_response("Jalon ajouté", _MILESTONE_REF)},
            body={"type": "object", "required": ["label", "planned_start"], "properties": {
                "label": {"type": "string", "maxLength": 200}, "planned_start": _DATE,
                "planned_end": _NULLABLE_DATE, "note": {"type": ["string", "null"]}}},
            errors=("400", "401", "403", "409", "422")),
    },
    "/milestones/{milestone_id}": {
        "patch": operation(
            "Équipe : modifier un jalon. Les champs absents gardent leur valeur ; une date à "
            "`null` est effacée.",
            {"200": json_response("Jalon modifié", _MILESTONE_REF)},
            body={"type": "object", "properties": {
                "label": {"type": "string", "maxLength": 200}, "planned_start": _DATE,
                "planned_end": _NULLABLE_DATE, "actual_start": _NULLABLE_DATE,
                "actual_end": _NULLABLE_DATE, "note": {"type": ["string", "null"]}}},
            parameters=[_MILESTONE_ID], errors=("400", "401", "403", "404", "409", "422")),
    },
    "/milestones/{milestone_id}/close": {
        "post": operation(
            "Équipe : clore un jalon (fin réelle `on`, par défaut aujourd'hui, Europe/Paris ; "
            "début réel, s'il manque : le début prévu).",
            {"200": json_response("Jalon clos", _MILESTONE_REF)},
            body={"type": "object", "properties": {"on": _DATE}},
            parameters=[_MILESTONE_ID], errors=("400", "401", "403", "404", "409", "422")),
    },
}, {
    "Milestone": MILESTONE_SCHEMA,
    "Indicator": INDICATOR_SCHEMA,
    "Indicators": {
        "type": "object",
        "required": ["year", "indicators"],
        "properties": {
            "year": {"type": "integer"},
            "indicators": {"type": "array", "items": {"$ref": "#/components/schemas/Indicator"}},
        },
    },
})
