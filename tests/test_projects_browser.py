"""Chromium: an agent asks for support and sees a similar project; the team accepts it."""

import pytest

from labapp import TEMPLATE_DIR
from tests.conftest import axe_violations, browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (TEMPLATE_DIR / "base.html").exists(),
                       reason="templates/base.html not merged from main yet"),
]


def _describe(violations) -> str:
    return "\n".join(f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in violations)


def test_agent_request_with_similar_then_team_accepts(live_server, page, create_user, create_project):
    create_project(title="Simplifier l'accueil des usagers en préfecture")
    agent, team = create_user(), create_user("team")
    agent_email, team_email = agent.email, team.email
    with live_server() as base:
        browser_login(page, base, agent_email)
        page.goto(base + "/projets/demande")
        assert axe_violations(page) == [], _describe(axe_violations(page))
        page.fill("input[name=title]", "Améliorer l'accueil des usagers au guichet de la préfecture")
        page.fill("textarea[name=description]", "Réduire l'attente aux guichets des titres de séjour.")
        page.fill("input[name=direction]", "DGEF")
        page.select_option("select[name=territory]", "dep-13")
        page.click("button[name=check]")
        page.wait_for_load_state()
        assert "Simplifier l'accueil des usagers en préfecture" in page.content()
        page.click("button[name=submit]")
        page.wait_for_load_state()
        assert "Votre demande est envoyée" in page.content()
        assert axe_violations(page) == [], _describe(axe_violations(page))
        project_url = page.url
        page.goto(base + "/projets/mes-projets")
        assert axe_violations(page) == [], _describe(axe_violations(page))
        page.context.clear_cookies()

        browser_login(page, base, team_email)
        page.goto(base + "/projets/")
        assert axe_violations(page) == [], _describe(axe_violations(page))
        page.goto(project_url)
        assert axe_violations(page) == [], _describe(axe_violations(page))
        page.select_option("select[name='accept-support_type']", "conseil")
        page.click("button[name='accept-submit']")
        page.wait_for_load_state()
        assert "Demande acceptée" in page.content() and "En cours" in page.content()
        assert axe_violations(page) == [], _describe(axe_violations(page))
