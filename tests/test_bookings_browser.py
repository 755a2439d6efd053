"""In Chromium: an agent requests, the team approves, the agent sees it; axe on the key pages."""

import pytest

from labapp.extensions import db
from tests.conftest import axe_violations, browser_login
from tests.fixtures_bookings import future_day

pytestmark = pytest.mark.browser


def _describe(violations) -> str:
    return "\n".join(f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in violations)


def test_request_approve_and_see_it_in_mes_reservations(live_server, page, chromium, create_user, lab,
                                                        create_booking):
    agent, team = create_user("agent"), create_user("team")
    agent_email, team_email = agent.email, team.email
    drh_id = lab.drh.id
    create_booking(space=lab.plenary, status="approved", title="Atelier déjà accepté")
    day = future_day()
    db.session.commit()
    with live_server() as base:
        browser_login(page, base, agent_email)
        page.goto(f"{base}/reservations/?date={day.isoformat()}")
        violations = axe_violations(page)
        assert violations == [], "calendar:\n" + _describe(violations)
        page.goto(base + "/reservations/demande")
        violations = axe_violations(page)
        assert violations == [], "form:\n" + _describe(violations)
        page.select_option("#space_id", str(drh_id))
        page.fill("#day", day.isoformat())
        page.fill("#start_time", "14:00")
        page.fill("#end_time", "15:30")
        page.fill("#title", "Remue-méninges accueil usagers")
        page.select_option("#purpose", "atelier")
        page.fill("#attendees", "9")
        page.get_by_role("button", name="Vérifier les disponibilités").click()
        assert "disponible" in page.content()
        page.get_by_role("button", name="Envoyer la demande").click()
        page.wait_for_url("**/reservations/mes-reservations")
        assert "Remue-méninges accueil usagers" in page.content() and "En attente" in page.content()

        team_context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris")
        team_page = team_context.new_page()
        browser_login(team_page, base, team_email)
        team_page.goto(base + "/reservations/demandes")
        violations = axe_violations(team_page)
        assert violations == [], "pending:\n" + _describe(violations)
        team_page.get_by_role("button", name="Accepter : Remue-méninges accueil usagers").click()
        team_page.wait_for_load_state()
        assert "Réservation acceptée" in team_page.content()
        team_context.close()

        page.goto(base + "/reservations/mes-reservations")
        row = page.locator("tr", has_text="Remue-méninges accueil usagers")
        assert "Acceptée" in row.text_content()
        violations = axe_violations(page)
        assert violations == [], "mine:\n" + _describe(violations)
