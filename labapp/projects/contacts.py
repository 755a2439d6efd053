"""A project's contacts: the people kept informed, who receive its satisfaction survey.

A project always keeps at least one contact (the requester by default). The team
edits contacts at any time; the requesting agent while the request is `requested`.
Services take the acting user, raise domain errors and only flush.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from labapp.auth.models import User
from labapp.auth.services import clean_email
from labapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.input_checks import LINE_BREAK, line_problem
from labapp.projects.models import Project, ProjectContact

NAME_MAX = 120
ROLE_MAX = 120
DUPLICATE_MESSAGE = "Cette adresse figure déjà parmi les contacts du projet."


def may_edit_contacts(user: User, project: Project) -> bool:
    """The team always; the requesting agent while the request awaits qualification."""
    return user.is_team or (project.requested_by_id == user.id and project.status == "requested")


def _require_editor(user: User, project: Project) -> None:
    if not may_edit_contacts(user, project):
        raise Forbidden("Une fois la demande qualifiée, seule l'équipe du lab modifie les contacts.")


def add_contact(user: User, project: Project, name: str, email: str,
                role: str = "") -> ProjectContact:
    """Add a contact (name, e-mail, role). ValidationFailed (422): missing name, invalid
    e-mail, text too long. Conflict (409): that e-mail is already a contact."""
    _require_editor(user, project)
    name, address, role = _validated(project, name, email, role)
    contact = ProjectContact(name=name, email=address, role=role)
    with _unique_address():
        project.contacts.append(contact)
        db.session.flush()
    return contact


def update_contact(user: User, project: Project, contact_id: int, name: str, email: str,
                   role: str = "") -> ProjectContact:
    """Correct a contact, with the permission and rules of `add_contact` (another contact
    of the project may not have that e-mail). NotFound (404): not a contact of this project."""
    contact = editable_contact(user, project, contact_id)
    values = _validated(project, name, email, role, contact=contact)
    with _unique_address():
        contact.name, contact.email, contact.role = values
        db.session.flush()
    return contact


def editable_contact(user: User, project: Project, contact_id: int) -> ProjectContact:
    """One contact of this project that `user` may change. Forbidden (403) for who may
    not edit the contacts; NotFound (404) for another project's contact."""
    _require_editor(user, project)
    return _project_contact(project, contact_id)


def _project_contact(project: Project, contact_id: int) -> ProjectContact:
    contact = next((c for c in project.contacts if c.id == contact_id), None)
    if contact is None:
        raise NotFound("Contact introuvable.")
    return contact


def _validated(project: Project, name: str, email: str, role: str,
               contact: ProjectContact | None = None) -> tuple[str, str, str]:
    """(name, normalised e-mail, role), or ValidationFailed (422) / Conflict (409, the
    address of another contact of the project) with French messages by field."""
    errors: dict[str, list[str]] = {}
    name, role = (name or "").strip(), (role or "").strip()
    if not name:
        errors["name"] = ["Indiquez le nom du contact."]
    elif len(name) > NAME_MAX:
        errors["name"] = [f"{NAME_MAX} caractères au plus."]
    elif line_problem(name):
        errors["name"] = [LINE_BREAK]
    if len(role) > ROLE_MAX:
        errors["role"] = [f"{ROLE_MAX} caractères au plus."]
    elif line_problem(role):
        errors["role"] = [LINE_BREAK]
    address = ""
    try:
        address = clean_email(email, field="email")
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    if any(other.email == address for other in project.contacts if other is not contact):
        raise Conflict(DUPLICATE_MESSAGE, {"email": [DUPLICATE_MESSAGE]})
    return name, address, role


@contextmanager
def _unique_address():
    """Flush inside a savepoint: a concurrent write of the same address is a Conflict."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError:
        raise Conflict(DUPLICATE_MESSAGE, {"email": [DUPLICATE_MESSAGE]}) from None


def remove_contact(user: User, project: Project, contact_id: int) -> None:
    """Remove one contact. NotFound (404): not a contact of this project. Conflict (409):
    it is the last one (the survey needs somebody to go to)."""
    _require_editor(user, project)
    contact = _project_contact(project, contact_id)
    if _locked_contact_count(project) <= 1:
        message = "Le projet doit garder au moins un contact : ajoutez-en un autre d'abord."
        raise Conflict(message, {"contact_id": [message]})
    project.contacts.remove(contact)
    db.session.flush()


def _locked_contact_count(project: Project) -> int:
    """The number of contacts, counted after locking the project row on PostgreSQL so that
    two simultaneous removals cannot both leave the project without a contact (SQLite
    already serialises writing transactions with BEGIN IMMEDIATE)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    return db.session.scalar(select(func.count(ProjectContact.id))
                             .where(ProjectContact.project_id == project.id)) or 0
