"""A project's contacts: edited by the team (and the requester before qualification);
all of them receive the satisfaction survey when the project is completed."""

import html
import re

import pytest
from sqlalchemy import select

from labapp.db_types import utcnow
from labapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.projects import contacts
from labapp.projects.models import ProjectContact


def _words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(response.get_data(as_text=True))).split())


def test_add_and_remove_contacts(create_project, create_user):
    project = create_project(status="in_progress")
    team = create_user("team")
    lou = contacts.add_contact(team, project, " Lou Martin ", "Lou.Martin@Interieur.gouv.fr",
                               " Cheffe de projet ")
    assert (lou.name, lou.email, lou.role) == ("Lou Martin", "lou.martin@interieur.gouv.fr",
                                               "Cheffe de projet")
    requester_contact = project.contacts[0]
    contacts.remove_contact(team, project, requester_contact.id)
    db.session.commit()
    assert [c.email for c in project.contacts] == ["lou.martin@interieur.gouv.fr"]


@pytest.mark.parametrize(("name", "email", "role", "error", "fields"), [
    ("Lou", "pas-une-adresse", "", ValidationFailed, {"email"}),
    ("", "lou@interieur.gouv.fr", "", ValidationFailed, {"name"}),
    ("", "", "r" * 121, ValidationFailed, {"name", "email", "role"}),
    ("Homonyme", "REQUESTER", "", Conflict, {"email"}),
])
def test_bad_contacts_name_their_fields(create_project, create_user, name, email, role, error,
                                        fields):
    project = create_project()
    if email == "REQUESTER":
        email = project.requested_by.email.upper()
    with pytest.raises(error) as caught:
        contacts.add_contact(create_user("team"), project, name, email, role)
    assert set(caught.value.errors) == fields
    db.session.rollback()
    assert len(project.contacts) == 1


def test_last_contact_stays(create_project, create_user):
    project = create_project()
    with pytest.raises(Conflict) as caught:
        contacts.remove_contact(create_user("team"), project, project.contacts[0].id)
    assert "au moins un contact" in caught.value.errors["contact_id"][0]
    other = create_project()
    with pytest.raises(NotFound):  # a contact of another project
        contacts.remove_contact(create_user("team"), project, other.contacts[0].id)


def test_requester_edits_only_while_requested(create_project, create_user):
    project = create_project()
    agent = project.requested_by
    contacts.add_contact(agent, project, "Sam", "sam@interieur.gouv.fr")
    with pytest.raises(Forbidden):  # another agent (the page answers 404 before this)
        contacts.add_contact(create_user(), project, "Eve", "eve@interieur.gouv.fr")
    from labapp.projects import services

    services.accept_project(create_user("team"), project, "conseil")
    with pytest.raises(Forbidden):
        contacts.add_contact(agent, project, "Zoé", "zoe@interieur.gouv.fr")
    with pytest.raises(Forbidden):
        contacts.remove_contact(agent, project, project.contacts[1].id)


def test_completion_surveys_every_contact(api, create_project, create_user):
    from labapp.surveys.jobs import project_surveys
    from labapp.surveys.models import Invitation

    project = create_project(status="in_progress")
    team = api(create_user("team"))
    path = f"/projects/{project.id}/contacts"
    for name, email in (("Lou", "lou@interieur.gouv.fr"), ("Sam", "sam@example.org")):
        assert team.post(path, json={"name": name, "email": email}).status_code == 201
    sam = next(c for c in team.get(path).get_json() if c["name"] == "Sam")
    assert team.delete(f"{path}/{sam['id']}").status_code == 204
    assert team.patch(f"/projects/{project.id}", json={"status": "completed"}).status_code == 200
    assert project_surveys(utcnow()) == 2
    db.session.commit()
    assert sorted(db.session.scalars(select(Invitation.email))) == sorted(
        [project.requested_by.email, "lou@interieur.gouv.fr"])


def test_api_contacts(api, create_project, create_user):
    project = create_project()
    agent = api(project.requested_by)
    path = f"/projects/{project.id}/contacts"
    added = agent.post(path, json={"name": "Lou", "email": "lou@interieur.gouv.fr",
                                   "role": "Directrice métier"})
    assert added.status_code == 201
    assert added.get_json() == {"id": added.get_json()["id"], "name": "Lou",
                                "email": "lou@interieur.gouv.fr", "role": "Directrice métier"}
    duplicate = agent.post(path, json={"name": "Lou bis", "email": "LOU@interieur.gouv.fr"})
    assert duplicate.status_code == 409 and "email" in duplicate.get_json(force=True)["errors"]
    invalid = agent.post(path, json={"name": "X", "email": "x@"})
    assert invalid.status_code == 422 and "email" in invalid.get_json(force=True)["errors"]
    assert agent.post(path, json={"email": 3}).status_code == 422
    assert api(create_user()).get(path).status_code == 404
    assert api(create_user()).post(path, json={"name": "E", "email": "e@x.fr"}).status_code == 404
    assert agent.delete(f"{path}/{added.get_json()['id']}").status_code == 204
    only = agent.get(path).get_json()
    assert len(only) == 1
    last = agent.delete(f"{path}/{only[0]['id']}")
    assert last.status_code == 409 and "au moins un contact" in last.get_json(force=True)["detail"]
    assert agent.delete(f"{path}/999999").status_code == 404
    api(create_user("team")).patch(f"/projects/{project.id}",
                                   json={"status": "in_progress", "support_type": "conseil"})
    assert agent.post(path, json={"name": "Sam", "email": "sam@x.fr"}).status_code == 403


def test_page_contacts_errors_next_to_fields(client, login, create_project, create_user):
    project = create_project()
    login(project.requested_by)
    page = _words(client.get(f"/projets/{project.id}"))
    assert "Ajouter un contact" in page and project.requested_by.email in page
    invalid = client.post(f"/projets/{project.id}/contacts", data={
        "contact-name": "Lou", "contact-email": "lou@", "contact-role": ""})
    assert invalid.status_code == 422
    text = html.unescape(invalid.get_data(as_text=True))
    assert re.search(r'id="contact-email-messages"[^>]*>\s*<p[^>]*>Adresse électronique invalide\.', text)
    duplicate = client.post(f"/projets/{project.id}/contacts", data={
        "contact-name": "Moi", "contact-email": project.requested_by.email})
    assert duplicate.status_code == 409
    assert re.search(r'id="contact-email-messages"[^>]*>\s*<p[^>]*>Cette adresse figure déjà',
                     html.unescape(duplicate.get_data(as_text=True)))
    last = client.post(f"/projets/{project.id}/contacts/retirer",
                       data={"contact_id": str(project.contacts[0].id)})
    assert last.status_code == 409
    contact_id = project.contacts[0].id
    assert re.search(rf'id="contact-{contact_id}-messages"[^>]*>\s*<p[^>]*>Le projet doit garder',
                     html.unescape(last.get_data(as_text=True)))
    added = client.post(f"/projets/{project.id}/contacts", data={
        "contact-name": "Lou", "contact-email": "lou@interieur.gouv.fr",
        "contact-role": "Cheffe de projet"})
    assert added.status_code == 302
    assert "Lou Cheffe de projet lou@interieur.gouv.fr" in _words(client.get(f"/projets/{project.id}"))
    assert client.post(f"/projets/{project.id}/contacts/retirer",
                       data={"contact_id": str(contact_id)}).status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(ProjectContact.email).where(
        ProjectContact.project_id == project.id)).all() == ["lou@interieur.gouv.fr"]


def test_page_other_agent_gets_404(client, login, create_project, create_user):
    project = create_project()
    login(create_user())
    assert client.post(f"/projets/{project.id}/contacts", data={
        "contact-name": "E", "contact-email": "e@x.fr"}).status_code == 404
    assert client.post(f"/projets/{project.id}/contacts/retirer",
                       data={"contact_id": str(project.contacts[0].id)}).status_code == 404
