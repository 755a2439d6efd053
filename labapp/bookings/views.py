"""Pages: request form, Mes réservations, Demandes à traiter, one booking."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

import labapp.bookings.admin_views  # noqa: F401  (registers its routes)
import labapp.bookings.calendar_views  # noqa: F401  (registers its routes)
import labapp.bookings.demo  # noqa: F401  (registers the demo seeders)
from labapp.api.payload import Payload
from labapp.api.problems import problem
from labapp.bookings import api_series, queries, series, services, site_services
from labapp.bookings.blueprint import bp
from labapp.bookings.forms import BookingRequestForm, CancelForm, DecisionForm
from labapp.bookings.models import Booking
from labapp.db_types import utcnow
from labapp.errors import DomainError, ValidationFailed
from labapp.extensions import db
from labapp.forms_util import show_domain_error
from labapp.pagination import paginate
from labapp.timeutil import InvalidLocalTime, combine_paris, supported_date


@bp.before_request
@login_required
def _signed_in():
    """Every booking page needs an account."""


def _team_only():
    if not current_user.is_team:
        abort(403)


def _grouped_space_choices(spaces):
    """The spaces as options, in one group per site when there are several sites."""
    options = [(s, (s.id, f"{s.name} ({s.capacity} personnes)")) for s in spaces]
    if len({s.site_id for s in spaces}) < 2:
        return [option for _, option in options]
    groups: dict[str, list] = {}
    for space, option in options:
        groups.setdefault(space.site.name, []).append(option)
    return groups


# Service field names of a slot's bounds -> the request form's fields.
SLOT_FIELDS = {"start": "start_time", "end": "end_time"}


@bp.route("/demande", methods=["GET", "POST"])
def new():
    """Request form; "Vérifier" lists conflicts (and each date of a series) before sending."""
    form = BookingRequestForm()
    form.space_id.choices = _grouped_space_choices(site_services.list_spaces())
    if request.method == "GET":
        form.space_id.data = request.args.get("space_id", type=int) or form.space_id.data
        form.day.data = _arg_date("date") or form.day.data
        form.attendees.data = form.attendees.data or 1
    preview = None
    if form.validate_on_submit():
        try:
            if "check" in request.form:
                preview = _preview(form)
            else:
                created = _send(form)
                db.session.commit()
                flash(_sent_message(created), "success")
                return redirect(url_for("bookings.mine"))
        except DomainError as error:
            db.session.rollback()
            # The services name the slot's bounds start/end: put their messages next to the
            # form's time fields (marked invalid) rather than in a detached flash message.
            error.errors = {SLOT_FIELDS.get(k, k): v for k, v in error.errors.items()}
            show_domain_error(form, error)
            return render_template("bookings/new.html", form=form, preview=preview), error.status
    status = 422 if form.errors else 200
    return render_template("bookings/new.html", form=form, preview=preview), status


@bp.get("/disponibilite")
def check_slot():
    """The conflict check of the API for the signed-in user (session cookie), for the live
    preview of the request form: JSON, problem+json for malformed parameters.

    With `frequency` (and `until`, `interval`, `weekdays` repeated), every date of the
    series instead, as the API's series preview (POST /api/v1/booking-series/preview)."""
    try:
        if request.args.get("frequency"):
            occurrences = api_series.read_series_preview(_series_query())
            return jsonify(api_series.series_check_json(occurrences))
        check = api_series.read_slot_check(current_user, Payload.query())
    except DomainError as error:
        return problem(error.status, error.message, error.errors)
    return jsonify(api_series.slot_check_json(check))


def _series_query() -> Payload:
    """The query string as a series body: `weekdays` repeated becomes a list, and the
    attendees default to 1 (as for one date)."""
    payload = Payload.query()
    weekdays = request.args.getlist("weekdays")
    if weekdays:
        payload.data["weekdays"] = [int(d) if d.isascii() and d.isdigit() and len(d) < 3 else d
                                   for d in weekdays]
    payload.data.setdefault("attendees", 1)
    return payload


def _bounds(form):
    try:
        return (combine_paris(form.day.data, form.start_time.data),
                combine_paris(form.day.data, form.end_time.data))
    except InvalidLocalTime:
        message = "Cette heure n'existe pas à Paris (passage à l'heure d'été)."
        raise ValidationFailed.on("start_time", message) from None


def _series_args(form) -> dict:
    return dict(space_id=form.space_id.data, first_day=form.day.data, start_time=form.start_time.data,
                end_time=form.end_time.data, until=form.until.data or form.day.data,
                frequency=form.frequency.data, attendees=form.attendees.data,
                interval=form.interval.data or 1, weekdays=form.weekdays.data or None)


def _preview(form):
    """Occurrences (one for a single request) with what prevents each, nothing stored."""
    if form.frequency.data:
        return series.preview_series(**_series_args(form))
    start, end = _bounds(form)
    space = site_services.get_space(form.space_id.data)
    problem = None
    try:
        services.validate_slot(space, start, end, form.attendees.data)
        conflicts = services.find_conflicts(space, start, end)
        if conflicts:
            problem = services.conflict_error(conflicts).message
    except DomainError as error:
        problem = error.message
    return [series.Occurrence(form.day.data, start, end, problem)]


def _send(form) -> list[Booking]:
    direct = form.direct.data and current_user.is_team
    extra = dict(purpose=form.purpose.data, project_id=form.project_id.data,
                 needs=form.needs.data, comment=form.comment.data)
    if form.frequency.data:
        return series.book_series(current_user, title=form.title.data, direct=direct,
                                  skip_unavailable="skip" in request.form, **_series_args(form), **extra)
    start, end = _bounds(form)
    book = services.book_directly if direct else services.request_booking
    return [book(current_user, form.space_id.data, start, end, form.title.data, form.attendees.data,
                 **extra)]


def _sent_message(created: list[Booking]) -> str:
    if created[0].status == "approved":
        return f"{len(created)} réservation(s) enregistrée(s) et acceptée(s)."
    if len(created) > 1:
        return f"Votre demande pour {len(created)} dates est envoyée à l'équipe du lab."
    return "Votre demande est envoyée à l'équipe du lab, qui vous répondra par courriel."


def _arg_date(name: str) -> date | None:
    try:
        day = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return day if supported_date(day) else None


@bp.get("/mes-reservations")
def mine():
    """Mes réservations: the agent's own bookings, upcoming first then past, 25 per page."""
    query = queries.bookings_query(current_user, mine=True).options(selectinload(Booking.space))
    page = paginate(query, request.args.get("page", 1, type=int))
    return render_template("bookings/mine.html", bookings=page.items, pagination=page,
                           cancel_form=CancelForm(formdata=None), now=utcnow())


PENDING_PER_PAGE = 20


@bp.get("/demandes")
def pending():
    """Demandes à traiter (team): pending requests, soonest first and 20 per page, with their
    conflicts highlighted (also against requests on other pages)."""
    _team_only()
    page = paginate(queries.pending_requests_query(), request.args.get("page", 1, type=int),
                    per_page=PENDING_PER_PAGE)
    rows = queries.pending_with_conflicts(page.items)
    return render_template("bookings/pending.html", rows=rows, pagination=page,
                           form=DecisionForm(formdata=None))


@bp.post("/<int:booking_id>/decision")
def decide(booking_id: int):
    """Approve (refusing the overlapping requests shown) or refuse with a reason."""
    _team_only()
    form = DecisionForm()
    action = request.form.get("action")
    try:
        if not form.validate_on_submit() or action not in ("approve", "refuse"):
            raise ValidationFailed.on("reason", "Formulaire invalide : rechargez la page.")
        if action == "approve":
            booking = services.approve_booking(current_user, booking_id)
            message = f"Réservation acceptée : {booking.title}."
        else:
            booking = services.refuse_booking(current_user, booking_id, form.reason.data)
            message = f"Demande refusée : {booking.title}."
        db.session.commit()
        flash(message, "success")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    page = request.form.get("page", type=int)
    return redirect(url_for("bookings.pending", page=page) if page and page > 1
                    else url_for("bookings.pending"))


@bp.get("/<int:booking_id>")
def detail(booking_id: int):
    """One booking with its history (404 for someone else's)."""
    try:
        booking = services.visible_booking(current_user, booking_id)
    except DomainError:
        abort(404)
    return render_template("bookings/detail.html", booking=booking, cancel_form=CancelForm(formdata=None),
                           can_cancel=booking.status in ("pending", "approved") and (
                               current_user.is_team or booking.start_at > utcnow()))


@bp.post("/<int:booking_id>/annulation")
def cancel(booking_id: int):
    """Cancel a booking (and optionally the rest of its series)."""
    form = CancelForm()
    try:
        if not form.validate_on_submit():
            raise ValidationFailed.on("reason", "Formulaire invalide : rechargez la page.")
        cancelled = series.cancel_series(current_user, booking_id, form.reason.data,
                                         following=form.following.data)
        db.session.commit()
        flash(f"{len(cancelled)} réservation(s) annulée(s).", "success")
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(error.message, "error")
    return redirect(request.referrer if _same_site(request.referrer) else url_for("bookings.mine"))


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)

