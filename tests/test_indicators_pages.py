"""Indicators pages: access, dashboard, drill-down, records forms, report, freeze."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from labapp.extensions import db
from labapp.indicators import services
from labapp.indicators.models import Expense, YearFreeze

PAGES = ["/indicateurs/", "/indicateurs/cibles", "/indicateurs/budget", "/indicateurs/depenses",
         "/indicateurs/calendrier", "/indicateurs/economies", "/indicateurs/rapport",
         "/indicateurs/detail/participants?year=2023", "/indicateurs/rapport/2023.xlsx",
         "/indicateurs/rapport/2023.csv"]


@pytest.fixture
def activity(build_records):
    """A small 2023: 2 projects, 2 held formations (+ a webinar), participants, answers."""
    b = build_records
    b.project("in_progress", date(2022, 10, 1), None, title="Accueil en préfecture", days_saved=100)
    b.project("completed", date(2023, 1, 15), date(2023, 6, 30), title="Titres de séjour")
    own = b.booking(attendees=30)
    first = b.session("formation", "held", datetime(2023, 3, 1, 9, tzinfo=UTC), booking=own,
                      title="Entretiens usagers")
    b.session("formation", "held", datetime(2023, 9, 5, 8, tzinfo=UTC), title="Co-développement")
    b.session("webinaire", "held", datetime(2023, 4, 5, 8, tzinfo=UTC), title="Webinaire")
    for _ in range(3):
        b.registration(first, present=True)
    b.registration(first, present=False)
    b.registration(first, present=None, status="waitlisted")
    b.booking(attendees=7, start=datetime(2023, 5, 2, 8, tzinfo=UTC))
    b.answers("session", first.id, [5, 4, 2])
    db.session.commit()
    return b


def test_anonymous_is_sent_to_login_and_agents_get_403(client, login, create_user):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "/compte/connexion" in response.location, path
    login(create_user("agent"))
    for path in PAGES:
        assert client.get(path).status_code == 403, path


def test_every_page_renders_for_the_team(client, login, team, activity):
    login(team)
    for path in PAGES:
        response = client.get(path + ("&" if "?" in path else "?") + "year=2023")
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:2000])



def text_of(response) -> str:
    import re
    from html import unescape

    html = response.get_data(as_text=True)
    html = html[html.index("<main"):html.index("</main>")]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_dashboard_shows_the_contract_table_with_links_and_the_rule(client, login, team, activity):
    services.set_target(team, 2023, "formations_dispensees", 11)
    db.session.commit()
    login(team)
    response = client.get("/indicateurs/?year=2023")
    html, text = response.get_data(as_text=True), text_of(response)
    assert "Nombre de formations dispensées 2 : voir le détail" in text
    assert "11" in text and "en retard" in text  # 2023 is over, 2 < 11
    assert "66,7 %" in text  # 2 of 3 answers are 4 or 5
    assert "Nombre de participants aux activités du lab 10 :" in text  # 3 present + 7 declared
    assert "« Atteint » quand la valeur atteint la cible" in text
    assert "/indicateurs/detail/participants?year=2023&amp;scope=year" in html
    assert "/indicateurs/detail/participants?year=2023&amp;scope=cumul" in html
    assert 'role="img"' in html and "style=" not in html[html.index("<main"):]
    assert "Vue du comité stratégique" in text and "Taux de présence 75,0 %" in text


def test_a_year_without_data_says_so(client, login, team):
    login(team)
    text = text_of(client.get("/indicateurs/?year=2031"))
    assert "Pas de données pour 2031" in text
    assert "Taux de satisfaction des usagers accompagnés pas de données" in text


@pytest.mark.parametrize("bad_year", ["abc", "1800", "99999"])
def test_a_bad_year_falls_back_to_the_current_one(client, login, team, bad_year):
    login(team)
    assert client.get(f"/indicateurs/?year={bad_year}").status_code == 200


def test_drill_down_lists_hold_exactly_what_the_figures_count(client, login, team, activity, api):
    from labapp.indicators import drilldown

    figures = {i["code"]: i for i in api(team).get("/indicators?year=2023").get_json()["indicators"]}
    for scope, key in (("year", "value"), ("cumul", "cumulative")):
        assert drilldown.projects(2023, scope, 1).total == figures["projets_accompagnes"][key]
        assert drilldown.formations(2023, scope, 1).total == figures["formations_dispensees"][key]
        assert (drilldown.present_registrations(2023, scope, 1).total
                + drilldown.booking_attendees(2023, scope)) == figures["participants"][key]
        satisfied, answered = drilldown.answers_totals(2023, scope)
        assert satisfied / answered == pytest.approx(figures["taux_satisfaction"][key])
    login(team)
    text = text_of(client.get("/indicateurs/detail/formations_dispensees?year=2023"))
    assert "Entretiens usagers" in text and "Co-développement" in text and "Webinaire" not in text
    text = text_of(client.get("/indicateurs/detail/participants?year=2023"))
    assert "3 inscriptions présentes + 7 participants déclarés de 1 réservations = 10" in text
    text = text_of(client.get("/indicateurs/detail/taux_satisfaction?year=2023"))
    assert "2 réponses « 4 » ou « 5 » sur 3" in text
    # Its only session has 3 answers: pooled, not named (anonymity threshold).
    assert "Entretiens usagers" not in text and "autres (moins de 5 réponses)" in text
    text = text_of(client.get("/indicateurs/detail/projets_accompagnes?year=2022&scope=year"))
    assert "Accueil en préfecture" in text and "Titres de séjour" not in text
    assert client.get("/indicateurs/detail/inconnu?year=2023").status_code == 404


def test_drill_down_is_paginated(client, login, team, build_records):
    for i in range(30):
        build_records.project("in_progress", date(2023, 1, 1), None, title=f"Projet {i:02d}")
    db.session.commit()
    login(team)
    first = text_of(client.get("/indicateurs/detail/projets_accompagnes?year=2023"))
    second = text_of(client.get("/indicateurs/detail/projets_accompagnes?year=2023&page=2"))
    assert "30 projets comptés (page 1 sur 2)" in first and "Projet 00" in first
    assert "page 2 sur 2" in second and "Projet 29" in second and "Projet 00" not in second


def test_targets_are_typed_in_percent_and_checked(client, login, team):
    login(team)
    response = client.post("/indicateurs/cibles?year=2024", data={
        "projets_accompagnes": "8", "formations_dispensees": "", "taux_satisfaction": "85,5",
        "participants": "1 200"}, follow_redirects=True)
    assert "Cibles 2024 enregistrées." in text_of(response)
    assert services.targets_by_year([2024]) == {
        (2024, "projets_accompagnes"): 8, (2024, "taux_satisfaction"): pytest.approx(0.855),
        (2024, "participants"): 1200}
    assert 'value="85,5"' in client.get("/indicateurs/cibles?year=2024").get_data(as_text=True)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("taux_satisfaction", "120", "Un taux est compris entre 0 et 100 %."),
    ("taux_satisfaction", "-1", "Un taux est compris entre 0 et 100 %."),
    ("projets_accompagnes", "2,5", "Un nombre entier est attendu."),
    ("projets_accompagnes", "-3", "Un nombre entier positif est attendu."),
    ("participants", "beaucoup", "Nombre invalide."),
])
def test_targets_out_of_range_are_refused_next_to_the_field(client, login, team, field, value,
                                                            message):
    services.set_target(team, 2024, "formations_dispensees", 9)
    db.session.commit()
    login(team)
    response = client.post("/indicateurs/cibles?year=2024", data={
        "formations_dispensees": "12", field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-messages"' in html and message in html
    assert services.targets_by_year([2024]) == {(2024, "formations_dispensees"): 9}  # rolled back


def test_expenses_are_recorded_listed_and_deleted(client, login, team):
    login(team)
    response = client.post("/indicateurs/depenses?year=2024", data={
        "spent_on": "2024-03-14", "nature": "amoa", "ae": "12 500,50", "cp": "",
        "supplier": "Cabinet", "chorus_ref": "EJ 1800123", "comment": "Lot 1"},
        follow_redirects=True)
    text = text_of(response)
    assert "Dépense enregistrée." in text and "12 500,50 €" in text and "EJ 1800123" in text
    expense = db.session.query(Expense).one()
    assert expense.ae == 12500.5 and expense.cp == 0 and expense.created_by_id == team.id
    response = client.post(f"/indicateurs/depenses/{expense.id}/supprimer?year=2024",
                           follow_redirects=True)
    assert "Dépense supprimée." in text_of(response)
    assert db.session.query(Expense).count() == 0


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"nature": "amoa", "ae": "-10"}, "ae", "Le montant doit être positif ou nul."),
    ({"nature": "", "ae": "10"}, "nature", "Choisissez la nature de la dépense."),
    ({"nature": "amoa", "ae": "", "cp": ""}, "ae", "Indiquez un montant en AE ou en CP."),
    ({"nature": "amoa", "ae": "dix"}, "ae", "Montant invalide."),
])
def test_bad_expenses_get_a_message_next_to_the_field(client, login, team, data, field, message):
    login(team)
    response = client.post("/indicateurs/depenses?year=2024", data={"spent_on": "2024-03-14", **data})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-messages"' in html and message in html
    assert db.session.query(Expense).count() == 0


def test_expenses_are_paginated(client, login, team):
    for day in range(1, 26):
        services.record_expense(team, date(2024, 1, day), "fonctionnement", day, 0)
    db.session.commit()
    login(team)
    assert "(25, page 1 sur 2)" in text_of(client.get("/indicateurs/depenses?year=2024"))
    assert "page 2 sur 2" in text_of(client.get("/indicateurs/depenses?year=2024&page=2"))


def test_budget_plan_and_consumption(client, login, team):
    services.record_expense(team, date(2024, 2, 1), "amoa", "25000", "20000")
    db.session.commit()
    login(team)
    response = client.post("/indicateurs/budget?year=2024", data={
        "tranche": "1", "nature": "amoa", "ae_planned": "100 000", "cp_planned": "80000"},
        follow_redirects=True)
    text = text_of(response)
    assert "Enveloppe AMOA / AMOE de la tranche 1 (2024) enregistrée." in text
    assert "AMOA / AMOE 100 000 € 25 000 € 25,0 % 80 000 € 20 000 € 25,0 %" in text
    assert "0349-CDBU-CINT" in text and "34901018801 « MI-LabMinnov »" in text
    response = client.post("/indicateurs/budget?year=2024", data={
        "tranche": "1", "nature": "amoa", "ae_planned": "-5", "cp_planned": "0"})
    assert response.status_code == 422 and "Le montant doit être positif ou nul." in text_of(response)


def test_milestones_planned_against_actual(client, login, team, runner):
    runner.invoke(args=["seed-demo"])
    milestone = services.list_milestones()[0]
    login(team)
    planned = {f"m{milestone.id}-label": milestone.label,
               f"m{milestone.id}-planned_start": milestone.planned_start.isoformat()}
    response = client.post(f"/indicateurs/calendrier/{milestone.id}", data={**planned,
        f"m{milestone.id}-actual_start": "2022-02-15", f"m{milestone.id}-actual_end": "2022-02-01"})
    assert response.status_code == 422
    assert "La fin réelle ne peut précéder le début réel." in response.get_data(as_text=True)
    response = client.post(f"/indicateurs/calendrier/{milestone.id}", data={**planned,
        f"m{milestone.id}-actual_start": "2022-02-15", f"m{milestone.id}-actual_end": "2022-02-28",
        f"m{milestone.id}-note": "Inauguration"}, follow_redirects=True)
    assert "enregistré" in text_of(response) and "Inauguration" in text_of(response)


def test_savings_formula_hypotheses_and_adjustments(client, login, team, activity):
    login(team)
    text = text_of(client.get("/indicateurs/economies?year=2023"))
    assert "× gain de temps formation ÷ 1 607 h" in text and "÷ 228 jours" in text
    # 3 present × 3 h at a held formation; 100 days saved on a project supported in 2023.
    from labapp.indicators.savings import savings_report

    report = savings_report(2023)
    assert report["participant_hours"] == pytest.approx(9)
    assert report["training_fte"] == pytest.approx(9 * 0.25 / 1607, abs=1e-3)
    assert report["project_fte"] == pytest.approx(100 * 0.33 / 228, abs=1e-3)
    response = client.post("/indicateurs/economies?year=2023", data={
        "training_gain": "20", "project_gain": "30", "cost_per_fte": "55 000", "forecast_fte": "5",
        "gap_explanation": "Montée en charge plus lente."}, follow_redirects=True)
    assert "Hypothèses d'économies 2023 enregistrées." in text_of(response)
    response = client.post("/indicateurs/economies/ajustements?year=2023", data={
        "adj-fte": "0,5", "adj-justification": ""})
    assert response.status_code == 422 and "Justifiez l'ajustement." in text_of(response)
    response = client.post("/indicateurs/economies/ajustements?year=2023", data={
        "adj-fte": "0,5", "adj-justification": "Coaching collectif non saisi"},
        follow_redirects=True)
    assert "Ajustement enregistré." in text_of(response)
    report = savings_report(2023)
    expected = 9 * 0.20 / 1607 + 100 * 0.30 / 228 + 0.5
    assert report["total_fte"] == pytest.approx(expected, abs=1e-3)
    assert report["gap_fte"] == pytest.approx(expected - 5, abs=1e-3)
    assert report["gap_explanation"] == "Montée en charge plus lente."


def test_freeze_shows_frozen_values_and_differences_and_blocks_changes(
        app, client, login, team, create_user, activity, monkeypatch):
    login(team)
    response = client.post("/indicateurs/2023/arreter", follow_redirects=True)
    assert "L'année 2023 est arrêtée" in text_of(response)
    freeze = db.session.query(YearFreeze).one()
    assert freeze.frozen_by_id == team.id
    assert {i["code"]: i["value"] for i in freeze.figures["indicators"]}["participants"] == 10
    activity.booking(attendees=4, start=datetime(2023, 6, 1, 8, tzinfo=UTC))  # late record
    db.session.commit()
    text = text_of(client.get("/indicateurs/?year=2023"))
    assert "Valeur arrêtée" in text and "Nombre de participants aux activités du lab 14 :" in text
    assert "10 +4" in text
    response = client.post("/indicateurs/depenses?year=2023", data={
        "spent_on": "2023-03-14", "nature": "amoa", "ae": "10"})
    assert response.status_code == 409 and "est arrêtée" in text_of(response)
    assert "est déjà arrêtée" in text_of(client.post("/indicateurs/2023/arreter",
                                                     follow_redirects=True)) or \
        db.session.query(YearFreeze).count() == 1
    assert client.post("/indicateurs/2023/rouvrir", data={"reason": "x"}).status_code == 403
    client.post("/compte/deconnexion")
    login(create_user("admin"))
    response = client.post("/indicateurs/2023/rouvrir", data={"reason": ""}, follow_redirects=True)
    assert "Indiquez le motif de la réouverture." in text_of(response)
    logged = []
    monkeypatch.setattr(app.logger, "warning", lambda msg, *args: logged.append(msg % args))
    response = client.post("/indicateurs/2023/rouvrir",
                           data={"reason": "Correction des présences"}, follow_redirects=True)
    assert "L'année 2023 est rouverte. Motif : Correction des présences" in text_of(response)
    assert any("année 2023 rouverte" in m and "Correction des présences" in m for m in logged)
    db.session.refresh(freeze)
    assert freeze.unfrozen_at is not None and freeze.unfreeze_reason == "Correction des présences"


def test_agents_cannot_freeze(client, login, create_user):
    login(create_user("agent"))
    assert client.post("/indicateurs/2023/arreter").status_code == 403
    assert db.session.query(YearFreeze).count() == 0


def test_xlsx_report_reads_back_with_the_api_figures(client, login, team, activity, api):
    services.set_target(team, 2023, "projets_accompagnes", 8)
    services.record_expense(team, date(2023, 2, 20), "amoa", "150000", "90000")
    db.session.commit()
    figures = api(team).get("/indicators?year=2023").get_json()["indicators"]
    login(team)
    response = client.get("/indicateurs/rapport/2023.xlsx")
    assert response.status_code == 200
    assert "lab-minnov-indicateurs-2023.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Résultats", "Budget", "Calendrier", "Économies", "Détail"]
    rows = list(book["Résultats"].iter_rows(min_row=3, max_row=6, values_only=True))
    units = {"count": "nombre", "ratio": "taux"}
    for row, item in zip(rows, figures, strict=True):
        assert row[:7] == (item["code"], item["label"], units[item["unit"]], item["value"],
                           item["cumulative"], item["target"], item["status"])
    # Rates and euros are numbers shown by the sheet's formats, in French.
    rate_row = 3 + [i["code"] for i in figures].index("taux_satisfaction")
    assert book["Résultats"][f"D{rate_row}"].number_format == "0.0 %"
    assert book["Budget"]["B3"].number_format == '#,##0.00 "€"'
    assert book["Budget"]["D3"].number_format == "0.0 %"
    cells = [c for ws in book for row in ws.iter_rows(values_only=True) for c in row]
    assert not {"count", "ratio", "in_progress", "completed", "dep-75"} & set(cells)
    assert "Début (heure de Paris)" in cells and "Début (UTC)" not in cells
    formation = next(r for r in book["Détail"].iter_rows(values_only=True)
                     if r[0] == "Entretiens usagers" and isinstance(r[1], datetime))
    assert formation[1] == datetime(2023, 3, 1, 10, 0)  # 9:00 UTC is 10:00 in Paris (winter)
    assert "En cours" in cells and "Terminé" in cells
    budget = {row[0]: row for row in book["Budget"].iter_rows(min_row=2, max_row=4, values_only=True)}
    assert budget["AMOA / AMOE"][2] == 150000 and budget["AMOA / AMOE"][5] == 90000
    assert "0349-CDBU-CINT" in [c for row in book["Budget"].iter_rows(values_only=True) for c in row]
    detail = [row[0] for row in book["Détail"].iter_rows(values_only=True)]
    assert "Entretiens usagers" in detail and "Accueil en préfecture" in detail


def test_csv_report_and_printable_page(client, login, team, activity):
    login(team)
    response = client.get("/indicateurs/rapport/2023.csv")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and body.startswith("\ufeffannee;rubrique;")
    assert "2023;resultats;participants;Nombre de participants aux activités du lab;valeur;10" in body
    assert "2023;resultats;taux_satisfaction;" in body and ";valeur (%);66,7" in body
    assert ";value;" not in body and "ae_planned" not in body and ";AE prévues (€);" in body
    page = client.get("/indicateurs/rapport?year=2023").get_data(as_text=True)
    assert "css/indicators.css" in page and "Respect du calendrier" in page


def test_spreadsheet_text_is_never_a_formula(team, activity):
    from labapp.indicators.report import _text

    assert _text("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _text("Projet") == "Projet"
