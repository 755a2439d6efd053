"""In Chromium: 'Mes données' (with the deletion form in error) and the audit log pass
axe-core (WCAG 2.1 AA) with no violation; the JSON download works; deleting logs out."""

import json
from pathlib import Path

import pytest

from labapp.extensions import db
from tests.conftest import axe_violations, browser_login

pytestmark = pytest.mark.browser


def _describe(violations) -> str:
    return "\n".join(f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in violations)


def test_my_data_and_audit_pages_in_a_browser(live_server, page, create_user, api):
    agent, admin = create_user("agent"), create_user("admin")
    api(admin).post("/sessions", json={"title": "Écoute usagers", "kind": "formation",
                                       "start": "2031-07-01T09:00", "end": "2031-07-01T12:00",
                                       "capacity": 3, "location": "online"})
    agent_email, admin_email = agent.email, admin.email
    db.session.commit()
    with live_server() as base:
        browser_login(page, base, agent_email)
        page.goto(base + "/compte/mes-donnees")
        assert page.locator("h1").inner_text() == "Mes données personnelles"
        assert axe_violations(page) == [], _describe(axe_violations(page))
        with page.expect_download() as download:
            page.click("text=Télécharger mes données")
        data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        assert data["account"]["email"] == agent_email

        page.click("button:has-text('Supprimer mon compte')")  # nothing filled in
        page.wait_for_load_state()
        assert "Cochez la case" in page.content() and "Mot de passe incorrect." in page.content()
        violations = axe_violations(page)
        assert violations == [], _describe(violations)
        page.fill("input[name=password]", "correct horse battery")
        page.check("input[name=confirm]", force=True)
        page.click("button:has-text('Supprimer mon compte')")
        page.wait_for_load_state()
        assert "Votre compte est supprimé" in page.content()
        assert "Se connecter" in page.content()

        browser_login(page, base, admin_email)
        page.goto(base + "/admin/journal")
        assert "Création" in page.content() and "Sessions" in page.content()
        violations = axe_violations(page)
        assert violations == [], _describe(violations)
        page.goto(base + "/admin/journal?first=2026-13-40")
        assert "Date invalide" in page.content()
        violations = axe_violations(page)
        assert violations == [], _describe(violations)
