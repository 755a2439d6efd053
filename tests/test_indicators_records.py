"""Targets, budget, expenses, savings and freezing: the data the team records."""

from datetime import date
from decimal import Decimal

import pytest

from labapp.errors import Conflict, Forbidden, ValidationFailed
from labapp.extensions import db
from labapp.indicators import services


@pytest.fixture
def team(create_user):
    return create_user("team")


def test_targets_respect_their_unit(team):
    services.set_target(team, 2024, "taux_satisfaction", 0.85)
    for code, value in (("taux_satisfaction", 1.2), ("projets_accompagnes", -1),
                        ("projets_accompagnes", 2.5)):
        with pytest.raises(ValidationFailed):
            services.set_target(team, 2024, code, value)
    with pytest.raises(ValidationFailed):
        services.set_target(team, 2024, "inconnu", 3)
    assert services.targets_by_year([2024]) == {(2024, "taux_satisfaction"): 0.85}


def test_only_the_team_sets_targets(create_user):
    with pytest.raises(Forbidden):
        services.set_target(create_user("agent"), 2024, "participants", 100)


@pytest.mark.parametrize(("spent_on", "nature", "ae", "cp", "field"), [
    (date(2024, 3, 1), "amoa", "-10", "0", "ae"),
    (date(2024, 3, 1), None, "10", "0", "nature"),
    (None, "amoa", "10", "0", "spent_on"),
    (date(2024, 3, 1), "amoa", "abc", "0", "ae"),
    (date(2024, 3, 1), "amoa", "0", "0", "ae"),
    (date(2024, 3, 1), "amoa", "NaN", "0", "ae"),
])
def test_bad_expenses_are_refused(team, spent_on, nature, ae, cp, field):
    with pytest.raises(ValidationFailed) as error:
        services.record_expense(team, spent_on, nature, ae, cp)
    assert field in error.value.errors


def test_budget_consumption(team):
    services.set_budget_line(team, 2024, 1, "amoa", "100000", "80000")
    services.record_expense(team, date(2024, 2, 1), "amoa", "25 000,50", "20000")
    services.record_expense(team, date(2025, 2, 1), "amoa", "99", "99")  # another year
    db.session.commit()
    amoa = {row["nature"]: row for row in services.budget_summary(2024)}["amoa"]
    assert amoa["ae_consumed"] == Decimal("25000.50")
    assert amoa["ae_rate"] == pytest.approx(0.250005)
    assert amoa["cp_rate"] == pytest.approx(0.25)
    fonctionnement = {row["nature"]: row for row in services.budget_summary(2024)}["fonctionnement"]
    assert fonctionnement["ae_rate"] is None  # nothing planned: no rate


def test_a_frozen_year_cannot_change_silently(team, create_user):
    services.freeze_year(team, 2024, {"participants": 10})
    db.session.commit()
    with pytest.raises(Conflict):
        services.set_target(team, 2024, "participants", 20)
    with pytest.raises(Conflict):
        services.record_expense(team, date(2024, 5, 1), "amoa", "10", "10")
    with pytest.raises(Forbidden):
        services.unfreeze_year(team, 2024, "erreur")
    admin = create_user("admin")
    with pytest.raises(ValidationFailed):
        services.unfreeze_year(admin, 2024, " ")
    freeze = services.unfreeze_year(admin, 2024, "Correction d'une saisie")
    db.session.commit()
    assert freeze.unfrozen_by_id == admin.id and freeze.frozen_by_id == team.id
    services.set_target(team, 2024, "participants", 20)


def test_demo_seeds_the_contract_targets(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    targets = services.targets_by_year([2022, 2023])
    assert targets[(2022, "projets_accompagnes")] == 4
    assert targets[(2023, "formations_dispensees")] == 11
    assert targets[(2023, "taux_satisfaction")] == 0.9
