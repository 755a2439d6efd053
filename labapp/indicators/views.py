"""Team pages of the indicators: dashboard, drill-down, yearly report, freeze.

The records pages (targets, budget, expenses, milestones, savings) are in
`record_views.py`, on the same blueprint.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from labapp.errors import DomainError
from labapp.extensions import db
from labapp.forms_util import show_domain_error
from labapp.indicators import activity, drilldown, milestone_views, record_views, services  # noqa: F401  (routes)
from labapp.indicators.charts import bar_chart
from labapp.indicators.compute import indicators_for_year
from labapp.indicators.definitions import BY_CODE, STATUS_RULE
from labapp.indicators.forms import FreezeForm, UnfreezeForm
from labapp.indicators.report import XLSX_MIME, compare, csv_text, report_data, xlsx_bytes
from labapp.indicators.web import bp, selected_year, team_required, year_choices
from labapp.timeutil import PARIS

STATUS_BADGES = {"atteint": "success", "en bonne voie": "info", "en retard": "warning"}
SHORT_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
                "oct.", "nov.", "déc."]
TREND_CHARTS = [
    ("projets_accompagnes", "Projets accompagnés"),
    ("formations_dispensees", "Formations dispensées"),
    ("participants", "Participants"),
    ("taux_satisfaction", "Taux de satisfaction"),
]


def _today() -> date:
    return datetime.now(PARIS).date()


def _charts(trend: dict) -> list[dict]:
    labels = [p.label for p in trend["periods"]]
    shorts = [SHORT_MONTHS[p.first.month - 1] for p in trend["periods"]]
    return [{"code": code, "title": title,
             **bar_chart(labels, shorts, trend[code], ratio=code == "taux_satisfaction")}
            for code, title in TREND_CHARTS]


@bp.get("/")
@team_required
def dashboard():
    """The contract table of the chosen year, trend, committee view and lab indicators."""
    year = selected_year()
    today = _today()
    document = indicators_for_year(year, today)
    freeze = services.active_freeze(year)
    rows = compare(document, freeze.figures if freeze else None)
    trend = activity.monthly_trend(year)
    has_data = any(row["value"] not in (None, 0) or row["cumulative"] not in (None, 0)
                   for row in rows)
    return render_template(
        "indicators/dashboard.html", year=year, years=year_choices(year), rows=rows,
        freeze=freeze, has_data=has_data, status_rule=STATUS_RULE, badges=STATUS_BADGES,
        trend=trend, charts=_charts(trend), committee=activity.committee_view(today),
        attendance=activity.attendance(year), surveys=activity.survey_response_rate(year),
        occupancy=activity.occupancy(year), freeze_form=FreezeForm(),
        unfreeze_form=UnfreezeForm(), short_months=SHORT_MONTHS)


@bp.get("/detail/<code>")
@team_required
def detail(code: str):
    """The records a figure counts, paginated (`scope`: year or cumul)."""
    definition = BY_CODE.get(code)
    if definition is None:
        abort(404)
    year = selected_year()
    scope = request.args.get("scope") if request.args.get("scope") in drilldown.SCOPES else "year"
    page = request.args.get("page", 1, type=int)
    context = {"definition": definition, "year": year, "years": year_choices(year),
               "scope": scope, "scopes": drilldown.SCOPES, "others": None}
    if code == "projets_accompagnes":
        context["page"] = drilldown.projects(year, scope, page)
    elif code == "formations_dispensees":
        context["page"] = drilldown.formations(year, scope, page)
    elif code == "participants":
        context["page"] = drilldown.present_registrations(year, scope, page)
        context["bookings"] = drilldown.bookings(year, scope, request.args.get("bpage", 1, type=int))
        context["attendees"] = drilldown.booking_attendees(year, scope)
    else:
        context["page"], context["others"] = drilldown.answers_by_target(year, scope, page)
        context["totals"] = drilldown.answers_totals(year, scope)
    return render_template("indicators/detail.html", **context)


@bp.get("/rapport")
@team_required
def report():
    """The printable yearly report."""
    year = selected_year()
    today = _today()
    return render_template("indicators/report.html", years=year_choices(year), today=today,
                           badges=STATUS_BADGES, **report_data(year, today))


@bp.get("/rapport/<int:year>.xlsx")
@team_required
def report_xlsx(year: int):
    if not services.MIN_YEAR <= year <= services.MAX_YEAR:
        abort(404)
    return Response(xlsx_bytes(report_data(year, _today())), mimetype=XLSX_MIME, headers={
        "Content-Disposition": f'attachment; filename="lab-minnov-indicateurs-{year}.xlsx"'})


@bp.get("/rapport/<int:year>.csv")
@team_required
def report_csv(year: int):
    if not services.MIN_YEAR <= year <= services.MAX_YEAR:
        abort(404)
    return Response(csv_text(report_data(year, _today())), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="lab-minnov-indicateurs-{year}.csv"'})


@bp.post("/<int:year>/arreter")
@team_required
def freeze(year: int):
    """"Arrêter l'année": freeze the indicators document as it is now (who, when)."""
    form = FreezeForm()
    if not form.validate_on_submit():
        flash("Le formulaire a expiré : rechargez la page et recommencez.", "error")
        return redirect(url_for("indicators.dashboard", year=year))
    try:
        services.freeze_year(current_user, year, indicators_for_year(year, _today()))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("indicators.dashboard", year=year))
    db.session.commit()
    current_app.logger.info("Indicateurs : année %s arrêtée par l'utilisateur %s",
                            year, current_user.id)
    flash(f"L'année {year} est arrêtée : ses chiffres sont figés.", "success")
    return redirect(url_for("indicators.dashboard", year=year))


@bp.post("/<int:year>/rouvrir")
@team_required
def unfreeze(year: int):
    """Admin: reopen a frozen year, with a reason (kept on the freeze and logged)."""
    if not current_user.is_admin:
        abort(403)
    form = UnfreezeForm()
    if form.validate_on_submit():
        try:
            services.unfreeze_year(current_user, year, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            current_app.logger.warning(
                "Indicateurs : année %s rouverte par l'administrateur %s ; motif : %s",
                year, current_user.id, form.reason.data.strip())
            flash(f"L'année {year} est rouverte. Motif : {form.reason.data.strip()}", "success")
            return redirect(url_for("indicators.dashboard", year=year))
    for message in form.reason.errors:
        flash(message, "error")
    return redirect(url_for("indicators.dashboard", year=year))
