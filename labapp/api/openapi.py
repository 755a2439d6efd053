"""The OpenAPI 3.1 document of /api/v1, assembled from what each domain registers.

Each domain's api.py calls `register_paths(paths, schemas)` at import time.
"""

from __future__ import annotations

import copy

from flask import Blueprint, current_app, jsonify

from labapp.api.blueprint import API_PREFIX

bp = Blueprint("openapi", __name__, url_prefix=API_PREFIX)

_PATHS: dict = {}
_SCHEMAS: dict = {
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status", "detail", "errors"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
    "User": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "role": {"type": "string", "enum": ["agent", "team", "admin"]},
        },
    },
}


def problem_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


STANDARD_ERRORS = {
    "400": problem_response("Corps mal formé"),
    "401": problem_response("Jeton manquant ou invalide"),
    "403": problem_response("Rôle insuffisant"),
    "404": problem_response("Introuvable"),
    "409": problem_response("Conflit"),
    "422": problem_response("Données invalides"),
}


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def operation(summary: str, responses: dict, body: dict | None = None,
              parameters: list | None = None, errors=("401", "403", "404", "422")) -> dict:
    """An operation object with the standard problem responses attached."""
    op = {"summary": summary, "responses": dict(responses)}
    for code in errors:
        op["responses"].setdefault(code, STANDARD_ERRORS[code])
    if body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": body}}}
    if parameters:
        op["parameters"] = parameters
    return op


def register_paths(paths: dict, schemas: dict | None = None) -> None:
    """Add a domain's paths (relative to /api/v1) and component schemas."""
    for path, item in paths.items():
        _PATHS.setdefault(path, {}).update(item)
    _SCHEMAS.update(schemas or {})


register_paths({
    "/me": {"get": operation("Le compte du jeton", {
        "200": json_response("Compte", {"$ref": "#/components/schemas/User"})},
        errors=("401",))},
})


def build_document(server_url: str) -> dict:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Lab Minnov API",
            "version": "1.0.0",
            "description": "API du Lab Minnov. Authentification : `Authorization: Bearer <jeton>`.",
        },
        "servers": [{"url": server_url + API_PREFIX}],
        "security": [{"bearer": []}],
        "paths": copy.deepcopy(_PATHS),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": copy.deepcopy(_SCHEMAS),
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document (public)."""
    return jsonify(build_document(current_app.config["BASE_URL"]))
