"""JSON API of projects (/api/v1/projects), on the same services as the pages."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy.orm import selectinload

from labapp.api import paging
from labapp.api.blueprint import api_blueprint, api_user
from labapp.api.openapi import json_response, operation, register_paths
from labapp.api.payload import Payload, json_body
from labapp.auth.models import User
from labapp.errors import ValidationFailed
from labapp.extensions import db
from labapp.projects import demo, services  # noqa: F401  (demo registers its seeder)
from labapp.projects.models import METHODS, STATUSES, SUPPORT_TYPES, Project
from labapp.projects.territories import TERRITORIES, territory_label
from labapp.timeutil import isoformat_paris

bp = api_blueprint("projects_api", __name__)


def project_json(project: Project) -> dict:
    """The `project` object of interfaces.md, plus a few descriptive fields."""
    return {
        "id": project.id,
        "title": project.title,
        "status": project.status,
        "support_type": project.support_type,
        "support_started_on": _date(project.support_started_on),
        "support_ended_on": _date(project.support_ended_on),
        "direction": project.direction,
        "territory": project.territory,
        "territory_label": territory_label(project.territory),
        "description": project.description,
        "mainly_digital": project.mainly_digital,
        "requested_by": project.requested_by_id,
        "lead_id": project.lead_id,
        "methods": project.methods,
        "days_saved": float(project.days_saved) if project.days_saved is not None else None,
        "duplicate_of": project.duplicate_of_id,
        "pooled_with": project.pooled_with_id,
        "created_at": isoformat_paris(project.created_at),
    }


def _date(value):
    return value.isoformat() if value else None


@bp.get("/projects")
def list_projects():
    """Projects the caller may see, filtered, newest first; `limit`/`offset` page them
    (see labapp/api/paging.py)."""
    query = Payload.query()
    status = query.choice("status", STATUSES, required=False)
    year = query.integer("year", required=False, minimum=2000, maximum=2100)
    territory = query.choice("territory", TERRITORIES, required=False)
    method = query.choice("method", METHODS, required=False)
    direction = query.string("direction", required=False)
    window = paging.read_window(query)
    query.check()
    select_stmt = services.list_projects(api_user(), status=status, year=year, direction=direction,
                                         territory=territory, method=method)
    page = paging.fetch(select_stmt, window,
                        options=(selectinload(Project.method_rows),))  # no N+1 on methods
    return page.respond([project_json(p) for p in page.items])


@bp.post("/projects")
def create_project():
    """An agent asks for support: 201 `requested`."""
    body = Payload(json_body())
    req = services.ProjectRequest(
        title=body.string("title"),
        description=body.string("description", max_length=10000),
        direction=body.string("direction"),
        territory=body.choice("territory", TERRITORIES),
        problem=body.string("problem", required=False, max_length=10000, default=""),
        users_concerned=body.string("users_concerned", required=False, max_length=10000, default=""),
        keywords=body.string("keywords", required=False, max_length=300, default=""),
        desired_timeframe=body.string("desired_timeframe", required=False, default=""),
        mainly_digital=body.boolean("mainly_digital", required=False, default=False),
    )
    body.check()
    project = services.request_project(api_user(), req)
    return jsonify(project_json(project)), 201


@bp.get("/projects/<int:project_id>")
def get_project(project_id: int):
    """One project (an agent: only their own)."""
    return jsonify(project_json(services.get_project(api_user(), project_id)))


@bp.patch("/projects/<int:project_id>")
def patch_project(project_id: int):
    """Team: status, support type, lead and support dates."""
    user = api_user()
    project = services.get_project(user, project_id)
    body = Payload(json_body())
    status = body.choice("status", STATUSES, required=False)
    support_type = body.choice("support_type", SUPPORT_TYPES, required=False)
    started = body.date("support_started_on", required=False)
    ended = body.date("support_ended_on", required=False)
    lead_id = body.integer("lead_id", required=False, minimum=1)
    reason = body.string("decline_reason", required=False, max_length=5000)
    body.check()
    lead = None
    if lead_id is not None:
        lead = db.session.get(User, lead_id)
        if lead is None:
            raise ValidationFailed.on("lead_id", "Référent introuvable.")
    services.change_project(
        user, project, status=status, support_type=support_type, lead=lead,
        support_started_on=started, support_ended_on=ended, decline_reason=reason,
        dates_given=(body.has("support_started_on"), body.has("support_ended_on")))
    return jsonify(project_json(project))


@bp.get("/projects/<int:project_id>/similar")
def similar(project_id: int):
    """Projects that look like this one (score 0..100, best first)."""
    user = api_user()
    project = services.get_project(user, project_id)
    matches = services.similar_projects(user, project.title,
                                        f"{project.description} {project.keywords}",
                                        exclude_id=project.id)
    return jsonify([{"project": _visible_json(user, p), "score": score} for p, score in matches])


def _visible_json(user: User, project: Project) -> dict:
    """Agents learn that a similar project exists (id, title, status), not its details."""
    if user.is_team or project.requested_by_id == user.id:
        return project_json(project)
    return {"id": project.id, "title": project.title, "status": project.status,
            "direction": project.direction, "territory": project.territory}


_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
PROJECT_SCHEMA = {
    "type": "object",
    "required": ["id", "title", "status", "support_type", "support_started_on",
                 "support_ended_on", "direction", "territory"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "status": {"type": "string", "enum": list(STATUSES)},
        "support_type": {"type": ["string", "null"], "enum": [*SUPPORT_TYPES, None]},
        "support_started_on": _NULLABLE_DATE,
        "support_ended_on": _NULLABLE_DATE,
        "direction": {"type": "string"},
        "territory": {"type": "string", "description": "`national`, `reg-<code INSEE>` ou `dep-<code>`"},
        "territory_label": {"type": "string"},
        "description": {"type": "string"},
        "mainly_digital": {"type": "boolean"},
        "requested_by": {"type": "integer"},
        "lead_id": {"type": ["integer", "null"]},
        "methods": {"type": "array", "items": {"type": "string", "enum": list(METHODS)}},
        "days_saved": {"type": ["number", "null"]},
        "duplicate_of": {"type": ["integer", "null"]},
        "pooled_with": {"type": ["integer", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
_REF = {"$ref": "#/components/schemas/Project"}
_ID = {"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _q(name, schema, description=""):
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


register_paths({
    "/projects": {
        "get": operation(
            "Projets visibles (agent : ses demandes ; équipe : tous)",
            {"200": paging.paged_response("Projets", {"type": "array", "items": _REF})},
            parameters=[
                _q("status", {"type": "string", "enum": list(STATUSES)}),
                _q("year", {"type": "integer"},
                   "Année (Europe/Paris). Un projet avec une période d'accompagnement est retenu si "
                   "[support_started_on, support_ended_on ou ouverte] recoupe l'année ; une demande "
                   "sans période (demandée, déclinée) si elle a été créée dans l'année."),
                _q("direction", {"type": "string"}, "Contient ce texte"),
                _q("territory", {"type": "string"}),
                _q("method", {"type": "string", "enum": list(METHODS)}),
                *paging.PARAMETERS,
            ], errors=("401", "422")),
        "post": operation(
            "Demander l'accompagnement d'un projet (201, statut requested)",
            {"201": json_response("Demande créée", _REF)},
            body={"type": "object", "required": ["title", "description", "direction", "territory"],
                  "properties": {
                      "title": {"type": "string", "maxLength": 200},
                      "description": {"type": "string"},
                      "direction": {"type": "string"},
                      "territory": {"type": "string"},
                      "problem": {"type": "string"},
                      "users_concerned": {"type": "string"},
                      "keywords": {"type": "string"},
                      "desired_timeframe": {"type": "string"},
                      "mainly_digital": {"type": "boolean"},
                  }},
            errors=("400", "401", "422")),
    },
    "/projects/{project_id}": {
        "get": operation("Un projet", {"200": json_response("Projet", _REF)},
                         parameters=[_ID], errors=("401", "404")),
        "patch": operation(
            "Équipe : statut, type, référent et dates d'accompagnement. 409 pour une transition "
            "interdite (requested -> in_progress | declined ; in_progress -> completed | abandoned).",
            {"200": json_response("Projet modifié", _REF)},
            body={"type": "object", "properties": {
                "status": {"type": "string", "enum": list(STATUSES)},
                "support_type": {"type": "string", "enum": list(SUPPORT_TYPES)},
                "support_started_on": _NULLABLE_DATE,
                "support_ended_on": _NULLABLE_DATE,
                "lead_id": {"type": "integer"},
                "decline_reason": {"type": "string"},
            }},
            parameters=[_ID], errors=("400", "401", "403", "404", "409", "422")),
    },
    "/projects/{project_id}/similar": {
        "get": operation(
            "Projets similaires (score 0 à 100)",
            {"200": json_response("Projets similaires", {"type": "array", "items": {
                "type": "object", "properties": {"project": {"type": "object"},
                                                 "score": {"type": "number"}}}})},
            parameters=[_ID], errors=("401", "404")),
    },
}, {"Project": PROJECT_SCHEMA})
