"""Chromium: the team links a request to a similar project, writes and corrects the journal,
edits a contact; the project and edit pages pass axe (team and requester views, with form
errors shown)."""

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


def _no_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], _describe(violations)


def test_team_links_request_and_writes_journal(live_server, page, create_user, create_project,
                                               create_booking):
    original = create_project(title="Simplifier l'accueil des usagers en préfecture",
                              status="in_progress")
    request = create_project(title="Accueil des usagers en préfecture : simplification")
    create_booking(title="Atelier usagers", project_id=request.id, by=request.requested_by)
    team = create_user("team")
    ids, requester_email, team_email = (original.id, request.id), request.requested_by.email, team.email
    with live_server() as base:
        browser_login(page, base, team_email)
        page.goto(f"{base}/projets/{ids[1]}")
        _no_violations(page)
        name = "Doublon de « Simplifier l'accueil des usagers en préfecture »"
        page.get_by_role("button", name=name).click()
        page.wait_for_load_state()
        assert "Projet marqué comme doublon." in page.content()
        assert page.locator("#liens + ul").inner_text().startswith(
            "Doublon de Simplifier l'accueil des usagers en préfecture")
        _no_violations(page)

        page.select_option("select[name='journal-kind']", "atelier")
        page.fill("input[name='journal-title']", "")
        page.get_by_role("button", name="Ajouter au journal").click()
        page.wait_for_load_state()
        assert "Indiquez la date de l'activité." in page.content()
        _no_violations(page)  # errors next to their fields stay accessible
        page.fill("input[name='journal-occurred_on']", "2025-03-04")
        page.fill("input[name='journal-title']", "Atelier d'écoute")
        page.select_option("select[name='journal-booking_id']", label=page.locator(
            "select[name='journal-booking_id'] option", has_text="Atelier usagers").inner_text())
        page.get_by_role("button", name="Ajouter au journal").click()
        page.wait_for_load_state()
        journal = page.locator("#journal + ul").inner_text()
        assert "Atelier : Atelier d'écoute" in journal and "Réservation : Atelier usagers" in journal

        page.get_by_role("link", name="Modifier l'activité « Atelier d'écoute »").click()
        page.wait_for_load_state()
        assert page.input_value("input[name='title']") == "Atelier d'écoute"
        _no_violations(page)  # the edit page, prefilled
        page.fill("input[name='title']", "")
        page.get_by_role("button", name="Enregistrer les modifications").click()
        page.wait_for_load_state()
        assert "Indiquez l'intitulé de l'activité." in page.locator("#title-messages").inner_text()
        _no_violations(page)
        page.fill("input[name='title']", "Atelier d'écoute des usagers")
        page.get_by_role("button", name="Enregistrer les modifications").click()
        page.wait_for_load_state()
        assert "Activité du journal modifiée." in page.content()
        assert "Atelier : Atelier d'écoute des usagers" in page.locator("#journal + ul").inner_text()
        page.get_by_role("button", name="Supprimer l'activité « Atelier d'écoute des usagers »").click()
        page.wait_for_load_state()  # the form carries its CSRF token (checked by this server)
        assert "Activité supprimée du journal." in page.content()
        assert "Aucune activité n'est encore inscrite au journal." in page.content()

        page.fill("input[name='contact-name']", "Lou Martin")
        page.fill("input[name='contact-email']", "pas-une-adresse")
        page.get_by_role("button", name="Ajouter le contact").click()
        page.wait_for_load_state()
        assert "Adresse électronique invalide." in page.content()
        _no_violations(page)

        page.locator("#contacts ~ div a", has_text="Modifier").first.click()
        page.wait_for_load_state()
        assert page.input_value("input[name='email']") == requester_email
        _no_violations(page)
        page.fill("input[name='email']", "pas-une-adresse")
        page.get_by_role("button", name="Enregistrer les modifications").click()
        page.wait_for_load_state()
        assert "Adresse électronique invalide." in page.locator("#email-messages").inner_text()
        _no_violations(page)

        page.goto(f"{base}/projets/{ids[0]}")
        assert "est un doublon de ce projet" in page.locator("#liens + ul").inner_text()
        _no_violations(page)
        page.context.clear_cookies()

        browser_login(page, base, requester_email)
        page.goto(f"{base}/projets/{ids[1]}")
        assert "Doublon de Simplifier" in page.locator("#liens + ul").inner_text()
        _no_violations(page)
