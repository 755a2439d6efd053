"""Inputs the fuzz tests (test_fuzz.py) found to cause a 5xx, kept as plain tests."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize("query", [{"to": "9999-12-31"}, {"from": "0001-01-01"},
                                   {"from": "0001-01-01T00:00+14:00"}, {"to": "9999-12-31T23:59-12:00"}])
def test_date_filters_at_the_limits_of_the_calendar_are_422(api, create_user, query):
    response = api(create_user("team")).get("/bookings", query_string=query)
    assert response.status_code == 422
    assert "1900" in next(iter(response.get_json()["errors"].values()))[0]


def test_a_lone_surrogate_in_a_json_string_is_422(api, create_user):
    response = api(create_user("team")).post(
        "/projects", data=b'{"title": "\\ud800", "description": "d", "direction": "DRH", '
                          b'"territory": "national"}', headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"title"}


def test_json_nested_deeper_than_the_parser_goes_is_400(api, create_user):
    response = api(create_user("team")).post("/projects", data=b"[" * 100_000,
                                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400


@pytest.mark.parametrize("capacity", ["9" * 400, "2147483648", "douze"])
def test_integer_form_fields_refuse_huge_or_non_numbers_in_french(client, login, create_user, lab,
                                                                   capacity):
    login(create_user("admin"))
    response = client.post(f"/reservations/espaces/{lab.plenary.id}",
                           data={"name": "Espace plénier", "capacity": capacity, "active": "y"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ce nombre est trop grand." in html or "Un nombre entier est attendu." in html


@pytest.mark.parametrize("space_id", ["²", "--5"])
def test_query_integers_that_int_refuses_are_422(api, create_user, space_id):
    response = api(create_user("team")).get("/bookings", query_string={"space_id": space_id})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"space_id": ["Un nombre entier est attendu."]}


@pytest.mark.parametrize("space_id", [2**63, 2**70, 2**31])
def test_ids_beyond_an_sql_integer_are_422_and_book_nothing(api, create_user, lab, space_id):
    from datetime import time

    from labapp.bookings.models import Booking
    from labapp.extensions import db
    from tests.fixtures_bookings import future_day

    day = future_day()
    response = api(create_user("agent")).post("/bookings", json={
        "space_id": space_id, "start": f"{day}T{time(10)}", "end": f"{day}T{time(11)}",
        "title": "Atelier", "attendees": 3})
    assert response.status_code == 422
    assert response.get_json()["errors"]["space_id"] == ["Ce nombre est trop grand."]
    assert db.session.query(Booking).count() == 0


def test_attendance_ids_beyond_an_sql_integer_are_422(api, team_user, create_session):
    session = create_session()
    response = api(team_user).post(f"/sessions/{session.id}/attendance", json={"present": [2**64]})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"present"}


@pytest.mark.parametrize("path", ["/api/v1/projects/2585354087747100376532254720/contacts",
                                  "/api/v1/bookings/9223372036854775808",
                                  "/api/v1/sessions/99999999999999999999999/registrations"])
def test_an_id_in_a_path_beyond_an_sql_integer_is_404(client, api, create_user, path):
    token = api(create_user("team")).token
    assert client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 404
    assert client.post(path, json={"name": "Lou", "email": "lou@example.org"},
                       headers={"Authorization": f"Bearer {token}"}).status_code in (404, 405)


@pytest.mark.parametrize("path", ["/api/v1/booking-series/a%00b", "/avis/salle/ab%00cd",
                                  "/api/v1/booking-series/%1b"])
def test_a_control_character_in_a_string_path_parameter_is_404(client, api, create_user, path):
    token = api(create_user("team")).token
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404


@pytest.mark.parametrize("title", ["Accueil\x00 en préfecture", "Accueil \x1b[31m"])
def test_control_characters_in_a_form_field_are_refused_next_to_it(client, login, create_user, title):
    from labapp.extensions import db
    from labapp.projects.models import Project

    login(create_user("agent"))
    response = client.post("/projets/demande", data={
        "title": title, "description": "Réduire l'attente.\r\n\tAu guichet.", "direction": "DGEF",
        "territory": "dep-75", "submit": "Envoyer la demande"})
    assert response.status_code == 422
    assert "Caractères de contrôle non autorisés." in response.get_data(as_text=True)
    assert db.session.query(Project).count() == 0


@pytest.mark.parametrize(("day", "start", "end"), [("0001-01-01", "00:00", "01:00"),
                                                   ("9999-12-31", "23:00", "23:59")])
def test_form_dates_at_the_limits_of_the_calendar_are_422(client, login, create_user, day, start, end):
    from labapp.extensions import db
    from labapp.trainings.models import Session

    login(create_user("team"))
    response = client.post("/equipe/sessions/nouvelle", data={
        "title": "Webinaire", "kind": "webinaire", "offering_id": "0", "day": day,
        "start_time": start, "end_time": end, "capacity": "10", "location": "online", "space_id": "0"})
    assert response.status_code == 422
    assert "Date hors des limites acceptées (années 1900 à 2999)." in response.get_data(as_text=True)
    assert db.session.query(Session).count() == 0


def test_attendance_ids_that_int_refuses_are_ignored(client, login, create_user, create_session):
    team = create_user("team")
    session = create_session(actor=team)
    login(team)
    response = client.post(f"/equipe/sessions/{session.id}/emargement", data={"present": ["²", "١"]})
    assert response.status_code == 302


def test_a_contact_number_that_int_refuses_removes_nothing(client, login, create_user, create_project):
    from labapp.extensions import db
    from labapp.projects.models import ProjectContact

    team = create_user("team")
    project = create_project(status="in_progress")
    before = db.session.query(ProjectContact).count()
    login(team)
    response = client.post(f"/projets/{project.id}/contacts/retirer", data={"contact_id": "²"})
    assert 400 <= response.status_code < 500
    assert db.session.query(ProjectContact).count() == before


@pytest.mark.parametrize("theme", ["\ud800", "design\x00"])
def test_an_offering_theme_that_cannot_be_shown_is_422(api, team_user, theme):
    from labapp.extensions import db
    from labapp.trainings.models import Offering

    response = api(team_user).post("/offerings", data=json.dumps(
        {"title": "Design de service", "kind": "atelier", "themes": [theme]}),
        headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"themes"}
    assert db.session.query(Offering).count() == 0


@pytest.mark.parametrize("days", ["NaN", "sNaN", "-nan", "Infinity", "1e400"])
def test_days_saved_that_is_not_a_number_is_422(client, login, create_user, create_project, days):
    from labapp.extensions import db

    team = create_user("team")
    project = create_project(status="in_progress")
    login(team)
    response = client.post(f"/projets/{project.id}/fiche",
                           data={"record-days_saved": days, "record-rollout_scope": ""})
    assert response.status_code == 422
    assert "Un nombre de jours positif est attendu." in response.get_data(as_text=True)
    db.session.refresh(project)
    assert project.days_saved is None


def test_days_saved_beyond_the_columns_precision_are_rounded(client, login, create_user, create_project):
    from decimal import Decimal

    from labapp.extensions import db

    project = create_project(status="in_progress")
    login(create_user("team"))
    response = client.post(f"/projets/{project.id}/fiche", data={"record-days_saved": "1e-99999",
                                                                    "record-rollout_scope": ""})
    assert response.status_code == 302
    db.session.refresh(project)
    assert project.days_saved == Decimal("0")


@pytest.mark.parametrize("query", ["date=0001-01-01&vue=semaine", "date=9999-12-31&vue=mois",
                                   "date=0001-01-01&vue=jour"])
def test_calendar_dates_at_the_limits_of_the_calendar_show_today(client, login, create_user, lab, query):
    login(create_user("agent"))
    assert client.get(f"/reservations/?{query}").status_code == 200
    assert client.get(f"/reservations/demande?{query}").status_code == 200


def test_a_second_whole_lab_entry_is_refused_next_to_the_field(client, login, create_user, lab):
    from labapp.bookings.models import Space
    from labapp.extensions import db

    login(create_user("admin"))
    before = db.session.query(Space).count()
    response = client.post("/reservations/espaces/nouveau",
                           data={"name": "Autre lab entier", "capacity": "50", "whole": "y", "active": "y"})
    assert response.status_code == 422
    assert "Ce site a déjà une entrée « lab entier »." in response.get_data(as_text=True)
    assert db.session.query(Space).count() == before


def test_every_form_speaks_french():
    """Every form of the app uses the French built-in WTForms messages."""
    from flask_wtf import FlaskForm

    import labapp  # noqa: F401  (imports every blueprint and so every form)
    from labapp import create_app
    from labapp.forms_util import FrenchForm

    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    english = sorted(f"{c.__module__}.{c.__name__}" for c in subclasses(FlaskForm)
                     if c.__module__.startswith("labapp.") and not issubclass(c, FrenchForm))
    assert english == []


def test_an_unknown_choice_is_refused_in_french(client, login, create_user, lab):
    from tests.fixtures_bookings import future_day

    login(create_user())
    response = client.post("/reservations/demande", data={
        "space_id": lab.drh.id, "day": future_day().isoformat(), "start_time": "14:00",
        "end_time": "16:00", "title": "Atelier", "purpose": "fête", "attendees": "8",
        "frequency": "", "interval": "1"})
    assert response.status_code == 422
    assert "pas un choix valide" in response.get_data(as_text=True)
