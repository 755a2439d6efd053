"""API: the contract indicators of a year (team)."""

from __future__ import annotations

from flask import jsonify

from labapp.api.blueprint import api_blueprint, api_user
from labapp.api.openapi import json_response, operation, register_paths
from labapp.api.payload import Payload
from labapp.auth.services import require_team
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
}, {
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
