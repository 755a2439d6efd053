"""A year of activity built from outside (API tokens of an agent and of the team, and the
team's freeze button), crossing bookings, sessions, projects, the clock and the freeze:
the indicators are exactly the hand-computed figures, frozen and live."""

import json
from datetime import UTC, datetime

from tests.clock import moved_clock
from tests.test_indicators_pages import text_of

# Monday 5 March 2029, 09:00 in Paris (CET, UTC+1).
T0 = datetime(2029, 3, 5, 8, 0, tzinfo=UTC)


def by_code(document):
    return {item["code"]: item for item in document["indicators"]}


def test_figures_from_outside_frozen_and_live(api, lab, create_user, client, login, runner,
                                              monkeypatch):
    clock = moved_clock(monkeypatch, T0)
    agent_user, team_user = create_user("agent"), create_user("team")
    agent, team = api(agent_user), api(team_user)

    def ok(response, status=200):
        assert response.status_code == status, response.get_json()
        return response.get_json()

    def request_booking(day, start, end, attendees):
        return ok(agent.post("/bookings", json={
            "space_id": lab.drh.id, "start": f"{day}T{start}", "end": f"{day}T{end}",
            "title": "Atelier", "attendees": attendees}), 201)["id"]

    # A formation held three weeks ago in the plenary space (its own booking is not
    # counted): three registered, two present.
    session = ok(team.post("/sessions", json={
        "title": "Design de services", "kind": "formation", "start": "2029-02-12T09:00",
        "end": "2029-02-12T12:00", "capacity": 20, "location": "lab",
        "space_id": lab.plenary.id}), 201)["id"]
    people = [ok(team.post(f"/sessions/{session}/registrations", json={
        "name": f"Participant {n}", "email": f"p{n}@interieur.gouv.fr"}), 201)["id"]
        for n in range(3)]
    ok(team.post(f"/sessions/{session}/attendance", json={"present": people[:2]}))
    assert ok(team.post(f"/sessions/{session}/complete"))["status"] == "held"
    # A project supported since January.
    project = ok(agent.post("/projects", json={
        "title": "Tableau de bord RH", "description": "Suivi des effectifs",
        "direction": "DRH", "territory": "national"}), 201)["id"]
    ok(team.patch(f"/projects/{project}", json={"status": "in_progress", "support_type": "accompagnement",
                                                "support_started_on": "2029-01-15"}))
    # Bookings: this morning (10:00–11:00, 3 people), this afternoon (14:00–16:00, 6),
    # next week (10), a request left pending (4) and one refused (8).
    morning = request_booking("2029-03-05", "10:00", "11:00", 3)
    afternoon = request_booking("2029-03-05", "14:00", "16:00", 6)
    next_week = request_booking("2029-03-12", "10:00", "12:00", 10)
    request_booking("2029-03-06", "10:00", "11:00", 4)
    refused = request_booking("2029-03-07", "10:00", "11:00", 8)
    for booking in (morning, afternoon, next_week):
        assert ok(team.post(f"/bookings/{booking}/approve"))["status"] == "approved"
    ok(team.post(f"/bookings/{refused}/refuse", json={"reason": "Salle prise"}))

    def figures(year):
        document = ok(team.get(f"/indicators?year={year}"))
        return document, by_code(document)

    document, items = figures(2029)  # 09:00: no booking has ended yet
    assert document["frozen"] is None
    assert (items["participants"]["value"], items["participants"]["cumulative"]) == (2, 2)
    assert items["formations_dispensees"]["value"] == 1
    assert items["projets_accompagnes"]["value"] == 1
    assert items["taux_satisfaction"]["value"] is None

    # 11:30 in Paris: the morning booking has ended. The team freezes 2029.
    clock.now = datetime(2029, 3, 5, 10, 30, tzinfo=UTC)
    assert by_code(figures(2029)[0])["participants"]["value"] == 2 + 3
    login(team_user)
    response = client.post("/indicateurs/2029/arreter", follow_redirects=True)
    assert "L'année 2029 est arrêtée" in text_of(response)
    document, items = figures(2029)
    assert document["frozen"] == {"on": "2029-03-05"}
    assert not any("live_value" in item for item in document["indicators"])

    # After the freeze: one more person marked present, and the clock moves on past
    # the afternoon booking (17:30) then past next week's (13 March).
    late = ok(team.post(f"/sessions/{session}/registrations", json={
        "name": "Retardataire", "email": "late@interieur.gouv.fr"}), 201)["id"]
    ok(team.post(f"/sessions/{session}/attendance", json={"present": [*people[:2], late]}))
    clock.now = datetime(2029, 3, 5, 16, 30, tzinfo=UTC)
    items = figures(2029)[1]
    assert (items["participants"]["value"], items["participants"]["live_value"]) == (5, 2 + 1 + 3 + 6)
    clock.now = datetime(2029, 3, 13, 9, 0, tzinfo=UTC)
    document, items = figures(2029)
    assert document["frozen"] == {"on": "2029-03-05"}
    assert items["participants"] == {
        "code": "participants", "label": "Nombre de participants aux activités du lab",
        "value": 5, "cumulative": 5, "target": None, "unit": "count", "status": None,
        "live_value": 22, "live_cumulative": 22}
    for code in ("projets_accompagnes", "formations_dispensees", "taux_satisfaction"):
        assert "live_value" not in items[code] and "live_cumulative" not in items[code]
    assert (items["projets_accompagnes"]["value"], items["formations_dispensees"]["value"]) == (1, 1)
    # The next year is not frozen and counts from the same records.
    document_2030, items_2030 = figures(2030)
    assert document_2030["frozen"] is None
    assert (items_2030["participants"]["value"], items_2030["participants"]["cumulative"]) == (0, 22)
    # The CLI, the dashboard and the report say the same.
    cli = runner.invoke(args=["indicators", "--year", "2029", "--json"])
    assert json.loads(cli.output) == document
    page = text_of(client.get("/indicateurs/?year=2029"))
    assert ("Nombre de participants aux activités du lab : arrêté 5, actuel 22 "
            "(cumul arrêté 5, actuel 22)") in page
    assert "Nombre de participants aux activités du lab 5 :" in page
    report = text_of(client.get("/indicateurs/rapport?year=2029"))
    assert "22 (cumul 22) +17" in report
    csv = client.get("/indicateurs/rapport/2029.csv").get_data(as_text=True)
    assert "2029;resultats;participants;Nombre de participants aux activités du lab;valeur;5" in csv
    assert ("2029;resultats;participants;Nombre de participants aux activités du lab;"
            "valeur actuelle (changée depuis l'arrêté);22") in csv
    assert csv.count("valeur actuelle") == 1  # only the changed figure
    assert "2029;resultats;;Année arrêtée;arrêtée le;2029-03-05" in csv
