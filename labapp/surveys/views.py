"""Survey pages: the public form (personal link or in-room link) and the team's results."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from labapp.errors import Conflict, NotFound, ValidationFailed
from labapp.extensions import db, limiter
from labapp.forms_util import show_domain_error, submit_form
from labapp.surveys import demo, jobs, questionnaires, services  # noqa: F401  (demo, jobs: seeder, tick jobs)
from labapp.surveys import room as in_room
from labapp.surveys.forms import (
    AddQuestionForm,
    QuestionActiveForm,
    option_fields,
    question_form_class,
    raw_answers,
    survey_form_class,
)
from labapp.surveys.models import OVERALL
from labapp.surveys.questionnaires import ensure_questionnaire
from labapp.transactions import writes

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
@limiter.limit(lambda: current_app.config["RATELIMIT_ROOM_ANSWER"], methods=["POST"])
def room(code: str):
    """In-room anonymous answering (short link / QR code): around the session, as many
    answers as participants, one per browser."""
    link = services.room_link_for_code(code)
    cookie = f"{ROOM_COOKIE}_{link.target_kind}_{link.target_id}"
    if request.cookies.get(cookie):
        return _closed("used")
    status = in_room.room_status(link)
    if status.state != "open":
        return _room_unavailable(status.state, status)
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
        except in_room.RoomUnavailable as error:  # filled (or closed) since the form was shown
            db.session.rollback()
            return _room_unavailable(error.state, None)
        db.session.commit()
        response = redirect(url_for("surveys.thanks"))
        response.set_cookie(cookie, "1", max_age=60 * 60 * 24 * 30, httponly=True,
                            samesite="Lax", secure=current_app.config["ENV_NAME"] == "production",
                            path=url_for("surveys.room", code=code))
        return response
    return _form_page(form, questionnaire, title, 422 if form.errors else 200)


def _room_unavailable(state: str, status):
    """Not open yet, closed or full: a French page saying so (200: nothing went wrong)."""
    return _private(make_response(render_template(
        "surveys/room_unavailable.html", state=state, status=status,
        message=in_room.STATE_MESSAGES[state])))


# --- team ----------------------------------------------------------------------------------

def _require_team():
    if not current_user.is_team:
        abort(403)


@bp.get("/equipe/avis/<kind>/<int:target_id>")
@writes  # the in-room link is created on first view, renewed on view
@login_required
def target_results(kind: str, target_id: int):
    """Results of one session or project, with the in-room link and QR code."""
    _require_team()
    if not jobs.known_target(kind, target_id):  # no room link for a target that does not exist
        raise NotFound("Session ou projet introuvable.")
    results = services.results_for(kind, [target_id])
    link = services.room_link(kind, target_id)
    db.session.commit()
    room_url = current_app.config["BASE_URL"] + url_for("surveys.room", code=link.code)
    return render_template("surveys/results.html", results=results, kind=kind, target_id=target_id,
                           room_status=in_room.room_status(link),
                           title=jobs.target_title(kind, target_id), room_url=room_url,
                           offering=_offering_of(kind, target_id),
                           qr_svg=qr_svg(room_url), csv_url=url_for(
                               "surveys.target_csv", kind=kind, target_id=target_id))


@bp.get("/equipe/avis/<kind>/<int:target_id>.csv")
@login_required
def target_csv(kind: str, target_id: int):
    """CSV export of one target's results (counts only below the threshold)."""
    _require_team()
    if not jobs.known_target(kind, target_id):
        raise NotFound("Session ou projet introuvable.")
    results = services.results_for(kind, [target_id])
    return _csv_response(results, f"avis-{kind}-{target_id}.csv")


@bp.get("/equipe/avis/offre/<int:offering_id>")
@login_required
def offering_results(offering_id: int):
    """Results of a catalogue offering: its sessions together, then each session's counts."""
    _require_team()
    offering, sessions, per_session, results = _offering_results(offering_id)
    return render_template("surveys/offering.html", offering=offering, results=results,
                           sessions=sessions, per_session=per_session,
                           csv_url=url_for("surveys.offering_csv", offering_id=offering_id))


@bp.get("/equipe/avis/offre/<int:offering_id>.csv")
@login_required
def offering_csv(offering_id: int):
    """CSV export of an offering's results (counts only below the threshold)."""
    _require_team()
    _, _, _, results = _offering_results(offering_id)
    return _csv_response(results, f"avis-offre-{offering_id}.csv")


def _offering_of(kind: str, target_id: int):
    """The catalogue offering of a session, if any (its page links to the offering's results)."""
    from labapp.trainings.models import Session

    session = db.session.get(Session, target_id) if kind == "session" else None
    return session.offering if session is not None else None


def _offering_results(offering_id: int):
    """The offering, its sessions that were held or have answers (soonest first), their
    counts, and the results of all its sessions together."""
    from labapp.trainings import catalogue

    offering = catalogue.get_offering(offering_id)
    sessions = catalogue.offering_sessions(offering_id)
    ids = [s.id for s in sessions]
    per_session = services.counts_by_target("session", ids)
    shown = [s for s in sessions if s.status == "held" or per_session[s.id].responses
             or per_session[s.id].invited]
    return offering, shown, per_session, services.results_for("session", ids)


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


@bp.get("/equipe/avis/annee/<int:year>/<kind>.csv")
@login_required
def year_csv(year: int, kind: str):
    """CSV export of a year's results for sessions or projects (counts only below the threshold)."""
    _require_team()
    if not 2000 <= year <= 2100 or kind not in jobs.SOURCES:
        abort(404)
    results = services.results_for(kind, jobs.SOURCES[kind].in_year(year))
    return _csv_response(results, f"avis-{year}-{kind}.csv")


# --- the team edits the questionnaires ----------------------------------------------------

QUESTIONNAIRE_NAMES = {"session": "des sessions", "project": "des projets"}


def _questionnaire_kind(kind: str) -> str:
    if kind not in QUESTIONNAIRE_NAMES:
        raise NotFound("Questionnaire inconnu.")
    return kind


@bp.get("/equipe/avis/questionnaires/<kind>")
@login_required
def questionnaire(kind: str):
    """The questions of the sessions' or the projects' questionnaire, to edit or add to."""
    _require_team()
    questionnaire = ensure_questionnaire(_questionnaire_kind(kind))
    db.session.commit()  # created with its standard questions on first use
    return render_template("surveys/questionnaire.html", questionnaire=questionnaire, kind=kind,
                           names=QUESTIONNAIRE_NAMES, action=QuestionActiveForm(), overall=OVERALL)


@bp.route("/equipe/avis/questionnaires/<kind>/questions/<int:question_id>",
          methods=["GET", "POST"])
@login_required
def edit_question(kind: str, question_id: int):
    """Change the wording of a question and of its options (results are kept)."""
    _require_team()
    question = questionnaires.get_question(_questionnaire_kind(kind), question_id)
    form = question_form_class(question)()
    options = option_fields(form, question)
    status = submit_form(form, lambda: questionnaires.edit_question(
        current_user, question, form.label.data, form.hint.data or "",
        {option.id: field.data for option, field in zip(question.options, options, strict=True)}),
        "La question est modifiée. Les réponses déjà reçues sont conservées.")
    if status is None:
        return redirect(url_for("surveys.questionnaire", kind=kind))
    if status == 200:  # not submitted: show the current wordings
        form.label.data, form.hint.data = question.label, question.hint
        for field, option in zip(options, question.options, strict=True):
            field.data = option.label
    return render_template("surveys/question_form.html", form=form, question=question, kind=kind,
                           options=options, names=QUESTIONNAIRE_NAMES), status


@bp.post("/equipe/avis/questionnaires/<kind>/questions/<int:question_id>/<any(retirer, remettre):action>")
@login_required
def toggle_question(kind: str, question_id: int, action: str):
    """Withdraw a question from the form or put it back; its past answers are kept."""
    _require_team()
    question = questionnaires.get_question(_questionnaire_kind(kind), question_id)
    active = action == "remettre"
    done = ("La question est de nouveau posée." if active else
            "La question n'est plus posée. Les réponses déjà reçues restent dans les résultats.")
    # A refusal is flashed on the questionnaire page (the form has no field to show it by).
    submit_form(QuestionActiveForm(), lambda: questionnaires.set_question_active(
        current_user, question, active), done)
    return redirect(url_for("surveys.questionnaire", kind=kind))


@bp.route("/equipe/avis/questionnaires/<kind>/nouvelle-question", methods=["GET", "POST"])
@login_required
def add_question(kind: str):
    """Add an optional question (free text or a choice) at the end of the questionnaire."""
    _require_team()
    questionnaire = ensure_questionnaire(_questionnaire_kind(kind))
    form = AddQuestionForm()
    status = submit_form(form, lambda: questionnaires.add_optional_question(
        current_user, questionnaire, form.label.data, form.kind.data,
        (form.options.data or "").splitlines(), form.hint.data or ""),
        "La question facultative est ajoutée à la fin du questionnaire.")
    if status is None:
        return redirect(url_for("surveys.questionnaire", kind=kind))
    return render_template("surveys/question_add.html", form=form, kind=kind,
                           names=QUESTIONNAIRE_NAMES), status


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
        if results.small_groups:
            writer.writerow([f"sessions ou projets de moins de {results.min_answers} réponses "
                             "(commentaires non exportés)", results.small_groups])
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
