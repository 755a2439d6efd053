"""The e-mail address policy (labapp/mail/addresses.py), at every entry point: sign-up,
public registration, the API, project contacts, the CLI and ProConnect."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from labapp.auth.models import User
from labapp.extensions import db
from labapp.mail.addresses import (
    MIXED_SCRIPTS,
    NON_ASCII_LOCAL,
    AddressRefused,
    canonical_address,
    lookup_form,
    mixes_scripts,
)
from labapp.trainings.models import Registration

CYRILLIC_A = "\u0430"  # looks like a Latin "a"
CYRILLIC_I = "\u0456"  # looks like a Latin "i"


@pytest.mark.parametrize(("raw", "stored"), [
    ("Lou.Martin@Interieur.gouv.fr", "lou.martin@interieur.gouv.fr"),
    ("  marie@exémple.fr ", "marie@xn--exmple-cva.fr"),
    ("ivan@пример.рф", "ivan@xn--e1afmkfd.xn--p1ai"),  # one script per label: accepted
    ("marie@xn--exmple-cva.fr", "marie@xn--exmple-cva.fr"),  # both forms are one address
])
def test_accepted_addresses_are_stored_in_ascii(raw, stored):
    assert canonical_address(raw) == stored
    assert lookup_form(raw) == stored


@pytest.mark.parametrize(("raw", "message"), [
    ("josé.pérez@exemple.fr", NON_ASCII_LOCAL),
    (f"{CYRILLIC_A}dm@interieur.gouv.fr", NON_ASCII_LOCAL),
    (f"adm@{CYRILLIC_I}nterieur.gouv.fr", MIXED_SCRIPTS),
    ("pas-une-adresse", "Adresse électronique invalide."),
    ("a@b", "Adresse électronique invalide."),
    ("", "Adresse électronique invalide."),
    ("x" * 250 + "@exemple.fr", "Adresse électronique invalide."),
])
def test_refused_addresses_say_why_in_french(raw, message):
    with pytest.raises(AddressRefused) as refused:
        canonical_address(raw)
    assert refused.value.message == message


def test_smtputf8_admits_a_non_ascii_local_part_but_never_mixed_scripts():
    assert canonical_address("José.Pérez@Exémple.fr", smtputf8=True) == "josé.pérez@xn--exmple-cva.fr"
    with pytest.raises(AddressRefused):
        canonical_address(f"{CYRILLIC_A}dm@interieur.gouv.fr", smtputf8=True)


def test_scripts_are_told_apart_by_letters_only():
    assert not mixes_scripts("jean-pierre.2024_x")
    assert not mixes_scripts("пример")
    assert mixes_scripts(f"p{CYRILLIC_A}ypal")


# --- entry points -----------------------------------------------------------------------

def test_api_registration_refuses_with_422_next_to_the_field_and_keeps_nothing(
        app, api, create_user, create_session):
    team = create_user("team")
    session = create_session(capacity=10)
    client = api(team)
    refused = client.post(f"/sessions/{session.id}/registrations",
                          json={"name": "José Pérez", "email": "josé.pérez@exemple.fr"})
    assert refused.status_code == 422
    assert refused.json["errors"]["email"] == [NON_ASCII_LOCAL]
    lookalike = client.post(f"/sessions/{session.id}/registrations",
                            json={"name": "Adm", "email": f"adm@{CYRILLIC_I}nterieur.gouv.fr"})
    assert lookalike.status_code == 422 and lookalike.json["errors"]["email"] == [MIXED_SCRIPTS]
    accepted = client.post(f"/sessions/{session.id}/registrations",
                           json={"name": "Marie", "email": "Marie@Exémple.fr"})
    assert accepted.status_code == 201
    assert db.session.scalars(select(Registration.email)).all() == ["marie@xn--exmple-cva.fr"]
    # The same mailbox typed in its other form is the same person: a duplicate.
    again = client.post(f"/sessions/{session.id}/registrations",
                        json={"name": "Marie", "email": "marie@xn--exmple-cva.fr"})
    assert again.status_code == 409


def test_public_form_shows_the_reason_next_to_the_field(app, client, create_session):
    session = create_session(capacity=10)
    response = client.post(f"/agenda/sessions/{session.id}/inscription", data={
        "name": "José Pérez", "email": "josé.pérez@exemple.fr", "consent": "y"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "avant le « @ »" in page and 'aria-describedby' in page
    assert db.session.scalar(select(Registration.id)) is None


def test_sign_up_and_sign_in_with_either_form_of_a_unicode_domain(app, client):
    response = client.post("/compte/inscription", data={
        "email": "Lou@Exémple.fr", "name": "Lou", "password": "un mot de passe long",
        "confirm": "un mot de passe long"})
    assert response.status_code in (200, 302)
    user = db.session.scalar(select(User))
    assert user is not None and user.email == "lou@xn--exmple-cva.fr"
    refused = client.post("/compte/inscription", data={
        "email": "zoé@exemple.fr", "name": "Zoé", "password": "un mot de passe long",
        "confirm": "un mot de passe long"})
    assert "avant le « @ »" in refused.get_data(as_text=True)  # next to the field
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_project_contact_in_the_api(app, api, create_user, create_project):
    project = create_project(status="in_progress")
    client = api(create_user("team"))
    refused = client.post(f"/projects/{project.id}/contacts",
                          json={"name": "Zoé", "email": "zoé@interieur.gouv.fr"})
    assert refused.status_code == 422 and refused.json["errors"]["email"] == [NON_ASCII_LOCAL]
    accepted = client.post(f"/projects/{project.id}/contacts",
                           json={"name": "Zoé", "email": "zoe@exémple.fr"})
    assert accepted.status_code == 201 and accepted.json["email"] == "zoe@xn--exmple-cva.fr"


def test_cli_users_create(app, runner):
    refused = runner.invoke(args=["users", "create", "andré@interieur.gouv.fr", "--role", "team"])
    assert refused.exit_code != 0 and "avant le « @ »" in refused.output
    created = runner.invoke(args=["users", "create", "andre@Exémple.fr", "--role", "team"])
    assert created.exit_code == 0, created.output
    assert db.session.scalar(select(User.email)) == "andre@xn--exmple-cva.fr"


def test_proconnect_refuses_a_non_ascii_local_part(app):
    from labapp.auth.proconnect import user_for_identity
    from labapp.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        user_for_identity("sub-1", "josé@interieur.gouv.fr", "José", "Pérez")
    assert refused.value.errors["email"] == [NON_ASCII_LOCAL]
