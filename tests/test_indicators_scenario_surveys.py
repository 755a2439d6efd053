"""The satisfaction rate built from outside: sessions and projects through the API, the
tick e-mailing the surveys, people answering through the links of those e-mails, the team's
freeze button, then a late answer. The rate is exactly the hand-computed one, frozen and
live (issue 17, "done when")."""

import re
from datetime import UTC, datetime

import pytest

from tests.clock import moved_clock
from tests.test_indicators_pages import text_of

# Monday 5 March 2029, 09:00 in Paris.
T0 = datetime(2029, 3, 5, 8, 0, tzinfo=UTC)
ANSWER = {"usefulness": "yes", "recommend": "yes", "improve": ""}


def rate(api_client, year=2029):
    document = api_client.get(f"/indicators?year={year}").get_json()
    return document, next(i for i in document["indicators"] if i["code"] == "taux_satisfaction")


def test_satisfaction_from_e_mailed_links_frozen_and_live(api, create_user, client, login, runner,
                                                         monkeypatch, mails):
    clock = moved_clock(monkeypatch, T0)
    agent_user, team_user = create_user("agent"), create_user("team")
    agent, team = api(agent_user), api(team_user)

    def ok(response, status=200):
        assert response.status_code == status, response.get_json()
        return response.get_json()

    session = ok(team.post("/sessions", json={
        "title": "Design de services", "kind": "formation", "start": "2029-02-26T09:00",
        "end": "2029-02-26T12:00", "capacity": 20, "location": "online"}), 201)["id"]
    people = [ok(team.post(f"/sessions/{session}/registrations", json={
        "name": f"Participant {n}", "email": f"p{n}@interieur.gouv.fr"}), 201)["id"]
        for n in range(3)]
    ok(team.post(f"/sessions/{session}/attendance", json={"present": people}))
    ok(team.post(f"/sessions/{session}/complete"))
    project = ok(agent.post("/projects", json={
        "title": "Tableau de bord RH", "description": "Suivi", "direction": "DRH",
        "territory": "national"}), 201)["id"]
    ok(team.patch(f"/projects/{project}", json={
        "status": "in_progress", "support_type": "conseil", "support_started_on": "2029-01-15"}))
    ok(team.patch(f"/projects/{project}", json={"status": "completed",
                                                "support_ended_on": "2029-03-01"}))

    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    links = {}
    for message in mails():
        body = message.get_body(("plain",)).get_content()
        found = re.search(r"http://lab\.test(/avis/[A-Za-z0-9_-]{20,})", body)
        if found and str(message["Subject"]).startswith("Votre avis"):
            links[message["To"].addresses[0].addr_spec] = found.group(1)
    assert set(links) == {"p0@interieur.gouv.fr", "p1@interieur.gouv.fr", "p2@interieur.gouv.fr",
                          agent_user.email}

    def answers(address, overall):
        response = client.post(links[address], data={**ANSWER, "overall": str(overall)})
        assert response.status_code == 302, text_of(response)

    answers("p0@interieur.gouv.fr", 5)
    answers("p1@interieur.gouv.fr", 2)
    answers(agent_user.email, 4)
    assert client.post(links["p0@interieur.gouv.fr"],
                       data={**ANSWER, "overall": "1"}).status_code != 302  # once per link

    document, item = rate(team)
    assert item["value"] == pytest.approx(2 / 3) and document["frozen"] is None

    login(team_user)
    assert "L'année 2029 est arrêtée" in text_of(
        client.post("/indicateurs/2029/arreter", follow_redirects=True))
    client.post("/compte/deconnexion")

    clock.now = datetime(2029, 3, 8, 9, 0, tzinfo=UTC)  # three days later, a late answer
    answers("p2@interieur.gouv.fr", 1)
    document, item = rate(team)
    assert document["frozen"] == {"on": "2029-03-05"}
    assert item["value"] == pytest.approx(2 / 3) and item["cumulative"] == pytest.approx(2 / 3)
    assert item["live_value"] == pytest.approx(2 / 4)
    assert item["live_cumulative"] == pytest.approx(2 / 4)
    others = [i for i in document["indicators"] if i["code"] != "taux_satisfaction"]
    assert not any("live_value" in i for i in others)
