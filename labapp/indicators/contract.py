"""The contract's own figures, as far as the scanned contract (shared/seed) reads: targets,
2023 budget envelopes, forecast savings and calendar milestones.

`load_contract()` adds whatever is missing and never overwrites what the team has recorded
(each figure stays editable on its page). Run by `flask load-contract` and by the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from labapp.extensions import db
from labapp.indicators.definitions import CONTRACT_TARGETS
from labapp.indicators.models import BudgetLine, IndicatorTarget, Milestone, SavingsYear

# The contract keeps two 2023 envelopes (483 200 € and 132 400 €); their column headings
# are lost in the scan. Read as AMOA / AMOE and Fonctionnement / Matériel, AE = CP.
CONTRACT_BUDGET = {
    2023: {"amoa": 483_200, "fonctionnement": 132_400},
}
# Forecast savings: redeployed FTE (3 in 2022, 5 in 2023); time gains of 25 % (trainings)
# and 33 % (operational project support).
CONTRACT_SAVINGS = {2022: 3.0, 2023: 5.0}
TRAINING_GAIN, PROJECT_GAIN = 0.25, 0.33
# Calendar: (label, planned start, planned end).
CONTRACT_MILESTONES = [
    ("Ouverture officielle du lab", date(2022, 2, 1), date(2022, 2, 28)),
    ("Expérimentation et montée en charge progressive", date(2022, 2, 1), date(2022, 12, 31)),
    ("Généralisation avec des volumes plus importants", date(2023, 1, 1), date(2023, 12, 31)),
]


@dataclass
class Loaded:
    targets: int = 0
    budget_lines: int = 0
    savings_years: int = 0
    milestones: int = 0


def load_contract() -> Loaded:
    """Add the contract's figures that are missing (idempotent); only flushes."""
    loaded = Loaded()
    existing = {(t.year, t.code) for t in db.session.scalars(select(IndicatorTarget))}
    for year, targets in CONTRACT_TARGETS.items():
        for code, value in targets.items():
            if (year, code) not in existing:
                db.session.add(IndicatorTarget(year=year, code=code, value=value))
                loaded.targets += 1
    lines = {(b.year, b.tranche, b.nature) for b in db.session.scalars(select(BudgetLine))}
    for year, envelopes in CONTRACT_BUDGET.items():
        for nature, amount in envelopes.items():
            if (year, 1, nature) not in lines:
                db.session.add(BudgetLine(year=year, tranche=1, nature=nature,
                                          ae_planned=Decimal(amount), cp_planned=Decimal(amount)))
                loaded.budget_lines += 1
    savings = {s.year for s in db.session.scalars(select(SavingsYear))}
    for year, fte in CONTRACT_SAVINGS.items():
        if year not in savings:
            db.session.add(SavingsYear(year=year, forecast_fte=fte, training_gain=TRAINING_GAIN,
                                       project_gain=PROJECT_GAIN))
            loaded.savings_years += 1
    labels = set(db.session.scalars(select(Milestone.label)))
    for label, start, end in CONTRACT_MILESTONES:
        if label not in labels:
            db.session.add(Milestone(label=label, planned_start=start, planned_end=end))
            loaded.milestones += 1
    db.session.flush()
    return loaded


@click.command("load-contract")
@with_appcontext
def load_contract_command():
    """Load the contract's targets, 2023 budget, forecast savings and milestones (missing ones
    only; nothing recorded is overwritten)."""
    loaded = load_contract()
    db.session.commit()
    click.echo(f"Données du contrat chargées : {loaded.targets} cibles, {loaded.budget_lines} "
               f"lignes de budget, {loaded.savings_years} années d'économies prévues, "
               f"{loaded.milestones} jalons (les données déjà présentes sont conservées).")
