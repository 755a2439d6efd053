"""JSON API of the catalogue (/api/v1/offerings).

Reading is public (no token needed), like the catalogue page: active offerings with
their upcoming open sessions. The team may ask for archived ones too
(`include_inactive=true`), and creates and edits offerings.
"""

from __future__ import annotations

from labapp.api.blueprint import api_user, public
from labapp.api.openapi import json_response, operation, register_paths
from labapp.api.payload import Payload, json_body
from labapp.auth.services import require_team
from labapp.errors import Forbidden, ValidationFailed
from labapp.trainings import catalogue
from labapp.trainings.api import bp, session_json
from labapp.trainings.models import AUDIENCES, KINDS, Offering


def offering_json(entry: catalogue.CatalogueEntry, counts: dict) -> dict:
    offering: Offering = entry.offering
    return {
        "id": offering.id,
        "title": offering.title,
        "kind": offering.kind,
        "themes": list(offering.themes or []),
        "description": offering.description,
        "duration_minutes": offering.duration_minutes,
        "audience": offering.audience,
        "default_capacity": offering.default_capacity,
        "active": offering.active,
        "upcoming_sessions": [session_json(s, counts[s.id]) for s in entry.sessions],
    }


def _one(offering: Offering) -> dict:
    found = catalogue.catalogue([offering])
    return offering_json(found.entries[0], found.counts)


def _is_team() -> bool:
    user = api_user()
    return user is not None and user.is_team


@bp.get("/offerings")
@public
def list_offerings():
    """The catalogue (public): active offerings by kind and title, each with its upcoming
    open sessions. `include_inactive=true` (team) adds the archived ones."""
    payload = Payload.query()
    kind = payload.choice("kind", KINDS, required=False)
    audience = payload.choice("audience", AUDIENCES, required=False)
    include_inactive = payload.choice("include_inactive", ("true", "false"), required=False)
    payload.check()
    if include_inactive == "true" and not _is_team():
        raise Forbidden("Seule l'équipe du lab voit les offres archivées.")
    offerings = catalogue.list_offerings(active_only=include_inactive != "true", kind=kind,
                                         audience=audience)
    found = catalogue.catalogue(offerings)
    return [offering_json(entry, found.counts) for entry in found.entries]


@bp.get("/offerings/<int:offering_id>")
@public
def get_offering(offering_id: int):
    """One offering (public while active; archived ones for the team only)."""
    return _one(catalogue.get_offering(offering_id, include_inactive=_is_team()))


def _offering_fields(payload: Payload, partial: bool) -> dict:
    required = not partial
    specs = {
        "title": lambda: payload.string("title", required=required),
        "kind": lambda: payload.choice("kind", KINDS, required=required),
        "themes": lambda: payload.data.get("themes"),  # checked by the service
        "description": lambda: payload.string("description", required=False, max_length=5000,
                                              allow_empty=True),
        "duration_minutes": lambda: payload.integer("duration_minutes", required=False, minimum=1,
                                                    maximum=catalogue.MAX_DURATION),
        "audience": lambda: payload.choice("audience", AUDIENCES, required=False),
        "default_capacity": lambda: payload.integer("default_capacity", required=False, minimum=1,
                                                    maximum=catalogue.MAX_CAPACITY),
        "active": lambda: payload.boolean("active", required=False),
    }
    fields = {}
    for name, read in specs.items():
        if payload.has(name) or (required and name in ("title", "kind")):
            fields[name] = read()
    return fields


@bp.post("/offerings")
def create_offering():
    """Team: add an offering to the catalogue; 201."""
    require_team(api_user())
    payload = Payload(json_body())
    fields = _offering_fields(payload, partial=False)
    payload.check()
    return _one(catalogue.create_offering(api_user(), **fields)), 201


@bp.patch("/offerings/<int:offering_id>")
def update_offering(offering_id: int):
    """Team: change an offering (its existing sessions keep their own title and capacity)."""
    require_team(api_user())
    payload = Payload(json_body())
    fields = _offering_fields(payload, partial=True)
    payload.check()
    if not fields:
        raise ValidationFailed("Aucun champ modifiable fourni.", {})
    return _one(catalogue.update_offering(api_user(), offering_id, **fields))


# ---------------------------------------------------------------- OpenAPI
_offering_properties = {
    "title": {"type": "string", "maxLength": 200},
    "kind": {"type": "string", "enum": list(KINDS)},
    "themes": {"type": "array", "items": {"type": "string", "maxLength": catalogue.MAX_THEME_LENGTH},
               "maxItems": catalogue.MAX_THEMES,
               "description": "Par exemple : écoute usagers, entretiens utilisateurs, décryptage "
                              "comportemental, co-développement, outils collaboratifs, design de "
                              "service"},
    "description": {"type": "string", "maxLength": 5000},
    "duration_minutes": {"type": "integer", "minimum": 1, "maximum": catalogue.MAX_DURATION},
    "audience": {"type": "string", "enum": list(AUDIENCES),
                 "description": "agents, societe_civile (société civile) ou tous"},
    "default_capacity": {"type": "integer", "minimum": 1, "maximum": catalogue.MAX_CAPACITY},
    "active": {"type": "boolean", "description": "false : archivée, absente du catalogue public"},
}
SCHEMAS = {
    "Offering": {
        "type": "object",
        "required": ["id", *_offering_properties, "upcoming_sessions"],
        "properties": {
            "id": {"type": "integer"},
            **_offering_properties,
            "upcoming_sessions": {
                "type": "array", "items": {"$ref": "#/components/schemas/Session"},
                "description": "Sessions programmées à venir (non commencées), les plus proches "
                               "d'abord"},
        },
    },
    "OfferingInput": {
        "type": "object",
        "required": ["title", "kind"],
        "properties": _offering_properties,
    },
}
_ref = {"$ref": "#/components/schemas/Offering"}
_oid = [{"name": "offering_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_public = {"security": [{}, {"bearer": []}]}
register_paths({
    "/offerings": {
        "get": {**operation(
            "Catalogue des offres (public, sans jeton) et leurs sessions à venir", {
                "200": json_response("Offres", {"type": "array", "items": _ref})},
            parameters=[
                {"name": "kind", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": list(KINDS)}},
                {"name": "audience", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": list(AUDIENCES)}},
                {"name": "include_inactive", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["true", "false"]},
                 "description": "true : ajoute les offres archivées (équipe)"},
            ], errors=("403", "422")), **_public},
        "post": operation("Ajouter une offre au catalogue (équipe)", {
            "201": json_response("Offre créée", _ref)},
            body={"$ref": "#/components/schemas/OfferingInput"},
            errors=("400", "401", "403", "422")),
    },
    "/offerings/{offering_id}": {
        "get": {**operation("Une offre (publique tant qu'elle n'est pas archivée)", {
            "200": json_response("Offre", _ref)}, parameters=_oid, errors=("404",)), **_public},
        "patch": operation("Modifier une offre (équipe)", {"200": json_response("Offre", _ref)},
                           body={"type": "object", "properties": _offering_properties},
                           parameters=_oid, errors=("400", "401", "403", "404", "422")),
    },
}, SCHEMAS)
