"""API: sites (opening hours, booking rules), closures and the admin's space edits."""

import pytest
from sqlalchemy import func, select

from labapp.bookings.models import Closure, Space
from labapp.bookings.site_services import create_site
from labapp.extensions import db
from tests.fixtures_bookings import future_day


def _request(lab, day, start="10:00", end="12:00", **changes):
    body = {"space_id": lab.plenary.id, "start": f"{day}T{start}", "end": f"{day}T{end}",
            "title": "Réunion projet", "attendees": 4}
    body.update(changes)
    return body


# --- Sites ---------------------------------------------------------------------------------------


def test_read_the_rules(api, lab, quick_user):
    response = api(quick_user()).get("/sites")
    assert response.status_code == 200
    [site] = response.get_json()
    assert site["id"] == lab.site.id and site["buffer_minutes"] == 0
    assert site["opening_hours"][0] == {"weekday": 0, "opens": "08:00", "closes": "20:00"}
    assert [h["weekday"] for h in site["opening_hours"]] == [0, 1, 2, 3, 4]
    assert api(quick_user()).get(f"/sites/{lab.site.id}").get_json() == site
    assert api(quick_user()).get("/sites/999").status_code == 404


def test_team_changes_rules_and_opening_hours_and_requests_follow(api, lab, quick_user, team_member):
    site_id = lab.site.id
    assert api(quick_user()).patch(f"/sites/{site_id}", json={"buffer_minutes": 10}).status_code == 403
    client = api(team_member)
    response = client.patch(f"/sites/{site_id}", json={
        "max_duration_minutes": 90, "horizon_days": 30,
        "opening_hours": [{"weekday": d, "opens": "09:00", "closes": "18:00"} for d in range(4)]})
    assert response.status_code == 200, response.get_json()
    site = response.get_json()
    assert (site["max_duration_minutes"], site["horizon_days"], site["buffer_minutes"]) == (90, 30, 0)
    assert [h["weekday"] for h in site["opening_hours"]] == [0, 1, 2, 3]
    assert site["opening_hours"][0] == {"weekday": 0, "opens": "09:00", "closes": "18:00"}

    agent = api(quick_user())
    day = future_day()
    too_long = agent.post("/bookings", json=_request(lab, day, "10:00", "12:00"))
    assert too_long.status_code == 422 and "end" in too_long.get_json()["errors"]
    early = agent.post("/bookings", json=_request(lab, day, "08:00", "09:00"))
    assert early.status_code == 422 and "start" in early.get_json()["errors"]
    friday = day
    while friday.weekday() != 4:
        friday = friday.fromordinal(friday.toordinal() + 1)
    closed_day = agent.post("/bookings", json=_request(lab, friday, "10:00", "11:00"))
    assert closed_day.status_code == 422 and "start" in closed_day.get_json()["errors"]
    assert agent.post("/bookings", json=_request(lab, day, "10:00", "11:00")).status_code == 201


@pytest.mark.parametrize("body,field", [
    ({"buffer_minutes": 300}, "buffer_minutes"),
    ({"buffer_minutes": "dix"}, "buffer_minutes"),
    ({"min_duration_minutes": 120, "max_duration_minutes": 60}, "max_duration_minutes"),
    ({"horizon_days": 0}, "horizon_days"),
    ({"opening_hours": [{"weekday": 0, "opens": "18:00", "closes": "09:00"}]}, "opening_hours"),
    ({"opening_hours": [{"weekday": 7, "opens": "09:00", "closes": "18:00"}]}, "opening_hours"),
    ({"opening_hours": [{"weekday": 0, "opens": "9h", "closes": "18:00"}]}, "opening_hours"),
    ({"opening_hours": [{"weekday": 1, "opens": "09:00", "closes": "18:00"}] * 2}, "opening_hours"),
    ({"opening_hours": "lundi"}, "opening_hours"),
])
def test_bad_rules_are_422_and_change_nothing(api, lab, team_member, body, field):
    response = api(team_member).patch(f"/sites/{lab.site.id}", json={"buffer_minutes": 5, **body}
                                      if field != "buffer_minutes" else body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    db.session.expire_all()
    assert lab.site.buffer_minutes == 0 and len(lab.site.opening_hours) == 5


def test_a_second_site_is_changed_alone(api, lab, team_member):
    other = create_site("Lab territorial de Lyon", "Préfecture du Rhône")
    db.session.commit()
    response = api(team_member).patch(f"/sites/{other.id}", json={
        "buffer_minutes": 30, "opening_hours": [{"weekday": 2, "opens": "10:00", "closes": "16:00"}]})
    assert response.status_code == 200
    db.session.expire_all()
    assert (other.buffer_minutes, [h.weekday for h in other.opening_hours]) == (30, [2])
    assert (lab.site.buffer_minutes, len(lab.site.opening_hours)) == (0, 5)


# --- Closures --------------------------------------------------------------------------------------


def test_closures_list_create_delete(api, lab, quick_user, team_member):
    day = future_day()
    agent, team = api(quick_user()), api(team_member)
    body = {"start_date": day.isoformat(), "end_date": day.isoformat(), "label": "Inventaire"}
    assert agent.post("/closures", json=body).status_code == 403
    created = team.post("/closures", json=body)
    assert created.status_code == 201, created.get_json()
    closure = created.get_json()
    assert closure == {"id": closure["id"], "site_id": lab.site.id, "start_date": day.isoformat(),
                       "end_date": day.isoformat(), "label": "Inventaire"}
    assert agent.get("/closures").get_json() == [closure]
    assert agent.get(f"/closures?site_id={lab.site.id}&from={day}&to={day}").get_json() == [closure]
    assert team.get(f"/closures?to={day.fromordinal(day.toordinal() - 1)}").get_json() == []

    refused = agent.post("/bookings", json=_request(lab, day))
    assert refused.status_code == 422 and "Inventaire" in refused.get_json()["errors"]["start"][0]

    assert agent.delete(f"/closures/{closure['id']}").status_code == 403
    assert team.delete(f"/closures/{closure['id']}").status_code == 204
    assert team.delete(f"/closures/{closure['id']}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Closure)) == 0
    assert agent.post("/bookings", json=_request(lab, day)).status_code == 201


@pytest.mark.parametrize("changes,field", [
    ({"end_date": "{before}"}, "end_date"),
    ({"start_date": "demain"}, "start_date"),
    ({"label": ""}, "label"),
    ({"site_id": 999}, "site_id"),
])
def test_bad_closures_are_422(api, lab, team_member, changes, field):
    day = future_day()
    body = {"start_date": day.isoformat(), "end_date": day.isoformat(), "label": "Travaux"}
    body.update({k: v.format(before=day.fromordinal(day.toordinal() - 1)) if isinstance(v, str) else v
                 for k, v in changes.items()})
    response = api(team_member).post("/closures", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert db.session.scalar(select(func.count()).select_from(Closure)) == 0


# --- Spaces ----------------------------------------------------------------------------------------


def test_admin_edits_a_space_and_the_list_keeps_the_contract(api, lab, quick_user, create_user):
    admin = create_user("admin")
    drh = lab.drh.id
    change = {"name": "Salle de remue-méninges", "capacity": 18, "equipment": "Écran, paperboard",
              "description": "Prêtée par la DRH"}
    assert api(quick_user()).patch(f"/spaces/{drh}", json=change).status_code == 403
    assert api(quick_user("team")).patch(f"/spaces/{drh}", json=change).status_code == 403
    response = api(admin).patch(f"/spaces/{drh}", json=change)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"id": drh, "whole": False, "site_id": lab.site.id, "active": True,
                                   **change}
    spaces = api(quick_user()).get("/spaces").get_json()
    assert {"id": drh, "name": "Salle de remue-méninges", "capacity": 18, "whole": False} in spaces
    assert all(set(s) == {"id", "name", "capacity", "whole"} for s in spaces)
    assert api(quick_user()).get(f"/spaces/{drh}").get_json()["equipment"] == "Écran, paperboard"

    partial = api(admin).patch(f"/spaces/{drh}", json={"active": False})
    assert partial.get_json()["name"] == "Salle de remue-méninges" and partial.get_json()["active"] is False
    assert drh not in [s["id"] for s in api(quick_user()).get("/spaces").get_json()]
    assert api(quick_user()).get(f"/spaces/{drh}").status_code == 404
    assert api(admin).get(f"/spaces/{drh}").status_code == 200


@pytest.mark.parametrize("body,field", [
    ({"capacity": 0}, "capacity"),
    ({"capacity": "vingt"}, "capacity"),
    ({"capacity": None}, "capacity"),
    ({"name": ""}, "name"),
    ({"name": "x" * 121}, "name"),
    ({"whole": True}, "whole"),
    ({"active": "oui"}, "active"),
])
def test_bad_space_edits_are_422(api, lab, create_user, body, field):
    response = api(create_user("admin")).patch(f"/spaces/{lab.drh.id}", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    db.session.expire_all()
    space = db.session.get(Space, lab.drh.id)
    assert (space.name, space.capacity, space.active) == ("Salle de remue-méninges (DRH)", 15, True)


def test_unknown_space_is_404(api, lab, create_user):
    assert api(create_user("admin")).patch("/spaces/999", json={"capacity": 3}).status_code == 404
