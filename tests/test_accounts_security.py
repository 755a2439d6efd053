"""Issue 16: accounts nobody else can claim. Each attack of the issue, on SQLite and
PostgreSQL: sign-up without the mailbox, reused or concurrent links, open redirects,
guessing from one address or on one account, enumeration, CR/LF in names, huge bodies,
links recovered from the database, secrets kept by caches."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select

from labapp.auth.models import PasswordResetToken, User
from labapp.extensions import db
from labapp.mail.models import OutboxMessage
from labapp.mail.services import deliver_due_messages
from labapp.trainings.models import Registration
from tests.conftest import PASSWORD
from tests.fixtures_bookings import at, future_day

VICTIM = "directeur.cabinet@interieur.gouv.fr"
ATTACKER_PASSWORD = "le mot de passe de l'attaquant"


def sign_up(client, email=VICTIM, password=ATTACKER_PASSWORD, name="Quelqu'un"):
    return client.post("/compte/inscription", data={
        "name": name, "email": email, "password": password, "confirm": password})


def sign_in(client, email, password):
    return client.post("/compte/connexion", data={"email": email, "password": password})


def links_in(mails, path: str) -> list[str]:
    found = []
    for message in mails():
        body = message.get_body(("plain",)).get_content()
        found += re.findall(r"http://lab\.test(" + re.escape(path) + r"[A-Za-z0-9_-]{20,})", body)
    return found


def test_a_sign_up_is_verified_through_its_link_before_anything(app, client, mails):
    assert sign_up(client, password=PASSWORD).status_code == 200
    user = db.session.scalar(select(User))
    assert user.email_verified_at is None and user.password_hash is None
    refused = sign_in(client, VICTIM, PASSWORD)
    assert refused.status_code == 200 and "pas encore vérifiée" in refused.get_data(as_text=True)
    deliver_due_messages()
    [link] = links_in(mails, "/compte/verification/")
    verified = client.get(link)  # the browser that signed up: the link is enough
    assert verified.status_code == 302
    assert sign_in(client, VICTIM, PASSWORD).status_code == 302
    assert client.get(link).status_code == 404  # once


def test_someone_else_signing_up_with_your_address_gains_nothing(app, client, mails, create_user,
                                                                 create_session, api):
    """The issue's attack: an attacker signs up with an address the team had registered."""
    team = create_user("team")
    session = create_session(capacity=10)
    assert api(team).post(f"/sessions/{session.id}/registrations",
                          json={"name": "Directeur", "email": VICTIM}).status_code == 201
    attacker = app.test_client()
    sign_up(attacker)
    assert sign_in(attacker, VICTIM, ATTACKER_PASSWORD).status_code == 200  # refused
    assert attacker.get("/compte/mes-donnees").status_code == 302  # to the login page
    # Later registrations of that address are not linked to the unverified account.
    other = create_session(capacity=10, title="Deuxième session")
    created = api(team).post(f"/sessions/{other.id}/registrations",
                             json={"name": "Directeur", "email": VICTIM})
    assert db.session.get(Registration, created.json["id"]).user_id is None
    # The link reaches the real owner; opened in their browser it asks the sign-up password,
    # which they do not know: nothing is activated.
    deliver_due_messages()
    [link] = links_in(mails, "/compte/verification/")
    owner = app.test_client()
    page = owner.get(link)
    assert page.status_code == 200 and "Activer mon compte" in page.get_data(as_text=True)
    wrong = owner.post(link, data={"password": "je ne le connais pas"})
    assert wrong.status_code == 422
    assert db.session.scalar(select(User.email_verified_at).where(User.email == VICTIM)) is None
    # The owner then signs up themself: their own link, their own password.
    sign_up(owner, password="le vrai mot de passe du directeur")
    deliver_due_messages()
    own = links_in(mails, "/compte/verification/")[-1]
    assert owner.get(own).status_code == 302
    assert sign_in(app.test_client(), VICTIM, ATTACKER_PASSWORD).status_code == 200  # refused
    assert sign_in(owner, VICTIM, "le vrai mot de passe du directeur").status_code == 302
    assert owner.get(link).status_code == 404  # the attacker's link died with the activation


def test_sign_up_never_reveals_an_account(app, client, create_user, mails):
    create_user("agent", email="lou@interieur.gouv.fr")
    existing = sign_up(app.test_client(), email="lou@interieur.gouv.fr")
    fresh = sign_up(app.test_client(), email="nouveau@interieur.gouv.fr")
    assert existing.status_code == fresh.status_code == 200

    def page(response):
        return response.get_data(as_text=True).replace("lou@", "X@").replace("nouveau@", "X@")

    assert re.sub(r'name="csrf_token" value="[^"]*"', "", page(existing)) == re.sub(
        r'name="csrf_token" value="[^"]*"', "", page(fresh))
    assert "set-cookie" in {k.lower() for k in existing.headers.keys()}
    assert "set-cookie" in {k.lower() for k in fresh.headers.keys()}
    deliver_due_messages()
    subjects = {(str(m["To"]), str(m["Subject"])) for m in mails()}
    assert subjects == {("lou@interieur.gouv.fr", "Votre compte Lab Minnov existe déjà"),
                        ("nouveau@interieur.gouv.fr", "Activez votre compte Lab Minnov")}
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_proconnect_takes_over_an_unverified_address(app, client):
    from labapp.auth.proconnect import user_for_identity

    sign_up(client)
    db.session.remove()
    user = user_for_identity("sub-directeur", VICTIM, "Paul", "Martin")
    db.session.commit()
    assert user.verified and user.password_hash is None and user.proconnect_sub == "sub-directeur"
    assert sign_in(client, VICTIM, ATTACKER_PASSWORD).status_code == 200  # the pending password died


def test_reset_link_works_once_and_voids_older_links_and_sessions(app, client, create_user, login,
                                                                 mails):
    user = create_user("agent")
    other_browser = app.test_client()
    assert sign_in(other_browser, user.email, PASSWORD).status_code == 302
    for _ in range(2):
        client.post("/compte/mot-de-passe-oublie", data={"email": user.email})
    deliver_due_messages()
    older, newer = links_in(mails, "/compte/mot-de-passe/")
    data = {"password": "un tout nouveau mot de passe", "confirm": "un tout nouveau mot de passe"}
    assert client.post(newer, data=data).status_code == 302
    assert client.post(newer, data=data).status_code == 404
    assert client.get(older).status_code == 404  # voided by the reset
    db.session.remove()
    with app.app_context():  # a request of its own (the fixture's context keeps `g`)
        assert other_browser.get("/compte/profil").status_code == 302  # its session ended
    assert sign_in(app.test_client(), user.email, "un tout nouveau mot de passe").status_code == 302


class Browser:
    """A real client with its own cookies, for a server process."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")

    def post(self, path: str, data: dict) -> int:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_one_reset_link_posted_by_eight_browsers_at_once_works_once(app, live_server, create_user):
    from labapp.auth.services import start_password_reset

    user = create_user("agent")
    user_id, secret = user.id, start_password_reset(user.email).secret
    db.session.commit()
    path = f"/compte/mot-de-passe/{secret}"
    n = 8
    barrier = threading.Barrier(n)
    statuses: list = [None] * n
    with live_server(workers=2, threads=8) as base:
        def attempt(i):
            browser = Browser(base)
            status, page = browser.get(path)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
                r'name="csrf_token" value="([^"]+)"', page)
            barrier.wait()
            password = f"mot de passe numéro {i}"
            statuses[i] = browser.post(path, {"csrf_token": token.group(1), "password": password,
                                              "confirm": password})

        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert sorted(statuses) == [302] + [404] * (n - 1), statuses
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(PasswordResetToken)
                             .where(PasswordResetToken.used_at.is_not(None))) == 1
    winner = statuses.index(302)
    assert db.session.get(User, user_id).check_password(f"mot de passe numéro {winner}")


@pytest.mark.parametrize("target", [
    "/%09/evil.example", "/%0a/x", "/%0d/x", "//evil.example", "https://evil.example/",
    "/\\evil.example", "javascript:alert(1)", "/%00", "%2F%2Fevil.example", "/ok?x=%0a",
])
def test_next_only_leads_to_a_path_of_this_site(app, client, create_user, target):
    user = create_user("agent")
    response = client.post(f"/compte/connexion?next={target}",
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location in ("/", "/ok?x=%0a") or location.startswith("/ok")
    assert not location.startswith("//") and "evil" not in location


def test_next_keeps_a_path_of_this_site(app, client, create_user):
    user = create_user("agent")
    response = client.post("/compte/connexion?next=/reservations/mes-reservations?page=2",
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/reservations/mes-reservations?page=2"


def test_sign_in_does_the_same_work_whether_the_account_exists(app, client, create_user,
                                                             monkeypatch):
    from labapp.auth import services

    checked = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash",
                        lambda stored, password: checked.append(1) or real(stored, password))
    user = create_user("agent")
    monkeypatch.setattr(User, "check_password", lambda self, password: checked.append(1) or False)
    sign_in(client, user.email, "pas le bon")
    sign_in(client, "personne@interieur.gouv.fr", "pas le bon")
    assert checked == [1, 1]  # one password hash check in each case


@pytest.mark.parametrize("name", ["Jean\r\nBcc: victime@example.org", "Jean\nDupont", "Jean\x07"])
def test_names_that_go_into_e_mails_refuse_line_breaks(app, api, create_user, create_session,
                                                       create_project, client, lab, name):
    team = api(create_user("team"))
    session = create_session(capacity=10)
    response = team.post(f"/sessions/{session.id}/registrations",
                         json={"name": name, "email": "jean@example.org"})
    assert response.status_code == 422 and "name" in response.json["errors"]
    project = create_project(status="in_progress")
    contact = team.post(f"/projects/{project.id}/contacts", json={"name": name,
                                                                 "email": "jean@example.org"})
    assert contact.status_code == 422 and "name" in contact.json["errors"]
    day = future_day()
    booking_title = team.post("/bookings", json={
        "space_id": lab.plenary.id, "title": name, "attendees": 2,
        "start": at(day, "09:00").isoformat(), "end": at(day, "10:00").isoformat()})
    assert booking_title.status_code == 422 and "title" in booking_title.json["errors"]
    sign = sign_up(client, email="jean@interieur.gouv.fr", name=name)
    assert sign.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(User)
                             .where(User.email == "jean@interieur.gouv.fr")) == 0


def test_a_body_over_the_limit_is_a_413_problem(app, api, create_user):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = api(create_user("team")).post("/projects", json={"title": "x" * 5000,
                                                                "description": "d"})
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json["status"] == 413


def test_no_working_link_can_be_recovered_from_the_database_once_sent(app, client, create_user,
                                                                    mails):
    user = create_user("agent")
    client.post("/compte/mot-de-passe-oublie", data={"email": user.email})
    pending = db.session.scalar(select(OutboxMessage.raw))
    assert "/compte/mot-de-passe/" in pending  # not sent yet: the outbox needs it
    deliver_due_messages()
    [link] = links_in(mails, "/compte/mot-de-passe/")
    secret = link.rsplit("/", 1)[1]
    db.session.remove()
    for (raw,) in db.session.execute(select(OutboxMessage.raw)):
        assert secret not in raw and raw == ""
    assert all(secret not in (t.token_hash or "")
               for t in db.session.scalars(select(PasswordResetToken)))


def test_responses_that_carry_a_secret_are_not_stored(app, api, client, create_user, login):
    user = create_user("agent")
    calendar = api(user).get("/me/calendar")
    assert calendar.status_code == 200 and "no-store" in calendar.headers["Cache-Control"]
    login(user)
    created = client.post("/compte/profil/jetons", data={"label": "Script"})
    assert created.status_code == 200 and "no-store" in created.headers["Cache-Control"]
    assert created.headers["Referrer-Policy"] == "no-referrer"


def test_the_demo_and_its_known_passwords_never_load_in_production(app, runner):
    app.config["ENV_NAME"] = "production"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1 and "production" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_changing_the_password_asks_the_current_one_and_ends_other_sessions(app, client, login,
                                                                           create_user):
    user = create_user("agent")
    elsewhere = app.test_client()
    assert sign_in(elsewhere, user.email, PASSWORD).status_code == 302
    login(user)
    data = {"mdp-current_password": "pas le bon", "mdp-password": "un nouveau mot de passe",
            "mdp-confirm": "un nouveau mot de passe"}
    wrong = client.post("/compte/profil/mot-de-passe", data=data)
    assert wrong.status_code == 422 and "votre mot de passe actuel" in wrong.get_data(as_text=True)
    data["mdp-current_password"] = PASSWORD
    changed = client.post("/compte/profil/mot-de-passe", data=data, follow_redirects=True)
    assert "Votre mot de passe est changé" in changed.get_data(as_text=True)
    db.session.remove()
    with app.app_context():  # requests of their own (the fixture's context keeps `g`)
        assert client.get("/compte/profil").status_code == 200  # this browser goes on
    with app.app_context():
        assert elsewhere.get("/compte/profil").status_code == 302  # the other one is out
    assert sign_in(app.test_client(), user.email, "un nouveau mot de passe").status_code == 302
