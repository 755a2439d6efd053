"""Pages: public agenda and registration, private link, team pages and exports."""

import io

import pytest
from sqlalchemy import select

from labapp.extensions import db
from labapp.mail.services import deliver_due_messages
from labapp.trainings.models import Registration, Session
from tests.fixtures_trainings import at


def test_public_agenda_and_session_page_without_login(client, create_session, register):
    open_session = create_session(title="Décryptage comportemental", capacity=2)
    full = create_session(title="Design de service", capacity=1)
    register(full)
    create_session(title="Session passée", start_at=at(days=-3))
    html = client.get("/agenda").get_data(as_text=True)
    assert "Décryptage comportemental" in html and "2 places restantes" in html
    assert "Design de service" in html and "Complet" in html
    assert "Session passée" not in html
    page = client.get(f"/agenda/sessions/{open_session.id}").get_data(as_text=True)
    assert 'name="consent"' in page and "visio.example.org" not in page


def test_session_page_names_the_lab_space_and_its_site(client, create_session, lab):
    lab.site.address = "Place Beauvau, 75008 Paris"
    db.session.commit()
    from tests.fixtures_bookings import at as paris_at
    from tests.fixtures_bookings import future_day

    day = future_day(0)
    session = create_session(location="lab", space_id=lab.drh.id, capacity=10,
                             start_at=paris_at(day, "10:00"), end_at=paris_at(day, "12:00"))
    html = client.get(f"/agenda/sessions/{session.id}").get_data(as_text=True)
    assert f"Salle de remue-méninges (DRH), {lab.site.name} (Place Beauvau, 75008 Paris)" in html
    online = create_session(start_at=at(days=9))
    assert "En ligne" in client.get(f"/agenda/sessions/{online.id}").get_data(as_text=True)


def test_public_agenda_is_paginated_soonest_first_with_a_constant_query_count(
        client, create_session):
    from labapp.trainings.views import AGENDA_PAGE_SIZE
    from tests.querycount import count_queries

    for n in range(AGENDA_PAGE_SIZE + 3):
        create_session(title=f"Session n°{n:02d}", start_at=at(days=2 + n))
    with count_queries() as first:
        html = client.get("/agenda").get_data(as_text=True)
    assert "Session n°00" in html and f"Session n°{AGENDA_PAGE_SIZE - 1:02d}" in html
    assert f"Session n°{AGENDA_PAGE_SIZE:02d}" not in html
    assert html.index("Session n°00") < html.index("Session n°01")
    assert 'aria-label="Pagination"' in html
    with count_queries() as second:
        html = client.get("/agenda?page=2").get_data(as_text=True)
    assert f"Session n°{AGENDA_PAGE_SIZE + 2:02d}" in html and "Session n°00" not in html
    assert first.count == second.count <= 5


def test_public_form_registers_and_private_link_cancels(client, create_session, mails):
    session = create_session(capacity=1)
    response = client.post(f"/agenda/sessions/{session.id}/inscription", data={
        "name": "Alix Martin", "email": "alix@asso.example.org", "organisation": "Association",
        "consent": "y"})
    assert response.status_code == 302
    registration = db.session.scalars(select(Registration)).one()
    assert (registration.status, registration.user_id, registration.consent_at is not None) == (
        "confirmed", None, True)
    deliver_due_messages()
    body = mails()[-1].get_content()
    link = next(line for line in body.splitlines() if "/inscriptions/gerer/" in line).strip()
    path = link.replace("http://lab.test", "")
    page = client.get(path)
    assert page.status_code == 200 and "Alix Martin" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert client.post(path).status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == "cancelled"
    assert client.get("/inscriptions/gerer/" + "x" * 43).status_code == 404


@pytest.mark.parametrize("data,message", [
    ({"name": "A", "email": "a@example.org"}, "Votre accord est nécessaire"),
    ({"name": "A", "email": "pas-une-adresse", "consent": "y"}, "Adresse électronique invalide"),
    ({"email": "a@example.org", "consent": "y"}, "Ce champ est obligatoire"),
])
def test_public_form_bad_input_changes_nothing(client, create_session, data, message):
    session = create_session()
    response = client.post(f"/agenda/sessions/{session.id}/inscription", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Registration)).all() == []


def test_public_form_twice_is_refused(client, create_session):
    session = create_session()
    data = {"name": "A", "email": "a@example.org", "consent": "y"}
    assert client.post(f"/agenda/sessions/{session.id}/inscription", data=data).status_code == 302
    again = client.post(f"/agenda/sessions/{session.id}/inscription", data=data)
    assert again.status_code == 409 and "déjà inscrit" in again.get_data(as_text=True)


def test_agent_one_click_then_cancel(client, login, create_user, create_session):
    agent = create_user("agent")
    session = create_session(capacity=1)
    login(agent)
    assert client.post(f"/agenda/sessions/{session.id}/inscription").status_code == 302
    page = client.get(f"/agenda/sessions/{session.id}").get_data(as_text=True)
    assert "confirmée" in page and "https://visio.example.org/salle-42" in page
    registration = db.session.scalars(select(Registration)).one()
    assert client.post(f"/inscriptions/{registration.id}/annuler").status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == "cancelled"


def test_agent_cannot_reach_team_pages(client, login, create_user, create_session):
    session = create_session()
    login(create_user("agent"))
    for path in ("/equipe/sessions", f"/equipe/sessions/{session.id}",
                 f"/equipe/sessions/{session.id}/feuille", f"/equipe/sessions/{session.id}/inscrits.csv"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/equipe/sessions/{session.id}/emargement", data={"present": "1"}
                       ).status_code == 403


def test_team_creates_a_past_session_adds_people_records_attendance_and_exports(
        client, login, team_user):
    login(team_user)
    assert client.get("/equipe/sessions").status_code == 200
    response = client.post("/equipe/sessions/nouvelle", data={
        "title": "Écoute usagers", "kind": "formation", "offering_id": "0", "day": "2023-03-14",
        "start_time": "09:30", "end_time": "12:30", "capacity": "10", "location": "other",
        "address": "Préfecture de la Gironde, Bordeaux"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session = db.session.scalars(select(Session)).one()
    assert session.start_at.isoformat() == "2023-03-14T08:30:00+00:00"
    roster = f"/equipe/sessions/{session.id}"
    for name in ("=HYPERLINK(1)", "Bea"):
        assert client.post(roster, data={"name": name, "email": f"{len(name)}@example.org",
                                          "organisation": "DDTM"}).status_code == 302
    ids = [r.id for r in db.session.scalars(select(Registration).order_by(Registration.id))]
    assert client.post(f"{roster}/emargement", data={"present": [str(ids[0])]}).status_code == 302
    assert client.post(f"{roster}/tenue").status_code == 302
    db.session.expire_all()
    assert [r.present for r in db.session.scalars(select(Registration).order_by(Registration.id))] == [
        True, False]
    assert db.session.get(Session, session.id).status == "held"
    page = client.get(roster).get_data(as_text=True)
    assert "Bea" in page and "Tenue" in page
    sheet = client.get(f"{roster}/feuille").get_data(as_text=True)
    assert "Feuille d'émargement" in sheet and "Bea" in sheet
    csv_text = client.get(f"{roster}/inscrits.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in csv_text and "présent(e)" in csv_text
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(f"{roster}/inscrits.xlsx").data))
    assert book.active["A3"].value == "Bea"


def test_team_session_form_bad_input(client, login, team_user):
    login(team_user)
    response = client.post("/equipe/sessions/nouvelle", data={
        "title": "X", "kind": "formation", "offering_id": "0", "day": "2031-03-30",
        "start_time": "02:30", "end_time": "04:00", "capacity": "10", "location": "online"})
    assert response.status_code == 422
    assert "existe pas à Paris" in response.get_data(as_text=True)
    response = client.post("/equipe/sessions/nouvelle", data={
        "title": "X", "kind": "formation", "offering_id": "0", "day": "2031-03-20",
        "start_time": "10:00", "end_time": "09:00", "capacity": "10", "location": "lab"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "La fin doit être après le début" in html and "espace du lab à réserver" in html
    assert db.session.scalars(select(Session)).all() == []


def test_team_edit_capacity_below_confirmed(client, login, team_user, create_session, register):
    session = create_session(capacity=2)
    register(session)
    register(session)
    login(team_user)
    page = client.get(f"/equipe/sessions/{session.id}/modifier")
    assert page.status_code == 200
    response = client.post(f"/equipe/sessions/{session.id}/modifier", data={
        "title": session.title, "day": session.start_at.date().isoformat(),
        "start_time": "10:00", "end_time": "11:00", "capacity": "1", "location": "online",
        "video_link": session.video_link})
    assert response.status_code == 422
    assert "déjà confirmées" in response.get_data(as_text=True)


def test_team_sessions_list_pages_the_past_in_constant_queries(client, login, create_user,
                                                               create_session):
    from labapp.extensions import db
    from tests.fixtures_trainings import at
    from tests.querycount import count_queries

    login(create_user("team"))
    create_session(title="À venir")
    create_session(title="Passée 0", start_at=at(days=-1))
    db.session.expire_all()  # cold reads, same session (the test client shares `g`)
    with count_queries() as few:
        assert client.get("/equipe/sessions").status_code == 200
    for n in range(1, 30):
        create_session(title=f"Passée {n}", start_at=at(days=-1 - n))
    db.session.expire_all()  # cold reads, same session (the test client shares `g`)
    with count_queries() as many:
        first = client.get("/equipe/sessions").get_data(as_text=True)
    assert many.count == few.count
    assert "Passée 0" in first and "Passée 29" not in first and "À venir" in first
    second = client.get("/equipe/sessions?page=2").get_data(as_text=True)
    assert "Passée 29" in second
