"""Project page actions: links between projects, activity journal, contacts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from labapp.errors import DomainError
from labapp.extensions import db
from labapp.input_checks import digits_value
from labapp.projects import contacts, journal, links, services
from labapp.projects.forms import ContactForm, JournalForm, LinkForm, RemoveContactForm, UnlinkForm
from labapp.projects.views import render_project, set_journal_choices, submit_project_form

bp = Blueprint("project_activity", __name__, url_prefix="/projets")
LINKED_MESSAGES = {"duplicate": "Projet marqué comme doublon.",
                   "pooled": "Projet marqué comme mutualisé."}


def _back(project):
    return redirect(url_for("projects.show", project_id=project.id))


@bp.post("/<int:project_id>/liens")
@login_required
def link(project_id: int):
    """Team: mark the project a duplicate of, or pooled with, another project."""
    project = services.get_project(current_user, project_id)
    form = LinkForm(prefix="link")
    return submit_project_form(project, form, "link", lambda: links.link_project(
        current_user, project, form.target_id.data, form.kind.data),
        LINKED_MESSAGES.get(form.kind.data, "Lien enregistré."))


@bp.post("/<int:project_id>/liens/retirer")
@login_required
def unlink(project_id: int):
    """Team: remove the project's duplicate or pooling link."""
    project = services.get_project(current_user, project_id)
    form = UnlinkForm()
    if form.validate_on_submit():
        try:
            links.unlink_project(current_user, project, form.kind.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_project(project, error.status)
        db.session.commit()
        flash("Lien retiré.", "info")
        return _back(project)
    flash("Le formulaire a expiré : rechargez la page et recommencez.", "error")
    return render_project(project, 400)


@bp.post("/<int:project_id>/journal")
@login_required
def add_journal_entry(project_id: int):
    """Team: record a workshop, meeting or interview of the project."""
    project = services.get_project(current_user, project_id)
    form = JournalForm(prefix="journal")
    if current_user.is_team:
        set_journal_choices(form, project)
    return submit_project_form(project, form, "journal", lambda: journal.add_journal_entry(
        current_user, project, form.occurred_on.data, form.kind.data, form.title.data,
        form.notes.data or "", booking_id=form.booking_id.data,
        session_id=form.session_id.data), "Activité ajoutée au journal.")


@bp.post("/<int:project_id>/contacts")
@login_required
def add_contact(project_id: int):
    """Add a contact (team; the requester while the request awaits qualification)."""
    project = services.get_project(current_user, project_id)
    form = ContactForm(prefix="contact")
    return submit_project_form(project, form, "contact", lambda: contacts.add_contact(
        current_user, project, form.name.data, form.email.data, form.role.data or ""),
        "Contact ajouté.")


@bp.post("/<int:project_id>/contacts/retirer")
@login_required
def remove_contact(project_id: int):
    """Remove a contact; the last one stays (error shown next to it)."""
    project = services.get_project(current_user, project_id)
    form = RemoveContactForm()
    raw_id = request.form.get("contact_id", "")
    contact_id = digits_value(raw_id) or 0
    if not form.validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page et recommencez.", "error")
        return render_project(project, 400)
    try:
        contacts.remove_contact(current_user, project, contact_id)
    except DomainError as error:
        db.session.rollback()
        if error.errors:
            return render_project(project, error.status, contact_errors={
                contact_id: [m for messages in error.errors.values() for m in messages]})
        flash(error.message, "error")
        return render_project(project, error.status)
    db.session.commit()
    flash("Contact retiré.", "info")
    return _back(project)
