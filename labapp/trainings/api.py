"""JSON API of sessions and registrations (/api/v1), as in docs/interfaces.md."""

from __future__ import annotations

from labapp.api import paging
from labapp.api.blueprint import api_blueprint, api_user
from labapp.api.openapi import json_response, operation, register_paths
from labapp.api.payload import Payload, json_body
from labapp.auth.services import require_team
from labapp.errors import ValidationFailed
from labapp.timeutil import isoformat_paris
from labapp.trainings import (
    jobs,  # noqa: F401  (registers the tick jobs)
    services,
)
from labapp.trainings import registrations as regs
from labapp.trainings.models import KINDS, LOCATIONS, SESSION_STATUSES, Registration, Session

bp = api_blueprint("trainings_api", __name__)


def session_json(session: Session, counts: dict[str, int]) -> dict:
    """The contract's session object (plus a few extra read-only fields)."""
    return {
        "id": session.id,
        "title": session.title,
        "kind": session.kind,
        "start": isoformat_paris(session.start_at),
        "end": isoformat_paris(session.end_at),
        "capacity": session.capacity,
        "location": session.location,
        "space_id": session.space_id,
        "status": session.status,
        "confirmed_count": counts["confirmed"],
        "waitlist_count": counts["waitlisted"],
        "seats_left": max(session.capacity - counts["confirmed"], 0),
        "offering_id": session.offering_id,
        "address": session.address,
        "registration_opens_at": isoformat_paris(session.registration_opens_at),
        "registration_deadline": isoformat_paris(session.registration_deadline),
        "trainers": session.trainers,
        "booking_id": session.booking_id,
        "held_at": isoformat_paris(session.held_at),
        "sequence": session.sequence,
    }


def registration_json(registration: Registration, position: int | None = None) -> dict:
    return {
        "id": registration.id,
        "session_id": registration.session_id,
        "user_id": registration.user_id,
        "name": registration.name,
        "email": registration.email,
        "organisation": registration.organisation,
        "status": registration.status,
        "waitlist_position": position,
        "present": registration.present,
        "created_at": isoformat_paris(registration.created_at),
        "promoted_at": isoformat_paris(registration.promoted_at),
        "cancelled_at": isoformat_paris(registration.cancelled_at),
    }


def _one(session: Session) -> dict:
    return session_json(session, services.session_counts([session.id])[session.id])


@bp.get("/sessions")
def list_sessions():
    """Sessions meeting [from, to), filtered by kind, status and site; `limit`/`offset`
    page them (see labapp/api/paging.py)."""
    payload = Payload.query()
    start, end = payload.bound("from", end_of_day=False), payload.bound("to", end_of_day=True)
    kind = payload.choice("kind", KINDS, required=False)
    status = payload.choice("status", SESSION_STATUSES, required=False)
    site_id = payload.integer("site_id", required=False, minimum=1)
    window = paging.read_window(payload)
    payload.check()
    page = paging.fetch(services.sessions_query(start, end, kind, status, site_id), window)
    counts = services.session_counts(s.id for s in page.items)
    return page.respond([session_json(s, counts[s.id]) for s in page.items])


def _session_fields(payload: Payload, partial: bool) -> dict:
    """Read the editable fields of a session body (all optional when `partial`)."""
    required = not partial
    fields = {}
    specs = {
        "title": lambda: payload.string("title", required=required),
        "start_at": lambda: payload.datetime("start", required=required),
        "end_at": lambda: payload.datetime("end", required=required),
        "capacity": lambda: payload.integer("capacity", required=required, minimum=1,
                                            maximum=services.MAX_CAPACITY),
        "location": lambda: payload.choice("location", LOCATIONS, required=required),
        "space_id": lambda: payload.integer("space_id", required=False, minimum=1),
        "address": lambda: payload.string("address", required=False, max_length=300),
        "video_link": lambda: payload.string("video_link", required=False, max_length=500),
        "registration_opens_at": lambda: payload.datetime("registration_opens_at", required=False),
        "registration_deadline": lambda: payload.datetime("registration_deadline", required=False),
        "trainers": lambda: payload.string("trainers", required=False, max_length=300),
        "description": lambda: payload.string("description", required=False, max_length=5000),
    }
    wire = {"start_at": "start", "end_at": "end"}
    for name, read in specs.items():
        if partial and not payload.has(wire.get(name, name)):
            continue
        fields[name] = read()
    return fields


@bp.post("/sessions")
def create_session():
    """Team: create a session (also in the past); 201."""
    require_team(api_user())
    payload = Payload(json_body())
    kind = payload.choice("kind", KINDS)
    offering_id = payload.integer("offering_id", required=False, minimum=1)
    fields = _session_fields(payload, partial=False)
    payload.check()
    fields["trainers"] = fields.get("trainers") or ""
    fields["description"] = fields.get("description") or ""
    session = services.create_session(api_user(), kind=kind, offering_id=offering_id, **fields)
    return _one(session), 201


@bp.get("/sessions/<int:session_id>")
def get_session(session_id: int):
    """One session."""
    return _one(services.get_session(session_id))


@bp.patch("/sessions/<int:session_id>")
def update_session(session_id: int):
    """Team: change title, times, capacity, place or registration dates."""
    require_team(api_user())
    payload = Payload(json_body())
    fields = _session_fields(payload, partial=True)
    payload.check()
    if not fields:
        raise ValidationFailed("Aucun champ modifiable fourni.", {})
    return _one(services.update_session(api_user(), session_id, **fields))


@bp.post("/sessions/<int:session_id>/registrations")
def register(session_id: int):
    """Register (oneself, or anyone for the team): 201 confirmed or waitlisted."""
    payload = Payload(json_body(optional=True))
    name = payload.string("name", required=False, max_length=120)
    email = payload.string("email", required=False, max_length=254)
    organisation = payload.string("organisation", required=False, max_length=200)
    payload.check()
    outcome = regs.register(api_user(), session_id, name=name, email=email,
                            organisation=organisation)
    registration = outcome.registration
    body = registration_json(registration, outcome.waitlist_position)
    return body, 201


@bp.get("/registrations/<int:registration_id>")
def get_registration(registration_id: int):
    """One registration (the registrant's own, or any for the team)."""
    registration = regs.get_registration(api_user(), registration_id)
    return registration_json(registration, regs.waitlist_position(registration))


@bp.delete("/registrations/<int:registration_id>")
def cancel_registration(registration_id: int):
    """Cancel (registrant or team): 204; the first waitlisted is promoted."""
    regs.cancel_registration(api_user(), registration_id)
    return "", 204


@bp.get("/sessions/<int:session_id>/registrations")
def list_registrations(session_id: int):
    """Team: the roster."""
    rows = regs.list_registrations(api_user(), session_id)
    positions = {r.id: i for i, r in enumerate((r for r in rows if r.status == "waitlisted"), 1)}
    return [registration_json(r, positions.get(r.id)) for r in rows]


@bp.post("/sessions/<int:session_id>/attendance")
def attendance(session_id: int):
    """Team: the listed registrations were present, the other confirmed ones absent."""
    require_team(api_user())
    payload = Payload(json_body())
    present = payload.id_list("present")
    payload.check()
    rows = regs.mark_attendance(api_user(), session_id, present)
    return {"session_id": session_id,
            "present": [r.id for r in rows if r.present],
            "absent": [r.id for r in rows if not r.present]}


@bp.post("/sessions/<int:session_id>/complete")
def complete(session_id: int):
    """Team: mark held."""
    return _one(services.complete_session(api_user(), session_id))


@bp.post("/sessions/<int:session_id>/cancel")
def cancel(session_id: int):
    """Team: cancel; registrants are told."""
    return _one(services.cancel_session(api_user(), session_id))


# ---------------------------------------------------------------- OpenAPI
_dt = {"type": ["string", "null"], "format": "date-time"}
SCHEMAS = {
    "Session": {
        "type": "object",
        "required": ["id", "title", "kind", "start", "end", "capacity", "location", "space_id",
                     "status", "confirmed_count", "waitlist_count"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "kind": {"type": "string", "enum": list(KINDS)},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "capacity": {"type": "integer"},
            "location": {"type": "string", "enum": list(LOCATIONS)},
            "space_id": {"type": ["integer", "null"]},
            "status": {"type": "string", "enum": list(SESSION_STATUSES)},
            "confirmed_count": {"type": "integer"},
            "waitlist_count": {"type": "integer"},
            "seats_left": {"type": "integer"},
            "offering_id": {"type": ["integer", "null"]},
            "address": {"type": ["string", "null"]},
            "registration_opens_at": _dt,
            "registration_deadline": _dt,
            "trainers": {"type": "string"},
            "booking_id": {"type": ["integer", "null"]},
            "held_at": _dt,
            "sequence": {"type": "integer"},
        },
    },
    "SessionInput": {
        "type": "object",
        "required": ["title", "kind", "start", "end", "capacity", "location"],
        "properties": {
            "title": {"type": "string", "maxLength": 200},
            "kind": {"type": "string", "enum": list(KINDS)},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "capacity": {"type": "integer", "minimum": 1},
            "location": {"type": "string", "enum": list(LOCATIONS)},
            "space_id": {"type": "integer", "description": "Obligatoire si location = lab"},
            "address": {"type": "string", "description": "Obligatoire si location = other"},
            "video_link": {"type": "string"},
            "registration_opens_at": {"type": "string", "format": "date-time"},
            "registration_deadline": {"type": "string", "format": "date-time"},
            "trainers": {"type": "string"},
            "description": {"type": "string"},
            "offering_id": {"type": "integer"},
        },
    },
    "Registration": {
        "type": "object",
        "required": ["id", "status", "waitlist_position"],
        "properties": {
            "id": {"type": "integer"},
            "session_id": {"type": "integer"},
            "user_id": {"type": ["integer", "null"]},
            "name": {"type": "string"},
            "email": {"type": "string"},
            "organisation": {"type": "string"},
            "status": {"type": "string", "enum": ["confirmed", "waitlisted", "cancelled"]},
            "waitlist_position": {"type": ["integer", "null"], "minimum": 1},
            "present": {"type": ["boolean", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "promoted_at": _dt,
            "cancelled_at": _dt,
        },
    },
}
_ref = {"$ref": "#/components/schemas/Session"}
_reg = {"$ref": "#/components/schemas/Registration"}
_sid = [{"name": "session_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_rid = [{"name": "registration_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_query = [
    {"name": "from", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "Date AAAA-MM-JJ (jour de Paris) ou date-heure ISO 8601"},
    {"name": "to", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "Date AAAA-MM-JJ (jour inclus) ou date-heure ISO 8601"},
    {"name": "kind", "in": "query", "required": False,
     "schema": {"type": "string", "enum": list(KINDS)}},
    {"name": "status", "in": "query", "required": False,
     "schema": {"type": "string", "enum": list(SESSION_STATUSES)}},
    {"name": "site_id", "in": "query", "required": False, "schema": {"type": "integer"},
     "description": "Site : les sessions qui ont lieu dans un de ses espaces"},
    *paging.PARAMETERS,
]
register_paths({
    "/sessions": {
        "get": operation("Sessions (formations, webinaires, rencontres, ateliers)", {
            "200": paging.paged_response("Sessions", {"type": "array", "items": _ref})},
            parameters=_query, errors=("401", "422")),
        "post": operation("Créer une session (équipe)", {
            "201": json_response("Session créée", _ref)},
            body={"$ref": "#/components/schemas/SessionInput"},
            errors=("400", "401", "403", "409", "422")),
    },
    "/sessions/{session_id}": {
        "get": operation("Une session", {"200": json_response("Session", _ref)},
                         parameters=_sid, errors=("401", "404")),
        "patch": operation("Modifier une session (équipe)", {"200": json_response("Session", _ref)},
                           body={"type": "object", "properties": {
                               k: v for k, v in SCHEMAS["SessionInput"]["properties"].items()
                               if k not in ("kind", "offering_id")}},
                           parameters=_sid, errors=("400", "401", "403", "404", "409", "422")),
    },
    "/sessions/{session_id}/registrations": {
        "post": operation("S'inscrire ou inscrire quelqu'un (équipe)", {
            "201": json_response("Inscription confirmée ou en liste d'attente", _reg)},
            body={"type": "object", "properties": {
                "name": {"type": "string"}, "email": {"type": "string", "format": "email"},
                "organisation": {"type": "string"}}},
            parameters=_sid, errors=("400", "401", "404", "409", "422")),
        "get": operation("Liste des inscrits (équipe)", {
            "200": json_response("Inscriptions", {"type": "array", "items": _reg})},
            parameters=_sid, errors=("401", "403", "404")),
    },
    "/registrations/{registration_id}": {
        "get": operation("Une inscription (la sienne, ou toute inscription pour l'équipe)", {
            "200": json_response("Inscription", _reg)}, parameters=_rid, errors=("401", "404")),
        "delete": operation("Annuler une inscription (inscrit ou équipe)", {
            "204": {"description": "Annulée ; la première personne en attente est confirmée"}},
            parameters=_rid, errors=("401", "404", "409", "422")),
    },
    "/sessions/{session_id}/attendance": {
        "post": operation("Émargement (équipe)", {
            "200": json_response("Présences", {"type": "object", "properties": {
                "session_id": {"type": "integer"},
                "present": {"type": "array", "items": {"type": "integer"}},
                "absent": {"type": "array", "items": {"type": "integer"}}}})},
            body={"type": "object", "required": ["present"], "properties": {
                "present": {"type": "array", "items": {"type": "integer"}}}},
            parameters=_sid, errors=("400", "401", "403", "404", "409", "422")),
    },
    "/sessions/{session_id}/complete": {
        "post": operation("Marquer la session comme tenue (équipe)", {
            "200": json_response("Session tenue", _ref)},
            parameters=_sid, errors=("401", "403", "404", "409", "422")),
    },
    "/sessions/{session_id}/cancel": {
        "post": operation("Annuler la session (équipe) ; les inscrits sont prévenus", {
            "200": json_response("Session annulée", _ref)},
            parameters=_sid, errors=("401", "403", "404", "409")),
    },
}, SCHEMAS)

from labapp.trainings import catalogue_api  # noqa: E402,F401  (offerings, on the same blueprint)
