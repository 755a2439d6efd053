"""Team settings (opening hours, booking rules, closures) and admin editing of spaces."""

from __future__ import annotations

from datetime import time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from labapp.bookings import site_services
from labapp.bookings.blueprint import bp
from labapp.bookings.forms import ClosureForm, RulesForm, SpaceForm
from labapp.bookings.models import WEEKDAY_LABELS, Closure, Space
from labapp.errors import DomainError, ValidationFailed
from labapp.extensions import db
from labapp.forms_util import commit_or_show, show_domain_error


def _settings_page(site, rules_form=None, closure_form=None, status=200):
    closures = db.session.scalars(select(Closure).where(Closure.site_id == site.id)
                                  .order_by(Closure.start_date.desc())).all()
    hours = {h.weekday: h for h in site.opening_hours}
    return render_template(
        "bookings/settings.html", site=site, closures=closures, hours=hours, weekdays=WEEKDAY_LABELS,
        rules_form=rules_form or RulesForm(obj=site, formdata=None),
        closure_form=closure_form or ClosureForm(formdata=None)), status


@bp.get("/reglages")
def settings():
    """Team: opening hours, buffer, durations, horizon and closures of the lab."""
    if not current_user.is_team:
        abort(403)
    return _settings_page(site_services.default_site())


@bp.post("/reglages/horaires")
def save_hours():
    """Team: opening hours per weekday (both times empty = closed that day)."""
    if not current_user.is_team:
        abort(403)
    site = site_services.default_site()
    hours: dict[int, tuple[time, time] | None] = {}
    try:
        for weekday, label in enumerate(WEEKDAY_LABELS):
            opens = request.form.get(f"opens_{weekday}", "")
            closes = request.form.get(f"closes_{weekday}", "")
            if not opens and not closes:
                hours[weekday] = None
                continue
            try:
                hours[weekday] = (time.fromisoformat(opens), time.fromisoformat(closes))
            except ValueError:
                raise ValidationFailed.on(f"opens_{weekday}",
                                          f"{label} : heures attendues au format HH:MM.") from None
        site_services.set_opening_hours(current_user, site.id, hours)
        db.session.commit()
        flash("Horaires d'ouverture enregistrés.", "success")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(url_for("bookings.settings"))


@bp.post("/reglages/regles")
def save_rules():
    """Team: buffer, minimum and maximum duration, horizon."""
    if not current_user.is_team:
        abort(403)
    site = site_services.default_site()
    form = RulesForm()
    if form.validate_on_submit():
        if commit_or_show(form, lambda: site_services.set_booking_rules(
                current_user, site.id, form.buffer_minutes.data, form.min_duration_minutes.data,
                form.max_duration_minutes.data, form.horizon_days.data),
                "Règles de réservation enregistrées.") is None:
            return redirect(url_for("bookings.settings"))
    return _settings_page(site, rules_form=form, status=422)


@bp.post("/reglages/fermetures")
def add_closure():
    """Team: close the lab on a range of dates."""
    if not current_user.is_team:
        abort(403)
    site = site_services.default_site()
    form = ClosureForm()
    if form.validate_on_submit():
        if commit_or_show(form, lambda: site_services.add_closure(
                current_user, site.id, form.start_date.data, form.end_date.data, form.label.data),
                "Fermeture enregistrée.") is None:
            return redirect(url_for("bookings.settings"))
    return _settings_page(site, closure_form=form, status=422)


@bp.post("/reglages/fermetures/<int:closure_id>/suppression")
def delete_closure(closure_id: int):
    """Team: remove a closure."""
    try:
        site_services.delete_closure(current_user, closure_id)
        db.session.commit()
        flash("Fermeture supprimée.", "success")
    except DomainError as error:
        db.session.rollback()
        abort(error.status)
    return redirect(url_for("bookings.settings"))


@bp.get("/espaces")
def spaces():
    """Admin: bookable spaces."""
    if not current_user.is_admin:
        abort(403)
    return render_template("bookings/spaces.html", spaces=site_services.list_spaces(include_inactive=True))


@bp.route("/espaces/nouveau", methods=["GET", "POST"], defaults={"space_id": None})
@bp.route("/espaces/<int:space_id>", methods=["GET", "POST"])
def edit_space(space_id: int | None):
    """Admin: create or edit a space (capacity, equipment, description)."""
    if not current_user.is_admin:
        abort(403)
    space = db.session.get(Space, space_id) if space_id else None
    if space_id and space is None:
        abort(404)
    form = SpaceForm(obj=space)
    if form.validate_on_submit():
        try:
            site_services.save_space(current_user, space_id, name=form.name.data, capacity=form.capacity.data,
                                     equipment=form.equipment.data, description=form.description.data,
                                     whole=form.whole.data, active=form.active.data)
            db.session.commit()
            flash("Espace enregistré.", "success")
            return redirect(url_for("bookings.spaces"))
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
    status = 422 if form.errors else 200
    return render_template("bookings/space_form.html", form=form, space=space), status
