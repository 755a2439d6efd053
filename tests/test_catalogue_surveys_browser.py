"""In Chromium: the team edits the catalogue and a survey question, schedules a session in a
lab zone, and reads an offering's results; axe finds nothing on the new pages, with their
error states included."""

import pytest

from labapp.extensions import db
from labapp.surveys import questionnaires
from labapp.surveys import services as surveys
from labapp.trainings import catalogue
from labapp.trainings import services as trainings
from tests.conftest import axe_violations, browser_login
from tests.fixtures_bookings import future_day
from tests.fixtures_trainings import at
from tests.survey_answers import open_room_link, store_answer

pytestmark = pytest.mark.browser


def _describe(violations) -> str:
    return "\n".join(f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in violations)


def _no_violations(page):
    violations = axe_violations(page)
    assert violations == [], page.url + "\n" + _describe(violations)


def test_catalogue_questionnaire_and_offering_results_in_a_browser(
        live_server, page, team_user, create_session, lab):
    offering = catalogue.create_offering(team_user, "Écoute usagers", "formation",
                                         themes=["écoute usagers"], audience="agents")
    db.session.commit()
    create_session(offering_id=offering.id, title="Écoute usagers — printemps")
    held = create_session(offering_id=offering.id, start_at=at(days=-10))
    trainings.complete_session(team_user, held.id)
    link = surveys.room_link("session", held.id)
    for value in ("5", "4", "4", "3", "5"):
        store_answer(link, {"overall": value, "usefulness": "yes",
                                           "recommend": "yes", "improve": "Plus d'exercices"})
    db.session.commit()
    usefulness = next(q for q in questionnaires.ensure_questionnaire("session").questions
                      if q.code == "usefulness")
    db.session.commit()
    ids = {"offering": offering.id, "drh": lab.drh.id, "question": usefulness.id,
           "room": open_room_link().code}  # a session running now: its room form is open
    db.session.commit()
    team_email = team_user.email
    day = future_day(0)

    with live_server() as base:
        page.goto(base + "/catalogue")  # public, no login
        assert "Écoute usagers" in page.content() and "Prochaines sessions" in page.content()
        _no_violations(page)

        browser_login(page, base, team_email)
        page.goto(base + "/equipe/catalogue")
        _no_violations(page)
        page.click("text=Nouvelle offre")
        page.click("button[type=submit]#submit")  # empty: French errors next to fields
        page.wait_for_load_state()
        assert "Ce champ est obligatoire." in page.content()
        _no_violations(page)
        page.fill("input[name=title]", "Atelier de co-développement")
        page.select_option("select[name=kind]", "atelier")
        page.click("label[for=themes-3]")  # co-développement (DSFR draws the box on the label)
        page.fill("input[name=duration_minutes]", "150")
        page.fill("input[name=default_capacity]", "8")
        page.click("button[type=submit]#submit")
        page.wait_for_load_state()
        assert "L'offre est ajoutée au catalogue." in page.content()
        page.goto(f"{base}/equipe/catalogue/{ids['offering']}/modifier")
        _no_violations(page)

        def schedule(start, end):  # from the catalogue, in the DRH room
            page.goto(f"{base}/equipe/sessions/nouvelle?offre={ids['offering']}")
            page.fill("input[name=day]", day.isoformat())
            page.fill("input[name=start_time]", start)
            page.fill("input[name=end_time]", end)
            page.select_option("select[name=location]", "lab")
            page.select_option("select[name=space_id]", str(ids["drh"]))
            page.click("button[type=submit]#submit")
            page.wait_for_load_state()

        schedule("10:00", "12:00")
        assert "La session est créée." in page.content()
        schedule("11:00", "12:00")  # the same room is taken
        assert "Ce créneau est déjà réservé" in page.inner_text("#space_id-messages")
        _no_violations(page)

        page.goto(f"{base}/equipe/avis/offre/{ids['offering']}")
        assert "Plus d'exercices" in page.content() and "80 %" in page.content()
        _no_violations(page)

        page.goto(base + "/equipe/avis/questionnaires/session")
        _no_violations(page)
        page.click(f"a[href='/equipe/avis/questionnaires/session/questions/{ids['question']}']")
        page.fill("input[name=label]", "")
        page.click("button[type=submit]#submit")
        page.wait_for_load_state()
        assert "Ce champ est obligatoire." in page.inner_text("#label-messages")
        _no_violations(page)
        page.fill("input[name=label]", "Vous servira-t-il dans votre travail ?")
        page.fill("input[name^=option_] >> nth=0", "Oui, beaucoup")
        page.click("button[type=submit]#submit")
        page.wait_for_load_state()
        assert "La question est modifiée." in page.content() and "Oui, beaucoup" in page.content()

        page.click("text=Ajouter une question facultative")
        page.fill("input[name=label]", "Comment nous avez-vous connus ?")
        page.click("label[for=kind-1]")
        page.fill("textarea[name=options]", "Un seul choix")
        page.click("button[type=submit]#submit")
        page.wait_for_load_state()
        assert "Indiquez au moins deux choix." in page.inner_text("#options-messages")
        _no_violations(page)
        page.fill("textarea[name=options]", "Par un collègue\nPar l'intranet")
        page.click("button[type=submit]#submit")
        page.wait_for_load_state()
        assert "La question facultative est ajoutée" in page.content()

        page.goto(f"{base}/avis/salle/{ids['room']}")  # the form shows the new wording
        assert "Vous servira-t-il dans votre travail ?" in page.content()
        assert "Comment nous avez-vous connus ?" in page.content()
        _no_violations(page)
