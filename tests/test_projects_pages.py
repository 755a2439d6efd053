import html

import pytest
from sqlalchemy import select

from labapp import TEMPLATE_DIR
from labapp.extensions import db
from labapp.projects.models import Project

pytestmark = pytest.mark.skipif(not (TEMPLATE_DIR / "base.html").exists(),
                                reason="templates/base.html not merged from main yet")

FORM = {"title": "Améliorer l'accueil des usagers en préfecture",
        "description": "Réduire l'attente au guichet des titres de séjour.",
        "direction": "DGEF", "territory": "dep-13"}


def test_request_shows_similar_then_team_accepts(client, login, create_user, create_project):
    existing = create_project(title="Simplifier l'accueil des usagers en préfecture")
    agent = create_user()
    login(agent)
    check = client.post("/projets/demande", data={**FORM, "check": "1"})
    assert existing.title in html.unescape(check.get_data(as_text=True))
    assert db.session.scalar(select(Project).where(Project.requested_by_id == agent.id)) is None
    sent = client.post("/projets/demande", data={**FORM, "submit": "1"})
    assert sent.status_code == 302
    project = db.session.scalar(select(Project).where(Project.requested_by_id == agent.id))
    assert project.status == "requested"
    assert FORM["title"] in html.unescape(client.get("/projets/mes-projets").get_data(as_text=True))
    assert client.get(f"/projets/{existing.id}").status_code == 404
    assert client.get("/projets/").status_code == 403
    client.get("/compte/deconnexion")
    team = create_user("team")
    login(team)
    assert FORM["title"] in html.unescape(client.get("/projets/?status=requested").get_data(as_text=True))
    response = client.post(f"/projets/{project.id}/qualifier", data={
        "accept-support_type": "conseil", "accept-lead_id": team.id, "accept-submit": "1"})
    assert response.status_code == 302
    db.session.refresh(project)
    assert (project.status, project.support_type, project.lead_id) == ("in_progress", "conseil", team.id)


def test_missing_title_and_bad_dates_show_french_messages(client, login, create_user, create_project):
    login(create_user())
    page = client.post("/projets/demande", data={**FORM, "title": "", "submit": "1"})
    assert page.status_code == 422 and "Indiquez le titre du projet." in page.get_data(as_text=True)
    client.get("/compte/deconnexion")
    project = create_project(status="in_progress")
    login(create_user("team"))
    response = client.post(f"/projets/{project.id}/statut", data={
        "status-status": "in_progress", "status-support_started_on": "2024-05-01",
        "status-support_ended_on": "2024-04-01", "status-submit": "1"})
    assert response.status_code == 422
    assert "postérieure ou égale au début" in response.get_data(as_text=True)
