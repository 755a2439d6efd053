"""The team's survey pages: results per catalogue offering (its sessions together) and the
questionnaire editing (wordings, options with stable ids, optional questions)."""

import pytest
from sqlalchemy import func, select

from labapp.errors import NotFound, ValidationFailed
from labapp.extensions import db
from labapp.surveys import questionnaires, services
from labapp.surveys.models import Answer, Option, Question
from labapp.trainings import catalogue
from labapp.trainings import services as trainings
from tests.fixtures_trainings import at
from tests.querycount import count_queries
from tests.survey_answers import open_project_room_link, open_room_link, store_answer

GOOD = {"overall": "5", "usefulness": "yes", "recommend": "yes", "improve": ""}


@pytest.fixture
def offering(app, team_user):
    made = catalogue.create_offering(team_user, "Écoute usagers", "formation",
                                     themes=["écoute usagers"])
    db.session.commit()
    return made


@pytest.fixture
def held_session(create_session, team_user):
    """held_session(offering, days_ago=10) -> a session of that offering, marked held."""

    def make(offering, days_ago=10, **params):
        session = create_session(offering_id=offering.id, start_at=at(days=-days_ago), **params)
        trainings.complete_session(team_user, session.id)
        db.session.commit()
        return session

    return make


def answer(kind, target_id, *overall, improve=""):
    link = services.room_link(kind, target_id)
    for value in overall:
        store_answer(link, {**GOOD, "overall": str(value), "improve": improve})
    db.session.commit()


# --- results per offering ----------------------------------------------------------------

def test_offering_results_aggregate_its_sessions(client, login, team_user, offering, held_session,
                                                 create_session):
    first, second = held_session(offering, 20), held_session(offering, 5)
    elsewhere = create_session(title="Autre", start_at=at(days=-3))
    answer("session", first.id, 5, 4, 2, improve="Plus de pratique")
    answer("session", second.id, 3, 5)
    answer("session", elsewhere.id, 1, 1, 1, 1, 1)
    services.invite("session", second.id, second.title,
                    [services.Recipient(f"p{i}@example.org") for i in range(4)])
    db.session.commit()
    login(team_user)
    response = client.get(f"/equipe/avis/offre/{offering.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Avis des participants : Écoute usagers" in html
    assert "Réponses : <strong>5</strong>" in html
    assert "<strong>60 %</strong>" in html  # 5, 4 and 5 out of 5 answers; not the other session
    assert "<svg" in html and "<caption>Répartition" in html
    # Anonymity: the comment of a session with 3 answers is not shown, even pooled.
    assert "Plus de pratique" not in html
    assert "Les commentaires de 2 sessions ou projets de moins de 5 réponses" in html
    assert f"/equipe/avis/session/{first.id}" in html and f"/equipe/avis/session/{second.id}" in html
    assert f"/equipe/avis/session/{elsewhere.id}" not in html
    table = html[html.index("Réponses par session"):]
    assert "<td>3</td>" in table and "<td>2</td>" in table and "<td>4</td>" in table
    csv_text = client.get(f"/equipe/avis/offre/{offering.id}.csv").data.decode("utf-8-sig")
    assert "réponses;5" in csv_text and "taux de satisfaction;0.6000" in csv_text
    assert "Plus de pratique" not in csv_text
    session_page = client.get(f"/equipe/avis/session/{first.id}").get_data(as_text=True)
    assert f'href="/equipe/avis/offre/{offering.id}"' in session_page


def test_offering_results_hold_the_small_group_threshold(app, client, login, team_user, offering,
                                                         held_session):
    session = held_session(offering)
    answer("session", session.id, 5, 5, 1, 4, improve="Mon nom est Lou")
    login(team_user)
    html = client.get(f"/equipe/avis/offre/{offering.id}").get_data(as_text=True)
    assert "Réponses : <strong>4</strong>" in html and "à partir de 5 réponses" in html
    assert "Mon nom est Lou" not in html and "Taux de satisfaction" not in html
    csv_text = client.get(f"/equipe/avis/offre/{offering.id}.csv").data.decode("utf-8-sig")
    assert "réponses;4" in csv_text and "Mon nom est Lou" not in csv_text
    assert "taux de satisfaction" not in csv_text
    app.config["SURVEY_MIN_ANSWERS"] = 3  # configurable
    html = client.get(f"/equipe/avis/offre/{offering.id}").get_data(as_text=True)
    assert "Mon nom est Lou" in html and "<strong>75 %</strong>" in html


def test_offering_results_for_the_team_only(client, login, create_user, offering):
    login(create_user("agent"))
    assert client.get(f"/equipe/avis/offre/{offering.id}").status_code == 403
    assert client.get(f"/equipe/avis/offre/{offering.id}.csv").status_code == 403
    client.get("/compte/deconnexion")
    login(create_user("team"))
    assert client.get("/equipe/avis/offre/99999").status_code == 404
    page = client.get(f"/equipe/avis/offre/{offering.id}").get_data(as_text=True)
    assert "Aucune session de cette offre n'a encore eu lieu." in page
    listing = client.get("/equipe/catalogue").get_data(as_text=True)
    assert f'href="/equipe/avis/offre/{offering.id}"' in listing


def test_offering_results_page_uses_constant_queries(client, login, team_user, offering,
                                                     held_session):
    def measure():
        db.session.expire_all()  # cold reads, same session (the test client shares `g`)
        with count_queries() as counter:
            assert client.get(f"/equipe/avis/offre/{offering.id}").status_code == 200
        return counter.count

    login(team_user)
    answer("session", held_session(offering, 40).id, 5, 4, 4, 3, 5)
    few = measure()
    for days in range(1, 12):
        session = held_session(offering, days)
        answer("session", session.id, 4, 2)
        services.invite("session", session.id, session.title,
                        [services.Recipient(f"s{days}@example.org")])
        db.session.commit()
    assert measure() == few


# --- editing the questionnaire -------------------------------------------------------------

def question(kind, code) -> Question:
    found = questionnaires.ensure_questionnaire(kind)
    return next(q for q in found.questions if q.code == code)


def test_team_rewords_a_question_and_its_options_results_survive(client, login, team_user, app):
    answer("project", 1, 5, 4, 4, 3, 5)
    usefulness = question("project", "usefulness")
    yes = next(o for o in usefulness.options if o.code == "yes")
    option_ids = [o.id for o in usefulness.options]
    db.session.commit()
    login(team_user)
    page = client.get(f"/equipe/avis/questionnaires/project/questions/{usefulness.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'name="option_{yes.id}"' in html and 'value="Oui, tout à fait"' in html
    data = {"label": "Cet accompagnement vous sert-il au quotidien ?", "hint": "Une seule réponse.",
            **{f"option_{o.id}": o.label for o in usefulness.options},
            f"option_{yes.id}": "Oui, beaucoup"}
    response = client.post(f"/equipe/avis/questionnaires/project/questions/{usefulness.id}",
                           data=data)
    assert response.status_code == 302
    after = client.get(response.location).get_data(as_text=True)
    assert "La question est modifiée." in after and "Oui, beaucoup" in after
    db.session.expire_all()
    usefulness = question("project", "usefulness")
    assert [o.id for o in usefulness.options] == option_ids  # same ids, same codes
    assert (usefulness.label, usefulness.hint) == (data["label"], "Une seule réponse.")
    results = services.results_for("project", [1])
    counts = next(q for q in results.questions if q.question.code == "usefulness").counts
    assert ("yes", "Oui, beaucoup", 5) in counts
    form = client.get(f"/avis/salle/{open_project_room_link(team_user, contacts=10).code}")
    db.session.commit()
    assert "Cet accompagnement vous sert-il au quotidien ?" in form.get_data(as_text=True)


@pytest.mark.parametrize("changes,field,message", [
    ({"label": "  "}, "label", "Ce champ est obligatoire."),
    ({"label": "x" * 301}, "label", "Le champ ne peut pas contenir plus de 300 caractères."),
    ({"option": ""}, "option", "Ce champ est obligatoire."),
])
def test_question_errors_in_french_next_to_fields(client, login, team_user, changes, field,
                                                  message):
    changes = dict(changes)  # the parameter is shared by both engines' runs
    usefulness = question("session", "usefulness")
    first = usefulness.options[0]
    db.session.commit()
    login(team_user)
    data = {"label": usefulness.label, "hint": "",
            **{f"option_{o.id}": o.label for o in usefulness.options}}
    if "option" in changes:
        data[f"option_{first.id}"] = changes.pop("option")
        field = f"option_{first.id}"
    data.update(changes)
    response = client.post(f"/equipe/avis/questionnaires/session/questions/{usefulness.id}",
                           data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html[html.index(f'id="{field}-messages"'):][:400]
    db.session.expire_all()
    assert db.session.get(Option, first.id).label == first.label


def test_team_adds_optional_questions(client, login, team_user):
    login(team_user)
    assert client.get("/equipe/avis/questionnaires/session/nouvelle-question").status_code == 200
    text = client.post("/equipe/avis/questionnaires/session/nouvelle-question", data={
        "label": "Qu'avez-vous préféré ?", "kind": "text", "options": ""})
    assert text.status_code == 302
    choice = client.post("/equipe/avis/questionnaires/session/nouvelle-question", data={
        "label": "Comment nous avez-vous connus ?", "kind": "choice",
        "options": "Par un collègue\r\n\r\nPar l'intranet\r\nAutre\r\n"})
    assert choice.status_code == 302
    listing = client.get("/equipe/avis/questionnaires/session").get_data(as_text=True)
    assert "La question facultative est ajoutée" in listing
    assert "Par un collègue ; Par l&#39;intranet ; Autre" in listing
    db.session.expire_all()
    added = question("session", "comment_nous_avez_vous_connus")
    assert (added.required, [o.code for o in added.options]) == (False, ["o1", "o2", "o3"])
    link = services.room_link("session", 5)
    db.session.commit()
    store_answer(link, {**GOOD, "comment_nous_avez_vous_connus": "o2"})
    store_answer(link, GOOD)  # optional: may stay unanswered
    db.session.commit()
    assert db.session.scalar(select(func.count(Answer.id)).where(Answer.question_id == added.id)) == 1


def test_team_stops_asking_a_question_and_asks_it_again(client, login, team_user):
    improve, overall = question("session", "improve"), question("session", "overall")
    link = open_room_link()
    db.session.commit()
    store_answer(link, {**GOOD, "improve": "Plus de pauses"})
    db.session.commit()
    login(team_user)
    base = "/equipe/avis/questionnaires/session/questions"
    assert client.post(f"{base}/{improve.id}/retirer").status_code == 302
    listing = client.get("/equipe/avis/questionnaires/session").get_data(as_text=True)
    assert "La question n&#39;est plus posée" in listing and "(retirée du formulaire)" in listing
    form_html = client.get(f"/avis/salle/{link.code}").get_data(as_text=True)
    assert 'name="improve"' not in form_html and 'name="overall"' in form_html
    db.session.expire_all()
    answers = select(func.count(Answer.id)).where(Answer.question_id == improve.id)
    assert db.session.scalar(answers) == 1  # the answer already given stays
    refused = client.post(f"{base}/{overall.id}/retirer")
    assert refused.status_code == 302
    assert "toujours posée" in client.get("/equipe/avis/questionnaires/session").get_data(as_text=True)
    db.session.expire_all()
    assert question("session", "overall").active
    assert client.post(f"{base}/{improve.id}/remettre").status_code == 302
    db.session.expire_all()
    assert question("session", "improve").active
    assert 'name="improve"' in client.get(f"/avis/salle/{link.code}").get_data(as_text=True)


def test_only_the_team_withdraws_questions(client, login, create_user):
    improve = question("session", "improve")
    db.session.commit()
    login(create_user("agent"))
    path = f"/equipe/avis/questionnaires/session/questions/{improve.id}/retirer"
    assert client.post(path).status_code == 403
    db.session.expire_all()
    assert question("session", "improve").active


@pytest.mark.parametrize("data,field,message", [
    ({"label": "", "kind": "text"}, "label", "Ce champ est obligatoire."),
    ({"label": "Lequel ?", "kind": "choice", "options": "Un seul"}, "options",
     "Indiquez au moins deux choix."),
    ({"label": "Lequel ?", "kind": "choice", "options": "a\n" + "b" * 201}, "options",
     "Un choix fait 200 caractères au plus."),
    ({"label": "Lequel ?", "kind": "choice", "options": "\n".join("abcdefghijk")}, "options",
     "10 choix au plus."),
    ({"label": "Lequel ?", "kind": "note"}, "kind", "N&#39;est pas un choix valide."),
])
def test_bad_new_question_changes_nothing(client, login, team_user, data, field, message):
    before = len(questionnaires.ensure_questionnaire("session").questions)
    db.session.commit()
    login(team_user)
    response = client.post("/equipe/avis/questionnaires/session/nouvelle-question", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html[html.index(f'id="{field}-messages"'):][:400]
    db.session.expire_all()
    assert len(questionnaires.ensure_questionnaire("session").questions) == before


def test_questionnaire_pages_for_the_team_only(client, login, create_user):
    overall = question("session", "overall")
    project_overall = question("project", "overall")
    db.session.commit()
    paths = ["/equipe/avis/questionnaires/session",
             f"/equipe/avis/questionnaires/session/questions/{overall.id}",
             "/equipe/avis/questionnaires/session/nouvelle-question"]
    login(create_user("agent"))
    for path in paths:
        assert client.get(path).status_code == 403, path
    client.get("/compte/deconnexion")
    login(create_user("team"))
    for path in paths:
        assert client.get(path).status_code == 200, path
    scale = client.get(paths[1]).get_data(as_text=True)
    assert "sont fixés" in scale and 'name="option_' not in scale
    assert client.get("/equipe/avis/questionnaires/offre").status_code == 404
    assert client.get(f"/equipe/avis/questionnaires/session/questions/{project_overall.id}"
                      ).status_code == 404


def test_edit_services_check_every_field(app, team_user, create_user):
    from labapp.errors import Forbidden

    recommend = question("session", "recommend")
    overall = question("session", "overall")
    other = question("project", "recommend").options[0]
    with pytest.raises(ValidationFailed) as error:
        questionnaires.edit_question(team_user, recommend, "Recommanderiez-vous ?", "x" * 301,
                                     {recommend.options[0].id: " ", other.id: "Ailleurs"})
    assert set(error.value.errors) == {"hint", f"option_{recommend.options[0].id}", "options"}
    with pytest.raises(Forbidden):
        questionnaires.edit_question(create_user("agent"), recommend, "Autre")
    with pytest.raises(NotFound):
        questionnaires.get_question("project", overall.id)
    questionnaires.edit_question(team_user, overall, "  Êtes-vous   satisfait(e) ?  ")
    assert overall.label == "Êtes-vous satisfait(e) ?" and overall.code == "overall"
