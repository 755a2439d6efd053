"""Redeployed FTE ("ETP") computed from the recorded activity, with the contract's
hypotheses, the manual adjustments and the forecast.

Formulas (written on the savings page and in the report):
- training FTE = present participant-hours at formations held in the year
  × training gain ÷ 1 607 h (annual working hours of one FTE);
- project FTE = estimated days saved of the projects supported in the year
  × project gain ÷ 228 days (annual working days of one FTE);
- total FTE = training FTE + project FTE + adjustments; savings (€) = total × cost per FTE.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from labapp.extensions import db
from labapp.indicators import conditions as c
from labapp.indicators.conditions import Period
from labapp.indicators.models import SavingsAdjustment
from labapp.indicators.services import savings_settings
from labapp.projects.models import Project
from labapp.trainings.models import Registration, Session

HOURS_PER_FTE = 1607
DAYS_PER_FTE = 228
FORMULA = (
    "ETP formation = heures-participants présentes aux formations tenues dans l'année "
    f"× gain de temps formation ÷ {HOURS_PER_FTE:_} h ; "
    "ETP projets = jours économisés estimés des projets accompagnés dans l'année "
    f"× gain de temps projets ÷ {DAYS_PER_FTE} jours ; "
    "total = ETP formation + ETP projets + ajustements ; économies (€) = total × coût d'un ETP."
).replace("_", "\u00a0")


def savings_report(year: int) -> dict:
    """Hypotheses, activity measures, computed FTE, adjustments, forecast and gap."""
    period = Period.year(year)
    settings = savings_settings(year)
    participant_hours = db.session.scalar(
        select(func.coalesce(func.sum(c.hours_between(Session.start_at, Session.end_at)), 0))
        .select_from(Registration).join(Session, Registration.session_id == Session.id)
        .where(c.present_in(period), Session.kind == "formation")) or 0
    days_saved = db.session.scalar(
        select(func.coalesce(func.sum(Project.days_saved), 0)).where(c.project_supported(period))
    ) or 0
    adjustments = db.session.scalar(
        select(func.coalesce(func.sum(SavingsAdjustment.fte), 0))
        .where(SavingsAdjustment.year == year)) or 0
    participant_hours, days_saved = float(participant_hours), float(days_saved)
    training_fte = participant_hours * settings.training_gain / HOURS_PER_FTE
    project_fte = days_saved * settings.project_gain / DAYS_PER_FTE
    total = training_fte + project_fte + float(adjustments)
    forecast = settings.forecast_fte
    return {
        "year": year,
        "training_gain": settings.training_gain,
        "project_gain": settings.project_gain,
        "cost_per_fte": Decimal(settings.cost_per_fte),
        "participant_hours": round(participant_hours, 2),
        "days_saved": round(days_saved, 1),
        "training_fte": round(training_fte, 3),
        "project_fte": round(project_fte, 3),
        "adjustments_fte": round(float(adjustments), 3),
        "total_fte": round(total, 3),
        "savings_eur": (Decimal(str(round(total, 3))) * Decimal(settings.cost_per_fte)
                        ).quantize(Decimal("1")),
        "forecast_fte": forecast,
        "gap_fte": round(total - forecast, 3) if forecast is not None else None,
        "gap_explanation": settings.gap_explanation,
        "formula": FORMULA,
    }
