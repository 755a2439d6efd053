"""Inputs the fuzz tests (test_fuzz.py) found to cause a 5xx, kept as plain tests."""

from __future__ import annotations

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
