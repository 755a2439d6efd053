"""API: the caller's calendar feed links."""

from __future__ import annotations

from flask import jsonify

from labapp.api.blueprint import api_blueprint, api_user
from labapp.api.openapi import json_response, operation, register_paths
from labapp.calendar import services
from labapp.secrets_util import carries_secret
from labapp.transactions import writes

bp = api_blueprint("calendar_api", __name__)


@bp.get("/me/calendar")
@writes  # created on first call
@carries_secret
def my_calendar():
    """My personal feed (bookings and registrations), created on first call."""
    return jsonify(services.feed_urls(services.feed_token(api_user(), "personal")))


register_paths({
    "/me/calendar": {"get": operation(
        "Les liens de mon calendrier personnel (à ajouter dans Outlook)",
        {"200": json_response("Liens https et webcal du flux personnel",
                              {"$ref": "#/components/schemas/CalendarLinks"})},
        errors=("401",))},
}, {
    "CalendarLinks": {
        "type": "object",
        "required": ["https", "webcal"],
        "properties": {
            "https": {"type": "string", "format": "uri", "pattern": "^https?://.+\\.ics$"},
            "webcal": {"type": "string", "pattern": "^webcal://.+\\.ics$"},
        },
    },
})
