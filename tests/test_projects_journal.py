"""A project's activity journal, tied to the project's bookings and to sessions."""

import html
import re
from datetime import date

import pytest

from labapp.errors import Forbidden, ValidationFailed
from labapp.extensions import db
from labapp.projects import journal
from labapp.projects.models import JournalEntry
from labapp.timeutil import to_paris
from tests.fixtures_trainings import at


@pytest.fixture
def activity(create_project, create_booking, create_session, team_member):
    """A project in progress, one booking made for it, one for another project, sessions."""
    project = create_project(status="in_progress")
    other = create_project(title="Un autre projet")
    booking = create_booking(title="Atelier usagers", project_id=project.id, by=team_member)
    foreign = create_booking(title="Réunion d'un autre projet", start="14:00", end="16:00",
                             project_id=other.id, by=other.requested_by)
    session = create_session(title="Écoute usagers : les bases", kind="atelier")
    far = create_session(title="Session dans un an", start_at=at(days=365))
    return project, booking, foreign, session, far


def _words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(response.get_data(as_text=True))).split())


def test_entry_with_booking_and_session(activity, create_user):
    project, booking, _, session, _ = activity
    team = create_user("team")
    entry = journal.add_journal_entry(team, project, date(2025, 3, 4), "atelier", " Atelier 1 ",
                                      "Douze participants.", booking_id=booking.id,
                                      session_id=session.id)
    undated = journal.add_journal_entry(team, project, None, "reunion", "Point d'étape",
                                        booking_id=booking.id)
    db.session.commit()
    assert (entry.title, entry.booking, entry.session, entry.author_id) == (
        "Atelier 1", booking, session, team.id)
    assert undated.occurred_on == to_paris(booking.start_at).date()
    assert journal.journal_entries(project) == [undated, entry]  # latest first


@pytest.mark.parametrize(("values", "fields"), [
    ({"kind": "pique-nique"}, {"kind"}),
    ({"title": "  "}, {"title"}),
    ({"title": "x" * 201}, {"title"}),
    ({"occurred_on": None}, {"occurred_on"}),
    ({"booking_id": "foreign"}, {"booking_id"}),
    ({"booking_id": 999999, "occurred_on": None}, {"booking_id"}),
    ({"session_id": 999999}, {"session_id"}),
    ({"kind": "", "title": ""}, {"kind", "title"}),
])
def test_bad_entries_name_their_fields(activity, create_user, values, fields):
    project, _, foreign, _, _ = activity
    args = {"occurred_on": date(2025, 3, 4), "kind": "atelier", "title": "Atelier", **values}
    if args.get("booking_id") == "foreign":
        args["booking_id"] = foreign.id
    with pytest.raises(ValidationFailed) as caught:
        journal.add_journal_entry(create_user("team"), project, **args)
    assert set(caught.value.errors) == fields
    assert db.session.query(JournalEntry).count() == 0


def test_only_the_team_writes(activity):
    project = activity[0]
    with pytest.raises(Forbidden):
        journal.add_journal_entry(project.requested_by, project, date(2025, 3, 4), "atelier", "A")


def test_choices_are_the_projects_bookings_and_nearby_sessions(activity, create_session, team_user):
    from labapp.trainings.services import cancel_session

    project, booking, _, session, far = activity
    cancelled = create_session(title="Session annulée")
    cancel_session(team_user, cancelled.id)
    db.session.commit()
    assert journal.project_bookings(project) == [booking]
    nearby = journal.sessions_around(project, date.today())
    assert session in nearby and far not in nearby and cancelled not in nearby


def test_api_list_and_add(api, activity, create_user):
    project, booking, foreign, session, _ = activity
    team = api(create_user("team"))
    path = f"/projects/{project.id}/journal"
    created = team.post(path, json={"kind": "entretien", "title": "Entretiens usagers",
                                    "session_id": session.id})
    assert created.status_code == 201, created.get_json(force=True)
    body = created.get_json()
    assert body["occurred_on"] == to_paris(session.start_at).date().isoformat()
    assert (body["session_id"], body["booking_id"], body["notes"]) == (session.id, None, "")
    bad = team.post(path, json={"kind": "fete", "title": "", "booking_id": foreign.id,
                                "occurred_on": "2025-02-30"})
    assert bad.status_code == 422
    assert {"kind", "title", "occurred_on"} <= set(bad.get_json(force=True)["errors"])
    wrong_booking = team.post(path, json={"kind": "atelier", "title": "A", "booking_id": foreign.id})
    assert wrong_booking.status_code == 422
    assert "booking_id" in wrong_booking.get_json(force=True)["errors"]
    agent = api(project.requested_by)
    assert [e["id"] for e in agent.get(path).get_json()] == [body["id"]]
    assert agent.post(path, json={"kind": "atelier", "title": "A", "occurred_on": "2025-01-02"}
                      ).status_code == 403
    assert api(create_user()).get(path).status_code == 404
    paths = team.get("/openapi.json").get_json()["paths"]
    assert {"post", "get"} <= set(paths["/projects/{project_id}/journal"])


def test_page_form_adds_entry_and_links_activities(client, login, activity, create_user):
    project, booking, foreign, session, _ = activity
    login(create_user("team"))
    page = client.get(f"/projets/{project.id}")
    text = html.unescape(page.get_data(as_text=True))
    assert "Atelier usagers" in text and "Réunion d'un autre projet" not in text
    assert "Écoute usagers : les bases" in text
    missing = client.post(f"/projets/{project.id}/journal", data={
        "journal-occurred_on": "2025-13-01", "journal-kind": "atelier", "journal-title": ""})
    assert missing.status_code == 422
    words = _words(missing)
    assert "Date attendue au format JJ/MM/AAAA." in words
    assert "Indiquez l'intitulé de l'activité." in words
    foreign_booking = client.post(f"/projets/{project.id}/journal", data={
        "journal-occurred_on": "2025-03-04", "journal-kind": "atelier", "journal-title": "A",
        "journal-booking_id": str(foreign.id)})
    assert foreign_booking.status_code == 422
    assert "Cette réservation n'est pas rattachée au projet." in _words(foreign_booking)
    done = client.post(f"/projets/{project.id}/journal", data={
        "journal-occurred_on": "2025-03-04", "journal-kind": "restitution",
        "journal-title": "Restitution aux usagers", "journal-notes": "Prototype validé.",
        "journal-booking_id": str(booking.id), "journal-session_id": str(session.id)})
    assert done.status_code == 302
    shown = client.get(f"/projets/{project.id}")
    words = _words(shown)
    assert "mardi 4 mars 2025 – Restitution : Restitution aux usagers" in words
    assert "Prototype validé." in words
    text = shown.get_data(as_text=True)
    assert f'href="/reservations/{booking.id}"' in text
    assert f'href="/equipe/sessions/{session.id}"' in text


def test_page_agent_reads_journal_without_form(client, login, activity, create_user):
    project, booking, _, session, _ = activity
    journal.add_journal_entry(create_user("team"), project, date(2025, 3, 4), "atelier",
                              "Atelier 1", booking_id=booking.id, session_id=session.id)
    db.session.commit()
    login(project.requested_by)
    page = client.get(f"/projets/{project.id}")
    words = _words(page)
    assert "Atelier : Atelier 1" in words and "Ajouter une activité" not in words
    text = page.get_data(as_text=True)
    assert f'href="/reservations/{booking.id}"' not in text  # another agent's booking
    assert f'href="/agenda/sessions/{session.id}"' in text
    assert client.post(f"/projets/{project.id}/journal", data={
        "journal-occurred_on": "2025-03-04", "journal-kind": "atelier",
        "journal-title": "A"}).status_code == 403
