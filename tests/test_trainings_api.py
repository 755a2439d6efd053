"""The Sessions endpoints of docs/interfaces.md: wiring, access and bad input."""

import pytest
from openapi_spec_validator import validate

from labapp.extensions import db
from tests.fixtures_trainings import at
from tests.querycount import count_queries

SESSION_KEYS = {"id", "title", "kind", "start", "end", "capacity", "location", "space_id",
                "status", "confirmed_count", "waitlist_count"}
BODY = {"title": "Écoute usagers", "kind": "formation", "start": "2031-07-01T09:00",
        "end": "2031-07-01T12:00", "capacity": 1, "location": "online"}


@pytest.fixture
def team_api(api, team_user):
    return api(team_user)


def test_create_list_register_cancel_promote(team_api, api, create_user):
    created = team_api.post("/sessions", json=BODY)
    assert created.status_code == 201, created.get_json()
    session = created.get_json()
    assert SESSION_KEYS <= set(session)
    assert session["start"] == "2031-07-01T09:00:00+02:00"
    assert (session["status"], session["confirmed_count"], session["waitlist_count"]) == (
        "scheduled", 0, 0)
    alice, bob = create_user("agent"), create_user("agent")
    first = api(alice).post(f"/sessions/{session['id']}/registrations", json={})
    assert first.status_code == 201
    assert {k: first.get_json()[k] for k in ("status", "waitlist_position")} == {
        "status": "confirmed", "waitlist_position": None}
    second = api(bob).post(f"/sessions/{session['id']}/registrations")
    assert second.status_code == 201
    assert second.get_json()["status"] == "waitlisted"
    assert second.get_json()["waitlist_position"] == 1
    again = api(bob).post(f"/sessions/{session['id']}/registrations", json={})
    assert again.status_code == 409 and "déjà inscrit" in again.get_json()["detail"]
    # Bob cannot cancel Alice's registration (404), Alice can (204), Bob is promoted.
    assert api(bob).delete(f"/registrations/{first.get_json()['id']}").status_code == 404
    assert api(bob).get(f"/registrations/{first.get_json()['id']}").status_code == 404
    assert api(alice).delete(f"/registrations/{first.get_json()['id']}").status_code == 204
    mine = api(bob).get(f"/registrations/{second.get_json()['id']}").get_json()
    assert mine["status"] == "confirmed" and mine["promoted_at"]
    listed = team_api.get("/sessions?from=2031-07-01&to=2031-07-01&kind=formation").get_json()
    assert [(s["id"], s["confirmed_count"], s["waitlist_count"]) for s in listed] == [
        (session["id"], 1, 0)]
    assert team_api.get("/sessions?from=2031-07-02").get_json() == []
    assert team_api.get(f"/sessions/{session['id']}").get_json()["confirmed_count"] == 1


def test_roster_attendance_complete_cancel(team_api, api, create_user):
    session = team_api.post("/sessions", json={**BODY, "capacity": 2, "start": at(days=-1).isoformat(),
                                                "end": at(days=-1, hours=2).isoformat()}).get_json()
    sid = session["id"]
    ids = [team_api.post(f"/sessions/{sid}/registrations",
                         json={"name": f"P{i}", "email": f"p{i}@example.org",
                               "organisation": "Préfecture"}).get_json()["id"] for i in range(3)]
    roster = team_api.get(f"/sessions/{sid}/registrations").get_json()
    assert [(r["id"], r["status"], r["waitlist_position"]) for r in roster] == [
        (ids[0], "confirmed", None), (ids[1], "confirmed", None), (ids[2], "waitlisted", 1)]
    marked = team_api.post(f"/sessions/{sid}/attendance", json={"present": [ids[0]]})
    assert marked.status_code == 200
    assert marked.get_json() == {"session_id": sid, "present": [ids[0]], "absent": [ids[1]]}
    done = team_api.post(f"/sessions/{sid}/complete")
    assert done.status_code == 200 and done.get_json()["status"] == "held"
    assert team_api.post(f"/sessions/{sid}/complete").status_code == 409
    assert team_api.post(f"/sessions/{sid}/cancel").status_code == 409
    other = team_api.post("/sessions", json=BODY).get_json()
    cancelled = team_api.post(f"/sessions/{other['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"


def test_agent_access_table(team_api, api, create_user):
    sid = team_api.post("/sessions", json=BODY).get_json()["id"]
    agent = api(create_user("agent"))
    assert agent.get("/sessions").status_code == 200
    for method, path, body in [
        ("POST", "/sessions", BODY),
        ("GET", f"/sessions/{sid}/registrations", None),
        ("POST", f"/sessions/{sid}/attendance", {"present": []}),
        ("POST", f"/sessions/{sid}/complete", None),
        ("POST", f"/sessions/{sid}/cancel", None),
        ("PATCH", f"/sessions/{sid}", {"capacity": 5}),
    ]:
        response = agent.request(method, path, json=body)
        assert response.status_code == 403, (method, path, response.get_json())
        assert response.mimetype == "application/problem+json"
    assert api(None).get("/sessions").status_code == 401
    assert team_api.get(f"/sessions/{sid}").get_json()["status"] == "scheduled"


@pytest.mark.parametrize("body,field", [
    ({**BODY, "end": "2031-07-01T08:00"}, "end"),
    ({**BODY, "start": "2031-03-30T02:30"}, "start"),
    ({**BODY, "kind": "cours"}, "kind"),
    ({**BODY, "capacity": 0}, "capacity"),
    ({**BODY, "capacity": "3"}, "capacity"),
    ({**BODY, "location": "lab"}, "space_id"),
    ({k: v for k, v in BODY.items() if k != "title"}, "title"),
    ({**BODY, "registration_deadline": "2031-07-02T09:00"}, "registration_deadline"),
])
def test_create_bad_input_is_422_by_field(team_api, body, field):
    response = team_api.post("/sessions", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert team_api.get("/sessions").get_json() == []


@pytest.mark.parametrize("case", ["deadline", "cancelled", "held", "twice", "bad_email",
                                  "someone_else", "capacity_below"])
def test_bad_input_table(team_api, api, create_user, case):
    agent = create_user("agent")
    body = dict(BODY, capacity=2)
    if case == "deadline":
        body.update(start=at(days=2).isoformat(), end=at(days=2, hours=2).isoformat(),
                    registration_deadline=at(hours=-1).isoformat())
    if case == "held":
        body.update(start=at(days=-1).isoformat(), end=at(days=-1, hours=2).isoformat())
    sid = team_api.post("/sessions", json=body).get_json()["id"]
    if case == "cancelled":
        team_api.post(f"/sessions/{sid}/cancel")
    if case == "held":
        team_api.post(f"/sessions/{sid}/complete")
    path, payload, actor, expected = f"/sessions/{sid}/registrations", {}, api(agent), 422
    if case == "twice":
        api(agent).post(path, json={})
        expected = 409
    if case == "bad_email":
        actor, payload = team_api, {"name": "X", "email": "pas-une-adresse"}
    if case == "someone_else":
        payload = {"email": "quelquun@example.org"}
    if case == "capacity_below":
        api(agent).post(path, json={})
        team_api.post(path, json={"name": "B", "email": "b@example.org"})
        response = team_api.patch(f"/sessions/{sid}", json={"capacity": 1})
        assert response.status_code == 422 and "capacity" in response.get_json()["errors"]
        assert team_api.get(f"/sessions/{sid}").get_json()["capacity"] == 2
        return
    before = team_api.get(f"/sessions/{sid}").get_json()
    response = actor.post(path, json=payload)
    assert response.status_code == expected, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"]
    assert team_api.get(f"/sessions/{sid}").get_json() == before


@pytest.mark.parametrize("query", ["from=demain", "to=2031-13-01", "kind=cours", "status=done",
                                   "from=2031-03-30T02:30"])
def test_list_bad_query_is_422(team_api, query):
    assert team_api.get("/sessions?" + query).status_code == 422


@pytest.mark.parametrize("body", [b"[]", b"{", b"null"])
def test_malformed_bodies_are_400(team_api, body):
    sid = team_api.post("/sessions", json=BODY).get_json()["id"]
    for path in ("/sessions", f"/sessions/{sid}/registrations", f"/sessions/{sid}/attendance"):
        response = team_api.post(path, data=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, path


def test_unknown_ids_are_404(team_api):
    for method, path in [("GET", "/sessions/999"), ("POST", "/sessions/999/registrations"),
                         ("DELETE", "/registrations/999"), ("POST", "/sessions/999/complete"),
                         ("GET", "/sessions/999/registrations")]:
        assert team_api.request(method, path, json={}).status_code == 404, path


def test_patch_session(team_api):
    sid = team_api.post("/sessions", json=BODY).get_json()["id"]
    response = team_api.patch(f"/sessions/{sid}", json={"title": "Nouveau", "capacity": 4,
                                                        "end": "2031-07-01T13:00"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["title"], body["capacity"], body["end"], body["sequence"]) == (
        "Nouveau", 4, "2031-07-01T13:00:00+02:00", 1)
    assert team_api.patch(f"/sessions/{sid}", json={}).status_code == 422


def test_list_query_count_is_constant(team_api, api, create_user):
    client = team_api

    def measure():
        with count_queries() as counter:
            assert client.get("/sessions").status_code == 200
        return counter.count

    sid = client.post("/sessions", json=BODY).get_json()["id"]
    client.post(f"/sessions/{sid}/registrations", json={"name": "A", "email": "a@example.org"})
    db.session.remove()
    small = measure()
    for i in range(5):
        other = client.post("/sessions", json=BODY).get_json()["id"]
        client.post(f"/sessions/{other}/registrations", json={"name": "A", "email": f"{i}@ex.org"})
    db.session.remove()
    assert measure() == small


def test_openapi_lists_the_session_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    for path in ("/sessions", "/sessions/{session_id}", "/sessions/{session_id}/registrations",
                 "/registrations/{registration_id}", "/sessions/{session_id}/attendance",
                 "/sessions/{session_id}/complete", "/sessions/{session_id}/cancel"):
        assert path in document["paths"]


def test_lab_session_conflict_is_409(team_api, lab):
    from tests.fixtures_bookings import at as paris_at
    from tests.fixtures_bookings import future_day

    day = future_day(1)
    body = {**BODY, "location": "lab", "space_id": lab.drh.id, "capacity": 10,
            "start": paris_at(day, "10:00").isoformat(), "end": paris_at(day, "12:00").isoformat()}
    first = team_api.post("/sessions", json=body)
    assert first.status_code == 201 and first.get_json()["booking_id"]
    second = team_api.post("/sessions", json={**body, "space_id": lab.whole.id})
    assert second.status_code == 409
    assert len(team_api.get("/sessions").get_json()) == 1
