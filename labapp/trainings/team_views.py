"""Team pages: sessions list, create/edit, roster, attendance, sign-in sheet, exports."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from labapp.db_types import utcnow
from labapp.errors import DomainError, ValidationFailed
from labapp.extensions import db
from labapp.forms_util import show_domain_error, submit_form
from labapp.input_checks import digits_value
from labapp.pagination import paginate
from labapp.timeutil import InvalidLocalTime, combine_paris, paris_to_utc, to_paris
from labapp.trainings import catalogue, services
from labapp.trainings import registrations as regs
from labapp.trainings.forms import ActionForm, AddPersonForm, SessionForm
from labapp.trainings.views import bp


def _team_only():
    if not current_user.is_team:
        abort(403)


SESSIONS_PER_PAGE = 25


@bp.get("/equipe/sessions")
@login_required
def sessions():
    """Upcoming sessions (soonest first) then past ones (most recent first), 25 per page
    each (`page_a_venir`, `page`), of one site (`site`) or all, with their counts."""
    from labapp.bookings.site_services import list_sites

    _team_only()
    sites = list_sites()
    site_id = request.args.get("site", type=int)
    site = next((s for s in sites if s.id == site_id), None)
    if site_id is not None and site is None:
        abort(404)
    now = utcnow()
    upcoming = paginate(services.sessions_query(start=now, site_id=site_id),
                        request.args.get("page_a_venir", 1, type=int), SESSIONS_PER_PAGE)
    past = paginate(services.past_sessions_query(now, site_id),
                    request.args.get("page", 1, type=int), SESSIONS_PER_PAGE)
    shown = upcoming.items + past.items
    counts = services.session_counts([s.id for s in shown])
    site_names = {s.id: s.name for s in sites} if len(sites) > 1 and site is None else {}
    places = services.place_labels(shown, site_names)
    return render_template("trainings/team_sessions.html", upcoming=upcoming.items,
                           upcoming_pages=upcoming, past=past.items, pagination=past,
                           counts=counts, places=places, sites=sites, site=site)


def _space_choices(current_space_id: int | None) -> list[tuple[int, str]]:
    """The lab's bookable spaces (the whole lab first, then its zones), named with their
    site when there are several; a session's current space stays listed even if archived."""
    from labapp.bookings.site_services import list_spaces

    spaces = list_spaces(include_inactive=True)  # with their site
    several = len({s.site_id for s in spaces}) > 1
    return [(0, "— Choisissez l'espace —")] + [
        (s.id, (f"{s.site.name} — " if several else "") + f"{s.name} ({s.capacity} places)")
        for s in spaces if s.active or s.id == current_space_id]


def _session_form(session=None) -> SessionForm:
    form = SessionForm()
    form.space_id.choices = _space_choices(session.space_id if session else None)
    if session is not None:  # kind and catalogue entry are fixed once created
        del form.kind
        del form.offering_id
    else:
        form.offering_id.choices = [(0, "— Aucune —")] + [
            (o.id, f"{o.title} ({o.kind_label})") for o in catalogue.list_offerings()]
        if request.method == "GET":
            _prefill_from_offering(form, request.args.get("offre", type=int))
    if session is not None and request.method == "GET":
        start, end = to_paris(session.start_at), to_paris(session.end_at)
        form.title.data = session.title
        form.day.data, form.start_time.data, form.end_time.data = start.date(), start.time(), end.time()
        form.capacity.data, form.location.data = session.capacity, session.location
        form.space_id.data, form.address.data = session.space_id, session.address
        form.video_link.data, form.trainers.data = session.video_link, session.trainers
        form.description.data = session.description
        if session.registration_deadline:
            form.registration_deadline.data = to_paris(session.registration_deadline).replace(tzinfo=None)
    return form


def _prefill_from_offering(form: SessionForm, offering_id: int | None) -> None:
    """"Programmer une session" from the catalogue: start from the offering's values."""
    if offering_id is None:
        return
    try:
        offering = catalogue.get_offering(offering_id)
    except DomainError:
        return
    form.offering_id.data, form.title.data, form.kind.data = offering.id, offering.title, offering.kind
    form.capacity.data, form.description.data = offering.default_capacity, offering.description


def _form_values(form: SessionForm) -> dict:
    """Service arguments from a valid form (times in Paris wall time); a wall time that
    does not exist in Paris is a ValidationFailed on the start time."""
    try:
        start = combine_paris(form.day.data, form.start_time.data)
        end = combine_paris(form.day.data, form.end_time.data)
        deadline = (paris_to_utc(form.registration_deadline.data)
                    if form.registration_deadline.data else None)
    except InvalidLocalTime:
        raise ValidationFailed.on(
            "start_time", "Cette heure n'existe pas à Paris (passage à l'heure d'été).") from None
    return {
        "title": form.title.data, "start_at": start, "end_at": end,
        "capacity": form.capacity.data, "location": form.location.data,
        "space_id": (form.space_id.data or None) if form.location.data == "lab" else None,
        "address": form.address.data or None,
        "video_link": form.video_link.data or None, "registration_deadline": deadline,
        "trainers": form.trainers.data or "", "description": form.description.data or "",
    }


def _save(form: SessionForm, action, success: str) -> int | None:
    """submit_form with the service's field names (start/end) as the form's."""
    mapping = {"start": "start_time", "end": "end_time"}

    def mapped():
        try:
            action()
        except DomainError as error:
            error.errors = {mapping.get(k, k): v for k, v in error.errors.items()}
            raise

    return submit_form(form, mapped, success)


@bp.route("/equipe/sessions/nouvelle", methods=["GET", "POST"])
@login_required
def create_session():
    """Create a session (also in the past, to record history)."""
    _team_only()
    form = _session_form()
    created = []
    status = _save(form, lambda: created.append(services.create_session(
        current_user, kind=form.kind.data, offering_id=form.offering_id.data or None,
        **_form_values(form))), "La session est créée.")
    if status is None:
        return redirect(url_for("trainings.roster", session_id=created[0].id))
    return render_template("trainings/session_form.html", form=form, session=None), status


@bp.route("/equipe/sessions/<int:session_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_session(session_id: int):
    """Edit title, times, capacity, place; registrants are told of a new time or place."""
    _team_only()
    session = services.get_session(session_id)
    form = _session_form(session)
    status = _save(form, lambda: services.update_session(current_user, session_id,
                                                         **_form_values(form)),
                   "La session est modifiée.")
    if status is None:
        return redirect(url_for("trainings.roster", session_id=session_id))
    return render_template("trainings/session_form.html", form=form, session=session), status


@bp.route("/equipe/sessions/<int:session_id>", methods=["GET", "POST"])
@login_required
def roster(session_id: int):
    """Roster (confirmed, waitlisted, cancelled), add a person, attendance, actions."""
    _team_only()
    session = services.get_session(session_id)
    form = AddPersonForm()
    status = 200
    if form.validate_on_submit():
        try:
            outcome = regs.register(current_user, session_id, name=form.name.data,
                                    email=form.email.data, organisation=form.organisation.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
            status = 422
        else:
            db.session.commit()
            label = "confirmée" if outcome.registration.status == "confirmed" else (
                f"en liste d'attente (position {outcome.waitlist_position})")
            flash(f"{outcome.registration.name} est inscrit(e) : inscription {label}.", "success")
            return redirect(url_for("trainings.roster", session_id=session_id))
    elif form.errors:
        status = 422
    rows = regs.list_registrations(current_user, session_id)
    counts = services.session_counts([session_id])[session_id]
    return render_template("trainings/roster.html", session=session, rows=rows, counts=counts,
                           form=form, action=ActionForm(), started=session.start_at <= utcnow()
                           ), status


@bp.post("/equipe/inscriptions/<int:registration_id>/retirer")
@login_required
def remove_person(registration_id: int):
    """Remove someone from a roster (the first waitlisted person is promoted)."""
    _team_only()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        registration = regs.cancel_registration(current_user, registration_id)
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            raise
        flash(error.message, "error")
        return redirect(url_for("trainings.sessions"))
    db.session.commit()
    flash(f"L'inscription de {registration.name} est annulée.", "success")
    return redirect(url_for("trainings.roster", session_id=registration.session_id))


@bp.post("/equipe/sessions/<int:session_id>/emargement")
@login_required
def attendance(session_id: int):
    """Record who came (checked boxes) and who did not."""
    _team_only()
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = [n for n in map(digits_value, request.form.getlist("present")) if n is not None]
    try:
        regs.mark_attendance(current_user, session_id, ids)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("L'émargement est enregistré.", "success")
    return redirect(url_for("trainings.roster", session_id=session_id))


@bp.post("/equipe/sessions/<int:session_id>/tenue")
@login_required
def complete(session_id: int):
    """Mark the session held."""
    return _transition(session_id, services.complete_session, "La session est marquée comme tenue.")


@bp.post("/equipe/sessions/<int:session_id>/annuler")
@login_required
def cancel(session_id: int):
    """Cancel the session; registrants are told by e-mail."""
    return _transition(session_id, services.cancel_session,
                       "La session est annulée ; les inscrits sont prévenus par courriel.")


def _transition(session_id, service, message):
    _team_only()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service(current_user, session_id)
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            raise
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("trainings.roster", session_id=session_id))


@bp.get("/equipe/sessions/<int:session_id>/feuille")
@login_required
def sign_in_sheet(session_id: int):
    """Printable sign-in sheet of the confirmed registrants."""
    _team_only()
    session = services.get_session(session_id)
    rows = [r for r in regs.list_registrations(current_user, session_id) if r.status == "confirmed"]
    return render_template("trainings/sheet.html", session=session, rows=rows)


EXPORT_HEADERS = ["Nom", "Adresse électronique", "Organisation", "Statut", "Présence",
                  "Inscrit(e) le"]


def _export_rows(session_id: int) -> list[list]:
    presence = {True: "présent(e)", False: "absent(e)", None: ""}
    return [[r.name, r.email, r.organisation, r.status_label, presence[r.present],
             to_paris(r.created_at).strftime("%d/%m/%Y %H:%M")]
            for r in regs.list_registrations(current_user, session_id)]


def _filename(session, ext: str) -> str:
    return f"inscrits-session-{session.id}-{to_paris(session.start_at):%Y-%m-%d}.{ext}"


@bp.get("/equipe/sessions/<int:session_id>/inscrits.csv")
@login_required
def export_csv(session_id: int):
    """CSV export of the roster (UTF-8 with BOM, semicolons, for spreadsheet software)."""
    _team_only()
    session = services.get_session(session_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(EXPORT_HEADERS)
    for row in _export_rows(session_id):
        writer.writerow([_safe_cell(v) for v in row])
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(session, "csv")}"'})


def _safe_cell(value):
    """Neutralise spreadsheet formulas in user-entered text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/equipe/sessions/<int:session_id>/inscrits.xlsx")
@login_required
def export_xlsx(session_id: int):
    """XLSX export of the roster."""
    from openpyxl import Workbook

    _team_only()
    session = services.get_session(session_id)
    book = Workbook()
    sheet = book.active
    sheet.title = "Inscrits"
    sheet.append(EXPORT_HEADERS)
    for row in _export_rows(session_id):
        sheet.append([_safe_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition":
                             f'attachment; filename="{_filename(session, "xlsx")}"'})


