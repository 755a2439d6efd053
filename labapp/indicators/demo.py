"""Demo data of the contract: the contract's own figures (`contract.load_contract`), then
illustrative ones the scan does not give (2022 envelopes, change-management envelope of 2023,
expenses, actual milestone dates). Each part is added only where missing: a migration
already inserts the targets, which must not make the demo skip the rest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from labapp.demo import demo_seeder
from labapp.extensions import db
from labapp.indicators.contract import load_contract
from labapp.indicators.models import BudgetLine, Expense, Milestone

# Illustrative planned envelopes (AE = CP), in euros, besides the contract's 2023 ones.
BUDGET = {
    2022: {"fonctionnement": 95_000, "amoa": 180_000, "accompagnement": 40_000},
    2023: {"accompagnement": 60_000},
}
# Actual dates of the contract's milestones (label: actual start, actual end).
ACTUALS = {
    "Ouverture officielle du lab": (date(2022, 2, 15), date(2022, 2, 15)),
    "Expérimentation et montée en charge progressive": (date(2022, 2, 15), date(2022, 12, 31)),
    "Généralisation avec des volumes plus importants": (date(2023, 1, 9), None),
}
EXPENSES = [
    (date(2022, 3, 14), "fonctionnement", 38_500, 38_500, "UGAP", "Mobilier modulable"),
    (date(2022, 6, 2), "amoa", 72_000, 36_000, "Cabinet design de service", "Marché AMOA lot 1"),
    (date(2022, 10, 5), "accompagnement", 12_800, 12_800, "Organisme de formation", "Formations"),
    (date(2023, 2, 20), "amoa", 150_000, 90_000, "Cabinet design de service", "Marché AMOA lot 2"),
    (date(2023, 5, 11), "fonctionnement", 24_300, 24_300, "UGAP", "Matériel d'animation"),
]


@demo_seeder("indicators", order=80)
def seed_indicators() -> None:
    load_contract()
    lines = {(b.year, b.nature) for b in db.session.scalars(select(BudgetLine))}
    for year, envelopes in BUDGET.items():
        for nature, amount in envelopes.items():
            if (year, nature) not in lines:
                db.session.add(BudgetLine(year=year, tranche=1, nature=nature,
                                          ae_planned=Decimal(amount), cp_planned=Decimal(amount)))
    for milestone in db.session.scalars(select(Milestone)):
        if milestone.label in ACTUALS and milestone.actual_start is None:
            milestone.actual_start, milestone.actual_end = ACTUALS[milestone.label]
    if db.session.scalar(select(Expense.id).limit(1)) is None:
        for spent_on, nature, ae, cp, supplier, comment in EXPENSES:
            db.session.add(Expense(spent_on=spent_on, nature=nature, ae=Decimal(ae),
                                   cp=Decimal(cp), supplier=supplier, comment=comment))
    db.session.flush()
