"""Query budgets: every main page, API endpoint and feed that bench/run.py measures runs
the same number of SQL statements on the demo data and after a scaled load (sites,
years of bookings, sessions, registrations and projects), and at most 10 of them.

The indicators are computed once after each change, then read from the computed-figures
cache (labapp/cache.py): the budget applies to the cached read, and the first
computation must be constant too.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import g

from bench.run import PAGES
from labapp import scale
from labapp.auth.tokens import create_api_token
from labapp.extensions import db
from tests.conftest import PASSWORD
from tests.querycount import count_queries

BUDGET = 10


@pytest.fixture
def world(app, runner, create_user):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    team = create_user("team", email="budget.equipe@interieur.gouv.fr")
    agent = create_user("agent", email="budget.agent@interieur.gouv.fr")
    clients = {None: app.test_client()}
    for role, user in (("team", team), ("agent", agent)):
        clients[role] = app.test_client()
        response = clients[role].post("/compte/connexion",
                                      data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
    _, token = create_api_token(team, "budgets")
    db.session.commit()
    feed = clients[None].get("/api/v1/me/calendar",
                             headers={"Authorization": f"Bearer {token}"}).get_json()["https"]
    return {"clients": clients, "token": token, "feed": "/" + feed.split("/", 3)[3]}


def _requests(app, world) -> dict:
    """{label: callable returning the response}, the same list as bench/run.py."""
    year = date.today().year
    clients, auth = world["clients"], {"Authorization": f"Bearer {world['token']}"}
    with app.test_request_context():
        from flask import url_for

        paths = {label: (url_for(endpoint), role) for label, endpoint, role in PAGES}
    requests = {f"Page : {label}": (lambda p=path, r=role: clients[r].get(p))
                for label, (path, role) in paths.items()}
    for label, path in (("GET /spaces", "/spaces"),
                        ("GET /bookings (un mois)", f"/bookings?from={year}-03-01&to={year}-04-01"),
                        ("GET /sessions (un an)", f"/sessions?from={year}-01-01&to={year + 1}-01-01"),
                        ("GET /projects?year", f"/projects?year={year}"),
                        ("GET /indicators?year", f"/indicators?year={year}")):
        requests[f"API : {label}"] = lambda p=path: clients[None].get("/api/v1" + p, headers=auth)
    requests["Flux : /agenda.ics"] = lambda: clients[None].get("/agenda.ics")
    requests["Flux : personnel"] = lambda: clients[None].get(world["feed"])
    return requests


def _measure(requests) -> tuple[dict, dict]:
    """Statements of each request's first call (computes what the cache lacks) and of
    its second call (what a page costs while nothing changes)."""
    first, second = {}, {}
    for label, fetch in requests.items():
        for counts in (first, second):
            db.session.remove()  # an empty identity map, as in a new request
            g.pop("_login_user", None)  # the tests' app context outlives each request
            with count_queries() as counter:
                response = fetch()
            assert response.status_code == 200, (label, response.status_code)
            counts[label] = counter.count
    return first, second


def _grow(monkeypatch, sites: int, bookings: int, sessions: int, projects: int) -> None:
    for name, value in (("BOOKINGS_PER_SITE", bookings), ("SESSIONS_PER_SITE", sessions),
                        ("REGISTRATIONS_PER_SESSION", 6), ("PROJECTS_PER_SITE", projects),
                        ("AGENTS_PER_SITE", 6)):
        monkeypatch.setattr(scale, name, value)
    scale.seed_scale(sites)
    db.session.commit()


def test_every_measured_request_has_a_constant_budget_of_ten(app, world, monkeypatch):
    requests = _requests(app, world)
    _grow(monkeypatch, 1, 300, 40, 10)  # a few rows in every list (empty lists load less)
    first_few, few = _measure(requests)
    _grow(monkeypatch, 3, 1500, 150, 40)
    first_many, many = _measure(requests)
    assert many == few
    # A feed's very first build also records its validator row (one INSERT, once).
    first_few["Flux : personnel"] = first_many["Flux : personnel"] = None
    assert first_many == first_few
    assert {label: n for label, n in many.items() if n > BUDGET} == {}
