"""Public pages: agenda, a page per session, registration (one click or public form),
and the private management link of people without account."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from labapp.errors import DomainError
from labapp.extensions import db, limiter
from labapp.forms_util import show_domain_error
from labapp.pagination import paginate
from labapp.trainings import demo, jobs, services  # noqa: F401  (registers the seeder and tick jobs)
from labapp.trainings import registrations as regs
from labapp.trainings.forms import ActionForm, PublicRegistrationForm
from labapp.trainings.models import ACTIVE_STATUSES, Registration
from labapp.trainings.rules import closed_reason

AGENDA_PAGE_SIZE = 24  # a multiple of the three cards of a row

bp = Blueprint("trainings", __name__)


def _my_registration(session_id: int) -> Registration | None:
    if not current_user.is_authenticated:
        return None
    return db.session.scalar(select(Registration).where(
        Registration.session_id == session_id, Registration.user_id == current_user.id,
        Registration.status.in_(ACTIVE_STATUSES)))


@bp.get("/agenda")
def agenda():
    """Public agenda: upcoming sessions with the seats left, soonest first, paginated."""
    page = paginate(services.agenda_query(), request.args.get("page", 1, type=int),
                    per_page=AGENDA_PAGE_SIZE)
    counts = services.session_counts(s.id for s in page.items)
    return render_template("trainings/agenda.html", sessions=page.items, counts=counts,
                           pagination=page)


def _render_session(session, form=None, status=200):
    from labapp.db_types import utcnow

    counts = services.session_counts([session.id])[session.id]
    mine = _my_registration(session.id)
    position = regs.waitlist_position(mine) if mine else None
    return render_template(
        "trainings/session.html", session=session, counts=counts, mine=mine, position=position,
        place=services.place_label(session),
        closed=closed_reason(session, utcnow()), form=form or PublicRegistrationForm(),
        action=ActionForm()), status


@bp.get("/agenda/sessions/<int:session_id>")
def session_page(session_id: int):
    """One session (public); registration form or one-click button."""
    return _render_session(services.get_session(session_id))


@bp.post("/agenda/sessions/<int:session_id>/inscription")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC_REGISTRATION"],
               exempt_when=lambda: current_user.is_authenticated)
def register(session_id: int):
    """Register: one click for logged-in users, the public form otherwise."""
    session = services.get_session(session_id)
    if current_user.is_authenticated:
        form = ActionForm()
        if not form.validate_on_submit():
            abort(400)
        params = {}
    else:
        form = PublicRegistrationForm()
        if not form.validate_on_submit():
            return _render_session(session, form, 422)
        params = {"name": form.name.data, "email": form.email.data,
                  "organisation": form.organisation.data, "consent": form.consent.data}
    actor = current_user if current_user.is_authenticated else None
    try:
        outcome = regs.register(actor, session_id, **params)
    except DomainError as error:
        db.session.rollback()
        if isinstance(form, PublicRegistrationForm):
            show_domain_error(form, error)
            if "session" in error.errors or not error.errors:
                flash(error.message, "error")
            return _render_session(session, form, 409 if error.status == 409 else 422)
        flash(error.message, "error")
        return redirect(url_for("trainings.session_page", session_id=session_id))
    db.session.commit()
    if outcome.registration.status == "confirmed":
        flash("Votre inscription est confirmée. Un courriel de confirmation vous a été envoyé.",
              "success")
    else:
        flash(f"La session est complète : vous êtes en liste d'attente, en position "
              f"{outcome.waitlist_position}. Vous serez prévenu(e) par courriel si une place "
              "se libère.", "info")
    return redirect(url_for("trainings.session_page", session_id=session_id))


@bp.post("/inscriptions/<int:registration_id>/annuler")
def cancel_mine(registration_id: int):
    """A logged-in registrant cancels their registration."""
    if not current_user.is_authenticated:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        registration = regs.cancel_registration(current_user, registration_id)
    except DomainError as error:
        db.session.rollback()
        if error.status == 404:
            raise
        flash(error.message, "error")
        return redirect(url_for("trainings.agenda"))
    db.session.commit()
    flash("Votre inscription est annulée.", "success")
    return redirect(url_for("trainings.session_page", session_id=registration.session_id))


@bp.route("/inscriptions/gerer/<token>", methods=["GET", "POST"])
def manage_registration(token: str):
    """Private link of a registrant without account: see and cancel the registration."""
    registration = regs.registration_for_token(token)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            registration = regs.cancel_registration_by_token(token)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash("Votre inscription est annulée. Merci de nous avoir prévenus.", "success")
        return redirect(url_for("trainings.manage_registration", token=token))
    response = render_template(
        "trainings/manage.html", registration=registration, session=registration.session,
        position=regs.waitlist_position(registration), form=form)
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


# Team and catalogue pages on the same blueprint.
from labapp.trainings import catalogue_views, team_views  # noqa: E402,F401
