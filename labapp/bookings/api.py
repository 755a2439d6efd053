"""API v1: spaces and bookings (contract in docs/interfaces.md)."""

from __future__ import annotations

from flask import jsonify

from labapp.api import paging
from labapp.api.blueprint import api_blueprint, api_user
from labapp.api.openapi import json_response, operation, register_paths
from labapp.api.payload import Payload, json_body
from labapp.bookings import queries, services, site_services
from labapp.bookings.models import PURPOSES, STATUSES, Booking
from labapp.errors import Forbidden
from labapp.timeutil import isoformat_paris

bp = api_blueprint("bookings_api", __name__)


def space_json(space) -> dict:
    return {"id": space.id, "name": space.name, "capacity": space.capacity, "whole": space.whole}


def booking_json(booking: Booking) -> dict:
    """The contract's fields, then a few extras (never remove one)."""
    return {
        "id": booking.id,
        "space_id": booking.space_id,
        "start": isoformat_paris(booking.start_at),
        "end": isoformat_paris(booking.end_at),
        "title": booking.title,
        "attendees": booking.attendees,
        "status": booking.status,
        "requested_by": booking.requested_by_id,
        "purpose": booking.purpose,
        "project_id": booking.project_id,
        "series_id": booking.series_id,
        "sequence": booking.sequence,
        "refusal_reason": booking.refusal_reason,
        "cancel_reason": booking.cancel_reason,
    }


@bp.get("/spaces")
def list_spaces():
    """Bookable spaces (the whole lab and its zones)."""
    return jsonify([space_json(s) for s in site_services.list_spaces()])


@bp.get("/bookings")
def list_bookings():
    """Bookings overlapping [from, to): the team sees all, an agent their own; filtered by
    space, status and site; `limit`/`offset` page them (see labapp/api/paging.py), else
    at most the first 1000."""
    payload = Payload.query()
    start = payload.bound("from", end_of_day=False)
    end = payload.bound("to", end_of_day=True)
    space_id = payload.integer("space_id", required=False, minimum=1)
    status = payload.choice("status", STATUSES, required=False)
    site_id = payload.integer("site_id", required=False, minimum=1)
    window = paging.read_window(payload)
    payload.check()
    query = queries.bookings_query(api_user(), start, end, space_id, status, site_id=site_id)
    page = paging.fetch(query, window, default_limit=queries.LIST_LIMIT,
                        options=queries.LIST_OPTIONS)
    return page.respond([booking_json(b) for b in page.items])


@bp.post("/bookings")
def create_booking():
    """Request a space: 201 pending (the team may send "status": "approved" to book directly)."""
    actor = api_user()
    payload = Payload(json_body())
    space_id = payload.integer("space_id", minimum=1)
    start = payload.datetime("start")
    end = payload.datetime("end")
    title = payload.string("title", max_length=services.MAX_TITLE)
    attendees = payload.integer("attendees", minimum=1, maximum=10_000)
    purpose = payload.choice("purpose", PURPOSES, required=False, default="autre")
    project_id = payload.integer("project_id", required=False, minimum=1)
    needs = payload.string("needs", required=False, max_length=services.MAX_TEXT)
    comment = payload.string("comment", required=False, max_length=services.MAX_TEXT)
    status = payload.choice("status", ("pending", "approved"), required=False, default="pending")
    payload.check()
    if status == "approved":
        if not actor.is_team:
            raise Forbidden("Seule l'équipe du lab peut réserver directement.")
        booking = services.book_directly(actor, space_id, start, end, title, attendees, purpose,
                                         project_id, needs, comment)
    else:
        booking = services.request_booking(actor, space_id, start, end, title, attendees, purpose,
                                           project_id, needs, comment)
    return jsonify(booking_json(booking)), 201


@bp.get("/bookings/<int:booking_id>")
def get_booking(booking_id: int):
    """One booking (404 for an agent's look at someone else's)."""
    return jsonify(booking_json(services.visible_booking(api_user(), booking_id)))


@bp.post("/bookings/<int:booking_id>/approve")
def approve(booking_id: int):
    """Team: approve (409 if it now overlaps an approved booking or is not pending)."""
    payload = Payload(json_body(optional=True))
    refuse_overlapping = payload.boolean("refuse_overlapping", required=False, default=True)
    payload.check()
    booking = services.approve_booking(api_user(), booking_id, refuse_overlapping)
    return jsonify(booking_json(booking))


@bp.post("/bookings/<int:booking_id>/refuse")
def refuse(booking_id: int):
    """Team: refuse a pending request with a reason."""
    payload = Payload(json_body())
    reason = payload.string("reason", max_length=500)
    payload.check()
    return jsonify(booking_json(services.refuse_booking(api_user(), booking_id, reason)))


@bp.post("/bookings/<int:booking_id>/cancel")
def cancel(booking_id: int):
    """The owner (before the start) or the team cancels, with an optional reason."""
    payload = Payload(json_body(optional=True))
    reason = payload.string("reason", required=False, max_length=500)
    payload.check()
    return jsonify(booking_json(services.cancel_booking(api_user(), booking_id, reason)))


# --- OpenAPI --------------------------------------------------------------------------------

_ID = {"name": "booking_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_BOOKING = {"$ref": "#/components/schemas/Booking"}
_DT = {"type": "string", "description": "ISO 8601 ; sans décalage : heure de Paris"}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


register_paths({
    "/spaces": {"get": operation("Espaces réservables (lab entier et zones)", {
        "200": json_response("Espaces", {"type": "array",
                                         "items": {"$ref": "#/components/schemas/Space"}})},
        errors=("401",))},
    "/bookings": {
        "get": operation("Réservations (agent : les siennes ; équipe : toutes)", {
            "200": paging.paged_response("Réservations (sans `limit` : les 1 000 premières au plus)",
                                         {"type": "array", "items": _BOOKING})},
            parameters=[
                _query("from", {"type": "string"}, "Date AAAA-MM-JJ ou date-heure ISO 8601"),
                _query("to", {"type": "string"}, "Date (jour inclus) ou date-heure ISO 8601"),
                _query("space_id", {"type": "integer"}, "Espace"),
                _query("status", {"type": "string", "enum": list(STATUSES)}, "Statut"),
                _query("site_id", {"type": "integer"}, "Site : les réservations de ses espaces"),
                *paging.PARAMETERS,
            ], errors=("401", "422")),
        "post": operation("Demander un espace (201 en attente)", {
            "201": json_response("Demande créée", _BOOKING)},
            body={"$ref": "#/components/schemas/BookingRequest"},
            errors=("400", "401", "403", "409", "422")),
    },
    "/bookings/{booking_id}": {"get": operation("Une réservation", {
        "200": json_response("Réservation", _BOOKING)}, parameters=[_ID], errors=("401", "404"))},
    "/bookings/{booking_id}/approve": {"post": operation("Accepter (équipe)", {
        "200": json_response("Acceptée", _BOOKING)}, parameters=[_ID],
        errors=("400", "401", "403", "404", "409", "422"))},
    "/bookings/{booking_id}/refuse": {"post": operation("Refuser avec un motif (équipe)", {
        "200": json_response("Refusée", _BOOKING)}, parameters=[_ID],
        body={"type": "object", "required": ["reason"],
              "properties": {"reason": {"type": "string", "maxLength": 500}}},
        errors=("400", "401", "403", "404", "409", "422"))},
    "/bookings/{booking_id}/cancel": {"post": operation("Annuler (demandeur avant le début, ou équipe)", {
        "200": json_response("Annulée", _BOOKING)}, parameters=[_ID],
        errors=("400", "401", "403", "404", "409", "422"))},
}, {
    "Space": {"type": "object", "required": ["id", "name", "capacity", "whole"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "capacity": {"type": "integer"},
        "whole": {"type": "boolean", "description": "true : l'entrée qui réserve tout le lab"}}},
    "Booking": {"type": "object", "required": [
        "id", "space_id", "start", "end", "title", "attendees", "status", "requested_by"],
        "properties": {
            "id": {"type": "integer"}, "space_id": {"type": "integer"},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "title": {"type": "string"}, "attendees": {"type": "integer"},
            "status": {"type": "string", "enum": list(STATUSES)},
            "requested_by": {"type": "integer", "description": "Identifiant du demandeur"},
            "purpose": {"type": "string", "enum": list(PURPOSES)},
            "project_id": {"type": ["integer", "null"]},
            "series_id": {"type": ["string", "null"]},
            "sequence": {"type": "integer"},
            "refusal_reason": {"type": ["string", "null"]},
            "cancel_reason": {"type": ["string", "null"]},
        }},
    "BookingRequest": {"type": "object", "required": ["space_id", "start", "end", "title", "attendees"],
                       "properties": {
                           "space_id": {"type": "integer"}, "start": _DT, "end": _DT,
                           "title": {"type": "string", "maxLength": 200},
                           "attendees": {"type": "integer", "minimum": 1},
                           "purpose": {"type": "string", "enum": list(PURPOSES)},
                           "project_id": {"type": ["integer", "null"]},
                           "needs": {"type": "string"}, "comment": {"type": "string"},
                           "status": {"type": "string", "enum": ["pending", "approved"],
                                      "description": "approved : réservation directe (équipe)"},
                       }},
})


# The other routes of this blueprint (series, free slots, conflicts; sites, closures, spaces).
from labapp.bookings import api_series, api_sites  # noqa: E402, F401
