"""The catalogue of offerings: rules, API (/api/v1/offerings), team pages and public page."""

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from labapp.errors import Forbidden, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.trainings import catalogue, services
from labapp.trainings.models import Offering
from tests.fixtures_trainings import at
from tests.querycount import count_queries

OFFERING = {"title": "Mener des entretiens utilisateurs", "kind": "formation",
            "themes": ["entretiens utilisateurs", "écoute usagers"],
            "description": "Préparer, mener et analyser des entretiens.",
            "duration_minutes": 360, "audience": "agents", "default_capacity": 10}


@pytest.fixture
def create_offering(app, team_user):
    """Creator: create_offering(**params) -> a committed Offering (defaults: OFFERING)."""

    def make(**params):
        offering = catalogue.create_offering(team_user, **{**OFFERING, **params})
        db.session.commit()
        return offering

    return make


# --- rules -------------------------------------------------------------------------------

def test_create_and_update_offering(create_offering, team_user):
    offering = create_offering(themes=["  design   de service ", "Design de service", "co-développement"])
    assert offering.themes == ["design de service", "co-développement"]
    catalogue.update_offering(team_user, offering.id, title="Entretiens (niveau 2)",
                              default_capacity=8, audience="tous", active=False)
    db.session.commit()
    db.session.expire_all()
    again = db.session.get(Offering, offering.id)
    assert (again.title, again.default_capacity, again.audience, again.active) == (
        "Entretiens (niveau 2)", 8, "tous", False)
    assert again.duration_minutes == 360  # untouched fields stay


@pytest.mark.parametrize("params,field", [
    ({"title": " "}, "title"),
    ({"kind": "conference"}, "kind"),
    ({"audience": "public"}, "audience"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"duration_minutes": True}, "duration_minutes"),
    ({"default_capacity": 1001}, "default_capacity"),
    ({"themes": "écoute usagers"}, "themes"),
    ({"themes": ["x" * 81]}, "themes"),
    ({"themes": [f"thème {i}" for i in range(13)]}, "themes"),
    ({"description": "x" * 5001}, "description"),
])
def test_bad_offering_is_422_by_field_and_changes_nothing(app, team_user, params, field):
    with pytest.raises(ValidationFailed) as error:
        catalogue.create_offering(team_user, **{**OFFERING, **params})
    assert field in error.value.errors
    db.session.rollback()
    assert db.session.scalar(select(func.count(Offering.id))) == 0


def test_update_refuses_unknown_fields_and_agents(create_offering, create_user):
    offering = create_offering()
    with pytest.raises(ValidationFailed):
        catalogue.update_offering(create_user("team"), offering.id, sessions=[])
    with pytest.raises(Forbidden):
        catalogue.update_offering(create_user("agent"), offering.id, title="Autre")
    with pytest.raises(NotFound):
        catalogue.update_offering(create_user("team"), 99999, title="Autre")


def test_catalogue_lists_only_upcoming_open_sessions_of_each_offering(
        create_offering, create_session, team_user, register):
    offering, other = create_offering(), create_offering(title="Co-développement", kind="atelier")
    later = create_session(offering_id=offering.id, title="Plus tard", start_at=at(days=20))
    soon = create_session(offering_id=offering.id, title="Bientôt", start_at=at(days=5))
    create_session(offering_id=offering.id, title="Passée", start_at=at(days=-5))
    cancelled = create_session(offering_id=offering.id, title="Annulée", start_at=at(days=9))
    services.cancel_session(team_user, cancelled.id)
    create_session(title="Hors catalogue")
    register(soon)
    found = catalogue.catalogue(catalogue.list_offerings())
    by_id = {e.offering.id: [s.title for s in e.sessions] for e in found.entries}
    assert by_id == {offering.id: ["Bientôt", "Plus tard"], other.id: []}
    assert found.counts[soon.id]["confirmed"] == 1 and found.counts[later.id]["confirmed"] == 0


# --- API ---------------------------------------------------------------------------------

def test_api_public_read_team_write(api, team_user, create_user, create_session):
    team = api(team_user)
    created = team.post("/offerings", json=OFFERING)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert {k: body[k] for k in OFFERING} == OFFERING
    assert (body["active"], body["upcoming_sessions"]) == (True, [])
    oid = body["id"]
    session = create_session(offering_id=oid, capacity=3)

    anonymous = api(None)
    listed = anonymous.get("/offerings")
    assert listed.status_code == 200
    [entry] = listed.get_json()
    assert [s["id"] for s in entry["upcoming_sessions"]] == [session.id]
    assert entry["upcoming_sessions"][0]["seats_left"] == 3
    assert anonymous.get(f"/offerings/{oid}").get_json()["title"] == OFFERING["title"]
    assert anonymous.get("/offerings?kind=webinaire").get_json() == []
    assert len(anonymous.get("/offerings?audience=agents").get_json()) == 1

    agent = api(create_user("agent"))
    assert agent.post("/offerings", json=OFFERING).status_code == 403
    assert agent.patch(f"/offerings/{oid}", json={"title": "X"}).status_code == 403
    assert anonymous.post("/offerings", json=OFFERING).status_code == 401

    patched = team.patch(f"/offerings/{oid}", json={"active": False, "themes": ["design de service"]})
    assert patched.status_code == 200, patched.get_json()
    assert (patched.get_json()["active"], patched.get_json()["themes"]) == (False, ["design de service"])
    assert anonymous.get("/offerings").get_json() == []
    assert anonymous.get(f"/offerings/{oid}").status_code == 404
    assert anonymous.get("/offerings?include_inactive=true").status_code == 403
    assert [o["id"] for o in team.get("/offerings?include_inactive=true").get_json()] == [oid]
    assert team.get(f"/offerings/{oid}").status_code == 200


@pytest.mark.parametrize("body,field", [
    ({**OFFERING, "kind": "cours"}, "kind"),
    ({k: v for k, v in OFFERING.items() if k != "title"}, "title"),
    ({**OFFERING, "default_capacity": 0}, "default_capacity"),
    ({**OFFERING, "duration_minutes": "3h"}, "duration_minutes"),
    ({**OFFERING, "themes": [1, 2]}, "themes"),
    ({**OFFERING, "active": "oui"}, "active"),
])
def test_api_bad_input_is_422_by_field(api, team_user, body, field):
    response = api(team_user).post("/offerings", json=body)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in response.get_json()["errors"]
    assert db.session.scalar(select(func.count(Offering.id))) == 0


def test_api_patch_errors(api, team_user, create_offering):
    team = api(team_user)
    oid = create_offering().id
    assert team.patch(f"/offerings/{oid}", json={}).status_code == 422
    assert team.patch(f"/offerings/{oid}", data="nope",
                      headers={"Content-Type": "application/json"}).status_code == 400
    assert team.patch("/offerings/99999", json={"title": "X"}).status_code == 404
    assert api(None).get("/offerings?kind=cours").status_code == 422


def test_api_list_query_count_is_constant(api, create_offering, create_session):
    anonymous = api(None)

    def measure():
        db.session.expire_all()
        with count_queries() as counter:
            assert anonymous.get("/offerings").status_code == 200
        return counter.count

    first = create_offering()
    create_session(offering_id=first.id)
    small = measure()
    for i in range(6):
        offering = create_offering(title=f"Offre {i}")
        create_session(offering_id=offering.id)
        create_session(offering_id=offering.id, start_at=at(days=9))
    assert len(anonymous.get("/offerings").get_json()) == 7
    assert measure() == small


def test_openapi_documents_the_offerings(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    paths = document["paths"]
    assert set(paths["/offerings"]) == {"get", "post"}
    assert set(paths["/offerings/{offering_id}"]) == {"get", "patch"}
    assert {} in paths["/offerings"]["get"]["security"]  # no token needed to read


# --- pages -------------------------------------------------------------------------------

FORM = {"title": "Initiation au design de service", "kind": "formation",
        "themes": ["design de service", "écoute usagers"], "other_themes": "prototypage, ",
        "description": "Une journée pour découvrir.", "duration_minutes": "360",
        "audience": "tous", "default_capacity": "14", "active": "y"}


def test_team_creates_and_edits_an_offering(client, login, team_user):
    login(team_user)
    assert client.get("/equipe/catalogue").status_code == 200
    assert client.get("/equipe/catalogue/nouvelle").status_code == 200
    response = client.post("/equipe/catalogue/nouvelle", data=FORM)
    assert response.status_code == 302 and response.location.endswith("/equipe/catalogue")
    offering = db.session.scalars(select(Offering)).one()
    assert offering.themes == ["design de service", "écoute usagers", "prototypage"]
    assert (offering.duration_minutes, offering.default_capacity, offering.active) == (360, 14, True)
    listing = client.get("/equipe/catalogue").get_data(as_text=True)
    assert "L&#39;offre est ajoutée au catalogue." in listing and "6 h" in listing

    edit = client.get(f"/equipe/catalogue/{offering.id}/modifier").get_data(as_text=True)
    assert 'value="Initiation au design de service"' in edit and 'value="prototypage"' in edit
    assert 'value="design de service" checked' in edit.replace('checked value="design de service"',
                                                               'value="design de service" checked')
    data = {**FORM, "title": "Design de service (initiation)", "themes": ["design de service"],
            "other_themes": ""}
    del data["active"]  # unchecked: archived
    assert client.post(f"/equipe/catalogue/{offering.id}/modifier", data=data).status_code == 302
    db.session.expire_all()
    offering = db.session.get(Offering, offering.id)
    assert (offering.title, offering.themes, offering.active) == (
        "Design de service (initiation)", ["design de service"], False)
    assert "Archivée" in client.get("/equipe/catalogue").get_data(as_text=True)
    assert "Design de service (initiation)" not in client.get("/catalogue").get_data(as_text=True)


@pytest.mark.parametrize("changes,field,message", [
    ({"title": ""}, "title", "Ce champ est obligatoire."),
    ({"duration_minutes": "0"}, "duration_minutes", "Entre 1 et 7200 minutes."),
    ({"default_capacity": ""}, "default_capacity", "Ce champ est obligatoire."),
    ({"other_themes": "x" * 90}, "themes", "Un thème fait 80 caractères au plus."),
])
def test_offering_form_errors_next_to_fields(client, login, team_user, changes, field, message):
    login(team_user)
    response = client.post("/equipe/catalogue/nouvelle", data={**FORM, **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    messages = html[html.index(f'id="{field}-messages"'):]
    assert message.replace("'", "&#39;") in messages[:400]
    assert "<title>Erreur : " in html
    assert db.session.scalars(select(Offering)).all() == []


def test_offering_pages_are_for_the_team(client, login, create_user, create_offering):
    offering = create_offering()
    login(create_user("agent"))
    for path in ("/equipe/catalogue", "/equipe/catalogue/nouvelle",
                 f"/equipe/catalogue/{offering.id}/modifier"):
        assert client.get(path).status_code == 403, path
    assert client.post("/equipe/catalogue/nouvelle", data=FORM).status_code == 403
    assert len(db.session.scalars(select(Offering)).all()) == 1


def test_public_catalogue_without_login(client, create_offering, create_session, register):
    offering = create_offering()
    create_offering(title="Atelier archivé", active=False)
    create_offering(title="Rencontre des labs", kind="rencontre", themes=[])
    session = create_session(offering_id=offering.id, capacity=2, title="Entretiens — mars")
    register(session)
    create_session(offering_id=offering.id, start_at=at(days=-3), title="Passée")
    html = client.get("/catalogue").get_data(as_text=True)
    assert "Mener des entretiens utilisateurs" in html and "Rencontre des labs" in html
    assert "Atelier archivé" not in html and "Passée" not in html
    assert f'/agenda/sessions/{session.id}' in html and "1 place restante" in html
    assert "entretiens utilisateurs" in html and "Public : agents" in html and "6 h" in html
    assert "Aucune session programmée pour le moment." in html  # the meeting has none
    assert 'href="/catalogue"' in html  # in the navigation


def test_catalogue_pages_use_constant_queries(client, login, team_user, create_offering,
                                              create_session):
    def measure(path):
        db.session.expire_all()  # cold reads, same session (the test client shares `g`)
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    login(team_user)
    first = create_offering()
    create_session(offering_id=first.id)
    few = {path: measure(path) for path in ("/catalogue", "/equipe/catalogue")}
    for i in range(8):
        offering = create_offering(title=f"Offre {i}")
        create_session(offering_id=offering.id)
        create_session(offering_id=offering.id, start_at=at(days=-2 - i))
    assert "Offre 7" in client.get("/catalogue").get_data(as_text=True)
    assert {path: measure(path) for path in few} == few


def test_schedule_a_session_from_an_offering(client, login, team_user, create_offering):
    offering = create_offering()
    login(team_user)
    page = client.get(f"/equipe/sessions/nouvelle?offre={offering.id}").get_data(as_text=True)
    assert f'<option selected value="{offering.id}">' in page
    assert 'value="Mener des entretiens utilisateurs"' in page and 'value="10"' in page
    assert client.get("/equipe/sessions/nouvelle?offre=99999").status_code == 200
