import re

from sqlalchemy import select

from labapp.auth.models import User
from labapp.extensions import db
from tests.conftest import PASSWORD


def test_login_and_logout(client, create_user, login):
    user = create_user("agent")
    response = login(user)
    assert response.headers["Location"] == "/"
    page = client.get("/compte/profil")
    assert page.status_code == 200
    assert user.email in page.get_data(as_text=True)
    client.post("/compte/deconnexion")
    assert client.get("/compte/profil").status_code == 302


def test_email_is_case_insensitive(client, create_user, login):
    user = create_user("agent", email="Marie.Curie@Interieur.gouv.fr")
    assert user.email == "marie.curie@interieur.gouv.fr"
    response = client.post("/compte/connexion",
                           data={"email": "MARIE.CURIE@interieur.gouv.fr", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_gets_a_generic_message(client, create_user):
    user = create_user("agent")
    for email in (user.email, "nobody@interieur.gouv.fr"):
        response = client.post("/compte/connexion", data={"email": email, "password": "wrong"},
                               follow_redirects=True)
        assert response.status_code == 200
        assert "Adresse électronique ou mot de passe incorrect" in response.get_data(as_text=True)


def test_logout_invalidates_a_copied_session_cookie(app, client, create_user, login):
    user = create_user("agent")
    login(user)
    stolen = client.get_cookie("session").value
    client.post("/compte/deconnexion")
    other = app.test_client()
    other.set_cookie("session", stolen)
    assert other.get("/compte/profil").status_code == 302


def test_signup_restricted_to_allowed_domains(app, client):
    app.config["ALLOWED_EMAIL_DOMAINS"] = "interieur.gouv.fr"
    data = {"name": "Jeanne", "email": "jeanne@gmail.com", "password": "un mot de passe long",
            "confirm": "un mot de passe long"}
    response = client.post("/compte/inscription", data=data)
    assert response.status_code == 422
    assert "@interieur.gouv.fr" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "jeanne@gmail.com")) is None
    data["email"] = "jeanne@interieur.gouv.fr"
    sent = client.post("/compte/inscription", data=data)
    assert sent.status_code == 200 and "Consultez votre messagerie" in sent.get_data(as_text=True)
    created = db.session.scalar(select(User).where(User.email == "jeanne@interieur.gouv.fr"))
    assert created.role == "agent" and created.email_verified_at is None


def test_password_reset_link_is_single_use(client, create_user, mails):
    user = create_user("agent")
    client.post("/compte/mot-de-passe-oublie", data={"email": user.email})
    # Nothing is sent before the tick: the outbox holds it.
    assert mails() == []
    from labapp.mail.services import deliver_due_messages

    deliver_due_messages()
    [message] = mails()
    assert message["To"] == user.email
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"http://lab\.test(/compte/mot-de-passe/\S+)", body).group(1)
    new = "un tout nouveau mot de passe"
    assert client.post(link, data={"password": new, "confirm": new}).status_code == 302
    assert client.get(link).status_code == 404
    assert client.post("/compte/connexion", data={"email": user.email, "password": new}
                       ).status_code == 302


def test_unknown_email_reset_says_the_same(client, mails):
    response = client.post("/compte/mot-de-passe-oublie", data={"email": "x@interieur.gouv.fr"},
                           follow_redirects=True)
    assert "Si un compte existe" in response.get_data(as_text=True)


def test_admin_page_is_for_admins_only(client, create_user, login):
    agent = create_user("agent")
    login(agent)
    assert client.get("/admin/comptes").status_code == 403


def test_admin_changes_a_role(client, create_user, login):
    admin = create_user("admin")
    agent = create_user("agent")
    login(admin)
    page = client.get("/admin/comptes")
    assert page.status_code == 200 and agent.email in page.get_data(as_text=True)
    response = client.post(f"/admin/comptes/{agent.id}", data={"role": "team", "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, agent.id).role == "team"


def test_personal_tokens_shown_once_and_revocable(client, create_user, login, api):
    user = create_user("agent")
    login(user)
    page = client.post("/compte/profil/jetons", data={"label": "mon script"})
    token = re.search(r"(lm_[A-Za-z0-9_-]{43})", page.get_data(as_text=True)).group(1)
    anonymous = api(None)
    assert anonymous.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in client.get("/compte/profil").get_data(as_text=True)
    from labapp.auth.models import ApiToken

    row = db.session.scalar(select(ApiToken).where(ApiToken.label == "mon script"))
    assert row.token_hash != token and len(row.token_hash) == 64
    client.post(f"/compte/profil/jetons/{row.id}/revoquer")
    assert anonymous.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_admin_user_list_query_budget_is_constant(client, create_user, login):
    from tests.querycount import count_queries

    login(create_user("admin"))
    db.session.remove()  # measure requests from a cold identity map, like production
    with count_queries() as few:
        assert client.get("/admin/comptes").status_code == 200
    for _ in range(30):
        create_user("agent")
    db.session.remove()
    with count_queries() as many:
        assert client.get("/admin/comptes").status_code == 200
    assert many.count == few.count


def test_password_reset_page_is_neither_cached_nor_sent_as_referrer(client, create_user):
    """The reset link is a capability URL: its page's requests for static files must not
    carry it in a Referer (access logs), and no cache may keep the page."""
    from labapp.auth.services import start_password_reset
    from labapp.extensions import db

    secret = start_password_reset(create_user("agent").email).secret
    db.session.commit()
    response = client.get(f"/compte/mot-de-passe/{secret}")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"]
