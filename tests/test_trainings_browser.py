"""In Chromium: a person without account registers, the session fills, someone cancels,
the first waitlisted person is promoted and e-mailed; axe finds nothing on the pages."""

import pytest

from labapp.mail.services import deliver_due_messages
from tests.conftest import axe_violations

pytestmark = pytest.mark.browser


def _describe(violations) -> str:
    return "\n".join(f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in violations)


def _register(page, base, session_id, name, email):
    page.goto(f"{base}/agenda/sessions/{session_id}")
    page.fill("input[name=name]", name)
    page.fill("input[name=email]", email)
    page.fill("input[name=organisation]", "Association des usagers")
    page.click("label[for=consent]")  # DSFR draws the box on the label
    page.click("button[type=submit]#submit")
    page.wait_for_load_state()


def test_waitlist_promotion_end_to_end(live_server, page, create_session, mails, app):
    session = create_session(title="Entretiens utilisateurs", capacity=1)
    session_id = session.id
    with live_server() as base:
        page.goto(base + "/agenda")
        assert "Entretiens utilisateurs" in page.content()
        assert axe_violations(page) == [], _describe(axe_violations(page))
        page.goto(f"{base}/agenda/sessions/{session_id}")
        violations = axe_violations(page)
        assert violations == [], _describe(violations)

        _register(page, base, session_id, "Alix Martin", "alix@example.org")
        assert "inscription est confirmée" in page.content()
        _register(page, base, session_id, "Bao Nguyen", "bao@example.org")
        assert "liste d'attente" in page.content() and "position 1" in page.content()
        assert axe_violations(page) == []
        # The public form with errors is accessible too.
        page.goto(f"{base}/agenda/sessions/{session_id}")
        page.click("button[type=submit]#submit")
        page.wait_for_load_state()
        assert "obligatoire" in page.content()
        violations = axe_violations(page)
        assert violations == [], _describe(violations)

        deliver_due_messages()
        alix = next(m for m in mails() if m["To"] == "alix@example.org").get_content()
        link = next(line.strip() for line in alix.splitlines() if "/inscriptions/gerer/" in line)
        page.goto(link.replace("http://lab.test", base))
        assert "Alix Martin" in page.content()
        assert axe_violations(page) == []
        page.click("text=Annuler mon inscription")
        page.wait_for_load_state()
        assert "annulée" in page.content()

    deliver_due_messages()
    promoted = [m for m in mails() if m["To"] == "bao@example.org"]
    assert [m["Subject"] for m in promoted] == [
        "Liste d'attente : Entretiens utilisateurs",
        "Une place s'est libérée : Entretiens utilisateurs"]
    assert "https://visio.example.org/salle-42" in promoted[-1].get_content()
