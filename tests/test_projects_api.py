import pytest

BODY = {"title": "Accueil en préfecture", "description": "Réduire l'attente.",
        "direction": "DGEF", "territory": "dep-75"}


def test_agent_creates_request_and_sees_only_own(api, create_user, create_project):
    agent = create_user()
    client = api(agent)
    response = client.post("/projects", json=BODY)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "requested" and body["support_type"] is None
    assert {"id", "title", "status", "support_type", "support_started_on", "support_ended_on",
            "direction", "territory"} <= set(body)
    other = create_project()
    assert [p["id"] for p in client.get("/projects").get_json()] == [body["id"]]
    assert client.get(f"/projects/{other.id}").status_code == 404
    assert client.get(f"/projects/{body['id']}").status_code == 200


def test_agent_cannot_patch(api, create_project):
    project = create_project()
    response = api(project.requested_by).patch(f"/projects/{project.id}", json={"status": "declined"})
    assert response.status_code == 403
    assert api(project.requested_by).get(f"/projects/{project.id}").get_json()["status"] == "requested"


@pytest.mark.parametrize(("body", "field"), [
    ({**BODY, "title": ""}, "title"),
    ({k: v for k, v in BODY.items() if k != "description"}, "description"),
    ({**BODY, "territory": "atlantide"}, "territory"),
    ({**BODY, "title": 12}, "title"),
])
def test_bad_request_is_422(api, create_user, body, field):
    response = api(create_user()).post("/projects", json=body)
    assert response.status_code == 422
    assert field in response.get_json(force=True)["errors"]


def test_team_lifecycle_over_api(api, create_user, create_project):
    project = create_project()
    team = api(create_user("team"))
    path = f"/projects/{project.id}"
    assert team.patch(path, json={"status": "completed"}).status_code == 409
    assert team.patch(path, json={"status": "in_progress"}).status_code == 422  # no type
    assert team.patch(path, json={"status": "in_progress", "support_type": "magie"}).status_code == 422
    response = team.patch(path, json={"status": "in_progress", "support_type": "accompagnement",
                                      "support_started_on": "2022-03-01"})
    assert response.status_code == 200, response.get_json(force=True)
    assert response.get_json()["support_started_on"] == "2022-03-01"
    bad = team.patch(path, json={"support_ended_on": "2022-02-01"})
    assert bad.status_code == 422 and "support_ended_on" in bad.get_json(force=True)["errors"]
    assert team.patch(path, json={"support_ended_on": "2022-13-01"}).status_code == 422
    done = team.patch(path, json={"status": "completed", "support_ended_on": "2022-11-30"})
    assert done.status_code == 200 and done.get_json()["status"] == "completed"
    assert team.patch(path, json={"status": "in_progress"}).status_code == 409
    assert team.get("/projects?year=2022").get_json()[0]["id"] == project.id
    assert team.get("/projects?year=2023").get_json() == []
    assert team.get("/projects?status=nope").status_code == 422


def test_malformed_body_is_400(api, create_user):
    response = api(create_user()).post("/projects", data="nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_similar_endpoint(api, create_user, create_project):
    first = create_project(title="Simplifier l'accueil des usagers en préfecture")
    create_project(title="Former à la sobriété énergétique", description="Ateliers énergie.")
    second = create_project(title="Accueil des usagers en préfecture : simplification")
    body = api(create_user("team")).get(f"/projects/{second.id}/similar").get_json()
    assert [m["project"]["id"] for m in body] == [first.id]
    assert 0 < body[0]["score"] <= 100


def test_list_query_count_does_not_grow(api, create_user):
    from labapp.extensions import db
    from tests.querycount import count_queries

    team = create_user("team")
    client = api(team)
    agent_client = api(create_user("agent"))
    body = {"title": "Projet", "description": "d", "direction": "DRH", "territory": "national"}

    def measure():
        db.session.remove()
        with count_queries() as counter:
            assert client.get("/projects").status_code == 200
        return counter.count

    agent_client.post("/projects", json=body)
    client.get("/me")  # the token's first use records it: keep that write out of the count
    few = measure()
    for _ in range(12):
        agent_client.post("/projects", json=body)
    assert measure() == few
