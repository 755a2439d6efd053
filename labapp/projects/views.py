"""Project pages: request with similar projects, "Mes projets", team list and project page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from labapp.auth.models import User
from labapp.errors import DomainError
from labapp.extensions import db
from labapp.formatting import date_fr, datetime_fr
from labapp.forms_util import commit_or_show, show_domain_error
from labapp.pagination import paginate
from labapp.projects import services
from labapp.projects.contacts import may_edit_contacts
from labapp.projects.forms import (
    AcceptForm,
    ContactForm,
    DeclineForm,
    JournalForm,
    LinkForm,
    RecordForm,
    RequestForm,
    SelectChoice,
    StatusForm,
)
from labapp.projects.journal import journal_entries, project_bookings, sessions_around
from labapp.projects.links import may_open, project_links
from labapp.projects.models import METHODS, STATUS_LABELS, STATUSES, JournalEntry, Project
from labapp.projects.territories import TERRITORIES

bp = Blueprint("projects", __name__, url_prefix="/projets")


@bp.get("/mes-projets")
@login_required
def mine():
    """The agent's own requests."""
    projects = db.session.scalars(
        services.list_projects(current_user).where(Project.requested_by_id == current_user.id)
    ).all()
    return render_template("projects/mine.html", projects=projects)


@bp.route("/demande", methods=["GET", "POST"])
@login_required
def new():
    """Support request; "Vérifier les projets similaires" shows look-alikes before sending."""
    form = RequestForm()
    similar = []
    if form.validate_on_submit():
        similar = services.similar_projects(current_user, form.title.data,
                                            f"{form.description.data} {form.keywords.data or ''}")
        if form.check.data:
            return render_template("projects/new.html", form=form, similar=similar, checked=True)
        try:
            project = services.request_project(current_user, services.ProjectRequest(
                title=form.title.data, description=form.description.data,
                direction=form.direction.data, territory=form.territory.data,
                problem=form.problem.data or "", users_concerned=form.users_concerned.data or "",
                keywords=form.keywords.data or "", desired_timeframe=form.desired_timeframe.data or "",
                mainly_digital=form.mainly_digital.data,
                contacts=[(form.contact_name.data, form.contact_email.data)]))
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
            return render_template("projects/new.html", form=form, similar=similar), 422
        db.session.commit()
        flash("Votre demande est envoyée : l'équipe du lab vous répondra.", "success")
        return redirect(url_for("projects.show", project_id=project.id))
    status = 422 if form.errors else 200
    return render_template("projects/new.html", form=form, similar=similar), status


@bp.get("/")
@login_required
def index():
    """Team: every project, filtered and paginated."""
    if not current_user.is_team:
        abort(403)
    args = request.args
    year = args.get("year", type=int)
    filters = {
        "status": args.get("status") if args.get("status") in STATUSES else None,
        "year": year if year and 2000 <= year <= 2100 else None,
        "direction": (args.get("direction") or "").strip()[:200] or None,
        "territory": args.get("territory") if args.get("territory") in TERRITORIES else None,
        "method": args.get("method") if args.get("method") in METHODS else None,
    }
    page = paginate(services.list_projects(current_user, **filters),
                    args.get("page", 1, type=int), 20)
    active_filters = {k: v for k, v in filters.items() if v}
    return render_template("projects/index.html", page=page, filters=filters,
                           active_filters=active_filters,
                           statuses=STATUS_LABELS, territories=TERRITORIES, methods=METHODS)


def _team_choices():
    return [SelectChoice(u.id, u.name) for u in db.session.scalars(
        select(User).where(User.role.in_(("team", "admin")), User.active).order_by(User.name))]


def render_project(project, status=200, **forms):
    accept = forms.get("accept") or AcceptForm(prefix="accept")
    accept.lead_id.choices = _team_choices()
    if request.method == "GET" and current_user.is_team:
        accept.lead_id.data = current_user.id
    status_form = forms.get("status_form") or StatusForm(
        prefix="status", data={"support_started_on": project.support_started_on,
                               "support_ended_on": project.support_ended_on})
    status_form.status.choices = [
        SelectChoice(project.status, f"{STATUS_LABELS[project.status]} (inchangé)")] + [
        SelectChoice(s, STATUS_LABELS[s]) for s in STATUSES if s in project.allowed_targets()]
    record = forms.get("record") or RecordForm(prefix="record", data={
        "methods": project.methods, "deliverables": project.deliverables,
        "rollout_candidate": project.rollout_candidate, "rollout_scope": project.rollout_scope or "",
        "days_saved": project.days_saved})
    similar = services.similar_projects(current_user, project.title,
                                        f"{project.description} {project.keywords}",
                                        exclude_id=project.id) if current_user.is_team else []
    journal_form = None
    if current_user.is_team:
        journal_form = forms.get("journal") or JournalForm(prefix="journal")
        set_journal_choices(journal_form, project)
    return render_template(
        "projects/show.html", project=project, accept=accept,
        decline=forms.get("decline") or DeclineForm(prefix="decline"),
        status_form=status_form, record=record, similar=similar,
        links=project_links(current_user, project), may_open=may_open,
        link_form=forms.get("link") or LinkForm(prefix="link", formdata=None),
        journal=journal_entries(project), journal_form=journal_form,
        contacts=project.contacts, contacts_editable=may_edit_contacts(current_user, project),
        contact_form=forms.get("contact") or ContactForm(prefix="contact", formdata=None),
        contact_errors=forms.get("contact_errors") or {},
        territories=TERRITORIES, methods=METHODS), status


def set_journal_choices(form: JournalForm, project: Project,
                        entry: JournalEntry | None = None) -> None:
    """The project's bookings and the sessions around its support period, to link an entry;
    an edited `entry`'s own booking and session stay offered even outside those lists."""
    bookings = project_bookings(project)
    sessions = sessions_around(project, services.today_paris())
    if entry is not None and entry.booking is not None and entry.booking not in bookings:
        bookings.append(entry.booking)
    if entry is not None and entry.session is not None and entry.session not in sessions:
        sessions.append(entry.session)
    form.booking_id.choices = [SelectChoice("", "Aucune")] + [
        SelectChoice(b.id, f"{datetime_fr(b.start_at)} – {b.title} ({b.status_label})")
        for b in bookings]
    form.session_id.choices = [SelectChoice("", "Aucune")] + [
        SelectChoice(s.id, f"{date_fr(s.start_at)} – {s.kind_label} : {s.title}")
        for s in sessions]


def submit_project_form(project: Project, form, key: str, action, success: str,
                        category: str = "success"):
    """The form-action shape of the project page: validate `form`, run the service call
    `action`, commit and go back to the page; otherwise show the page again with the
    errors next to the form's fields (422, or the domain error's status). `key` names
    the form for `render_project`."""
    if form.validate_on_submit():
        error = commit_or_show(form, action, success, category)
        if error is None:
            return redirect(url_for("projects.show", project_id=project.id))
        return render_project(project, error.status, **{key: form})
    return render_project(project, 422, **{key: form})


@bp.get("/<int:project_id>")
@login_required
def show(project_id: int):
    """A project (agents: their own only)."""
    return render_project(services.get_project(current_user, project_id))


@bp.post("/<int:project_id>/qualifier")
@login_required
def qualify(project_id: int):
    """Team: accept (support type, lead, start date) or decline (reason)."""
    project = services.get_project(current_user, project_id)
    if "decline-submit" in request.form:
        form = DeclineForm(prefix="decline")
        return submit_project_form(project, form, "decline", lambda: services.decline_project(
            current_user, project, form.decline_reason.data), "Demande déclinée.", "info")
    form = AcceptForm(prefix="accept")
    form.lead_id.choices = _team_choices()
    return submit_project_form(project, form, "accept", lambda: services.accept_project(
        current_user, project, form.support_type.data,
        lead=db.session.get(User, form.lead_id.data),
        started_on=form.support_started_on.data),
        "Demande acceptée : le projet est en cours.")


@bp.post("/<int:project_id>/statut")
@login_required
def change_status(project_id: int):
    """Team: lifecycle and support dates."""
    project = services.get_project(current_user, project_id)
    form = StatusForm(prefix="status")
    form.status.choices = [SelectChoice(s, STATUS_LABELS[s]) for s in STATUSES]
    return submit_project_form(project, form, "status_form", lambda: services.change_project(
        current_user, project, status=form.status.data,
        support_started_on=form.support_started_on.data,
        support_ended_on=form.support_ended_on.data,
        dates_given=(project.status != "requested", True)), "Projet mis à jour.")


@bp.post("/<int:project_id>/fiche")
@login_required
def update_record(project_id: int):
    """Team: methods, deliverables, roll-out, days saved."""
    project = services.get_project(current_user, project_id)
    form = RecordForm(prefix="record")
    return submit_project_form(project, form, "record", lambda: services.update_record(
        current_user, project, methods=form.methods.data,
        deliverables=form.deliverables.data or "",
        rollout_candidate=form.rollout_candidate.data,
        rollout_scope=form.rollout_scope.data or None,
        days_saved=form.days_saved.data), "Fiche du projet enregistrée.")
