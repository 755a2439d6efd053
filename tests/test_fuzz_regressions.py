"""Inputs the fuzz tests (test_fuzz.py) found to cause a 5xx, kept as plain tests."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("query", [{"to": "9999-12-31"}, {"from": "0001-01-01"},
                                   {"from": "0001-01-01T00:00+14:00"}, {"to": "9999-12-31T23:59-12:00"}])
def test_date_filters_at_the_limits_of_the_calendar_are_422(api, create_user, query):
    response = api(create_user("team")).get("/bookings", query_string=query)
    assert response.status_code == 422
    assert "1900" in next(iter(response.get_json()["errors"].values()))[0]
