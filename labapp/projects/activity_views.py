"""Project page actions: links between projects, activity journal, contacts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from labapp.errors import DomainError
from labapp.extensions import db
from labapp.forms_util import commit_or_show
from labapp.projects import contacts, journal, links, services
from labapp.projects.forms import ContactForm, JournalForm, LinkForm, RemoveContactForm, UnlinkForm
from labapp.projects.views import render_project, set_journal_choices

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
    if form.validate_on_submit():
        kind = form.kind.data
        error = commit_or_show(form, lambda: links.link_project(
            current_user, project, form.target_id.data, kind),
            LINKED_MESSAGES.get(kind, "Lien enregistré."))
        if error is None:
            return _back(project)
        return render_project(project, error.status, link=form)
    return render_project(project, 422, link=form)


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
    if form.validate_on_submit():
        error = commit_or_show(form, lambda: journal.add_journal_entry(
            current_user, project, form.occurred_on.data, form.kind.data, form.title.data,
            form.notes.data or "", booking_id=form.booking_id.data,
            session_id=form.session_id.data), "Activité ajoutée au journal.")
        if error is None:
            return _back(project)
        return render_project(project, error.status, journal=form)
    return render_project(project, 422, journal=form)


@bp.post("/<int:project_id>/contacts")
@login_required
def add_contact(project_id: int):
    """Add a contact (team; the requester while the request awaits qualification)."""
    project = services.get_project(current_user, project_id)
    form = ContactForm(prefix="contact")
    if form.validate_on_submit():
        error = commit_or_show(form, lambda: contacts.add_contact(
            current_user, project, form.name.data, form.email.data, form.role.data or ""),
            "Contact ajouté.")
        if error is None:
            return _back(project)
        return render_project(project, error.status, contact=form)
    return render_project(project, 422, contact=form)


@bp.post("/<int:project_id>/contacts/retirer")
@login_required
def remove_contact(project_id: int):
    """Remove a contact; the last one stays (error shown next to it)."""
    project = services.get_project(current_user, project_id)
    form = RemoveContactForm()
    raw_id = request.form.get("contact_id", "")
    contact_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 10 else 0
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
