"""Optional `limit`/`offset` on GET /sessions, /bookings and /projects (and `site_id` on
the first two): without them the answer is exactly as before; with them, a slice, the
total and a link to the next slice, in a number of statements that does not grow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import insert

from labapp.extensions import db
from tests.querycount import count_queries

START = datetime(2031, 3, 3, 8, tzinfo=UTC)


@pytest.fixture
def world(app, create_user, two_sites):
    """Two sites with one space each, a team member and an agent."""
    (lab, lab_room), (other, other_room) = two_sites["lab"], two_sites["other"]

    class World:  # ids, not objects: tests remove the session to count cold statements
        team = create_user("team")
        agent = create_user("agent")
        agent_id, team_id = agent.id, team.id
        sites = {"lab": lab.id, "other": other.id}
        rooms = {"lab": lab_room.id, "other": other_room.id}

        def sessions(self, n: int, room: str | None = None, first_day: int = 0):
            from labapp.trainings.models import Session

            space_id = self.rooms[room] if room else None
            db.session.execute(insert(Session), [{
                "title": f"Session {room or 'en ligne'} {first_day + i}", "kind": "formation",
                "start_at": START + timedelta(days=first_day + i),
                "end_at": START + timedelta(days=first_day + i, hours=2), "capacity": 10,
                "location": "lab" if space_id else "online",
                "space_id": space_id} for i in range(n)])
            db.session.commit()

        def bookings(self, n: int, room: str = "lab", first_day: int = 0, by: int | None = None):
            from labapp.bookings.models import Booking

            db.session.execute(insert(Booking), [{
                "space_id": self.rooms[room], "title": f"Réunion {room} {first_day + i}",
                "start_at": START + timedelta(days=first_day + i),
                "end_at": START + timedelta(days=first_day + i, hours=2), "attendees": 4,
                "status": "approved", "requested_by_id": by or self.agent_id}
                for i in range(n)])
            db.session.commit()

        def projects(self, n: int):
            from labapp.projects.models import Project

            db.session.execute(insert(Project), [{
                "title": f"Projet {i}", "description": "d", "direction": "DRH",
                "territory": "national", "requested_by_id": self.agent_id} for i in range(n)])
            db.session.commit()

    return World()


@pytest.fixture
def team_api(api, world):
    return api(world.team)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()]


def next_link(response) -> dict | None:
    """The query parameters of the Link rel="next" target, or None without one."""
    header = response.headers.get("Link")
    if header is None:
        return None
    target, rel = header.split(";", 1)
    assert rel.strip() == 'rel="next"' and target.startswith("<") and target.endswith(">")
    url = urlsplit(target[1:-1])
    assert url.path.startswith("/api/v1/")
    return {k: v[0] for k, v in parse_qs(url.query).items()}


def walk(client, path: str, limit: int) -> list[int]:
    """Every id of a list by following its next links, checking the total on the way."""
    seen, query, total = [], {"limit": str(limit)}, None
    while query is not None:
        response = client.get(path + "?" + "&".join(f"{k}={v}" for k, v in query.items()))
        page = ids(response)
        assert len(page) <= limit
        total = total or int(response.headers["X-Total-Count"])
        assert int(response.headers["X-Total-Count"]) == total
        seen += page
        query = next_link(response)
    assert len(seen) == total
    return seen


# --- without the new parameters: exactly as before ------------------------------------------

def test_sessions_without_paging_answer_the_whole_list_as_before(team_api, world):
    from labapp.trainings import services
    from labapp.trainings.api import session_json

    world.sessions(4, "lab")
    world.sessions(3)
    response = team_api.get("/sessions")
    assert "X-Total-Count" not in response.headers and "Link" not in response.headers
    sessions = services.list_sessions()
    counts = services.session_counts(s.id for s in sessions)
    assert response.get_json() == [session_json(s, counts[s.id]) for s in sessions]
    assert len(response.get_json()) == 7
    assert walk(team_api, "/sessions", 3) == ids(response)


def test_bookings_without_paging_answer_the_whole_list_as_before(team_api, world):
    from labapp.bookings.api import booking_json
    from labapp.bookings.models import Booking

    world.bookings(5, "lab")
    world.bookings(2, "other", first_day=10)
    response = team_api.get("/bookings")
    assert "X-Total-Count" not in response.headers and "Link" not in response.headers
    expected = db.session.scalars(db.select(Booking).order_by(Booking.start_at, Booking.id)).all()
    assert response.get_json() == [booking_json(b) for b in expected]
    assert walk(team_api, "/bookings", 2) == ids(response)


def test_projects_without_paging_answer_the_whole_list_as_before(team_api, world):
    from labapp.projects.api import project_json
    from labapp.projects.models import Project

    world.projects(6)
    response = team_api.get("/projects")
    assert "X-Total-Count" not in response.headers and "Link" not in response.headers
    expected = db.session.scalars(db.select(Project).order_by(Project.created_at.desc(),
                                                              Project.id.desc())).all()
    assert response.get_json() == [project_json(p) for p in expected]
    assert walk(team_api, "/projects", 4) == ids(response)


# --- limit, offset, headers ---------------------------------------------------------------

def test_limit_and_offset_slice_the_list_with_total_and_next_link(team_api, world):
    world.sessions(7, "lab")
    everything = ids(team_api.get("/sessions?kind=formation"))
    first = team_api.get("/sessions?kind=formation&limit=3")
    assert ids(first) == everything[:3]
    assert first.headers["X-Total-Count"] == "7"
    assert next_link(first) == {"kind": "formation", "limit": "3", "offset": "3"}
    middle = team_api.get("/sessions?kind=formation&limit=3&offset=3")
    assert ids(middle) == everything[3:6]
    assert next_link(middle) == {"kind": "formation", "limit": "3", "offset": "6"}
    last = team_api.get("/sessions?kind=formation&limit=3&offset=6")
    assert ids(last) == everything[6:] and last.headers["X-Total-Count"] == "7"
    assert next_link(last) is None
    beyond = team_api.get("/sessions?limit=3&offset=50")
    assert ids(beyond) == [] and beyond.headers["X-Total-Count"] == "7"
    assert next_link(beyond) is None
    far = team_api.get("/sessions?limit=3&offset=2147483647")  # the largest SQL INTEGER
    assert ids(far) == [] and far.headers["X-Total-Count"] == "7" and next_link(far) is None
    beyond_sql = team_api.get("/sessions?limit=3&offset=999999999999999999")  # no 5xx
    assert beyond_sql.status_code == 422 and "offset" in beyond_sql.get_json()["errors"]
    exact = team_api.get("/sessions?limit=7")
    assert ids(exact) == everything and next_link(exact) is None
    assert ids(team_api.get("/sessions?offset=5")) == everything[5:]  # offset alone


def test_an_agent_pages_only_their_own_bookings(api, world):
    world.bookings(3, "lab")
    world.bookings(4, "lab", first_day=20, by=world.team_id)
    response = api(world.agent).get("/bookings?limit=2")
    assert response.headers["X-Total-Count"] == "3" and len(ids(response)) == 2


BAD_VALUES = [("limit", "0"), ("limit", "501"), ("limit", "abc"), ("limit", "-1"),
              ("limit", "2.5"), ("limit", "99999999999999999999"), ("offset", "-1"),
              ("offset", "x"), ("site_id", "0"), ("site_id", "lyon")]


@pytest.mark.parametrize("path", ["/sessions", "/bookings", "/projects"])
def test_invalid_paging_values_are_422_problems(team_api, path):
    for name, value in BAD_VALUES:
        if name == "site_id" and path == "/projects":
            continue  # projects have no site
        response = team_api.get(f"{path}?{name}={value}")
        assert response.status_code == 422, (name, value)
        assert response.headers["Content-Type"].startswith("application/problem+json")
        body = response.get_json()
        assert body["status"] == 422 and list(body["errors"]) == [name], (name, value)


def test_limit_bounds_are_accepted(team_api, world):
    world.projects(2)
    assert len(ids(team_api.get("/projects?limit=1&offset=0"))) == 1
    assert len(ids(team_api.get("/projects?limit=500"))) == 2


# --- site filter --------------------------------------------------------------------------

def test_sessions_and_bookings_filter_by_site(team_api, world):
    world.sessions(2, "lab")
    world.sessions(3, "other", first_day=10)
    world.sessions(1, None, first_day=20)
    world.bookings(2, "lab")
    world.bookings(1, "other", first_day=10)
    lyon, beauvau = world.sites["other"], world.sites["lab"]
    sessions = team_api.get(f"/sessions?site_id={lyon}").get_json()
    assert [s["space_id"] for s in sessions] == [world.rooms["other"]] * 3
    assert len(team_api.get(f"/sessions?site_id={beauvau}").get_json()) == 2
    assert len(team_api.get("/sessions").get_json()) == 6  # online sessions belong to no site
    bookings = team_api.get(f"/bookings?site_id={lyon}").get_json()
    assert [b["space_id"] for b in bookings] == [world.rooms["other"]]
    paged = team_api.get(f"/sessions?site_id={lyon}&limit=2")
    assert paged.headers["X-Total-Count"] == "3"
    assert next_link(paged) == {"site_id": str(lyon), "limit": "2", "offset": "2"}
    assert team_api.get("/sessions?site_id=999999").get_json() == []


# --- statements ---------------------------------------------------------------------------

def _statements(client, path: str) -> int:
    db.session.remove()
    with count_queries() as counter:
        assert client.get(path).status_code == 200
    return counter.count


def test_statement_counts_do_not_grow_with_the_data(team_api, world):
    lyon = world.sites["other"]
    world.sessions(3, "other")
    world.bookings(3, "other")
    world.projects(3)
    team_api.get("/me")  # the token's first use records it: keep that write out of the counts
    paths = ["/sessions?limit=2", f"/sessions?site_id={lyon}&limit=2&offset=1",
             "/bookings?limit=2", f"/bookings?site_id={lyon}&limit=2&offset=1",
             "/projects?limit=2&offset=1"]
    few = {path: _statements(team_api, path) for path in paths}
    world.sessions(60, "other", first_day=100)
    world.bookings(60, "other", first_day=100)
    world.projects(60)
    many = {path: _statements(team_api, path) for path in paths}
    assert many == few
    assert max(many.values()) <= 6


# --- OpenAPI ------------------------------------------------------------------------------

def test_openapi_documents_the_paging_parameters(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    for path, extra in (("/sessions", {"site_id"}), ("/bookings", {"site_id"}), ("/projects", set())):
        operation = document["paths"][path]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert {"limit", "offset"} | extra <= names
        limit = next(p for p in operation["parameters"] if p["name"] == "limit")
        assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 500)
        assert {"X-Total-Count", "Link"} <= set(operation["responses"]["200"]["headers"])
