"""Demo data of the contract: targets, budget, milestones, savings hypotheses, expenses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from labapp.demo import demo_seeder
from labapp.extensions import db
from labapp.indicators.definitions import CONTRACT_TARGETS
from labapp.indicators.models import (
    BudgetLine,
    Expense,
    IndicatorTarget,
    Milestone,
    SavingsYear,
)

# Planned envelopes (AE = CP here), in euros. The OCR kept 483 200 € and 132 400 € for 2023.
BUDGET = {
    2022: {"fonctionnement": 95_000, "amoa": 180_000, "accompagnement": 40_000},
    2023: {"fonctionnement": 132_400, "amoa": 483_200, "accompagnement": 60_000},
}
MILESTONES = [
    ("Ouverture officielle du lab", date(2022, 2, 1), date(2022, 2, 28), date(2022, 2, 15), None),
    ("Expérimentation et montée en charge progressive", date(2022, 2, 1), date(2022, 12, 31),
     date(2022, 2, 15), date(2022, 12, 31)),
    ("Généralisation avec des volumes plus importants", date(2023, 1, 1), date(2023, 12, 31),
     date(2023, 1, 9), None),
]
EXPENSES = [
    (date(2022, 3, 14), "fonctionnement", 38_500, 38_500, "UGAP", "Mobilier modulable"),
    (date(2022, 6, 2), "amoa", 72_000, 36_000, "Cabinet design de service", "Marché AMOA lot 1"),
    (date(2022, 10, 5), "accompagnement", 12_800, 12_800, "Organisme de formation", "Formations"),
    (date(2023, 2, 20), "amoa", 150_000, 90_000, "Cabinet design de service", "Marché AMOA lot 2"),
    (date(2023, 5, 11), "fonctionnement", 24_300, 24_300, "UGAP", "Matériel d'animation"),
]


@demo_seeder("indicators", order=80)
def seed_indicators() -> None:
    if db.session.scalar(select(IndicatorTarget).limit(1)) is not None:
        return
    for year, targets in CONTRACT_TARGETS.items():
        for code, value in targets.items():
            db.session.add(IndicatorTarget(year=year, code=code, value=value))
    for year, lines in BUDGET.items():
        for nature, amount in lines.items():
            db.session.add(BudgetLine(year=year, tranche=1, nature=nature,
                                      ae_planned=Decimal(amount), cp_planned=Decimal(amount)))
    for label, p_start, p_end, a_start, a_end in MILESTONES:
        db.session.add(Milestone(label=label, planned_start=p_start, planned_end=p_end,
                                 actual_start=a_start, actual_end=a_end))
    db.session.add(SavingsYear(year=2022, forecast_fte=3.0))
    db.session.add(SavingsYear(year=2023, forecast_fte=5.0))
    for spent_on, nature, ae, cp, supplier, comment in EXPENSES:
        db.session.add(Expense(spent_on=spent_on, nature=nature, ae=Decimal(ae), cp=Decimal(cp),
                               supplier=supplier, comment=comment))
    db.session.flush()
