"""Team sessions page ("Sessions (équipe)"): both lists paginated, a filter by site, and a
number of statements that does not grow with the number of sessions."""

from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import insert

from labapp.extensions import db
from labapp.trainings.team_views import SESSIONS_PER_PAGE
from tests.fixtures_trainings import at
from tests.querycount import count_queries


@pytest.fixture
def sites(two_sites):
    return two_sites


def add_sessions(prefix: str, days: list[float], space=None):
    """Raw sessions named f"{prefix} {i:03d}" starting at(days=d) (in a space when given,
    online otherwise), one statement, committed."""
    from labapp.trainings.models import Session

    rows = []
    for i, d in enumerate(days):
        start = at(days=d)
        rows.append({"title": f"{prefix} {i:03d}", "kind": "formation", "start_at": start,
                     "end_at": start + timedelta(hours=2), "capacity": 10,
                     "location": "lab" if space else "online",
                     "space_id": space.id if space else None,
                     "status": "scheduled" if d > 0 else "held"})
    db.session.execute(insert(Session), rows)
    db.session.commit()


def page(client, query: str = "") -> str:
    response = client.get("/equipe/sessions" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def nav_links(html: str, label: str) -> list[dict]:
    """The query parameters (and fragment, as "#") of the links of one pagination nav."""
    nav = html.split(f'aria-label="{label}"', 1)[1].split("</nav>", 1)[0]
    links = []
    for href in re.findall(r'href="([^"]+)"', nav):
        url = urlsplit(htmllib.unescape(href))
        links.append({**{k: v[0] for k, v in parse_qs(url.query).items()}, "#": url.fragment})
    return links


@pytest.fixture
def team_client(client, login, create_user):
    login(create_user("team"))
    return client


def test_upcoming_sessions_are_paginated_soonest_first(team_client):
    add_sessions("Prochaine", [1 + n for n in range(SESSIONS_PER_PAGE + 2)])
    add_sessions("Ancienne", [-1 - n for n in range(SESSIONS_PER_PAGE + 1)])
    first = page(team_client)
    assert "Prochaine 000" in first and f"Prochaine {SESSIONS_PER_PAGE - 1:03d}" in first
    assert f"Prochaine {SESSIONS_PER_PAGE:03d}" not in first
    assert first.index("Prochaine 000") < first.index("Prochaine 001")
    assert f"{SESSIONS_PER_PAGE + 2} sessions à venir" in first
    upcoming_links = nav_links(first, "Pagination des sessions à venir")
    assert {"page_a_venir": "2", "#": "a-venir"} in upcoming_links
    past_links = nav_links(first, "Pagination des sessions passées")
    assert {"page": "2", "#": "passees"} in past_links
    second = page(team_client, "?page_a_venir=2&page=2")
    assert f"Prochaine {SESSIONS_PER_PAGE + 1:03d}" in second and "Prochaine 000" not in second
    # the past list keeps its own page, and each list's links keep the other one's
    assert f"Ancienne {SESSIONS_PER_PAGE:03d}" in second and "Ancienne 000" not in second
    assert {"page_a_venir": "1", "page": "2", "#": "a-venir"} in nav_links(
        second, "Pagination des sessions à venir")
    assert {"page": "1", "page_a_venir": "2", "#": "passees"} in nav_links(
        second, "Pagination des sessions passées")


def test_past_sessions_keep_the_page_parameter(team_client):
    add_sessions("Ancienne", [-1 - n for n in range(SESSIONS_PER_PAGE + 1)])
    first = page(team_client)
    assert "Ancienne 000" in first and f"Ancienne {SESSIONS_PER_PAGE:03d}" not in first
    assert f"Ancienne {SESSIONS_PER_PAGE:03d}" in page(team_client, "?page=2")
    assert "Aucune session à venir" in first


def test_filter_by_site(team_client, sites):
    lab, lab_room = sites["lab"]
    other, other_room = sites["other"]
    add_sessions("Beauvau", [2, -2], lab_room)
    add_sessions("Lyon", [3, -3], other_room)
    add_sessions("En ligne", [4, -4])
    everything = page(team_client)
    assert all(name in everything for name in ("Beauvau 000", "Beauvau 001", "Lyon 000",
                                                "Lyon 001", "En ligne 000", "En ligne 001"))
    assert 'name="site"' in everything and "Tous les sites" in everything
    lyon = page(team_client, f"?site={other.id}")
    assert "Lyon 000" in lyon and "Lyon 001" in lyon
    assert "Beauvau 00" not in lyon and "En ligne 0" not in lyon
    assert f'<option value="{other.id}" selected>' in lyon
    beauvau = page(team_client, f"?site={lab.id}")
    assert "Beauvau 000" in beauvau and "Lyon 0" not in beauvau and "En ligne 0" not in beauvau
    all_sites = page(team_client, "?site=")  # the "all sites" choice
    assert "Beauvau 000" in all_sites and "Lyon 000" in all_sites and "En ligne 000" in all_sites
    assert team_client.get("/equipe/sessions?site=999999").status_code == 404
    # Where each session is: the space, named with its site while all sites are listed.
    assert "<td>Salle de Lyon (Lab territorial de Lyon)</td>" in everything
    assert "<td>Espace plénier (Lab Beauvau)</td>" in everything
    assert "<td>En ligne</td>" in everything
    assert "<td>Salle de Lyon</td>" in lyon


def test_filter_keeps_the_site_in_the_page_links(team_client, sites):
    other, other_room = sites["other"]
    add_sessions("Lyon", [1 + n for n in range(SESSIONS_PER_PAGE + 1)], other_room)
    html = page(team_client, f"?site={other.id}")
    assert {"site": str(other.id), "page_a_venir": "2", "#": "a-venir"} in nav_links(
        html, "Pagination des sessions à venir")
    second = page(team_client, f"?site={other.id}&page_a_venir=2")
    assert f"Lyon {SESSIONS_PER_PAGE:03d}" in second


def test_a_single_site_shows_no_filter(team_client, app):
    from labapp.bookings.site_services import default_site

    default_site()
    db.session.commit()
    add_sessions("Prochaine", [1])
    assert 'name="site"' not in page(team_client)


def _statements(client, query: str = "") -> int:
    db.session.expire_all()  # cold reads (the test client shares the session)
    with count_queries() as counter:
        page(client, query)
    return counter.count


def test_statement_count_does_not_grow_with_sessions_or_sites(team_client, sites):
    from labapp.bookings.models import Site, Space

    other, other_room = sites["other"]
    add_sessions("Lyon", [1, -1], other_room)
    add_sessions("En ligne", [2, -2])
    few, few_site = _statements(team_client), _statements(team_client, f"?site={other.id}")
    add_sessions("Lyon+", [3 + n for n in range(80)] + [-3 - n for n in range(80)], other_room)
    add_sessions("En ligne+", [3 + n for n in range(80)] + [-3 - n for n in range(80)])
    for n in range(5):
        site = Site(name=f"Lab territorial {n}", address="Préfecture")
        db.session.add_all([site, Space(site=site, name=f"Salle {n}", capacity=10)])
    db.session.commit()
    assert _statements(team_client) == few <= 8
    assert _statements(team_client, f"?site={other.id}") == few_site == few
    assert _statements(team_client, f"?site={other.id}&page=3&page_a_venir=2") == few
