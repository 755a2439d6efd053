"""Team pages of the contract calendar: milestones created, edited and closed
(one commit per request; on a domain error, the messages next to the fields)."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from labapp.errors import DomainError, ValidationFailed
from labapp.extensions import db
from labapp.forms_util import show_domain_error
from labapp.indicators import milestones as service
from labapp.indicators.forms import CloseMilestoneForm, MilestoneForm, NewMilestoneForm
from labapp.indicators.web import bp, team_required
from labapp.timeutil import PARIS


def _render(forms: dict, new_form: NewMilestoneForm | None = None, status: int = 200):
    milestones = service.list_milestones()
    for m in milestones:
        if m.id not in forms:
            forms[m.id] = MilestoneForm(prefix=f"m{m.id}", data={
                "label": m.label, "planned_start": m.planned_start, "planned_end": m.planned_end,
                "actual_start": m.actual_start, "actual_end": m.actual_end, "note": m.note})
    return render_template("indicators/milestones.html", milestones=milestones, forms=forms,
                           new_form=new_form or NewMilestoneForm(prefix="new"),
                           close_form=CloseMilestoneForm()), status


def _status(error: DomainError) -> int:
    return 422 if isinstance(error, ValidationFailed) else 409


@bp.get("/calendrier")
@team_required
def milestones():
    """Calendar milestones of the contract, planned against actual."""
    return _render({})


@bp.post("/calendrier/nouveau")
@team_required
def create_milestone():
    form = NewMilestoneForm(prefix="new")
    if form.validate_on_submit():
        try:
            milestone = service.create_milestone(current_user, form.label.data,
                                                 form.planned_start.data, form.planned_end.data,
                                                 form.note.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
            return _render({}, form, _status(error))
        db.session.commit()
        flash(f"Jalon « {milestone.label} » ajouté au calendrier.", "success")
        return redirect(url_for("indicators.milestones"))
    return _render({}, form, 422)


@bp.post("/calendrier/<int:milestone_id>")
@team_required
def update_milestone(milestone_id: int):
    form = MilestoneForm(prefix=f"m{milestone_id}")
    service.get_milestone(current_user, milestone_id)  # 404 before anything else
    if form.validate_on_submit():
        try:
            milestone = service.edit_milestone(
                current_user, milestone_id, label=form.label.data,
                planned_start=form.planned_start.data, planned_end=form.planned_end.data,
                actual_start=form.actual_start.data, actual_end=form.actual_end.data,
                note=form.note.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
            return _render({milestone_id: form}, status=_status(error))
        db.session.commit()
        flash(f"Jalon « {milestone.label} » enregistré.", "success")
        return redirect(url_for("indicators.milestones"))
    return _render({milestone_id: form}, status=422)


@bp.post("/calendrier/<int:milestone_id>/clore")
@team_required
def close_milestone(milestone_id: int):
    """The milestone is reached today (Paris)."""
    service.get_milestone(current_user, milestone_id)
    if not CloseMilestoneForm().validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page et recommencez.", "error")
        return redirect(url_for("indicators.milestones"))
    try:
        milestone = service.close_milestone(current_user, milestone_id,
                                            datetime.now(PARIS).date())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("indicators.milestones"))
    db.session.commit()
    flash(f"Jalon « {milestone.label} » clos au {milestone.actual_end:%d/%m/%Y}.", "success")
    return redirect(url_for("indicators.milestones"))
