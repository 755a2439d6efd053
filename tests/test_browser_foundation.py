"""End-to-end in Debian's Chromium: pages render, log-in works, axe finds nothing."""

import pytest

from tests.conftest import axe_violations, browser_login

pytestmark = pytest.mark.browser


def _describe(violations) -> str:
    return "\n".join(f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in violations)


def test_home_and_login_pages_have_no_axe_violations(live_server, page):
    with live_server() as base:
        for path in ("/", "/compte/connexion", "/compte/inscription", "/pages/plan-du-site"):
            page.goto(base + path)
            violations = axe_violations(page)
            assert violations == [], f"{path}:\n{_describe(violations)}"


def test_agent_logs_in_and_sees_profile_without_axe_violations(live_server, page, create_user):
    user = create_user("agent", name="Camille Test")
    email = user.email  # the server process owns the database while it runs
    messages = []
    page.on("console", lambda msg: messages.append(msg.text) if msg.type == "error" else None)
    with live_server() as base:
        browser_login(page, base, email)
        assert "Bienvenue, Camille Test." in page.content()
        page.goto(base + "/compte/profil")
        assert email in page.content()
        assert axe_violations(page) == []
        page.goto(base + "/")
        assert axe_violations(page) == []
    assert not [m for m in messages if "Content Security Policy" in m], messages
