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
