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
    html = page.get_data(as_text=True)  # an error summary linking to the field, a page title saying so
    assert "<title>Erreur : Demander l'accompagnement du lab" in html.replace("&#39;", "'")
    assert '<a href="#title">Titre du projet : Indiquez le titre du projet.</a>' in html
    assert "Sauf mention contraire, tous les champs sont obligatoires." in html
    client.get("/compte/deconnexion")
    project = create_project(status="in_progress")
    login(create_user("team"))
    response = client.post(f"/projets/{project.id}/statut", data={
        "status-status": "in_progress", "status-support_started_on": "2024-05-01",
        "status-support_ended_on": "2024-04-01", "status-submit": "1"})
    assert response.status_code == 422
    assert "postérieure ou égale au début" in response.get_data(as_text=True)


def test_project_page_queries_do_not_grow(client, login, create_user, create_project, create_booking,
                                          create_session, lab):
    """Team and requester pages: the same number of SQL statements with one journal entry,
    contact and link of each way, and with many."""
    from datetime import date

    from labapp.auth.models import User
    from labapp.bookings.models import Space
    from labapp.projects import contacts, journal, links
    from tests.querycount import count_queries

    team = create_user("team")
    team_id, space_id = team.id, lab.plenary.id
    project = create_project(status="in_progress", title="Accueil des usagers")
    project_id, requester_id = project.id, project.requested_by_id
    target = create_project(title="Accueil des usagers en sous-préfecture")
    counter = {"n": 0}

    def grow(times: int) -> None:
        for _ in range(times):
            counter["n"] += 1
            n = counter["n"]
            booking = create_booking(title=f"Atelier {n}", start=f"{8 + n % 10:02d}:00",
                                     end=f"{8 + n % 10:02d}:30", project_id=project_id,
                                     space=db.session.get(Space, space_id),
                                     by=db.session.get(User, requester_id))
            session = create_session(db.session.get(User, team_id), title=f"Session {n}",
                                     kind="atelier")
            team, project = db.session.get(User, team_id), db.session.get(Project, project_id)
            journal.add_journal_entry(team, project, date(2025, 1, n), "atelier", f"Atelier {n}",
                                      booking_id=booking.id, session_id=session.id)
            contacts.add_contact(team, project, f"Contact {n}", f"contact{n}@interieur.gouv.fr")
            for kind in ("duplicate", "pooled"):
                other = create_project(requester=project.requested_by, title=f"Demande {kind} {n}")
                links.link_project(team, other, project_id, kind)
            db.session.commit()

    def measure(user_id) -> list[str]:
        db.session.remove()  # an empty identity map, as in production
        with count_queries() as counter_:
            response = client.get(f"/projets/{project_id}")
        assert response.status_code == 200
        if user_id == team_id:  # with the edit links and delete buttons of each entry
            assert response.get_data(as_text=True).count("/modifier") >= 2 * counter["n"]
        return counter_.statements

    links.link_project(team, project, target.id, "duplicate")
    links.link_project(team, db.session.get(Project, project_id), target.id, "pooled")
    db.session.commit()
    grow(1)
    for user_id in (team_id, requester_id):
        client.get("/compte/deconnexion")
        login(db.session.get(User, user_id))
        measure(user_id)  # warm-up
        few = measure(user_id)
        grow(4)
        many = measure(user_id)
        assert len(many) == len(few), "\n".join(many)
