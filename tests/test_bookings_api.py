"""Spaces and bookings API: the contract of docs/interfaces.md, access and errors."""

import pytest
from sqlalchemy import func, select

from labapp.bookings.models import Booking
from labapp.extensions import db
from tests.fixtures_bookings import at, future_day
from tests.querycount import count_queries


def _body(lab, **changes):
    day = future_day()
    body = {"space_id": lab.plenary.id, "start": f"{day}T10:00", "end": f"{day}T12:00",
            "title": "Atelier design de service", "attendees": 12}
    body.update(changes)
    return body


def test_spaces(api, lab, quick_user):
    response = api(quick_user()).get("/spaces")
    assert response.status_code == 200
    spaces = response.get_json()
    assert spaces[0] == {"id": lab.whole.id, "name": "Lab entier", "capacity": 60, "whole": True}
    assert {s["name"] for s in spaces if not s["whole"]} == {
        "Espace plénier", "Salle de remue-méninges (DRH)", "Coin incubateur SYMBI'Ose (DEPAFI)"}
    assert api(None).get("/spaces").status_code == 401


def test_request_approve_and_read(api, lab, quick_user, team_member, mails, create_project):
    agent = quick_user()
    project = create_project(requester=agent)
    response = api(agent).post("/bookings", json=_body(lab, purpose="atelier", project_id=project.id))
    assert response.status_code == 201, response.get_json()
    booking = response.get_json()
    assert {k: booking[k] for k in ("space_id", "title", "attendees", "status", "requested_by")} == {
        "space_id": lab.plenary.id, "title": "Atelier design de service", "attendees": 12,
        "status": "pending", "requested_by": agent.id}
    assert booking["start"] == at(future_day(), "10:00").astimezone(
        __import__("labapp.timeutil", fromlist=["PARIS"]).PARIS).isoformat()
    assert booking["project_id"] == project.id
    approved = api(team_member).post(f"/bookings/{booking['id']}/approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert api(agent).get(f"/bookings/{booking['id']}").get_json()["status"] == "approved"
    again = api(team_member).post(f"/bookings/{booking['id']}/approve")
    assert again.status_code == 409
    assert again.headers["Content-Type"].startswith("application/problem+json")


def test_overlap_is_409_and_whole_lab_conflicts_with_zones(api, lab, quick_user, create_booking):
    create_booking(space=lab.drh, status="approved")
    response = api(quick_user()).post("/bookings", json=_body(lab, space_id=lab.whole.id, start=
                                      f"{future_day()}T11:00", end=f"{future_day()}T13:00"))
    assert response.status_code == 409
    assert "déjà réservé" in response.get_json()["detail"]


@pytest.mark.parametrize("changes,field", [
    ({"end": "{day}T09:00"}, "end"),
    ({"start": "2020-03-02T10:00", "end": "2020-03-02T11:00"}, "start"),
    ({"start": "{day}T06:00", "end": "{day}T07:30"}, "start"),
    ({"attendees": 41}, "attendees"),
    ({"attendees": "beaucoup"}, "attendees"),
    ({"start": "2027-03-28T02:30", "end": "2027-03-28T04:00"}, "start"),  # spring-forward gap
    ({"start": "demain"}, "start"),
    ({"space_id": 999}, "space_id"),
    ({"title": ""}, "title"),
    ({"purpose": "anniversaire"}, "purpose"),
])
def test_invalid_requests_are_422_with_the_field(api, lab, quick_user, changes, field):
    day = future_day()
    body = _body(lab, **{k: v.format(day=day) if isinstance(v, str) else v for k, v in changes.items()})
    response = api(quick_user()).post("/bookings", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 0


def test_malformed_body_is_400(api, lab, quick_user):
    response = api(quick_user()).post("/bookings", data="[1, 2", headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_agents_see_their_own_only_and_cannot_decide_or_set_a_status(api, lab, quick_user, create_booking):
    owner, other = quick_user(), quick_user()
    mine = create_booking(by=owner)
    theirs = create_booking(by=other, space=lab.drh)
    client = api(owner)
    assert [b["id"] for b in client.get("/bookings").get_json()] == [mine.id]
    assert client.get(f"/bookings/{theirs.id}").status_code == 404
    assert client.post(f"/bookings/{theirs.id}/cancel").status_code == 404
    assert client.post(f"/bookings/{mine.id}/approve").status_code == 403
    assert client.post(f"/bookings/{mine.id}/refuse", json={"reason": "non"}).status_code == 403
    forced = client.post("/bookings", json=_body(lab, space_id=lab.incubator.id, attendees=3,
                                                 status="approved"))
    assert forced.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 2


def test_team_lists_all_with_filters_and_refuses_and_cancels(api, lab, quick_user, team_member,
                                                             create_booking):
    a = create_booking(space=lab.plenary)
    b = create_booking(space=lab.drh, day=future_day(3), status="approved")
    client = api(team_member)
    assert {x["id"] for x in client.get("/bookings").get_json()} == {a.id, b.id}
    assert [x["id"] for x in client.get(f"/bookings?space_id={lab.drh.id}").get_json()] == [b.id]
    assert [x["id"] for x in client.get("/bookings?status=pending").get_json()] == [a.id]
    day = future_day()
    assert [x["id"] for x in client.get(f"/bookings?from={day}&to={day}").get_json()] == [a.id]
    assert client.get("/bookings?status=maybe").status_code == 422
    assert client.get("/bookings?from=hier").status_code == 422
    assert client.post(f"/bookings/{a.id}/refuse", json={}).status_code == 422
    refused = client.post(f"/bookings/{a.id}/refuse", json={"reason": "Lab fermé pour travaux"})
    assert refused.get_json()["status"] == "refused"
    cancelled = client.post(f"/bookings/{b.id}/cancel", json={"reason": "Intempéries"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert client.post(f"/bookings/{b.id}/approve").status_code == 409


def test_notifications_in_french(api, lab, quick_user, team_member, mails):
    from labapp.mail.services import deliver_due_messages

    agent = quick_user()
    created = api(agent).post("/bookings", json=_body(lab)).get_json()
    api(team_member).post(f"/bookings/{created['id']}/approve")
    deliver_due_messages()
    messages = mails()
    assert [m["To"] for m in messages] == [team_member.email, agent.email]
    assert messages[0]["Subject"].startswith("Nouvelle demande de réservation")
    assert "http://lab.test/reservations/demandes" in messages[0].get_content()
    body = messages[1].get_content()
    assert "est acceptée" in body and "Espace plénier" in body and "10 h 00" in body


def test_list_query_budget_is_constant(api, lab, team_member, create_booking):
    client = api(team_member)
    for i in range(3):
        create_booking(day=future_day(i))
    client.get("/bookings")
    with count_queries() as few:
        assert len(client.get("/bookings").get_json()) == 3
    for i in range(3, 9):
        create_booking(day=future_day(i))
    with count_queries() as many:
        assert len(client.get("/bookings").get_json()) == 9
    assert many.count == few.count <= 6


def test_openapi_describes_bookings(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/spaces", "/bookings", "/bookings/{booking_id}", "/bookings/{booking_id}/approve",
                 "/bookings/{booking_id}/refuse", "/bookings/{booking_id}/cancel"):
        assert path in document["paths"]
    from openapi_spec_validator import validate

    validate(document)


def test_a_booking_names_only_a_project_its_requester_may_see(api, lab, quick_user, team_member,
                                                             create_project):
    agent, other = quick_user(), quick_user()
    theirs = create_project(requester=other)
    for project_id in (theirs.id, theirs.id + 1000):
        response = api(agent).post("/bookings", json=_body(lab, project_id=project_id))
        assert response.status_code == 422
        assert "project_id" in response.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 0
    response = api(team_member).post("/bookings", json=_body(lab, project_id=theirs.id))
    assert response.status_code == 201 and response.get_json()["project_id"] == theirs.id
