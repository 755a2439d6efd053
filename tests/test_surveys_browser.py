"""End to end: a project is completed, the tick sends the invitation (file backend),
the participant answers in Chromium, the team's results show the new rate."""

import re
import subprocess
import sys

import pytest

from labapp import TEMPLATE_DIR
from tests.conftest import axe_violations, browser_login
from tests.live import http

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (TEMPLATE_DIR / "base.html").exists(),
                       reason="templates/base.html not merged from main yet"),
]


def _describe(violations) -> str:
    return "\n".join(f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in violations)


def test_completed_project_survey_answered_in_browser(live_server, page, create_user, create_project,
                                                      cli_token, subprocess_env, mails):
    project = create_project(status="in_progress")
    team = create_user("team")
    token = cli_token(team)
    team_email, project_id = team.email, project.id
    with live_server() as base:
        done = http("PATCH", f"{base}/api/v1/projects/{project_id}", {"status": "completed"}, token)
        assert done.status == 200, done.body
        tick = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "tick"],
                              env=subprocess_env, capture_output=True, text=True, timeout=120)
        assert tick.returncode == 0, tick.stderr
        invitation = [m for m in mails() if "Votre avis" in m["Subject"]]
        assert len(invitation) == 1
        body = invitation[0].get_body(preferencelist=("plain",)).get_content()
        path = re.search(r"http://lab\.test(/avis/[A-Za-z0-9_-]+)", body).group(1)

        page.goto(base + path)
        assert axe_violations(page) == [], _describe(axe_violations(page))
        page.click("button[type=submit]")  # nothing chosen: French messages
        assert "Veuillez répondre à cette question." in page.content()
        page.check("input[name=overall][value='5']", force=True)
        page.check("input[name=usefulness][value='yes']", force=True)
        page.check("input[name=recommend][value='yes']", force=True)
        page.fill("textarea[name=improve]", "Très utile")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/avis/merci$"))
        assert "Merci pour votre avis" in page.content()

        browser_login(page, base, team_email)
        page.goto(f"{base}/equipe/avis/project/{project_id}")
        text = page.content()
        assert "dont 1 ont répondu" in text and "100 %" in text
        violations = axe_violations(page)
        assert violations == [], _describe(violations)
