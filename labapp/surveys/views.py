"""Survey pages: the public form (personal link or in-room link) and the team's results."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from labapp.errors import Conflict, NotFound, ValidationFailed
from labapp.extensions import db, limiter
from labapp.forms_util import show_domain_error
from labapp.surveys import demo, jobs, services  # noqa: F401  (demo, jobs: seeder, tick jobs)
from labapp.surveys.forms import raw_answers, survey_form_class
from labapp.surveys.questionnaires import ensure_questionnaire

bp = Blueprint("surveys", __name__)

ROOM_COOKIE = "avis_salle"


def _private(response):
    """Capability URLs: never cached, never sent as referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _form_page(form, questionnaire, title, status=200):
    return _private(make_response(render_template(
        "surveys/form.html", form=form, questionnaire=questionnaire, target_title=title), status))


@bp.route("/avis/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def answer(token: str):
    """The survey form of a personal invitation (no account)."""
    invitation = services.invitation_for_token(token)
    state = services.invitation_state(invitation)
    if state != "open":
        return _closed(state)
    questionnaire = invitation.questionnaire
    form = survey_form_class(questionnaire)()
    title = jobs.target_title(invitation.target_kind, invitation.target_id)
    if form.validate_on_submit():
        try:
            services.submit_invitation(token, raw_answers(form, questionnaire))
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_error(form, error)
            return _form_page(form, questionnaire, title, 422)
        except Conflict:
            db.session.rollback()
            return _closed(services.invitation_state(services.invitation_for_token(token)))
        db.session.commit()
        return redirect(url_for("surveys.thanks"))
    return _form_page(form, questionnaire, title, 422 if form.errors else 200)


def _closed(state: str):
    status = 410 if state == "expired" else 200
    return _private(make_response(render_template("surveys/closed.html", state=state), status))


@bp.get("/avis/merci")
def thanks():
    """Thank-you page."""
    return _private(make_response(render_template("surveys/thanks.html")))


@bp.route("/avis/salle/<code>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def room(code: str):
    """In-room anonymous answering (short link / QR code); one answer per browser."""
    link = services.room_link_for_code(code)
    cookie = f"{ROOM_COOKIE}_{link.target_kind}_{link.target_id}"
    if request.cookies.get(cookie):
        return _closed("used")
    questionnaire = ensure_questionnaire(link.target_kind)
    form = survey_form_class(questionnaire)()
    title = jobs.target_title(link.target_kind, link.target_id)
    if form.validate_on_submit():
        try:
            services.submit_in_room(code, raw_answers(form, questionnaire))
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_error(form, error)
            return _form_page(form, questionnaire, title, 422)
        db.session.commit()
        response = redirect(url_for("surveys.thanks"))
        response.set_cookie(cookie, "1", max_age=60 * 60 * 24 * 30, httponly=True,
                            samesite="Lax", secure=current_app.config["ENV_NAME"] == "production",
                            path=url_for("surveys.room", code=code))
        return response
    return _form_page(form, questionnaire, title, 422 if form.errors else 200)


# --- team ----------------------------------------------------------------------------------

def _require_team():
    if not current_user.is_team:
        abort(403)


@bp.get("/equipe/avis/<kind>/<int:target_id>")
@login_required
def target_results(kind: str, target_id: int):
    """Results of one session or project, with the in-room link and QR code."""
    _require_team()
    if kind not in jobs.SOURCES:
        raise NotFound("Type de cible inconnu.")
    results = services.results_for(kind, [target_id])
    link = services.room_link(kind, target_id)
    db.session.commit()
    room_url = current_app.config["BASE_URL"] + url_for("surveys.room", code=link.code)
    return render_template("surveys/results.html", results=results, kind=kind, target_id=target_id,
                           title=jobs.target_title(kind, target_id), room_url=room_url,
                           qr_svg=qr_svg(room_url), csv_url=url_for(
                               "surveys.target_csv", kind=kind, target_id=target_id))


@bp.get("/equipe/avis/<kind>/<int:target_id>.csv")
@login_required
def target_csv(kind: str, target_id: int):
    """CSV export of one target's results (counts only below the threshold)."""
    _require_team()
    if kind not in jobs.SOURCES:
        raise NotFound("Type de cible inconnu.")
    results = services.results_for(kind, [target_id])
    return _csv_response(results, f"avis-{kind}-{target_id}.csv")


@bp.get("/equipe/avis/annee/<int:year>")
@login_required
def year_results(year: int):
    """Results of a year: sessions held and projects completed in that year."""
    _require_team()
    if not 2000 <= year <= 2100:
        abort(404)
    blocks = []
    for kind, source in jobs.SOURCES.items():
        ids = source.in_year(year)
        blocks.append((kind, services.results_for(kind, ids), len(ids)))
    return render_template("surveys/year.html", year=year, blocks=blocks)


def _csv_response(results, filename: str):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["indicateur", "valeur"])
    writer.writerow(["réponses", results.responses])
    writer.writerow(["personnes invitées", results.invited])
    writer.writerow(["invitations répondues", results.answered])
    if results.detailed:
        rate = results.satisfaction
        writer.writerow(["taux de satisfaction", "" if rate is None else f"{rate:.4f}"])
        writer.writerow([])
        writer.writerow(["question", "code réponse", "réponse", "nombre"])
        for q in results.questions:
            for code, label, count in q.counts:
                writer.writerow([q.question.code, code, label, count])
            for text in q.texts:
                writer.writerow([q.question.code, "", text, ""])
    response = make_response("\ufeff" + buffer.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def qr_svg(url: str) -> str:
    """An inline SVG QR code (no inline style), named for assistive technologies."""
    import segno

    svg = segno.make(url, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title="QR code du questionnaire en salle",
        svgclass="lab-qr", lineclass=None)
    return svg.replace("<svg ", '<svg role="img" ', 1)
