"""Project page actions: links between projects, activity journal, contacts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from labapp.errors import DomainError
from labapp.extensions import db
from labapp.forms_util import submit_form
from labapp.input_checks import digits_value
from labapp.projects import contacts, journal, links, services
from labapp.projects.forms import (
    ContactForm,
    DeleteForm,
    JournalForm,
    LinkForm,
    RemoveContactForm,
    UnlinkForm,
)
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


@bp.route("/<int:project_id>/journal/<int:entry_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_journal_entry(project_id: int, entry_id: int):
    """Team: correct an entry of the journal (form prefilled with its values)."""
    project = services.get_project(current_user, project_id)
    entry = journal.editable_entry(current_user, project, entry_id)
    form = JournalForm(obj=None if request.method == "POST" else entry)
    set_journal_choices(form, project, entry)
    status = submit_form(form, lambda: journal.update_journal_entry(
        current_user, project, entry_id, form.occurred_on.data, form.kind.data, form.title.data,
        form.notes.data or "", booking_id=form.booking_id.data,
        session_id=form.session_id.data), "Activité du journal modifiée.")
    if status is None:
        return _back(project)
    return render_template("projects/edit_journal_entry.html", project=project, entry=entry,
                           form=form), status


@bp.post("/<int:project_id>/journal/<int:entry_id>/supprimer")
@login_required
def delete_journal_entry(project_id: int, entry_id: int):
    """Team: delete an entry of the journal."""
    project = services.get_project(current_user, project_id)
    if not DeleteForm().validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page et recommencez.", "error")
        return render_project(project, 400)
    journal.delete_journal_entry(current_user, project, entry_id)  # 403/404: error page
    db.session.commit()
    flash("Activité supprimée du journal.", "info")
    return _back(project)


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


@bp.route("/<int:project_id>/contacts/<int:contact_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_contact(project_id: int, contact_id: int):
    """Correct a contact (team; the requester while the request awaits qualification)."""
    project = services.get_project(current_user, project_id)
    contact = contacts.editable_contact(current_user, project, contact_id)
    form = ContactForm(obj=None if request.method == "POST" else contact)
    status = submit_form(form, lambda: contacts.update_contact(
        current_user, project, contact_id, form.name.data, form.email.data, form.role.data or ""),
        "Contact modifié.")
    if status is None:
        return _back(project)
    return render_template("projects/edit_contact.html", project=project, contact=contact,
                           form=form), status
