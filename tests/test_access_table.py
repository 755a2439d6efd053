"""Every route as five roles (anonymous, owner, another agent, team, admin) against the
access table of tests/access.py; guessed ids; security headers and cookies."""

from __future__ import annotations

import contextvars

import pytest

from labapp import create_app
from tests import access, dbsetup
from tests.access import ACCESS, EXEMPT, OTHER, ROLES
from tests.conftest import _PG_ENGINES, ENGINES

SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def _rules(app, endpoint: str):
    return [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]


def _methods(rule) -> list[str]:
    """GET first: reads run on the world before anything changes it."""
    return sorted(rule.methods - SKIPPED_METHODS, key=lambda m: (m != "GET", m))


def test_every_route_is_classified(app):
    """A new route must be put in ACCESS (or EXEMPT, with a reason) before it ships."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unclassified = sorted(endpoints - set(ACCESS) - set(EXEMPT))
    assert not unclassified, f"routes missing from tests/access.py ACCESS: {unclassified}"
    stale = sorted((set(ACCESS) | set(EXEMPT)) - endpoints)
    assert not stale, f"ACCESS/EXEMPT entries without a route: {stale}"
    assert not set(ACCESS) & set(EXEMPT)
    for table in (access.ENDPOINT_ARGUMENTS, access.VALID_BODIES):
        assert set(table) <= endpoints, sorted(set(table) - endpoints)
    for name, entry in ACCESS.items():
        assert entry.level in access.ALLOWED, name
        assert set(entry.overrides) <= set(ROLES), name
        assert not entry.overrides or entry.reason, f"{name}: an override needs its reason"


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path) -> str:
    """conftest's, except that tests with a world skip PostgreSQL's truncation (slow): the
    world replaces every row of every table."""
    if request.param == "sqlite":
        return dbsetup.copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
    url = request.getfixturevalue("postgres_url")
    if "world" not in request.fixturenames:
        dbsetup.truncate_postgres(url, _PG_ENGINES)
    return url


@pytest.fixture(scope="session")
def snapshots(tmp_path_factory) -> dict:
    """The first world of the session (per engine), copied into the next tests' databases."""
    return {"dir": tmp_path_factory.mktemp("world")}


@pytest.fixture
def world(app, snapshots):
    return access.fresh_world(app, snapshots)


class Walk:
    """The requests of one endpoint; a fresh world whenever a change may have happened."""

    def __init__(self, app, world, snapshots):
        self.app, self.world, self.snapshots = app, world, snapshots
        self.dirty = False
        self.problems: list[str] = []

    def fresh(self):
        if self.dirty:
            self.world = access.fresh_world(self.app, self.snapshots)
            self.dirty = False
        return self.world

    def request(self, role, method, rule):
        path = access.url_for_rule(rule, self.world)
        response = access.send(self.app, self.world, role, method, rule, path)
        label = f"{method} {path} ({rule.endpoint}) as {role}"
        entry = ACCESS[rule.endpoint]
        problem = access.check(response, access.expected(entry, role, rule), method)
        if problem:
            self.problems.append(f"{label}: {problem} "
                                 f"{response.get_data(as_text=True)[:200]!r}")
        self.problems += [f"{label}: {p}" for p in access.header_problems(response)]
        if access.is_api(rule) and response.status_code >= 400 \
                and response.mimetype != "application/problem+json":
            self.problems.append(f"{label}: API error as {response.mimetype}")
        if entry.level == "token-link" and response.status_code == 200:
            self.problems += [f"{label}: {p}" for p in access.capability_problems(response)]
        if method != "GET":
            self.dirty = True
        return response


@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_route_access(app, world, snapshots, endpoint):
    """Each role gets what the table says: a success for the allowed ones, the login page,
    401, 403 or 404 for the others, never a 5xx; every response carries the headers."""
    walk = Walk(app, world, snapshots)
    entry = ACCESS[endpoint]
    for rule in _rules(app, endpoint):
        for method in _methods(rule):
            if method == "GET":
                for role in ROLES:
                    walk.request(role, method, rule)
                continue
            allowed = [r for r in ROLES if access.expected(entry, r, rule) == access.OK]
            walk.fresh()
            before = access.fingerprint()
            for role in ROLES:  # the refused ones first: they must change nothing
                if role not in allowed:
                    walk.request(role, method, rule)
            if access.fingerprint() != before:
                walk.problems.append(f"{method} {rule.rule}: a refused request changed the data")
            walk.dirty = False
            for role in allowed:
                walk.fresh()
                walk.request(role, method, rule)
    assert not walk.problems, "\n".join(walk.problems)


# --- guessing an id ----------------------------------------------------------------------------

PERSONAL_LEVELS = {"owner", "self", "team-owned", "team", "admin"}


def _url_map():
    """The routes, known at collection time (an app that never connects to its database)."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).url_map


ROUTES = list(_url_map().iter_rules())


def _id_get_endpoints() -> list[str]:
    """Endpoints reserved to some people (the owner, the team, admins) with a GET route that
    has an argument in its URL."""
    return sorted({rule.endpoint for rule in ROUTES if "GET" in rule.methods and rule.arguments
                   and rule.endpoint in ACCESS and ACCESS[rule.endpoint].level in PERSONAL_LEVELS})


def _secrets_of_owner(world) -> list[str]:
    return [access.OWNER_NAME, access.OWNER_EMAIL, *access.PRIVATE_TITLES]


@pytest.mark.parametrize("endpoint", _id_get_endpoints())
def test_guessing_an_id_never_shows_another_persons_data(app, world, endpoint):
    """Another agent asking for the owner's objects (or team pages about them) by id gets a
    404 or 403 whose body names neither the owner nor the object."""
    for rule in [r for r in _rules(app, endpoint) if "GET" in r.methods and r.arguments]:
        response = access.send(app, world, OTHER, "GET", rule)
        assert response.status_code in (403, 404), (rule.rule, response.status_code)
        body = response.get_data(as_text=True)
        for secret in _secrets_of_owner(world):
            assert secret not in body, (rule.rule, secret)


AGENT_LISTS = sorted({rule.endpoint for rule in ROUTES if "GET" in rule.methods
                      and rule.endpoint in ACCESS and ACCESS[rule.endpoint].level == "agent"})


@pytest.mark.parametrize("endpoint", AGENT_LISTS)
def test_pages_of_any_agent_never_show_the_owners_private_objects(app, world, endpoint):
    """Lists and pages every agent may open (my bookings, my projects, calendar, my data...)
    show another agent nothing of the owner's: not their e-mail, nor their booking's or
    project's title."""
    for rule in _rules(app, endpoint):
        if "GET" not in rule.methods:
            continue
        response = access.send(app, world, OTHER, "GET", rule)
        body = response.get_data(as_text=True)
        for secret in (access.OWNER_EMAIL, *access.PRIVATE_TITLES):
            assert secret not in body, (rule.rule, secret)


def test_another_agents_space_feed_shows_the_owners_booking_as_busy_only(app, world):
    """A space's calendar feed tells every agent when the space is taken, not by whom nor
    for what."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "calendar.token_feed")
    response = access.send(app, world, OTHER, "GET", rule,
                           path=f"/calendrier/{world.other_space_feed_secret}.ics")
    assert response.status_code == 200
    body = response.get_data(as_text=True).replace("\r\n ", "")
    assert "BEGIN:VEVENT" in body
    for secret in (access.OWNER_NAME, access.OWNER_EMAIL, *access.PRIVATE_TITLES):
        assert secret not in body, secret


TOKEN_LINKS = sorted(name for name, entry in ACCESS.items() if entry.level == "token-link")
SECRET_ARGUMENTS = ("token", "code", "secret")


@pytest.mark.parametrize("endpoint", TOKEN_LINKS)
def test_a_wrong_secret_opens_nothing(app, world, endpoint):
    """A capability URL with a made-up (or slightly changed) secret is a plain 404, whoever
    asks and however: the secret is the only key."""
    for rule in _rules(app, endpoint):
        [name] = [a for a in rule.arguments if a in SECRET_ARGUMENTS]
        real = access.url_for_rule(rule, world)
        good = access.ENDPOINT_ARGUMENTS[endpoint](world)[name]
        for wrong in ("A" * len(good), good[:-1] + ("B" if good[-1] != "B" else "C")):
            path = real.replace(good, wrong)
            for method in _methods(rule):
                for role in (access.ANON, OTHER):
                    response = access.send(app, world, role, method, rule, path=path)
                    assert response.status_code == 404, (method, rule.rule, role,
                                                         response.status_code)


# --- headers and cookies -----------------------------------------------------------------------

def test_responses_outside_the_routes_carry_the_security_headers(app, client):
    """Errors of unknown paths and methods, API errors and static files too."""
    responses = [client.get("/nulle-part"), client.get("/api/v1/nulle-part"),
                 client.delete("/"), client.get("/static/js/calendar-keys.js"),
                 client.get("/api/v1/me")]
    assert [r.status_code for r in responses][:3] == [404, 404, 405]
    assert responses[4].status_code == 401
    for response in responses:
        assert access.header_problems(response) == [], response.request.path
        response.close()


def test_each_request_gets_its_own_nonce(app):
    """(Each request in a context of its own, as in production: within the test's app
    context, `g` and so the nonce would be shared.)"""
    client = app.test_client()
    first, second = (contextvars.Context().run(client.get, "/") for _ in range(2))
    assert first.headers["Content-Security-Policy"] != second.headers["Content-Security-Policy"]


@pytest.fixture
def production_app(app_config, monkeypatch):
    monkeypatch.setenv("LABAPP_ENV", "production")
    app = create_app(dict(app_config))
    assert app.config["ENV_NAME"] == "production"
    with app.app_context():
        yield app
        from labapp.extensions import db

        db.session.remove()
        db.engine.dispose()


def _set_cookie(response, name: str) -> str:
    found = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert found, f"no {name} cookie set"
    return found[-1]


def test_production_sends_hsts_and_secure_cookies(production_app):
    from labapp.auth.services import create_user
    from labapp.extensions import db

    create_user("prod@interieur.gouv.fr", name="Prod", password=access.PASSWORD)
    db.session.commit()
    client = production_app.test_client()
    home = client.get("/")
    assert "max-age=" in home.headers.get("Strict-Transport-Security", "")
    assert access.header_problems(home) == []
    response = client.post("/compte/connexion", data={
        "email": "prod@interieur.gouv.fr", "password": access.PASSWORD, "remember": "y"})
    assert response.status_code == 302
    assert "max-age=" in response.headers.get("Strict-Transport-Security", "")
    for name in ("session", "remember_token"):
        cookie = _set_cookie(response, name)
        attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert "secure" in attributes, cookie
        assert "httponly" in attributes, cookie
        assert "samesite=lax" in attributes, cookie


def test_development_sends_no_hsts(client):
    """HSTS over plain http on 127.0.0.1 would lock developers' browsers out."""
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_logout_also_ends_a_copied_remember_cookie(app, client, create_user):
    """The session cookie replay is in test_auth; the "rester connecté" cookie is a second
    way back in and must die at logout too."""
    user = create_user("agent")
    response = client.post("/compte/connexion", data={
        "email": user.email, "password": access.PASSWORD, "remember": "y"})
    assert response.status_code == 302
    stolen = client.get_cookie("remember_token").value
    thief = app.test_client()
    thief.set_cookie("remember_token", stolen)
    assert thief.get("/compte/profil").status_code == 200  # the cookie works while logged in
    client.post("/compte/deconnexion")
    replay = app.test_client()
    replay.set_cookie("remember_token", stolen)
    response = replay.get("/compte/profil")
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]

