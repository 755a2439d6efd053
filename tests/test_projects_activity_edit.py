"""Correcting a project's journal entries (team) and contacts (team; the requester before
qualification), deleting entries: services, pages, API and audit log."""

import html
import re
from datetime import date

import pytest
from sqlalchemy import select

from labapp import TEMPLATE_DIR
from labapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.privacy.models import AuditEntry
from labapp.projects import contacts, journal, services
from labapp.projects.models import JournalEntry, ProjectContact
from labapp.timeutil import to_paris
from tests.fixtures_trainings import at

needs_templates = pytest.mark.skipif(not (TEMPLATE_DIR / "base.html").exists(),
                                     reason="templates/base.html not merged from main yet")


@pytest.fixture
def setting(create_project, create_booking, create_session, create_user):
    """A project in progress with one journal entry (booking + session) and two contacts,
    another project with its own entry, and a booking of that other project."""
    team = create_user("team")
    project = create_project(status="in_progress")
    other = create_project(title="Un autre projet", status="in_progress")
    booking = create_booking(title="Atelier usagers", project_id=project.id, by=team)
    foreign = create_booking(title="Réunion d'un autre projet", start="14:00", end="16:00",
                             project_id=other.id, by=other.requested_by)
    session = create_session(title="Écoute usagers : les bases", kind="atelier")
    entry = journal.add_journal_entry(team, project, date(2025, 3, 4), "atelier", "Atelier 1",
                                      "Douze participants.", booking_id=booking.id,
                                      session_id=session.id)
    foreign_entry = journal.add_journal_entry(team, other, date(2025, 3, 5), "reunion", "Point")
    contacts.add_contact(team, project, "Lou Martin", "lou@interieur.gouv.fr", "Cheffe de projet")
    db.session.commit()
    return {"team": team, "project": project, "other": other, "booking": booking,
            "foreign": foreign, "session": session, "entry": entry,
            "foreign_entry": foreign_entry}


def _words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(response.get_data(as_text=True))).split())


def _entry_row(entry_id: int) -> tuple:
    db.session.expire_all()
    e = db.session.get(JournalEntry, entry_id)
    return (e.occurred_on, e.kind, e.title, e.notes, e.booking_id, e.session_id)


def _contact_row(contact_id: int) -> tuple:
    db.session.expire_all()
    c = db.session.get(ProjectContact, contact_id)
    return (c.name, c.email, c.role)


def _field_message(response, field: str, message: str) -> bool:
    """The message is shown in the messages group of that field (next to it)."""
    text = html.unescape(response.get_data(as_text=True))
    return re.search(rf'id="{field}-messages"[^>]*>\s*<p[^>]*>{re.escape(message)}', text) is not None


def _audit(entity_type: str, entity_id, action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity_type == entity_type, AuditEntry.entity_id == str(entity_id),
        AuditEntry.action == action)))


# --- services: journal ---------------------------------------------------------------------

def test_team_corrects_then_deletes_an_entry(setting):
    team, project, entry = setting["team"], setting["project"], setting["entry"]
    updated = journal.update_journal_entry(team, project, entry.id, date(2025, 3, 6), "entretien",
                                           " Entretiens usagers ", " Huit entretiens. ")
    db.session.commit()
    assert updated is entry
    assert _entry_row(entry.id) == (date(2025, 3, 6), "entretien", "Entretiens usagers",
                                    "Huit entretiens.", None, None)
    assert db.session.get(JournalEntry, entry.id).author_id == team.id
    undated = journal.update_journal_entry(team, project, entry.id, None, "atelier", "Atelier",
                                           session_id=setting["session"].id)
    assert (undated.occurred_on, undated.booking_id) == (
        to_paris(setting["session"].start_at).date(), None)
    journal.delete_journal_entry(team, project, entry.id)
    db.session.commit()
    assert journal.journal_entries(project) == []
    assert db.session.get(JournalEntry, setting["foreign_entry"].id) is not None


@pytest.mark.parametrize(("values", "fields"), [
    ({"kind": "pique-nique"}, {"kind"}),
    ({"title": "  "}, {"title"}),
    ({"title": "x" * 201}, {"title"}),
    ({"notes": "n" * 10001}, {"notes"}),
    ({"occurred_on": None, "booking_id": None, "session_id": None}, {"occurred_on"}),
    ({"booking_id": "foreign"}, {"booking_id"}),
    ({"session_id": 999999}, {"session_id"}),
])
def test_update_has_the_rules_of_add(setting, values, fields):
    entry = setting["entry"]
    before = _entry_row(entry.id)
    args = {"occurred_on": date(2025, 3, 4), "kind": "atelier", "title": "Atelier",
            "booking_id": setting["booking"].id, **values}
    if args.get("booking_id") == "foreign":
        args["booking_id"] = setting["foreign"].id
    for service in (journal.update_journal_entry, journal.add_journal_entry):
        extra = (entry.id,) if service is journal.update_journal_entry else ()
        with pytest.raises(ValidationFailed) as caught:
            service(setting["team"], setting["project"], *extra, **args)
        assert set(caught.value.errors) == fields
        db.session.rollback()
    assert _entry_row(entry.id) == before


def test_entry_permissions_and_other_projects(setting, create_user):
    project, entry, team = setting["project"], setting["entry"], setting["team"]
    for user in (project.requested_by, create_user()):  # the requester, another agent
        with pytest.raises(Forbidden):
            journal.update_journal_entry(user, project, entry.id, date(2025, 3, 4), "atelier", "A")
        with pytest.raises(Forbidden):
            journal.delete_journal_entry(user, project, entry.id)
    for entry_id in (setting["foreign_entry"].id, 999999):
        with pytest.raises(NotFound):
            journal.update_journal_entry(team, project, entry_id, date(2025, 3, 4), "atelier", "A")
        with pytest.raises(NotFound):
            journal.delete_journal_entry(team, project, entry_id)
    admin = create_user("admin")
    journal.update_journal_entry(admin, project, entry.id, date(2025, 3, 4), "atelier", "Admin")
    db.session.commit()
    assert _entry_row(entry.id)[2] == "Admin"
    assert _entry_row(setting["foreign_entry"].id)[2] == "Point"


# --- services: contacts --------------------------------------------------------------------

def test_update_contact_rules(setting):
    project, team = setting["project"], setting["team"]
    requester_contact, lou = project.contacts
    updated = contacts.update_contact(team, project, lou.id, " Lou Dupont ", "LOU@Interieur.gouv.fr",
                                      " Directrice métier ")
    db.session.commit()
    assert updated is lou
    assert _contact_row(lou.id) == ("Lou Dupont", "lou@interieur.gouv.fr", "Directrice métier")
    with pytest.raises(Conflict) as caught:  # the address of another contact of the project
        contacts.update_contact(team, project, lou.id, "Lou", requester_contact.email.upper())
    assert set(caught.value.errors) == {"email"}
    assert "figure déjà" in caught.value.errors["email"][0]
    db.session.rollback()
    with pytest.raises(ValidationFailed) as caught:
        contacts.update_contact(team, project, lou.id, "", "pas-une-adresse", "r" * 121)
    assert set(caught.value.errors) == {"name", "email", "role"}
    assert caught.value.errors["email"] == ["Adresse électronique invalide."]
    db.session.rollback()
    assert _contact_row(lou.id) == ("Lou Dupont", "lou@interieur.gouv.fr", "Directrice métier")
    other_contact = setting["other"].contacts[0]
    with pytest.raises(NotFound):
        contacts.update_contact(team, project, other_contact.id, "X", "x@interieur.gouv.fr")
    # Another project may have the same address.
    contacts.update_contact(team, setting["other"], other_contact.id, "Lou", "lou@interieur.gouv.fr")


def test_requester_corrects_contacts_only_while_requested(create_project, create_user):
    project = create_project()
    agent = project.requested_by
    contact_id = project.contacts[0].id
    contacts.update_contact(agent, project, contact_id, "Moi", agent.email, "Demandeur")
    with pytest.raises(Forbidden):
        contacts.update_contact(create_user(), project, contact_id, "Eve", "eve@interieur.gouv.fr")
    services.accept_project(create_user("team"), project, "conseil")
    with pytest.raises(Forbidden):
        contacts.update_contact(agent, project, contact_id, "Moi", agent.email, "Autre")
    db.session.commit()
    assert _contact_row(contact_id) == ("Moi", agent.email, "Demandeur")


# --- pages ---------------------------------------------------------------------------------

@needs_templates
def test_page_edit_entry(client, login, setting, create_session):
    project, entry, booking = setting["project"], setting["entry"], setting["booking"]
    far = create_session(title="Session dans un an", start_at=at(days=365))
    journal.update_journal_entry(setting["team"], project, entry.id, date(2025, 3, 4), "atelier",
                                 "Atelier 1", "Douze participants.", booking_id=booking.id,
                                 session_id=far.id)
    db.session.commit()
    login(setting["team"])
    path = f"/projets/{project.id}/journal/{entry.id}/modifier"
    shown = client.get(f"/projets/{project.id}")
    assert f'href="{path}"' in shown.get_data(as_text=True)
    form = client.get(path)
    assert form.status_code == 200
    text = html.unescape(form.get_data(as_text=True))
    assert re.search(r'<input[^>]*name="title"[^>]*value="Atelier 1"', text)
    assert re.search(r'<input[^>]*name="occurred_on"[^>]*value="2025-03-04"', text)
    assert re.search(r'<option selected value="atelier">|<option value="atelier" selected', text)
    assert re.search(rf'<option selected value="{booking.id}">', text)
    # The linked session is beyond the offered window: it stays offered, and selected.
    assert re.search(rf'<option selected value="{far.id}">[^<]*Session dans un an', text)
    assert re.search(r">\s*Douze participants.</textarea>", text)
    before = _entry_row(entry.id)
    bad = client.post(path, data={"occurred_on": "2025-03-04", "kind": "atelier", "title": "",
                                  "booking_id": str(booking.id)})
    assert bad.status_code == 422
    assert _field_message(bad, "title", "Indiquez l'intitulé de l'activité.")
    foreign = client.post(path, data={"occurred_on": "2025-03-04", "kind": "atelier",
                                      "title": "A", "booking_id": str(setting["foreign"].id)})
    assert foreign.status_code == 422
    assert _field_message(foreign, "booking_id", "Cette réservation n'est pas rattachée au projet.")
    assert _entry_row(entry.id) == before
    done = client.post(path, data={"occurred_on": "2025-03-07", "kind": "restitution",
                                   "title": "Restitution", "notes": "Prototype validé.",
                                   "booking_id": "", "session_id": str(far.id)})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/projets/{project.id}")
    assert "Activité du journal modifiée." in _words(client.get(done.headers["Location"]))
    assert _entry_row(entry.id) == (date(2025, 3, 7), "restitution", "Restitution",
                                    "Prototype validé.", None, far.id)
    assert client.get(f"/projets/{project.id}/journal/{setting['foreign_entry'].id}/modifier"
                      ).status_code == 404
    assert client.get(f"/projets/{setting['other'].id}/journal/{entry.id}/modifier"
                      ).status_code == 404


@needs_templates
def test_page_delete_entry(client, login, setting, create_user):
    project, entry = setting["project"], setting["entry"]
    path = f"/projets/{project.id}/journal/{entry.id}/supprimer"
    login(project.requested_by)
    page = client.get(f"/projets/{project.id}").get_data(as_text=True)
    assert "/modifier" not in page and "/supprimer" not in page
    assert client.get(f"/projets/{project.id}/journal/{entry.id}/modifier").status_code == 403
    assert client.post(path).status_code == 403
    client.get("/compte/deconnexion")
    login(create_user())
    assert client.post(path).status_code == 404
    client.get("/compte/deconnexion")
    login(setting["team"])
    assert f'action="{path}"' in client.get(f"/projets/{project.id}").get_data(as_text=True)
    assert client.post(f"/projets/{project.id}/journal/{setting['foreign_entry'].id}/supprimer"
                       ).status_code == 404
    done = client.post(path)
    assert done.status_code == 302
    assert "Activité supprimée du journal." in _words(client.get(done.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(JournalEntry, entry.id) is None
    assert client.post(path).status_code == 404


@needs_templates
def test_page_edit_contact(client, login, create_project, create_user):
    project = create_project()
    agent = project.requested_by
    lou = contacts.add_contact(agent, project, "Lou", "lou@interieur.gouv.fr", "Cheffe de projet")
    db.session.commit()
    lou_id, path = lou.id, f"/projets/{project.id}/contacts/{lou.id}/modifier"
    login(agent)
    assert f'href="{path}"' in client.get(f"/projets/{project.id}").get_data(as_text=True)
    text = html.unescape(client.get(path).get_data(as_text=True))
    assert re.search(r'<input[^>]*name="name"[^>]*value="Lou"', text)
    assert re.search(r'<input[^>]*name="email"[^>]*value="lou@interieur.gouv.fr"', text)
    assert re.search(r'<input[^>]*name="role"[^>]*value="Cheffe de projet"', text)
    invalid = client.post(path, data={"name": "Lou", "email": "lou@", "role": ""})
    assert invalid.status_code == 422
    assert _field_message(invalid, "email", "Adresse électronique invalide.")
    duplicate = client.post(path, data={"name": "Lou", "email": agent.email.upper()})
    assert duplicate.status_code == 409
    assert _field_message(duplicate, "email", "Cette adresse figure déjà parmi les contacts du projet.")
    assert _contact_row(lou_id) == ("Lou", "lou@interieur.gouv.fr", "Cheffe de projet")
    done = client.post(path, data={"name": "Lou Martin", "email": "lou.martin@interieur.gouv.fr",
                                   "role": ""})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/projets/{project.id}")
    assert "Contact modifié." in _words(client.get(done.headers["Location"]))
    assert _contact_row(lou_id) == ("Lou Martin", "lou.martin@interieur.gouv.fr", "")
    other = create_project()
    assert client.get(f"/projets/{project.id}/contacts/{other.contacts[0].id}/modifier"
                      ).status_code == 404
    assert client.get(f"/projets/{other.id}/contacts/{lou_id}/modifier").status_code == 404
    services.accept_project(create_user("team"), project, "conseil")
    db.session.commit()
    assert "/modifier" not in client.get(f"/projets/{project.id}").get_data(as_text=True)
    assert client.get(path).status_code == 403
    assert client.post(path, data={"name": "X", "email": "x@interieur.gouv.fr"}).status_code == 403
    assert _contact_row(lou_id)[0] == "Lou Martin"


# --- API -----------------------------------------------------------------------------------

def test_api_patch_and_delete_entry(api, setting, create_user):
    project, entry, booking = setting["project"], setting["entry"], setting["booking"]
    team = api(setting["team"])
    path = f"/projects/{project.id}/journal/{entry.id}"
    patched = team.patch(path, json={"title": "Atelier d'écoute", "session_id": None})
    assert patched.status_code == 200, patched.get_json(force=True)
    body = patched.get_json()
    assert (body["id"], body["title"], body["kind"], body["occurred_on"], body["notes"]) == (
        entry.id, "Atelier d'écoute", "atelier", "2025-03-04", "Douze participants.")
    assert (body["booking_id"], body["session_id"]) == (booking.id, None)
    bad = team.patch(path, json={"title": "", "kind": "fete", "occurred_on": "2025-02-30"})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert {"title", "kind", "occurred_on"} <= set(bad.get_json()["errors"])
    foreign = team.patch(path, json={"booking_id": setting["foreign"].id})
    assert foreign.status_code == 422 and set(foreign.get_json()["errors"]) == {"booking_id"}
    assert team.patch(path, data="[]", headers={"Content-Type": "application/json"}
                      ).status_code == 400
    assert _entry_row(entry.id)[2] == "Atelier d'écoute"
    requester = api(project.requested_by)
    assert requester.patch(path, json={"title": "X"}).status_code == 403
    assert requester.delete(path).status_code == 403
    assert api(create_user()).patch(path, json={"title": "X"}).status_code == 404
    foreign_path = f"/projects/{project.id}/journal/{setting['foreign_entry'].id}"
    missing = team.patch(foreign_path, json={"title": "X"})
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert team.delete(foreign_path).status_code == 404
    assert team.delete(path).status_code == 204
    assert team.delete(path).status_code == 404
    assert team.get(f"/projects/{project.id}/journal").get_json() == []
    paths = team.get("/openapi.json").get_json()["paths"]
    assert {"patch", "delete"} <= set(paths["/projects/{project_id}/journal/{entry_id}"])
    assert {"patch", "delete"} <= set(paths["/projects/{project_id}/contacts/{contact_id}"])


def test_api_patch_contact(api, create_project, create_user):
    project = create_project()
    agent = api(project.requested_by)
    path = f"/projects/{project.id}/contacts"
    lou = agent.post(path, json={"name": "Lou", "email": "lou@interieur.gouv.fr"}).get_json()
    patched = agent.patch(f"{path}/{lou['id']}", json={"role": "Cheffe de projet"})
    assert patched.status_code == 200
    assert patched.get_json() == {"id": lou["id"], "name": "Lou", "email": "lou@interieur.gouv.fr",
                                  "role": "Cheffe de projet"}
    duplicate = agent.patch(f"{path}/{lou['id']}", json={"email": project.requested_by.email})
    assert duplicate.status_code == 409 and "email" in duplicate.get_json(force=True)["errors"]
    for body, field in (({"email": "x@"}, "email"), ({"name": ""}, "name"),
                        ({"role": "r" * 121}, "role")):
        invalid = agent.patch(f"{path}/{lou['id']}", json=body)
        assert invalid.status_code == 422 and invalid.mimetype == "application/problem+json"
        assert set(invalid.get_json()["errors"]) == {field}
    other = create_project()
    assert agent.patch(f"{path}/{other.contacts[0].id}", json={"name": "X"}).status_code == 404
    assert api(create_user()).patch(f"{path}/{lou['id']}", json={"name": "X"}).status_code == 404
    team = api(create_user("team"))
    team.patch(f"/projects/{project.id}", json={"status": "in_progress", "support_type": "conseil"})
    assert agent.patch(f"{path}/{lou['id']}", json={"name": "X"}).status_code == 403
    by_team = team.patch(f"{path}/{lou['id']}", json={"name": "Lou Martin", "email": "LM@x.fr"})
    assert by_team.status_code == 200
    assert (by_team.get_json()["name"], by_team.get_json()["email"]) == ("Lou Martin", "lm@x.fr")


# --- audit log -----------------------------------------------------------------------------

@needs_templates
def test_team_corrections_are_audited(api, client, login, setting):
    project, entry, team = setting["project"], setting["entry"], setting["team"]
    lou = project.contacts[1]
    assert api(team).patch(f"/projects/{project.id}/journal/{entry.id}",
                           json={"title": "Atelier d'écoute"}).status_code == 200
    [update] = _audit("project_journal_entries", entry.id, "update")
    assert (update.actor_id, update.actor_role, update.source) == (team.id, "team", "api")
    assert update.fields == ["title"]
    login(team)
    assert client.post(f"/projets/{project.id}/contacts/{lou.id}/modifier", data={
        "name": "Lou Martin", "email": "lou.martin@interieur.gouv.fr", "role": "Cheffe de projet"}
        ).status_code == 302
    [contact_update] = _audit("project_contacts", lou.id, "update")
    assert (contact_update.actor_id, contact_update.source) == (team.id, "web")
    assert contact_update.fields == ["email"]
    assert client.post(f"/projets/{project.id}/journal/{entry.id}/supprimer").status_code == 302
    [deleted] = _audit("project_journal_entries", entry.id, "delete")
    assert deleted.actor_id == team.id
