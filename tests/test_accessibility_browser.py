"""Accessibility crawl in Debian's Chromium (issue 10): for each role, every page reachable
from the home page by same-origin links, in a demo world, passes axe-core (WCAG 2.0/2.1 A
and AA) with no violation; so do forms re-rendered with their errors.

The crawl follows GET links only (never a form, so it changes nothing), skips downloads
(.ics, .csv, .json, .xlsx) and visits at most MAX_PER_RULE URLs per Flask URL rule, which
bounds it however much data the world holds. Each role must reach a minimum set of rules,
so a broken link walk cannot pass by visiting nothing.

Markup does not depend on the database engine: these tests run on SQLite only.
"""

from __future__ import annotations

from collections import deque
from datetime import date, timedelta
from urllib.parse import urldefrag, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from labapp.db_types import utcnow
from labapp.demo import DEMO_PASSWORD, seed_demo
from labapp.extensions import db
from tests import dbsetup
from tests.conftest import axe_violations, browser_login

pytestmark = pytest.mark.browser

MAX_PER_RULE = 1
SKIP_SUFFIXES = (".ics", ".csv", ".json", ".xlsx", ".xml", ".pdf", ".txt", ".zip")
SKIP_PREFIXES = ("/static/", "/api/")
SKIP_ENDPOINTS = {"auth.logout", "main.healthz", "static"}
SURVEY_TOKEN = "jeton-de-test-accessibilite-0123456789abcdefghij"

COMMON = {"main.index", "trainings.agenda", "trainings.public_catalogue", "trainings.session_page",
          "pages.sitemap", "pages.accessibility", "pages.legal", "pages.privacy"}
SIGNED_IN = COMMON | {"bookings.calendar", "bookings.new", "bookings.mine", "bookings.detail",
                      "bookings.slots", "projects.mine", "projects.new", "projects.show",
                      "auth.profile", "privacy.my_data", "calendar.subscribe"}
TEAM = SIGNED_IN | {"bookings.pending", "bookings.settings", "trainings.sessions", "trainings.roster",
                    "trainings.offerings", "projects.index", "indicators.dashboard",
                    "surveys.target_results", "mail_catcher.index", "mail_catcher.message"}
KEY_RULES = {
    "anonymous": COMMON | {"auth.login", "auth.signup", "auth.forgot_password", "surveys.answer",
                           "trainings.manage_registration", "surveys.room"},
    "agent": SIGNED_IN,
    "team": TEAM,
    "admin": TEAM | {"admin.users", "audit.log", "bookings.spaces"},
}
ACCOUNTS = {"agent": "agent@interieur.gouv.fr", "team": "equipe@interieur.gouv.fr",
            "admin": "admin@interieur.gouv.fr"}


@pytest.fixture
def database_url(sqlite_template, tmp_path) -> str:
    """SQLite only (overrides conftest's engine parameter): markup is engine-independent."""
    return dbsetup.copy_sqlite(sqlite_template, tmp_path / "test.db")


@pytest.fixture
def demo_world(app, monkeypatch):
    """The demo data (sessions with registrations, projects, bookings pending and approved,
    surveys, indicators) plus the capability links a person without account receives:
    a survey invitation, a registration's manage link and a room link. Returns extra start
    paths for the anonymous role."""
    from labapp.projects.models import Project
    from labapp.surveys import services as surveys
    from labapp.trainings import registrations
    from labapp.trainings.models import Session

    seed_demo()
    db.session.commit()
    project = db.session.scalars(select(Project).where(Project.status == "completed")
                                 .order_by(Project.id)).first()
    monkeypatch.setattr(surveys, "new_secret", lambda: SURVEY_TOKEN)
    surveys.invite("project", project.id, project.title,
                   [surveys.Recipient("lou.martin@example.org", "Lou Martin")])
    upcoming = db.session.scalars(select(Session).where(
        Session.status == "scheduled", Session.start_at > utcnow() + timedelta(days=3))
        .order_by(Session.start_at)).first()
    outcome = registrations.register(None, upcoming.id, name="Lou Martin",
                                     email="lou.martin@example.org", organisation="Association",
                                     consent=True)
    room = surveys.room_link("project", project.id)
    db.session.commit()
    from labapp.mail.services import deliver_due_messages

    assert deliver_due_messages()["sent"] >= 2  # written: the team's mail page lists them
    return ["/", f"/avis/{SURVEY_TOKEN}", f"/inscriptions/gerer/{outcome.manage_secret}",
            f"/avis/salle/{room.code}", "/avis/merci"]


def _describe(violations) -> str:
    return "; ".join(f"{v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}"
                     for v in violations)


class Crawl:
    """Breadth-first walk over same-origin GET links, at most MAX_PER_RULE URLs per rule."""

    def __init__(self, app, page, base: str):
        self.adapter = app.url_map.bind("localhost")
        self.page, self.base = page, base
        self.origin = urlsplit(base).netloc
        self.per_rule: dict[str, int] = {}
        self.endpoints: set[str] = set()
        self.queue: deque[str] = deque()
        self.problems: list[str] = []
        self.visited: list[str] = []

    def _rule(self, path: str):
        """(endpoint, rule) of a GET path, following Werkzeug's slash redirects; ("!", code) if none."""
        try:
            rule, _ = self.adapter.match(path, method="GET", return_rule=True)
        except RequestRedirect as redirect:
            return self._rule(urlsplit(redirect.new_url).path)
        except HTTPException as error:
            return ("!", f"{error.code}")
        return rule.endpoint, rule.rule

    def add(self, url: str, source: str) -> None:
        url = urldefrag(url)[0]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc != self.origin:
            return  # external, mailto:, tel:
        path = parts.path or "/"
        if path.startswith(SKIP_PREFIXES) or path.lower().endswith(SKIP_SUFFIXES):
            return
        found = self._rule(path)
        if found[0] == "!":
            self.problems.append(f"{source}: link to {url} matches no GET route ({found[1]})")
            return
        endpoint, rule = found
        if endpoint in SKIP_ENDPOINTS or self.per_rule.get(rule, 0) >= MAX_PER_RULE:
            return
        self.per_rule[rule] = self.per_rule.get(rule, 0) + 1
        self.queue.append(url)

    def run(self, start_paths: list[str]) -> None:
        for path in start_paths:
            self.add(self.base + path, "start")
        while self.queue:
            url = self.queue.popleft()
            response = self.page.goto(url)
            self.visited.append(url)
            status = response.status if response else 0
            if status >= 400:
                self.problems.append(f"{url}: HTTP {status}")
            if not (response and response.headers.get("content-type", "").startswith("text/html")):
                continue
            # The page shown (a login-protected link lands on the log-in page).
            self.endpoints.add(self._rule(urlsplit(self.page.url).path)[0])
            violations = axe_violations(self.page)
            if violations:
                self.problems.append(f"{url}: {_describe(violations)}")
            for href in self.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                self.add(href, url)


@pytest.mark.parametrize("role", list(KEY_RULES))
def test_every_reachable_page_passes_axe(role, app, demo_world, live_server, chromium):
    starts = demo_world if role == "anonymous" else ["/"]
    context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    try:
        with live_server() as base:
            if role != "anonymous":
                browser_login(page, base, ACCOUNTS[role], DEMO_PASSWORD)
                assert page.url.rstrip("/") != base + "/compte/connexion", "login failed"
            crawl = Crawl(app, page, base)
            crawl.run(starts)
    finally:
        context.close()
    missing = KEY_RULES[role] - crawl.endpoints
    assert not missing, f"{role}: key pages not reached by links: {sorted(missing)}"
    assert not crawl.problems, (f"{role}: {len(crawl.problems)} problem(s) on {len(crawl.visited)} "
                                "pages:\n" + "\n".join(crawl.problems))


def test_forms_with_errors_pass_axe(app, demo_world, live_server, page):
    """Error states: the booking request for a past date, an empty project request, a failed
    log-in, an empty sign-up."""
    past = date.today() - timedelta(days=30)
    problems = []

    def check(label: str, expected_text: str):
        page.wait_for_load_state()
        assert expected_text in page.content(), f"{label}: no error shown: {page.inner_text('main')[:1500]}"
        assert page.locator("[aria-invalid=true]").count() > 0 or label == "connexion", label
        violations = axe_violations(page)
        if violations:
            problems.append(f"{label} ({page.url}): {_describe(violations)}")

    with live_server() as base:
        page.goto(base + "/compte/connexion")
        page.fill("input[name=email]", ACCOUNTS["agent"])
        page.fill("input[name=password]", "pas le bon mot de passe")
        page.click("#submit")
        check("connexion", "incorrect")

        page.goto(base + "/compte/inscription")
        page.click("#submit")
        check("inscription", "obligatoire")

        browser_login(page, base, ACCOUNTS["agent"], DEMO_PASSWORD)
        page.goto(base + "/reservations/demande")
        page.fill("#day", past.isoformat())
        page.fill("#start_time", "10:00")
        page.fill("#end_time", "11:00")
        page.fill("#title", "Atelier à une date passée")
        page.get_by_role("button", name="Envoyer la demande").click()
        check("demande de réservation", "Ce créneau est déjà passé.")
        assert "Le formulaire contient une erreur" in page.content()

        page.goto(base + "/projets/demande")
        page.click("#submit")
        check("demande d'accompagnement", "Indiquez le titre du projet.")
    assert not problems, "\n".join(problems)


def test_error_pages_pass_axe(app, live_server, page):
    with live_server() as base:
        response = page.goto(base + "/cette-page-n-existe-pas")
        assert response.status == 404
        violations = axe_violations(page)
        assert violations == [], _describe(violations)
