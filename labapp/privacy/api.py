"""API: everything the app holds about the token's account (right of access)."""

from __future__ import annotations

from flask import jsonify

from labapp.api.blueprint import api_blueprint, api_user
from labapp.api.openapi import json_response, operation, register_paths
from labapp.db_types import utcnow
from labapp.privacy.export import personal_data

bp = api_blueprint("privacy_api", __name__)


@bp.get("/me/data")
def my_data():
    """The same JSON document as the "Mes données" download."""
    return jsonify(personal_data(api_user(), utcnow()))


_LIST = {"type": "array", "items": {"type": "object"}}

register_paths({
    "/me/data": {"get": operation(
        "Toutes les données que l'application détient sur mon compte (droit d'accès)",
        {"200": json_response("Données personnelles", {"$ref": "#/components/schemas/PersonalData"})},
        errors=("401",))},
}, {
    "PersonalData": {
        "type": "object",
        "required": ["generated_at", "notice", "account", "bookings", "registrations", "projects",
                     "project_contacts", "survey_invitations", "api_tokens", "calendar_feeds",
                     "emails", "audit_entries_as_actor"],
        "properties": {
            "generated_at": {"type": "string", "format": "date-time"},
            "notice": {"type": "string"},
            "account": {"$ref": "#/components/schemas/User"},
            "bookings": _LIST,
            "registrations": _LIST,
            "projects": _LIST,
            "project_contacts": _LIST,
            "survey_invitations": _LIST,
            "api_tokens": _LIST,
            "calendar_feeds": _LIST,
            "emails": _LIST,
            "audit_entries_as_actor": {"type": "integer", "minimum": 0},
        },
    },
})
