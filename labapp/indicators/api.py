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
        "live_value": {"type": ["number", "null"], "description":
                       "Année arrêtée : valeur actuelle des registres, présente seulement "
                       "quand les chiffres ont changé depuis l'arrêté."},
        "live_cumulative": {"type": ["number", "null"], "description":
                            "Année arrêtée : cumul actuel, présent avec live_value."},
    },
}

DESCRIPTION = (
    "Les quatre indicateurs de résultat de l'année (dates à l'heure de Paris). "
    "`participants` : inscriptions marquées présentes aux sessions tenues dans l'année, plus "
    "les participants déclarés des réservations approuvées de l'année qui ont eu lieu, "
    "c'est-à-dire terminées au moment du calcul (jamais une réservation à venir), et qui ne "
    "sont pas la réservation d'une session. Année arrêtée : `frozen` vaut "
    "`{\"on\": \"AAAA-MM-JJ\"}`, `value` et `cumulative` sont les chiffres enregistrés à "
    "l'arrêté, et chaque indicateur dont les chiffres actuels ont changé depuis porte "
    "`live_value` et `live_cumulative`. Année non arrêtée : `frozen` vaut null."
)

register_paths({
    "/indicators": {"get": dict(description=DESCRIPTION, **operation(
        "Indicateurs du contrat pour une année (équipe du lab)",
        {"200": json_response("Indicateurs", {"$ref": "#/components/schemas/Indicators"})},
        parameters=[{"name": "year", "in": "query", "required": True,
                     "schema": {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR}}],
        errors=("401", "403", "422"),
    ))},
}, {
    "Indicator": INDICATOR_SCHEMA,
    "Indicators": {
        "type": "object",
        "required": ["year", "indicators", "frozen"],
        "properties": {
            "year": {"type": "integer"},
            "frozen": {"description": "null si l'année n'est pas arrêtée ; sinon la date de "
                                      "l'arrêté (Paris). `value` et `cumulative` sont alors "
                                      "les chiffres arrêtés.",
                       "oneOf": [{"type": "null"}, {
                           "type": "object", "required": ["on"],
                           "properties": {"on": {"type": "string", "format": "date"}}}]},
            "indicators": {"type": "array", "items": {"$ref": "#/components/schemas/Indicator"}},
        },
    },
})
