"""'Mes données': the JSON export (page download and API), with a constant number of
queries and no secret in it; account deletion by its holder."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from labapp.auth.models import ApiToken, User
from labapp.bookings.models import Booking
from labapp.calendar.models import CalendarFeedToken
from labapp.extensions import db
from labapp.privacy.models import AuditEntry
from labapp.privacy.placeholders import is_placeholder
from labapp.surveys.models import Invitation
from labapp.trainings.models import Registration
from tests.conftest import PASSWORD
from tests.fixtures_bookings import future_day
from tests.fixtures_trainings import at
from tests.querycount import count_queries

KEYS = {"generated_at", "notice", "account", "bookings", "registrations", "projects",
        "project_contacts", "survey_invitations", "api_tokens", "calendar_feeds", "emails",
        "audit_entries_as_actor"}


@pytest.fixture
def person(app, create_user, create_booking, create_session, register, create_project):
    """An agent with a booking, a registration, a project, a token, a feed and an invitation."""
    from labapp.calendar.services import feed_token
    from labapp.surveys.services import Recipient, invite

    user = create_user("agent", name="Alix Dupont")
    create_booking(by=user, title="Atelier Alix")
    register(create_session(title="Session d'Alix"), actor=user)
    create_project(requester=user, title="Projet d'Alix")
    feed_token(user, "personal")
    invite("project", 999, "Projet ancien", [Recipient(user.email, user.name)])
    db.session.commit()
    return user


def test_the_download_holds_everything_but_no_secret(client, login, person, api):
    from labapp.auth.tokens import create_api_token

    _, secret = create_api_token(person, "script")
    db.session.commit()
    login(person)
    page = client.get("/compte/mes-donnees")
    assert page.status_code == 200
    assert 'href="/compte/mes-donnees.json"' in page.get_data(as_text=True)
    response = client.get("/compte/mes-donnees.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))
    assert set(data) == KEYS
    assert data["account"]["email"] == person.email and data["account"]["name"] == "Alix Dupont"
    assert data["account"]["proconnect_sub"] is None  # not linked to a ProConnect identity
    assert [b["title"] for b in data["bookings"]] == ["Atelier Alix"]
    assert data["bookings"][0]["history"][0]["action"] == "requested"
    assert [r["session_title"] for r in data["registrations"]] == ["Session d'Alix"]
    assert [p["title"] for p in data["projects"]] == ["Projet d'Alix"]
    assert data["projects"][0]["roles"] == ["demandeur"]
    assert [c["project_title"] for c in data["project_contacts"]] == ["Projet d'Alix"]
    assert [t["label"] for t in data["api_tokens"]] == ["script"]
    assert [f["kind"] for f in data["calendar_feeds"]] == ["personal"]
    assert [i["target_id"] for i in data["survey_invitations"]] == [999]
    assert any("Votre avis" in m["subject"] for m in data["emails"])
    text = response.get_data(as_text=True)
    hashes = [person.password_hash, secret, *db.session.scalars(select(ApiToken.token_hash)),
              *db.session.scalars(select(CalendarFeedToken.token_hash)),
              *db.session.scalars(select(CalendarFeedToken.nonce)),
              *db.session.scalars(select(Invitation.token_hash))]
    assert all(h and h not in text for h in hashes)
    assert "password" not in text and "token_hash" not in text

    from_api = api(person).get("/me/data")
    assert from_api.status_code == 200
    assert {k: v for k, v in from_api.get_json().items() if k not in ("generated_at", "api_tokens")} \
        == {k: v for k, v in data.items() if k not in ("generated_at", "api_tokens")}
    assert api(None).get("/me/data").status_code == 401


def test_openapi_documents_me_data(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert "/me/data" in document["paths"]


def test_pages_need_a_login(client):
    for path in ("/compte/mes-donnees", "/compte/mes-donnees.json"):
        assert client.get(path).status_code == 302
    assert client.post("/compte/suppression").status_code == 302


def test_query_count_does_not_depend_on_the_amount_of_data(client, login, person, create_booking,
                                                           create_session, register):
    login(person)

    def measure(path):
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    few = (measure("/compte/mes-donnees"), measure("/compte/mes-donnees.json"))
    for i in range(4):
        create_booking(by=person, title=f"Atelier {i}", day=future_day(i + 1))
        register(create_session(title=f"Session {i}"), actor=person)
    assert (measure("/compte/mes-donnees"), measure("/compte/mes-donnees.json")) == few


def test_deletion_needs_confirmation_and_password(client, login, person):
    login(person)
    response = client.post("/compte/suppression", data={"password": "wrong password!"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Mot de passe incorrect." in html and "Cochez la case" in html
    assert 'aria-invalid="true"' in html
    db.session.expire_all()
    assert db.session.get(User, person.id).active


def test_the_last_admin_cannot_delete_their_account(client, login, create_user):
    admin = create_user("admin")
    login(admin)
    response = client.post("/compte/suppression", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 409
    assert "seul administrateur" in response.get_data(as_text=True)


def test_deleting_an_account(client, login, person, create_user, create_session, register, mails,
                             build_records):
    from labapp.indicators.compute import indicators_for_year
    from labapp.mail.services import deliver_due_messages

    email, user_id = person.email, person.id
    # History: a past booking and a past session where Alix was present.
    past = datetime(2023, 5, 10, 8, tzinfo=UTC)
    old_booking = Booking(space_id=build_records.space.id, start_at=past, end_at=past + timedelta(hours=2),
                          title="Réunion passée", attendees=7, status="approved",
                          requested_by_id=user_id)
    held = build_records.session(start=past)
    db.session.add(old_booking)
    db.session.add(Registration(session_id=held.id, user_id=user_id, name="Alix Dupont",
                                email=email, status="confirmed", present=True,
                                created_at=past - timedelta(days=5)))
    # A full upcoming session: Alix's seat goes to the waiting list.
    full = create_session(title="Complète", capacity=1, start_at=at(days=9))
    register(full, actor=person)
    waiting = register(full).registration
    db.session.commit()
    before = indicators_for_year(2023)

    login(person)
    response = client.post("/compte/suppression", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert "supprimé" in client.get("/").get_data(as_text=True)
    assert client.get("/compte/mes-donnees").status_code == 302  # logged out
    assert client.post("/compte/connexion", data={"email": email, "password": PASSWORD}
                       ).status_code == 200  # cannot log in any more

    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert (user.active, user.password_hash, user.name) == (False, None, "Compte supprimé")
    assert is_placeholder(user.email)
    assert indicators_for_year(2023) == before
    mine = db.session.scalars(select(Registration).where(Registration.user_id == user_id)).all()
    assert mine and all(is_placeholder(r.email) and r.name == "Participant anonymisé" for r in mine)
    assert {r.status for r in mine if r.session_id != held.id} == {"cancelled"}
    assert db.session.get(Registration, waiting.id).status == "confirmed"
    statuses = dict(db.session.execute(select(Booking.title, Booking.status)
                                       .where(Booking.requested_by_id == user_id)).all())
    assert statuses == {"Atelier Alix": "cancelled", "Réunion passée": "approved"}
    assert db.session.scalar(select(func.count()).select_from(ApiToken)
                             .where(ApiToken.user_id == user_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(CalendarFeedToken)) == 0
    assert db.session.scalar(select(func.count()).select_from(Invitation)
                             .where(Invitation.email == email)) == 0
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account_deleted"))
    assert (entry.actor_id, entry.entity_id) == (user_id, str(user_id))

    deliver_due_messages()
    confirmation = [m for m in mails() if "compte Lab Minnov est supprimé" in m["Subject"]]
    assert len(confirmation) == 1 and confirmation[0]["To"] == email
    body = confirmation[0].get_body(preferencelist=("plain",)).get_content()
    assert re.search(r"supprimé le \w+ \d+ \w+ \d{4}", body)
    assert all(not is_placeholder(str(m["To"])) for m in mails())
