"""The contract's own figures: loaded by `flask load-contract` and by the demo (even though a
migration already inserted the targets), later years carrying the last target forward, and
milestones created, edited and closed on the page and through the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from labapp.extensions import db
from labapp.indicators.models import BudgetLine, IndicatorTarget, Milestone, SavingsYear


def _counts():
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (IndicatorTarget, BudgetLine, SavingsYear, Milestone))


def test_load_contract_command_is_idempotent_and_keeps_edits(app, runner):
    result = runner.invoke(args=["load-contract"])
    assert result.exit_code == 0, result.output
    assert "Données du contrat chargées" in result.output
    first = _counts()
    assert first == (6, 2, 2, 3)
    savings = {s.year: s for s in db.session.scalars(select(SavingsYear))}
    assert (savings[2022].forecast_fte, savings[2023].forecast_fte) == (3.0, 5.0)
    assert (savings[2022].training_gain, savings[2022].project_gain) == (0.25, 0.33)
    lines = {b.nature: b for b in db.session.scalars(select(BudgetLine).where(BudgetLine.year == 2023))}
    assert lines["amoa"].ae_planned == Decimal("483200") == lines["amoa"].cp_planned
    assert lines["fonctionnement"].ae_planned == Decimal("132400")
    milestones = db.session.scalars(select(Milestone).order_by(Milestone.planned_start, Milestone.id)).all()
    assert milestones[0].planned_start == date(2022, 2, 1) and "Ouverture" in milestones[0].label
    assert [m.planned_start.year for m in milestones] == [2022, 2022, 2023]
    lines["amoa"].ae_planned = Decimal("1")  # an edit of the team
    db.session.commit()
    assert runner.invoke(args=["load-contract"]).exit_code == 0
    assert _counts() == first
    assert db.session.scalar(select(BudgetLine.ae_planned).where(
        BudgetLine.year == 2023, BudgetLine.nature == "amoa")) == Decimal("1")


def test_demo_loads_budget_savings_and_calendar_although_targets_exist(app, runner, client,
                                                                       login, team):
    db.session.add(IndicatorTarget(year=2022, code="projets_accompagnes", value=4))
    db.session.commit()  # as the migration does
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    counts = _counts()
    assert counts[1] > 2 and counts[2] == 2 and counts[3] == 3
    login(team)
    budget = client.get("/indicateurs/budget?year=2023").get_data(as_text=True)
    assert "483 200" in budget.replace("\u202f", " ").replace("\xa0", " ")
    calendar = client.get("/indicateurs/calendrier").get_data(as_text=True)
    assert "Ouverture officielle du lab" in calendar and "Généralisation" in calendar
    savings = client.get("/indicateurs/economies?year=2022").get_data(as_text=True)
    assert "Prévision" in savings


def test_later_years_carry_the_last_target_forward_editable(app, api, team, client, login):
    from labapp.indicators import services

    assert services.targets_by_year([2024]) == {}
    db.session.add_all([IndicatorTarget(year=2022, code="formations_dispensees", value=9),
                        IndicatorTarget(year=2023, code="formations_dispensees", value=11)])
    db.session.commit()
    targets = services.targets_by_year([2021, 2022, 2026])
    assert (2021, "formations_dispensees") not in targets
    assert targets[(2022, "formations_dispensees")] == 9
    assert targets[(2026, "formations_dispensees")] == 11
    document = api(team).get("/indicators?year=2026").get_json()
    item = next(i for i in document["indicators"] if i["code"] == "formations_dispensees")
    assert item["target"] == 11 and item["status"] is not None
    services.set_target(team, 2026, "formations_dispensees", 14)
    db.session.commit()
    assert services.targets_by_year([2026, 2027])[(2027, "formations_dispensees")] == 14
    assert services.targets_by_year([2025])[(2025, "formations_dispensees")] == 11


def test_milestones_created_edited_and_closed_on_the_page(app, client, login, team):
    login(team)
    bad = client.post("/indicateurs/calendrier/nouveau", data={"new-label": "",
                                                               "new-planned_start": "2024-06-01"})
    assert bad.status_code == 422 and "Indiquez l&#39;intitulé du jalon." in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Milestone.id))) == 0
    done = client.post("/indicateurs/calendrier/nouveau", data={
        "new-label": "Bilan à mi-parcours", "new-planned_start": "2024-06-01",
        "new-planned_end": "2024-06-30"}, follow_redirects=True)
    assert "Jalon « Bilan à mi-parcours » ajouté au calendrier." in done.get_data(as_text=True)
    milestone = db.session.scalar(select(Milestone))
    response = client.post(f"/indicateurs/calendrier/{milestone.id}", data={
        f"m{milestone.id}-label": "Bilan d'étape", f"m{milestone.id}-planned_start": "2024-06-03"})
    assert response.status_code == 302
    closed = client.post(f"/indicateurs/calendrier/{milestone.id}/clore", follow_redirects=True)
    assert "clos au" in closed.get_data(as_text=True)
    db.session.expire_all()
    milestone = db.session.get(Milestone, milestone.id)
    assert milestone.label == "Bilan d'étape" and milestone.planned_start == date(2024, 6, 3)
    assert milestone.actual_start == date(2024, 6, 3) and milestone.actual_end is not None


def test_milestones_through_the_api(app, api, team, create_user):
    client = api(team)
    created = client.post("/milestones", json={"label": "Bilan", "planned_start": "2024-06-01"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["closed"] is False and body["planned_end"] is None
    refused = client.post("/milestones", json={"label": "Bilan", "planned_start": "juin"})
    assert refused.status_code == 422 and "planned_start" in refused.get_json()["errors"]
    patched = client.patch(f"/milestones/{body['id']}", json={"planned_end": "2024-06-30",
                                                              "actual_start": "2024-06-02"})
    assert patched.status_code == 200 and patched.get_json()["planned_end"] == "2024-06-30"
    wrong = client.patch(f"/milestones/{body['id']}", json={"actual_end": "2024-06-01"})
    assert wrong.status_code == 422
    closed = client.post(f"/milestones/{body['id']}/close", json={"on": "2024-06-20"})
    assert closed.get_json()["actual_end"] == "2024-06-20" and closed.get_json()["closed"]
    assert [m["label"] for m in client.get("/milestones").get_json()] == ["Bilan"]
    assert api(create_user("agent")).get("/milestones").status_code == 403
    assert client.patch("/milestones/999999", json={}).status_code == 404
