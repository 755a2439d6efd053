"""Catalogue pages: the public catalogue (no login) and the team's offerings pages."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from labapp.db_types import utcnow
from labapp.forms_util import submit_form
from labapp.timeutil import to_paris
from labapp.trainings import catalogue
from labapp.trainings.forms import OfferingForm
from labapp.trainings.views import bp


@bp.get("/catalogue")
def public_catalogue():
    """Every active offering with its upcoming open sessions and their seats left."""
    found = catalogue.catalogue(catalogue.list_offerings())
    return render_template("trainings/catalogue.html", entries=found.entries, counts=found.counts)


def _team_only():
    if not current_user.is_team:
        abort(403)


@bp.get("/equipe/catalogue")
@login_required
def offerings():
    """Team: every offering (archived ones too) with its sessions by status."""
    _team_only()
    rows = catalogue.list_offerings(active_only=False)
    stats = catalogue.offering_session_stats(o.id for o in rows)
    return render_template("trainings/offerings.html", offerings=rows, stats=stats,
                           current_year=to_paris(utcnow()).year)


def _values(form: OfferingForm) -> dict:
    return {"title": form.title.data, "kind": form.kind.data, "themes": form.theme_list(),
            "description": form.description.data or "",
            "duration_minutes": form.duration_minutes.data, "audience": form.audience.data,
            "default_capacity": form.default_capacity.data, "active": bool(form.active.data)}


@bp.route("/equipe/catalogue/nouvelle", methods=["GET", "POST"])
@login_required
def create_offering():
    """Team: add an offering to the catalogue."""
    _team_only()
    form = OfferingForm()
    status = submit_form(form, lambda: catalogue.create_offering(current_user, **_values(form)),
                         "L'offre est ajoutée au catalogue.")
    if status is None:
        return redirect(url_for("trainings.offerings"))
    return render_template("trainings/offering_form.html", form=form, offering=None), status


@bp.route("/equipe/catalogue/<int:offering_id>/modifier", methods=["GET", "POST"])
@login_required
def edit_offering(offering_id: int):
    """Team: edit an offering (its existing sessions keep their own title and capacity)."""
    _team_only()
    offering = catalogue.get_offering(offering_id)
    form = OfferingForm()
    status = submit_form(
        form, lambda: catalogue.update_offering(current_user, offering_id, **_values(form)),
        "L'offre est modifiée.")
    if status is None:
        return redirect(url_for("trainings.offerings"))
    if status == 200:  # not submitted: show the offering
        form.fill(offering)
    return render_template("trainings/offering_form.html", form=form, offering=offering), status
