"""Records pages of the team: targets, budget plan, expenses, milestones and savings.

One commit per request: form -> service -> commit -> flash -> redirect; on a
domain error, rollback and re-render with the messages next to the fields.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from labapp.errors import DomainError, ValidationFailed
from labapp.extensions import db
from labapp.forms_util import show_domain_error
from labapp.indicators import services
from labapp.indicators.definitions import DEFINITIONS
from labapp.indicators.forms import (
    AdjustmentForm,
    BudgetLineForm,
    ExpenseForm,
    SavingsForm,
    TargetsForm,
)
from labapp.indicators.models import NATURES, BudgetLine, Expense, SavingsAdjustment
from labapp.indicators.web import bp, parse_number, selected_year, team_required, year_choices
from labapp.pagination import paginate


def _common(year: int) -> dict:
    return {"year": year, "years": year_choices(year), "freeze": services.active_freeze(year)}


def _fail(form, error: DomainError) -> None:
    db.session.rollback()
    show_domain_error(form, error)


# --- Targets -----------------------------------------------------------------

def _target_form_data(year: int) -> dict:
    targets = services.targets_by_year([year])
    data = {}
    for definition in DEFINITIONS:
        value = targets.get((year, definition.code))
        if value is None:
            data[definition.code] = ""
        elif definition.unit == "ratio":
            data[definition.code] = f"{value * 100:g}".replace(".", ",")
        else:
            data[definition.code] = f"{int(value)}"
    return data


@bp.route("/cibles", methods=["GET", "POST"])
@team_required
def targets():
    """The year's targets: empty removes a target; the ratio is typed in percent."""
    year = selected_year()
    form = TargetsForm() if request.method == "POST" else TargetsForm(data=_target_form_data(year))
    if form.validate_on_submit():
        failed = False
        for definition in DEFINITIONS:
            field = getattr(form, definition.code)
            try:
                value = parse_number(field.data, definition.code,
                                     integer=definition.unit == "count")
                if value is not None and definition.unit == "ratio":
                    if not 0 <= value <= 100:
                        raise ValidationFailed.on(definition.code,
                                                  "Un taux est compris entre 0 et 100 %.")
                    value = value / 100
                services.set_target(current_user, year, definition.code, value)
            except ValidationFailed as error:
                field.errors = list(field.errors) + [error.message]
                failed = True
            except DomainError as error:
                _fail(form, error)
                return render_template("indicators/targets.html", form=form, **_common(year)), 409
        if failed:
            db.session.rollback()
            return render_template("indicators/targets.html", form=form, **_common(year)), 422
        db.session.commit()
        flash(f"Cibles {year} enregistrées.", "success")
        return redirect(url_for("indicators.targets", year=year))
    status = 422 if form.errors else 200
    return render_template("indicators/targets.html", form=form, **_common(year)), status


# --- Budget ------------------------------------------------------------------

def _render_budget(year: int, form: BudgetLineForm, status: int = 200):
    lines = db.session.scalars(select(BudgetLine).where(BudgetLine.year == year)
                               .order_by(BudgetLine.tranche, BudgetLine.nature)).all()
    summary = services.budget_summary(year)
    return render_template("indicators/budget.html", form=form, lines=lines, summary=summary,
                           natures=NATURES, **_common(year)), status


@bp.route("/budget", methods=["GET", "POST"])
@team_required
def budget():
    """Budget plan per year, tranche and nature (AE/CP planned against consumed)."""
    year = selected_year()
    form = BudgetLineForm()
    if form.validate_on_submit():
        try:
            services.set_budget_line(current_user, year, form.tranche.data, form.nature.data,
                                     form.ae_planned.data, form.cp_planned.data)
        except DomainError as error:
            _fail(form, error)
            return _render_budget(year, form, 422 if isinstance(error, ValidationFailed) else 409)
        db.session.commit()
        flash(f"Enveloppe {NATURES[form.nature.data]} de la tranche {form.tranche.data} "
              f"({year}) enregistrée.", "success")
        return redirect(url_for("indicators.budget", year=year))
    return _render_budget(year, form, 422 if form.errors else 200)


# --- Expenses ----------------------------------------------------------------

def _render_expenses(year: int, form: ExpenseForm, status: int = 200):
    from datetime import date

    query = (select(Expense).where(Expense.spent_on >= date(year, 1, 1),
                                   Expense.spent_on < date(year + 1, 1, 1))
             .order_by(Expense.spent_on.desc(), Expense.id.desc()))
    page = paginate(query, request.args.get("page", 1, type=int), 20)
    return render_template("indicators/expenses.html", form=form, page=page, natures=NATURES,
                           **_common(year)), status


@bp.route("/depenses", methods=["GET", "POST"])
@team_required
def expenses():
    """The year's expenses (paginated) and the form recording a new one."""
    year = selected_year()
    form = ExpenseForm()
    if form.validate_on_submit():
        try:
            expense = services.record_expense(
                current_user, form.spent_on.data, form.nature.data, form.ae.data, form.cp.data,
                supplier=(form.supplier.data or "").strip(),
                chorus_ref=(form.chorus_ref.data or "").strip(),
                comment=(form.comment.data or "").strip())
        except DomainError as error:
            _fail(form, error)
            return _render_expenses(year, form, 422 if isinstance(error, ValidationFailed) else 409)
        db.session.commit()
        flash("Dépense enregistrée.", "success")
        return redirect(url_for("indicators.expenses", year=expense.spent_on.year))
    return _render_expenses(year, form, 422 if form.errors else 200)


@bp.post("/depenses/<int:expense_id>/supprimer")
@team_required
def delete_expense(expense_id: int):
    year = selected_year()
    try:
        services.delete_expense(current_user, expense_id)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("indicators.expenses", year=year))
    db.session.commit()
    flash("Dépense supprimée.", "success")
    return redirect(url_for("indicators.expenses", year=year))


# --- Savings -------------------------------------------------------------------

def _render_savings(year: int, form: SavingsForm | None = None,
                    adjustment: AdjustmentForm | None = None, status: int = 200):
    from labapp.indicators.savings import savings_report

    settings = services.savings_settings(year)
    if form is None:
        form = SavingsForm(data={
            "training_gain": f"{settings.training_gain * 100:g}".replace(".", ","),
            "project_gain": f"{settings.project_gain * 100:g}".replace(".", ","),
            "cost_per_fte": f"{settings.cost_per_fte:f}".rstrip("0").rstrip(".").replace(".", ","),
            "forecast_fte": ("" if settings.forecast_fte is None
                             else f"{settings.forecast_fte:g}".replace(".", ",")),
            "gap_explanation": settings.gap_explanation or "",
        })
    adjustments = db.session.scalars(select(SavingsAdjustment).where(SavingsAdjustment.year == year)
                                     .order_by(SavingsAdjustment.created_at)).all()
    return render_template("indicators/savings.html", form=form,
                           adjustment=adjustment or AdjustmentForm(prefix="adj"),
                           adjustments=adjustments, report=savings_report(year),
                           **_common(year)), status


@bp.route("/economies", methods=["GET", "POST"])
@team_required
def savings():
    """Savings hypotheses, computed FTE, manual adjustments, forecast and gap."""
    year = selected_year()
    if request.method == "GET":
        return _render_savings(year)
    form = SavingsForm()
    if form.validate_on_submit():
        try:
            training = parse_number(form.training_gain.data, "training_gain", required=True)
            project = parse_number(form.project_gain.data, "project_gain", required=True)
            forecast = parse_number(form.forecast_fte.data, "forecast_fte")
            services.update_savings(current_user, year, training / 100, project / 100,
                                    form.cost_per_fte.data, forecast, form.gap_explanation.data)
        except DomainError as error:
            _fail(form, error)
            return _render_savings(year, form=form,
                                   status=422 if isinstance(error, ValidationFailed) else 409)
        db.session.commit()
        flash(f"Hypothèses d'économies {year} enregistrées.", "success")
        return redirect(url_for("indicators.savings", year=year))
    return _render_savings(year, form=form, status=422)


@bp.post("/economies/ajustements")
@team_required
def add_adjustment():
    year = selected_year()
    form = AdjustmentForm(prefix="adj")
    if form.validate_on_submit():
        try:
            fte = parse_number(form.fte.data, "fte", required=True)
            services.add_savings_adjustment(current_user, year, fte, form.justification.data)
        except DomainError as error:
            _fail(form, error)
            return _render_savings(year, adjustment=form,
                                   status=422 if isinstance(error, ValidationFailed) else 409)
        db.session.commit()
        flash("Ajustement enregistré.", "success")
        return redirect(url_for("indicators.savings", year=year))
    return _render_savings(year, adjustment=form, status=422)
