"""In Chromium: the live conflict preview of the request form and the keyboard use of the
week calendar (both from labapp/static/js, under the CSP), with axe kept at 0 violations."""

import pytest
from sqlalchemy import func, select

from labapp.bookings.models import Booking
from labapp.extensions import db
from tests.conftest import axe_violations, browser_login
from tests.fixtures_bookings import future_day

pytestmark = pytest.mark.browser


def _describe(violations) -> str:
    return "\n".join(f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in violations)


def _errors(page) -> list:
    """Console errors (a CSP refusal of a script shows up here)."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_conflicts_show_while_filling_the_form(live_server, page, create_user, lab, create_booking):
    from playwright.sync_api import expect

    agent = create_user("agent")
    day = future_day()
    create_booking(space=lab.plenary, day=day, start="10:00", end="12:00", status="approved",
                   title="Entretiens confidentiels")
    email, whole_id = agent.email, lab.whole.id
    before = db.session.scalar(select(func.count()).select_from(Booking))
    errors = _errors(page)
    with live_server() as base:
        browser_login(page, base, email)
        page.goto(base + "/reservations/demande")
        region = page.locator("#apercu-disponibilite")
        expect(region).to_be_empty()
        page.select_option("#space_id", str(whole_id))
        page.fill("#day", day.isoformat())
        page.fill("#start_time", "11:00")
        page.fill("#end_time", "13:00")
        expect(region).to_contain_text("Ce créneau chevauche une réservation acceptée")
        expect(region).to_contain_text("Espace plénier, 10 h 00 – 12 h 00 : Occupé")
        assert "Entretiens confidentiels" not in page.content()
        assert page.url.endswith("/reservations/demande")  # nothing was sent
        violations = axe_violations(page)
        assert violations == [], "form with a conflict:\n" + _describe(violations)

        page.fill("#start_time", "14:00")
        page.fill("#end_time", "15:00")
        expect(region).to_contain_text("Ce créneau est libre")
        page.fill("#attendees", "80")
        expect(region).to_contain_text("accueille au plus 60 personnes")
        page.fill("#attendees", "5")
        page.fill("#start_time", "06:00")
        page.fill("#end_time", "07:00")
        expect(region).to_contain_text("en dehors des heures d'ouverture")
        page.select_option("#frequency", "weekly")
        expect(region).to_contain_text("Pour une série")
    assert errors == []
    assert db.session.scalar(select(func.count()).select_from(Booking)) == before
