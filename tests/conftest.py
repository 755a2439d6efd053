"""Fixtures: app (on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set),
client, runner, login helper, API helper and creator functions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from labapp import create_app
from labapp.extensions import db
from tests import dbsetup

ENGINES = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.skipif(not dbsetup.PG_URL, reason=dbsetup.PG_REASON)),
]
PASSWORD = "correct horse battery"

pytest_plugins = ["tests.fixtures_bookings", "tests.fixtures_projects", "tests.fixtures_trainings",
                  "tests.fixtures_calendar", "tests.fixtures_indicators", "tests.fixtures_fuzz"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    return dbsetup.build_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_url() -> str:
    dbsetup.reset_postgres_schema(dbsetup.PG_URL)
    dbsetup.migrate_to_head(dbsetup.PG_URL)
    return dbsetup.PG_URL


_PG_ENGINES: dict = {}


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path) -> str:
    """A migrated, empty database for one test."""
    if request.param == "sqlite":
        return dbsetup.copy_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
    url = request.getfixturevalue("postgres_url")
    dbsetup.truncate_postgres(url, _PG_ENGINES)
    return url


@pytest.fixture
def mail_dir(tmp_path) -> Path:
    return tmp_path / "mail"


@pytest.fixture
def app_config(database_url, mail_dir) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": str(mail_dir),
        "BASE_URL": "http://lab.test",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "test-secret",
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def engine_name(app) -> str:
    return db.engine.dialect.name


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def create_user(app):
    """Creator: create_user(role="agent", email=None, name=None, password=PASSWORD)."""
    from labapp.auth.services import create_user as service

    counter = {"n": 0}

    def make(role: str = "agent", email: str | None = None, name: str | None = None,
             password: str = PASSWORD, active: bool = True):
        counter["n"] += 1
        user = service(email or f"{role}{counter['n']}@interieur.gouv.fr", role=role,
                       name=name or f"{role.title()} {counter['n']}", password=password)
        user.active = active
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    """login(user) logs the test client in through the real form."""

    def do(user, password: str = PASSWORD):
        response = client.post("/compte/connexion",
                               data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do


class ApiClient:
    """A test client that sends a bearer token and JSON."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, headers):
        merged = {"Accept": "application/json"}
        if self.token:
            merged["Authorization"] = f"Bearer {self.token}"
        merged.update(headers or {})
        return merged

    def request(self, method: str, path: str, json=None, headers=None, **kw):
        return self.client.open("/api/v1" + path, method=method, json=json,
                                headers=self._headers(headers), **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


@pytest.fixture
def api(client):
    """api(user) -> ApiClient acting as that user through a personal token; api(None) anonymous."""
    from labapp.auth.tokens import create_api_token

    def make(user=None):
        token = None
        if user is not None:
            _, token = create_api_token(user, "tests")
            db.session.commit()
        return ApiClient(client, token)

    return make


def read_mails(directory: Path) -> list:
    """Parse every .eml the file backend wrote, oldest first."""
    from email import policy
    from email.parser import BytesParser

    if not directory.exists():
        return []
    return [BytesParser(policy=policy.default).parsebytes(p.read_bytes())
            for p in sorted(directory.glob("*.eml"))]


@pytest.fixture
def mails(mail_dir):
    return lambda: read_mails(mail_dir)


@pytest.fixture
def subprocess_env(app_config) -> dict:
    """Environment for a real `flask --app wsgi ...` or server process on this test's DB."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": app_config["MAIL_FILE_DIR"],
        "BASE_URL": app_config["BASE_URL"],
        "SECRET_KEY": "test-secret",
        "RATELIMIT_ENABLED": "0",
    })
    return env


@pytest.fixture
def live_server(app, subprocess_env):
    """A real gunicorn server on this test's database: live_server() -> context manager.

    Commit what the server must see before entering it.
    """
    from tests.live import running_server

    def start(**kw):
        db.session.remove()
        return running_server(subprocess_env, **kw)

    return start


@pytest.fixture
def cli_token(runner):
    """cli_token(user) -> a personal API token created through `flask tokens create`."""

    def make(user) -> str:
        result = runner.invoke(args=["tokens", "create", user.email])
        assert result.exit_code == 0, result.output
        return result.stdout.strip()

    return make


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-quic", "--no-first-run",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (no browser download)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("/usr/bin/chromium is absent: browser tests need Debian's chromium (CI installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page) -> list:
    """axe-core (WCAG 2.0/2.1 A and AA) violations on the page as loaded."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    return results.response["violations"]


def browser_login(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base + "/compte/connexion")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state()
