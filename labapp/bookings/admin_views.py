"""Team settings (opening hours, booking rules, closures) and admin editing of spaces."""

from __future__ import annotations

from datetime import time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from labapp.bookings import site_services
from labapp.bookings.blueprint import bp
from labapp.bookings.forms import ClosureForm, RulesForm, SpaceForm
from labapp.bookings.models import WEEKDAY_LABELS, Site, Space
from labapp.errors import DomainError, ValidationFailed
from labapp.extensions import db
from labapp.forms_util import commit_or_show, show_domain_error


def _site(site_id: int | None) -> Site:
    """The site named in the URL (404 if unknown), or the lab (the first site) for the
    short URLs without one. Team only."""
    if not current_user.is_team:
        abort(403)
    if site_id is None:
        return site_services.default_site()
    site = db.session.get(Site, site_id)
    if site is None:
        abort(404)
    return site


def _settings_page(site, rules_form=None, closure_form=None, status=200):
    closures = site_services.list_closures(site.id)
    hours = {h.weekday: h for h in site.opening_hours}
    sites = site_services.list_sites()
    return render_template(
        "bookings/settings.html", site=site, sites=sites, closures=closures,
        site_arg=None if site.id == sites[0].id else site.id,
        hours=hours, weekdays=WEEKDAY_LABELS,
        rules_form=rules_form or RulesForm(obj=site, formdata=None),
        closure_form=closure_form or ClosureForm(formdata=None)), status


def _back(site):
    return redirect(url_for("bookings.settings", site_id=site.id))


@bp.get("/reglages", defaults={"site_id": None})
@bp.get("/sites/<int:site_id>/reglages")
def settings(site_id: int | None):
    """Team: opening hours, buffer, durations, horizon and closures of a site (the lab by default)."""
    return _settings_page(_site(site_id))


@bp.post("/reglages/horaires", defaults={"site_id": None})
@bp.post("/sites/<int:site_id>/reglages/horaires")
def save_hours(site_id: int | None):
    """Team: opening hours per weekday (both times empty = closed that day)."""
    site = _site(site_id)
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
    return _back(site)


@bp.post("/reglages/regles", defaults={"site_id": None})
@bp.post("/sites/<int:site_id>/reglages/regles")
def save_rules(site_id: int | None):
    """Team: buffer, minimum and maximum duration, horizon."""
    site = _site(site_id)
    form = RulesForm()
    if form.validate_on_submit():
        if commit_or_show(form, lambda: site_services.set_booking_rules(
                current_user, site.id, form.buffer_minutes.data, form.min_duration_minutes.data,
                form.max_duration_minutes.data, form.horizon_days.data),
                "Règles de réservation enregistrées.") is None:
            return _back(site)
    return _settings_page(site, rules_form=form, status=422)


@bp.post("/reglages/fermetures", defaults={"site_id": None})
@bp.post("/sites/<int:site_id>/reglages/fermetures")
def add_closure(site_id: int | None):
    """Team: close a site on a range of dates."""
    site = _site(site_id)
    form = ClosureForm()
    if form.validate_on_submit():
        if commit_or_show(form, lambda: site_services.add_closure(
                current_user, site.id, form.start_date.data, form.end_date.data, form.label.data),
                "Fermeture enregistrée.") is None:
            return _back(site)
    return _settings_page(site, closure_form=form, status=422)


@bp.post("/reglages/fermetures/<int:closure_id>/suppression", defaults={"site_id": None})
@bp.post("/sites/<int:site_id>/reglages/fermetures/<int:closure_id>/suppression")
def delete_closure(closure_id: int, site_id: int | None):
    """Team: remove a closure of the site (another site's closure is not found)."""
    site = _site(site_id)
    try:
        site_services.delete_closure(current_user, closure_id, site.id)
        db.session.commit()
        flash("Fermeture supprimée.", "success")
    except DomainError as error:
        db.session.rollback()
        abort(error.status)
    return _back(site)


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
