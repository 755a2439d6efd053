"""JSON API of a project's links, journal and contacts (/api/v1/projects/{id}/...)."""

from __future__ import annotations

from flask import jsonify

from labapp.api.blueprint import api_blueprint, api_user
from labapp.api.openapi import json_response, operation, register_paths
from labapp.api.payload import Payload, json_body
from labapp.auth.models import User
from labapp.projects import contacts, journal, links, services
from labapp.projects.api import project_json
from labapp.projects.models import JOURNAL_KINDS, LINK_KINDS, JournalEntry, Project, ProjectContact
from labapp.timeutil import isoformat_paris

bp = api_blueprint("project_activity_api", __name__)


def project_ref_json(user: User, project: Project) -> dict:
    """What a link says of the other project (an agent may not open others' projects)."""
    return {"id": project.id, "title": project.title, "status": project.status,
            "visible": links.may_open(user, project)}


def entry_json(entry: JournalEntry) -> dict:
    return {
        "id": entry.id,
        "project_id": entry.project_id,
        "occurred_on": entry.occurred_on.isoformat(),
        "kind": entry.kind,
        "title": entry.title,
        "notes": entry.notes,
        "booking_id": entry.booking_id,
        "session_id": entry.session_id,
        "author_id": entry.author_id,
        "created_at": isoformat_paris(entry.created_at),
    }


def contact_json(contact: ProjectContact) -> dict:
    return {"id": contact.id, "name": contact.name, "email": contact.email, "role": contact.role}


# --- links ---------------------------------------------------------------------------------

@bp.get("/projects/<int:project_id>/links")
def get_links(project_id: int):
    """The project's links both ways."""
    user = api_user()
    project = services.get_project(user, project_id)
    found = links.project_links(user, project)

    def ref(p):
        return project_ref_json(user, p) if p is not None else None

    return jsonify({"duplicate_of": ref(found.duplicate_of), "pooled_with": ref(found.pooled_with),
                    "duplicates": [ref(p) for p in found.duplicates],
                    "pooled_by": [ref(p) for p in found.pooled_by]})


@bp.post("/projects/<int:project_id>/link")
def link(project_id: int):
    """Team: mark the project a duplicate of, or pooled with, `target_id`."""
    user = api_user()
    project = services.get_project(user, project_id)
    body = Payload(json_body())
    target_id = body.integer("target_id", minimum=1)
    kind = body.choice("kind", LINK_KINDS)
    body.check()
    links.link_project(user, project, target_id, kind)
    return jsonify(project_json(project))


@bp.delete("/projects/<int:project_id>/link/<kind>")
def unlink(project_id: int, kind: str):
    """Team: remove the project's link of that kind (200 even when there was none)."""
    user = api_user()
    project = services.get_project(user, project_id)
    links.unlink_project(user, project, kind)
    return jsonify(project_json(project))


# --- journal -------------------------------------------------------------------------------

@bp.get("/projects/<int:project_id>/journal")
def list_journal(project_id: int):
    """The project's journal, latest first."""
    project = services.get_project(api_user(), project_id)
    return jsonify([entry_json(e) for e in journal.journal_entries(project)])


@bp.post("/projects/<int:project_id>/journal")
def add_journal_entry(project_id: int):
    """Team: record an activity: 201."""
    user = api_user()
    project = services.get_project(user, project_id)
    body = Payload(json_body())
    occurred_on = body.date("occurred_on", required=False)
    kind = body.choice("kind", JOURNAL_KINDS)
    title = body.string("title")
    notes = body.string("notes", required=False, max_length=journal.NOTES_MAX, default="",
                        allow_empty=True)
    booking_id = body.integer("booking_id", required=False, minimum=1)
    session_id = body.integer("session_id", required=False, minimum=1)
    body.check()
    entry = journal.add_journal_entry(user, project, occurred_on, kind, title, notes,
                                      booking_id=booking_id, session_id=session_id)
    return jsonify(entry_json(entry)), 201


@bp.patch("/projects/<int:project_id>/journal/<int:entry_id>")
def patch_journal_entry(project_id: int, entry_id: int):
    """Team: correct an entry; absent fields keep their value, `booking_id` or `session_id`
    null removes the link."""
    user = api_user()
    project = services.get_project(user, project_id)
    entry = journal.editable_entry(user, project, entry_id)
    body = Payload(json_body())
    occurred_on = body.date("occurred_on", required=False) or entry.occurred_on
    kind = body.choice("kind", JOURNAL_KINDS, required=False, default=entry.kind)
    title = body.string("title", required=body.has("title"), max_length=journal.TITLE_MAX,
                        default=entry.title)
    notes = body.string("notes", required=False, max_length=journal.NOTES_MAX,
                        default=entry.notes, allow_empty=True)
    booking_id = (body.integer("booking_id", required=False, minimum=1)
                  if body.has("booking_id") else entry.booking_id)
    session_id = (body.integer("session_id", required=False, minimum=1)
                  if body.has("session_id") else entry.session_id)
    body.check()
    entry = journal.update_journal_entry(user, project, entry_id, occurred_on, kind, title,
                                         notes, booking_id=booking_id, session_id=session_id)
    return jsonify(entry_json(entry))


@bp.delete("/projects/<int:project_id>/journal/<int:entry_id>")
def delete_journal_entry(project_id: int, entry_id: int):
    """Team: delete an entry: 204."""
    user = api_user()
    journal.delete_journal_entry(user, services.get_project(user, project_id), entry_id)
    return "", 204


# --- contacts ------------------------------------------------------------------------------

@bp.get("/projects/<int:project_id>/contacts")
def list_contacts(project_id: int):
    """The project's contacts (they receive its satisfaction survey)."""
    project = services.get_project(api_user(), project_id)
    return jsonify([contact_json(c) for c in project.contacts])


@bp.post("/projects/<int:project_id>/contacts")
def add_contact(project_id: int):
    """Add a contact: 201; 409 when that e-mail is already a contact."""
    user = api_user()
    project = services.get_project(user, project_id)
    body = Payload(json_body())
    name = body.string("name", max_length=contacts.NAME_MAX)
    email = body.string("email", max_length=254)
    role = body.string("role", required=False, max_length=contacts.ROLE_MAX, default="",
                       allow_empty=True)
    body.check()
    return jsonify(contact_json(contacts.add_contact(user, project, name, email, role))), 201


@bp.patch("/projects/<int:project_id>/contacts/<int:contact_id>")
def patch_contact(project_id: int, contact_id: int):
    """Correct a contact (who may add one); absent fields keep their value. 409 when the
    new e-mail is another contact's."""
    user = api_user()
    project = services.get_project(user, project_id)
    contact = contacts.editable_contact(user, project, contact_id)
    body = Payload(json_body())
    name = body.string("name", required=body.has("name"), max_length=contacts.NAME_MAX,
                       default=contact.name)
    email = body.string("email", required=body.has("email"), max_length=254,
                        default=contact.email)
    role = body.string("role", required=False, max_length=contacts.ROLE_MAX,
                       default=contact.role, allow_empty=True)
    body.check()
    return jsonify(contact_json(contacts.update_contact(user, project, contact_id, name, email,
                                                        role)))


@bp.delete("/projects/<int:project_id>/contacts/<int:contact_id>")
def remove_contact(project_id: int, contact_id: int):
    """Remove a contact: 204; 409 for the last one."""
    user = api_user()
    contacts.remove_contact(user, services.get_project(user, project_id), contact_id)
    return "", 204


_ID = {"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_ENTRY_ID = {"name": "entry_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_CONTACT_ID = {"name": "contact_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_REF = {"type": ["object", "null"], "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "status": {"type": "string"},
    "visible": {"type": "boolean", "description": "Le demandeur peut ouvrir ce projet"}}}
ENTRY_SCHEMA = {
    "type": "object",
    "required": ["id", "project_id", "occurred_on", "kind", "title", "notes", "booking_id",
                 "session_id"],
    "properties": {
        "id": {"type": "integer"},
        "project_id": {"type": "integer"},
        "occurred_on": {"type": "string", "format": "date"},
        "kind": {"type": "string", "enum": list(JOURNAL_KINDS)},
        "title": {"type": "string"},
        "notes": {"type": "string"},
        "booking_id": {"type": ["integer", "null"]},
        "session_id": {"type": ["integer", "null"]},
        "author_id": {"type": ["integer", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
CONTACT_SCHEMA = {
    "type": "object", "required": ["id", "name", "email", "role"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                   "email": {"type": "string", "format": "email"}, "role": {"type": "string"}},
}
_PROJECT = {"$ref": "#/components/schemas/Project"}
_ENTRY = {"$ref": "#/components/schemas/JournalEntry"}
_CONTACT = {"$ref": "#/components/schemas/ProjectContact"}

register_paths({
    "/projects/{project_id}/links": {
        "get": operation(
            "Liens du projet dans les deux sens : doublon de, mutualisé avec, et les projets "
            "qui pointent vers lui (un agent ne voit que ceux de ses propres demandes)",
            {"200": json_response("Liens", {"type": "object", "properties": {
                "duplicate_of": _REF, "pooled_with": _REF,
                "duplicates": {"type": "array", "items": _REF},
                "pooled_by": {"type": "array", "items": _REF}}})},
            parameters=[_ID], errors=("401", "404")),
    },
    "/projects/{project_id}/link": {
        "post": operation(
            "Équipe : marquer le projet comme doublon d'un autre (`duplicate`) ou mutualisé avec "
            "lui (`pooled`). 422 : projet inconnu ou lui-même ; 409 : le lien formerait une boucle.",
            {"200": json_response("Projet lié", _PROJECT)},
            body={"type": "object", "required": ["target_id", "kind"], "properties": {
                "target_id": {"type": "integer"},
                "kind": {"type": "string", "enum": list(LINK_KINDS)}}},
            parameters=[_ID], errors=("400", "401", "403", "404", "409", "422")),
    },
    "/projects/{project_id}/link/{kind}": {
        "delete": operation(
            "Équipe : retirer le lien de ce type",
            {"200": json_response("Projet", _PROJECT)},
            parameters=[_ID, {"name": "kind", "in": "path", "required": True,
                              "schema": {"type": "string", "enum": list(LINK_KINDS)}}],
            errors=("401", "403", "404", "422")),
    },
    "/projects/{project_id}/journal": {
        "get": operation("Journal d'activité du projet (le plus récent d'abord)",
                         {"200": json_response("Activités", {"type": "array", "items": _ENTRY})},
                         parameters=[_ID], errors=("401", "404")),
        "post": operation(
            "Équipe : inscrire une activité (201). `booking_id` : une réservation du projet ; "
            "`session_id` : une session. Sans `occurred_on`, le jour (Europe/Paris) de la "
            "réservation ou de la session.",
            {"201": json_response("Activité inscrite", _ENTRY)},
            body={"type": "object", "required": ["kind", "title"], "properties": {
                "occurred_on": {"type": "string", "format": "date"},
                "kind": {"type": "string", "enum": list(JOURNAL_KINDS)},
                "title": {"type": "string", "maxLength": journal.TITLE_MAX},
                "notes": {"type": "string"},
                "booking_id": {"type": "integer"},
                "session_id": {"type": "integer"}}},
            parameters=[_ID], errors=("400", "401", "403", "404", "422")),
    },
    "/projects/{project_id}/journal/{entry_id}": {
        "patch": operation(
            "Équipe : corriger une activité. Les champs absents gardent leur valeur ; "
            "`booking_id` ou `session_id` à `null` retire le lien. 404 : activité d'un autre "
            "projet.",
            {"200": json_response("Activité corrigée", _ENTRY)},
            body={"type": "object", "properties": {
                "occurred_on": {"type": "string", "format": "date"},
                "kind": {"type": "string", "enum": list(JOURNAL_KINDS)},
                "title": {"type": "string", "maxLength": journal.TITLE_MAX},
                "notes": {"type": "string", "maxLength": journal.NOTES_MAX},
                "booking_id": {"type": ["integer", "null"]},
                "session_id": {"type": ["integer", "null"]}}},
            parameters=[_ID, _ENTRY_ID], errors=("400", "401", "403", "404", "422")),
        "delete": operation(
            "Équipe : supprimer une activité du journal (204)",
            {"204": {"description": "Activité supprimée"}},
            parameters=[_ID, _ENTRY_ID], errors=("401", "403", "404")),
    },
    "/projects/{project_id}/contacts": {
        "get": operation("Contacts du projet (destinataires du questionnaire de satisfaction)",
                         {"200": json_response("Contacts", {"type": "array", "items": _CONTACT})},
                         parameters=[_ID], errors=("401", "404")),
        "post": operation(
            "Ajouter un contact (équipe ; le demandeur tant que la demande n'est pas qualifiée). "
            "409 si l'adresse est déjà un contact.",
            {"201": json_response("Contact ajouté", _CONTACT)},
            body={"type": "object", "required": ["name", "email"], "properties": {
                "name": {"type": "string", "maxLength": contacts.NAME_MAX},
                "email": {"type": "string", "format": "email"},
                "role": {"type": "string", "maxLength": contacts.ROLE_MAX}}},
            parameters=[_ID], errors=("400", "401", "403", "404", "409", "422")),
    },
    "/projects/{project_id}/contacts/{contact_id}": {
        "patch": operation(
            "Corriger un contact (équipe ; le demandeur tant que la demande n'est pas "
            "qualifiée). Les champs absents gardent leur valeur ; 409 si l'adresse est celle "
            "d'un autre contact du projet.",
            {"200": json_response("Contact corrigé", _CONTACT)},
            body={"type": "object", "properties": {
                "name": {"type": "string", "maxLength": contacts.NAME_MAX},
                "email": {"type": "string", "format": "email"},
                "role": {"type": "string", "maxLength": contacts.ROLE_MAX}}},
            parameters=[_ID, _CONTACT_ID], errors=("400", "401", "403", "404", "409", "422")),
        "delete": operation(
            "Retirer un contact (204) ; 409 pour le dernier",
            {"204": {"description": "Contact retiré"}},
            parameters=[_ID, _CONTACT_ID], errors=("401", "403", "404", "409")),
    },
}, {"JournalEntry": ENTRY_SCHEMA, "ProjectContact": CONTACT_SCHEMA})
