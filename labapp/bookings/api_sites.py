"""API v1: sites (opening hours and booking rules), closures, and the admin's space edits.

Routes of the bookings API blueprint (`labapp.bookings.api.bp`), on the same
services as the settings pages (`site_services`). Reading is open to every account
(the request form needs the rules); changing rules and closures is for the team,
editing spaces for admins.
"""

from __future__ import annotations

from datetime import time

from flask import jsonify

from labapp.api.blueprint import api_user
from labapp.api.openapi import json_response, operation, register_paths
from labapp.api.payload import Payload, json_body
from labapp.bookings import site_services
from labapp.bookings.api import bp
from labapp.bookings.models import Closure, Site, Space
from labapp.errors import NotFound, ValidationFailed
from labapp.extensions import db

RULES = ("buffer_minutes", "min_duration_minutes", "max_duration_minutes", "horizon_days")


def site_json(site: Site) -> dict:
    return {
        "id": site.id,
        "name": site.name,
        "address": site.address,
        "area_m2": site.area_m2,
        "buffer_minutes": site.buffer_minutes,
        "min_duration_minutes": site.min_duration_minutes,
        "max_duration_minutes": site.max_duration_minutes,
        "horizon_days": site.horizon_days,
        "opening_hours": [{"weekday": h.weekday, "opens": f"{h.opens_at:%H:%M}",
                           "closes": f"{h.closes_at:%H:%M}"} for h in site.opening_hours],
    }


def closure_json(closure: Closure) -> dict:
    return {"id": closure.id, "site_id": closure.site_id, "start_date": closure.start_date.isoformat(),
            "end_date": closure.end_date.isoformat(), "label": closure.label}


def space_detail_json(space: Space) -> dict:
    """A space with what admins edit (GET /spaces keeps the contract's four fields)."""
    return {"id": space.id, "name": space.name, "capacity": space.capacity, "whole": space.whole,
            "site_id": space.site_id, "equipment": space.equipment,
            "description": space.description, "active": space.active}


# --- Sites: opening hours and booking rules ----------------------------------------------------


@bp.get("/sites")
def list_sites():
    """Every site with its opening hours and booking rules."""
    return jsonify([site_json(s) for s in site_services.list_sites()])


@bp.get("/sites/<int:site_id>")
def get_site(site_id: int):
    return jsonify(site_json(site_services.get_site(site_id)))


def _opening_hours(payload: Payload) -> dict[int, tuple[time, time] | None] | None:
    """`opening_hours`: the open weekdays [{"weekday", "opens", "closes"}]; the others close."""
    if not payload.has("opening_hours"):
        return None
    raw = payload.data["opening_hours"]
    message = 'Liste attendue de {"weekday": 0 à 6, "opens": "HH:MM", "closes": "HH:MM"}.'
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        payload.error("opening_hours", message)
        return None
    hours: dict[int, tuple[time, time] | None] = dict.fromkeys(range(7))
    seen = set()
    for entry in raw:
        weekday = entry.get("weekday")
        try:
            if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
                raise ValueError
            opens, closes = (time.fromisoformat(entry[k]) if isinstance(entry.get(k), str)
                             and len(entry[k]) == 5 else None for k in ("opens", "closes"))
            if opens is None or closes is None:
                raise ValueError
        except ValueError:
            payload.error("opening_hours", message)
            return None
        if weekday in seen:
            payload.error("opening_hours", f"Le jour {weekday} apparaît deux fois.")
            return None
        seen.add(weekday)
        hours[weekday] = (opens, closes)
    return hours


@bp.patch("/sites/<int:site_id>")
def update_site(site_id: int):
    """Team: change the opening hours (the whole week at once) and/or the booking rules."""
    actor = api_user()
    site = site_services.get_site(site_id)
    payload = Payload(json_body())
    hours = _opening_hours(payload)
    rules = {name: payload.integer(name, required=False, default=getattr(site, name))
             for name in RULES}
    payload.check()
    if hours is not None:
        try:
            site_services.set_opening_hours(actor, site.id, hours)
        except ValidationFailed as error:  # messages by weekday field of the page form
            raise ValidationFailed(error.message, {"opening_hours": [error.message]}) from None
    site_services.set_booking_rules(actor, site.id, **rules)  # unchanged ones keep their value
    return jsonify(site_json(site))


# --- Closures ----------------------------------------------------------------------------------


@bp.get("/closures")
def list_closures():
    """Closures entered by the team (public holidays are closed without one), latest first."""
    payload = Payload.query()
    site_id = payload.integer("site_id", required=False, minimum=1)
    first = payload.date("from", required=False)
    last = payload.date("to", required=False)
    payload.check()
    return jsonify([closure_json(c) for c in site_services.list_closures(site_id, first, last)])


@bp.post("/closures")
def create_closure():
    """Team: close a site on the Paris dates [start_date, end_date] (default site: the lab)."""
    payload = Payload(json_body())
    site_id = payload.integer("site_id", required=False, minimum=1)
    start_date = payload.date("start_date")
    end_date = payload.date("end_date")
    label = payload.string("label")
    payload.check()
    if site_id is None:
        site_id = site_services.default_site().id
    elif db.session.get(Site, site_id) is None:
        raise ValidationFailed.on("site_id", "Ce site n'existe pas.")
    closure = site_services.add_closure(api_user(), site_id, start_date, end_date, label)
    return jsonify(closure_json(closure)), 201


@bp.delete("/closures/<int:closure_id>")
def delete_closure(closure_id: int):
    """Team: remove a closure."""
    site_services.delete_closure(api_user(), closure_id)
    return "", 204


# --- Spaces ------------------------------------------------------------------------------------


def _space(space_id: int, include_inactive: bool) -> Space:
    space = db.session.get(Space, space_id)
    if space is None or not (space.active or include_inactive):
        raise NotFound("Espace introuvable.")
    return space


@bp.get("/spaces/<int:space_id>")
def get_space(space_id: int):
    """One space with its equipment and description (admins also see inactive ones)."""
    return jsonify(space_detail_json(_space(space_id, api_user().is_admin)))


@bp.patch("/spaces/<int:space_id>")
def update_space(space_id: int):
    """Admin: change a space's name, capacity, equipment, description or whether it is bookable."""
    actor = api_user()
    space = _space(space_id, actor.is_admin)
    payload = Payload(json_body())
    # A field sent empty or null is an error, a field left out keeps its value.
    name = payload.string("name", required=payload.has("name"), max_length=120, default=space.name)
    capacity = payload.integer("capacity", required=payload.has("capacity"), default=space.capacity)
    equipment = payload.string("equipment", required=False, max_length=2000, allow_empty=True,
                               default=space.equipment)
    description = payload.string("description", required=False, max_length=2000, allow_empty=True,
                                 default=space.description)
    active = payload.boolean("active", required=False, default=space.active)
    if payload.has("whole"):
        payload.error("whole", "On ne peut pas changer un espace en « lab entier » ni l'inverse.")
    payload.check()
    space = site_services.save_space(actor, space.id, name=name, capacity=capacity,
                                     equipment=equipment, description=description,
                                     whole=space.whole, active=active)
    return jsonify(space_detail_json(space))


# --- OpenAPI -------------------------------------------------------------------------------------

_SITE_ID = {"name": "site_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SPACE_ID = {"name": "space_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_CLOSURE_ID = {"name": "closure_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_DATE = {"type": "string", "format": "date"}
_HHMM = {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"}
_HOURS = {"type": "array",
          "description": "Jours ouverts (0 = lundi), heure de Paris ; les autres sont fermés",
          "items": {"type": "object", "required": ["weekday", "opens", "closes"], "properties": {
              "weekday": {"type": "integer", "minimum": 0, "maximum": 6},
              "opens": _HHMM, "closes": _HHMM}}}
_RULE_FIELDS = {
    "buffer_minutes": {"type": "integer", "minimum": 0, "maximum": 240,
                       "description": "Battement entre deux réservations"},
    "min_duration_minutes": {"type": "integer", "minimum": 5},
    "max_duration_minutes": {"type": "integer", "maximum": 1440},
    "horizon_days": {"type": "integer", "minimum": 1, "maximum": 1095,
                     "description": "Réservable jusqu'à N jours à l'avance"},
}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


register_paths({
    "/sites": {"get": operation("Sites, horaires d'ouverture et règles de réservation", {
        "200": json_response("Sites", {"type": "array", "items": {"$ref": "#/components/schemas/Site"}})},
        errors=("401",))},
    "/sites/{site_id}": {
        "get": operation("Un site", {"200": json_response("Site", {"$ref": "#/components/schemas/Site"})},
                         parameters=[_SITE_ID], errors=("401", "404")),
        "patch": operation("Modifier les horaires et les règles (équipe)", {
            "200": json_response("Site", {"$ref": "#/components/schemas/Site"})},
            parameters=[_SITE_ID],
            body={"type": "object", "properties": {**_RULE_FIELDS, "opening_hours": _HOURS}},
            errors=("400", "401", "403", "404", "422")),
    },
    "/closures": {
        "get": operation("Fermetures saisies par l'équipe (les jours fériés sont fermés d'office)", {
            "200": json_response("Fermetures", {"type": "array",
                                               "items": {"$ref": "#/components/schemas/Closure"}})},
            parameters=[_query("site_id", {"type": "integer"}, "Site"),
                        _query("from", _DATE, "Fermetures finissant ce jour ou après"),
                        _query("to", _DATE, "Fermetures commençant ce jour ou avant")],
            errors=("401", "422")),
        "post": operation("Fermer un site du premier au dernier jour inclus (équipe)", {
            "201": json_response("Fermeture créée", {"$ref": "#/components/schemas/Closure"})},
            body={"type": "object", "required": ["start_date", "end_date", "label"], "properties": {
                "site_id": {"type": "integer", "description": "Par défaut : le lab"},
                "start_date": _DATE, "end_date": _DATE, "label": {"type": "string", "maxLength": 200}}},
            errors=("400", "401", "403", "422")),
    },
    "/closures/{closure_id}": {"delete": operation("Supprimer une fermeture (équipe)", {
        "204": {"description": "Supprimée"}}, parameters=[_CLOSURE_ID], errors=("401", "403", "404"))},
    "/spaces/{space_id}": {
        "get": operation("Un espace, avec son équipement et sa description", {
            "200": json_response("Espace", {"$ref": "#/components/schemas/SpaceDetail"})},
            parameters=[_SPACE_ID], errors=("401", "404")),
        "patch": operation("Modifier un espace (administrateur)", {
            "200": json_response("Espace", {"$ref": "#/components/schemas/SpaceDetail"})},
            parameters=[_SPACE_ID],
            body={"type": "object", "properties": {
                "name": {"type": "string", "maxLength": 120},
                "capacity": {"type": "integer", "minimum": 1, "maximum": 1000},
                "equipment": {"type": "string", "maxLength": 2000},
                "description": {"type": "string", "maxLength": 2000},
                "active": {"type": "boolean", "description": "false : plus réservable"}}},
            errors=("400", "401", "403", "404", "409", "422")),
    },
}, {
    "Site": {"type": "object", "required": ["id", "name", *_RULE_FIELDS, "opening_hours"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "address": {"type": "string"},
        "area_m2": {"type": ["integer", "null"]}, **_RULE_FIELDS, "opening_hours": _HOURS}},
    "Closure": {"type": "object", "required": ["id", "site_id", "start_date", "end_date", "label"],
                "properties": {"id": {"type": "integer"}, "site_id": {"type": "integer"},
                               "start_date": _DATE, "end_date": _DATE, "label": {"type": "string"}}},
    "SpaceDetail": {"type": "object", "required": ["id", "name", "capacity", "whole"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "capacity": {"type": "integer"},
        "whole": {"type": "boolean"}, "site_id": {"type": "integer"},
        "equipment": {"type": "string"}, "description": {"type": "string"},
        "active": {"type": "boolean"}}},
})
