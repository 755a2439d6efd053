"""Rules for the contract data the team records: targets, budget, expenses,
savings, milestones and freezing a year's reported figures.

Amounts are euros (Decimal, two places); ratio targets are fractions 0..1.
Services take the acting user, raise domain errors and only flush.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from labapp.auth.models import User
from labapp.auth.services import require_admin, require_team
from labapp.db_types import utcnow
from labapp.errors import Conflict, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.indicators.definitions import BY_CODE
from labapp.indicators.models import (
    NATURES,
    BudgetLine,
    Expense,
    IndicatorTarget,
    Milestone,
    SavingsAdjustment,
    SavingsYear,
    YearFreeze,
)

MIN_YEAR, MAX_YEAR = 2000, 2100


def check_year(year: int, field: str = "year") -> int:
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed.on(field, f"Année attendue entre {MIN_YEAR} et {MAX_YEAR}.")
    return year


def money(value, field: str) -> Decimal:
    """A non-negative amount in euros, rounded to the cent."""
    try:
        amount = Decimal(str(value).replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except (InvalidOperation, ValueError):
        raise ValidationFailed.on(field, "Montant invalide.") from None
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed.on(field, "Le montant doit être positif ou nul.")
    if amount >= Decimal("1e12"):
        raise ValidationFailed.on(field, "Montant trop élevé.")
    return amount.quantize(Decimal("0.01"))


def active_freeze(year: int) -> YearFreeze | None:
    return db.session.scalar(
        select(YearFreeze).where(YearFreeze.year == year, YearFreeze.unfrozen_at.is_(None))
    )


def ensure_not_frozen(year: int) -> None:
    """Reported figures of a frozen year cannot be changed silently."""
    if active_freeze(year) is not None:
        raise Conflict(f"L'année {year} est arrêtée : un administrateur doit d'abord la rouvrir.")


def set_target(actor: User, year: int, code: str, value: float | None) -> IndicatorTarget | None:
    """Set (or with None, remove) the target of an indicator for a year."""
    require_team(actor)
    check_year(year)
    definition = BY_CODE.get(code)
    if definition is None:
        raise ValidationFailed.on("code", "Indicateur inconnu.")
    ensure_not_frozen(year)
    target = db.session.scalar(
        select(IndicatorTarget).where(IndicatorTarget.year == year, IndicatorTarget.code == code)
    )
    if value is None:
        if target is not None:
            db.session.delete(target)
            db.session.flush()
        return None
    if definition.unit == "ratio" and not 0 <= value <= 1:
        raise ValidationFailed.on("value", "Un taux est compris entre 0 et 100 %.")
    if definition.unit == "count" and (value < 0 or value != int(value) or value > 1e9):
        raise ValidationFailed.on("value", "Un nombre entier positif est attendu.")
    if target is None:
        target = IndicatorTarget(year=year, code=code, value=value)
        db.session.add(target)
    else:
        target.value = value
    db.session.flush()
    return target


def targets_by_year(years: list[int]) -> dict[tuple[int, str], float]:
    """{(year, code): target} of these years; a year without a target of its own carries the
    last earlier one forward (the contract ends in 2023; a later year keeps its targets until
    the team records others)."""
    if not years:
        return {}
    rows = db.session.scalars(select(IndicatorTarget).where(IndicatorTarget.year <= max(years))
                              .order_by(IndicatorTarget.year))
    latest: dict[str, list[tuple[int, float]]] = {}
    for t in rows:
        latest.setdefault(t.code, []).append((t.year, t.value))
    result = {}
    for year in years:
        for code, history in latest.items():
            earlier = [value for target_year, value in history if target_year <= year]
            if earlier:
                result[(year, code)] = earlier[-1]
    return result


def set_budget_line(actor: User, year: int, tranche: int, nature: str, ae, cp) -> BudgetLine:
    """Planned AE/CP envelope for a year, tranche and nature of expense."""
    require_team(actor)
    check_year(year)
    if nature not in NATURES:
        raise ValidationFailed.on("nature", "Nature de dépense inconnue.")
    if not isinstance(tranche, int) or not 1 <= tranche <= 10:
        raise ValidationFailed.on("tranche", "Tranche attendue entre 1 et 10.")
    ae_amount, cp_amount = money(ae, "ae_planned"), money(cp, "cp_planned")
    ensure_not_frozen(year)
    line = db.session.scalar(select(BudgetLine).where(
        BudgetLine.year == year, BudgetLine.tranche == tranche, BudgetLine.nature == nature))
    if line is None:
        line = BudgetLine(year=year, tranche=tranche, nature=nature)
        db.session.add(line)
    line.ae_planned, line.cp_planned = ae_amount, cp_amount
    db.session.flush()
    return line


def record_expense(actor: User, spent_on: date | None, nature: str | None, ae, cp,
                   supplier: str | None = None, chorus_ref: str | None = None,
                   comment: str | None = None) -> Expense:
    """Record an expense (AE and/or CP, €) under a nature of expense."""
    require_team(actor)
    errors: dict[str, list[str]] = {}
    if spent_on is None:
        errors["spent_on"] = ["Indiquez la date de la dépense."]
    if nature not in NATURES:
        errors["nature"] = ["Choisissez la nature de la dépense."]
    amounts = {}
    for field, value in (("ae", ae), ("cp", cp)):
        try:
            amounts[field] = money(value if value not in (None, "") else 0, field)
        except ValidationFailed as error:
            errors.update(error.errors)
    if not errors and amounts["ae"] == 0 and amounts["cp"] == 0:
        errors["ae"] = ["Indiquez un montant en AE ou en CP."]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    ensure_not_frozen(spent_on.year)
    expense = Expense(spent_on=spent_on, nature=nature, ae=amounts["ae"], cp=amounts["cp"],
                      supplier=(supplier or None), chorus_ref=(chorus_ref or None),
                      comment=(comment or None), created_by_id=actor.id)
    db.session.add(expense)
    db.session.flush()
    return expense


def delete_expense(actor: User, expense_id: int) -> None:
    require_team(actor)
    expense = db.session.get(Expense, expense_id)
    if expense is None:
        raise NotFound("Dépense introuvable.")
    ensure_not_frozen(expense.spent_on.year)
    db.session.delete(expense)
    db.session.flush()


def budget_summary(year: int) -> list[dict]:
    """Per nature: planned and consumed AE/CP for the year, and consumption rates."""
    planned = {
        nature: (ae or Decimal(0), cp or Decimal(0))
        for nature, ae, cp in db.session.execute(
            select(BudgetLine.nature, func.sum(BudgetLine.ae_planned), func.sum(BudgetLine.cp_planned))
            .where(BudgetLine.year == year).group_by(BudgetLine.nature))
    }
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    consumed = {
        nature: (ae or Decimal(0), cp or Decimal(0))
        for nature, ae, cp in db.session.execute(
            select(Expense.nature, func.sum(Expense.ae), func.sum(Expense.cp))
            .where(Expense.spent_on >= start, Expense.spent_on < end).group_by(Expense.nature))
    }
    rows = []
    for nature, label in NATURES.items():
        ae_p, cp_p = planned.get(nature, (Decimal(0), Decimal(0)))
        ae_c, cp_c = consumed.get(nature, (Decimal(0), Decimal(0)))
        rows.append({
            "nature": nature, "label": label,
            "ae_planned": Decimal(ae_p), "cp_planned": Decimal(cp_p),
            "ae_consumed": Decimal(ae_c), "cp_consumed": Decimal(cp_c),
            "ae_rate": float(ae_c / ae_p) if ae_p else None,
            "cp_rate": float(cp_c / cp_p) if cp_p else None,
        })
    return rows


def savings_settings(year: int) -> SavingsYear:
    """The year's savings hypotheses (defaults from the contract when not recorded)."""
    row = db.session.scalar(select(SavingsYear).where(SavingsYear.year == year))
    return row or SavingsYear(year=year, training_gain=0.25, project_gain=0.33,
                              cost_per_fte=Decimal(60000), forecast_fte=None)


def update_savings(actor: User, year: int, training_gain: float, project_gain: float,
                   cost_per_fte, forecast_fte: float | None, gap_explanation: str | None
                   ) -> SavingsYear:
    require_team(actor)
    check_year(year)
    for field, share in (("training_gain", training_gain), ("project_gain", project_gain)):
        if share is None or not 0 <= share <= 1:
            raise ValidationFailed.on(field, "Une part entre 0 et 100 % est attendue.")
    if forecast_fte is not None and not 0 <= forecast_fte <= 10000:
        raise ValidationFailed.on("forecast_fte", "Prévision en ETP invalide.")
    cost = money(cost_per_fte, "cost_per_fte")
    ensure_not_frozen(year)
    row = db.session.scalar(select(SavingsYear).where(SavingsYear.year == year))
    if row is None:
        row = SavingsYear(year=year)
        db.session.add(row)
    row.training_gain, row.project_gain, row.cost_per_fte = training_gain, project_gain, cost
    row.forecast_fte, row.gap_explanation = forecast_fte, (gap_explanation or None)
    db.session.flush()
    return row


def add_savings_adjustment(actor: User, year: int, fte: float, justification: str
                           ) -> SavingsAdjustment:
    require_team(actor)
    check_year(year)
    if not justification or not justification.strip():
        raise ValidationFailed.on("justification", "Justifiez l'ajustement.")
    if not -10000 <= fte <= 10000:
        raise ValidationFailed.on("fte", "Ajustement en ETP invalide.")
    ensure_not_frozen(year)
    row = SavingsAdjustment(year=year, fte=fte, justification=justification.strip(),
                            created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    return row


def freeze_year(actor: User, year: int, figures: dict) -> YearFreeze:
    """Freeze the year's reported figures (who, when)."""
    require_team(actor)
    check_year(year)
    ensure_not_frozen(year)
    freeze = YearFreeze(year=year, figures=figures, frozen_by_id=actor.id, frozen_at=utcnow())
    db.session.add(freeze)
    db.session.flush()
    return freeze


def unfreeze_year(actor: User, year: int, reason: str) -> YearFreeze:
    """Admin only, logged with a reason."""
    require_admin(actor)
    freeze = active_freeze(year)
    if freeze is None:
        raise Conflict(f"L'année {year} n'est pas arrêtée.")
    if not reason or not reason.strip():
        raise ValidationFailed.on("reason", "Indiquez le motif de la réouverture.")
    freeze.unfrozen_at, freeze.unfrozen_by_id = utcnow(), actor.id
    freeze.unfreeze_reason = reason.strip()
    db.session.flush()
    return freeze


def list_milestones() -> list[Milestone]:
    return list(db.session.scalars(select(Milestone).order_by(Milestone.planned_start, Milestone.id)))
