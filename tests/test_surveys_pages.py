"""The public survey form and the team's results pages (need the DSFR base template)."""

import re

import pytest
from sqlalchemy import func, select

from labapp import TEMPLATE_DIR
from labapp.extensions import db
from labapp.surveys import services
from labapp.surveys.models import SurveyResponse
from tests.survey_answers import open_room_link, store_answer

pytestmark = pytest.mark.skipif(not (TEMPLATE_DIR / "base.html").exists(),
                                reason="templates/base.html not merged from main yet")

GOOD = {"overall": "4", "usefulness": "yes", "recommend": "yes", "improve": ""}


@pytest.fixture
def invitation_token(app, mails):
    from labapp.mail.services import deliver_due_messages

    services.invite("project", 1, "Projet test", [services.Recipient("lou@example.org", "Lou")])
    db.session.commit()
    deliver_due_messages()
    body = mails()[-1].get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://lab\.test/avis/([A-Za-z0-9_-]+)", body).group(1)


def test_form_has_scale_values_fieldsets_and_private_headers(client, invitation_token):
    response = client.get(f"/avis/{invitation_token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    values = re.findall(r'name="overall"[^>]*value="(\d)"|value="(\d)"[^>]*name="overall"', html)
    assert sorted(a or b for a, b in values) == ["1", "2", "3", "4", "5"]
    assert html.count("<fieldset") >= 3 and "<legend" in html


def test_answer_once_then_polite_page(client, invitation_token):
    response = client.post(f"/avis/{invitation_token}", data=GOOD)
    assert response.status_code == 302 and response.location.endswith("/avis/merci")
    again = client.post(f"/avis/{invitation_token}", data={**GOOD, "overall": "1"})
    assert "déjà donné votre avis" in again.get_data(as_text=True)
    assert services.overall_counts_by_target() == {("project", 1): {4: 1}}


@pytest.mark.parametrize("data", [{**GOOD, "overall": ""}, {**GOOD, "overall": "7"}])
def test_bad_answer_french_message_nothing_stored(client, invitation_token, data):
    response = client.post(f"/avis/{invitation_token}", data=data)
    assert response.status_code == 422
    assert "Veuillez répondre" in response.get_data(as_text=True) or \
        "échelle proposée" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0


def test_forged_token_is_404(client, invitation_token):
    assert client.get("/avis/" + "A" * 43).status_code == 404


def test_form_refuses_missing_csrf_token(app, client, invitation_token):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/avis/{invitation_token}", data=GOOD)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0
    page = client.get(f"/avis/{invitation_token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    ok = client.post(f"/avis/{invitation_token}", data={**GOOD, "csrf_token": csrf.group(1)})
    assert ok.status_code == 302


def test_room_link_one_answer_per_browser(client, app):
    link = open_room_link()
    db.session.commit()
    assert client.post(f"/avis/salle/{link.code}", data=GOOD).status_code == 302
    second = client.post(f"/avis/salle/{link.code}", data=GOOD)
    assert "déjà donné votre avis" in second.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 1


def test_results_page_for_team_only(client, login, create_user, create_project):
    project = create_project(status="completed")
    link = services.room_link("project", project.id)
    for value in ("5", "4", "4", "3", "1"):
        store_answer(link, {**GOOD, "overall": value, "improve": "Plus court"})
    db.session.commit()
    login(create_user("agent"))
    assert client.get(f"/equipe/avis/project/{project.id}").status_code == 403
    client.get("/compte/deconnexion")
    login(create_user("team"))
    page = client.get(f"/equipe/avis/project/{project.id}").get_data(as_text=True)
    assert "60 %" in page and "Plus court" in page and "<svg" in page and "style=" not in page
    csv = client.get(f"/equipe/avis/project/{project.id}.csv").get_data(as_text=True)
    assert "taux de satisfaction;0.6000" in csv
    year = project.support_ended_on.year
    page = client.get(f"/equipe/avis/annee/{year}").get_data(as_text=True)
    assert f"/equipe/avis/annee/{year}/project.csv" in page
    yearly = client.get(f"/equipe/avis/annee/{year}/project.csv")
    assert yearly.headers["Content-Type"].startswith("text/csv")
    assert "réponses;5" in yearly.get_data(as_text=True)
    assert "taux de satisfaction;0.6000" in yearly.get_data(as_text=True)
    assert client.get(f"/equipe/avis/annee/{year}/atelier.csv").status_code == 404
    assert "réponses;0" in client.get(f"/equipe/avis/annee/{year - 5}/project.csv").get_data(
        as_text=True)


def test_results_of_a_target_that_does_not_exist_are_404_and_open_no_room_link(
        client, login, create_user):
    from labapp.surveys.models import RoomLink

    login(create_user("team"))
    for path in ("/equipe/avis/session/424242", "/equipe/avis/project/424242.csv",
                 "/equipe/avis/atelier/1"):
        assert client.get(path).status_code == 404, path
    assert db.session.scalar(select(func.count(RoomLink.id))) == 0
