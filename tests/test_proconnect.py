"""ProConnect log-in and log-out against a fake provider served over real HTTP."""

from __future__ import annotations

import html
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from labapp.auth.models import User
from labapp.auth.proconnect import user_for_identity
from labapp.errors import Conflict, Forbidden
from labapp.extensions import db
from labapp.privacy.models import AuditEntry
from tests.conftest import PASSWORD
from tests.fake_proconnect import CLIENT_ID, CLIENT_SECRET, FakeProConnect, rsa_key

FAILED = "La connexion avec ProConnect n'a pas abouti."
ROUTES = ["/compte/proconnect/connexion", "/compte/proconnect/retour",
          "/compte/proconnect/deconnexion/retour"]


@pytest.fixture(scope="module")
def fake_provider():
    provider = FakeProConnect().start()
    yield provider
    provider.stop()


@pytest.fixture
def provider(fake_provider):
    fake_provider.reset()
    return fake_provider


@pytest.fixture
def app_config(app_config, provider):
    return {**app_config, "PROCONNECT_DISCOVERY_URL": provider.discovery_url,
            "PROCONNECT_CLIENT_ID": CLIENT_ID, "PROCONNECT_CLIENT_SECRET": CLIENT_SECRET}


@pytest.fixture
def refusals(monkeypatch) -> list[str]:
    """The technical reasons the views log when they refuse a login."""
    from labapp.auth import proconnect_views

    seen: list[str] = []
    monkeypatch.setattr(proconnect_views.log, "warning", lambda msg, *args: seen.append(msg % args))
    return seen


def start(client, next_url: str | None = None) -> dict:
    """Click the button; returns the authorization request's parameters."""
    response = client.get("/compte/proconnect/connexion", query_string={"next": next_url} if next_url
                          else None)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    params["endpoint"] = f"{location.scheme}://{location.netloc}{location.path}"
    return params


def round_trip(client, provider, next_url: str | None = None, state: str | None = None):
    """Start, let the provider authorize, come back; returns the callback's response."""
    params = start(client, next_url)
    code = provider.authorize(params)
    response = client.get("/compte/proconnect/retour",
                          query_string={"code": code, "state": state or params["state"]})
    assert response.status_code < 500
    return response


def logged_in(client) -> bool:
    return client.get("/compte/profil").status_code == 200


def page_text(client, response) -> str:
    assert response.status_code == 302
    return html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))


def test_round_trip_creates_an_agent_account_and_logs_in(client, provider):
    params = start(client)
    assert params["endpoint"] == provider.issuer + "/authorize"
    assert params["client_id"] == CLIENT_ID and params["response_type"] == "code"
    assert params["scope"] == "openid email given_name usual_name uid siret"
    assert params["acr_values"] == "eidas1"
    assert params["redirect_uri"] == "http://lab.test/compte/proconnect/retour"
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["state"] != params["nonce"]
    code = provider.authorize(params)
    response = client.get("/compte/proconnect/retour", query_string={"code": code,
                                                                      "state": params["state"]})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert logged_in(client)
    user = db.session.scalar(select(User).where(User.proconnect_sub == "sub-camille-0001"))
    assert (user.email, user.name, user.role, user.password_hash) == (
        "camille.martin@interieur.gouv.fr", "Camille Martin", "agent", None)
    token_call = dict(provider.calls)["token"]
    assert token_call["redirect_uri"] == "http://lab.test/compte/proconnect/retour"
    assert [name for name, _ in provider.calls if name == "userinfo"] == ["userinfo"]
    with client.session_transaction() as session:
        assert session["proconnect_id_token"].count(".") == 2
        assert "proconnect_state" not in session and "proconnect_nonce" not in session
    # "Mes données" tells the person which ProConnect identity the account is linked to.
    mine = client.get("/compte/mes-donnees.json").get_json()
    assert mine["account"]["proconnect_sub"] == "sub-camille-0001"


def test_next_is_kept_and_an_existing_account_is_matched_by_email(client, provider, create_user):
    user = create_user("team", email="camille.martin@interieur.gouv.fr", name="C. Martin")
    response = round_trip(client, provider, next_url="/compte/profil")
    assert response.headers["Location"] == "/compte/profil"
    db.session.refresh(user)
    assert user.proconnect_sub == "sub-camille-0001" and user.role == "team"
    assert user.name == "C. Martin"
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1
    linking = db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity_type == "users", AuditEntry.action == "update")).all()
    assert [entry.fields for entry in linking] == [["proconnect_sub"]]
    # An off-site next is ignored.
    client.post("/compte/deconnexion")
    assert round_trip(client, provider, next_url="//evil.example").headers["Location"] == "/"


def test_a_second_login_matches_on_sub_even_when_the_email_changed(client, provider):
    round_trip(client, provider)
    client.post("/compte/deconnexion")
    provider.scenario["identity"]["email"] = "camille.martin@dgsi.interieur.gouv.fr"
    round_trip(client, provider)
    assert logged_in(client)
    users = db.session.scalars(select(User)).all()
    assert [u.email for u in users] == ["camille.martin@interieur.gouv.fr"]


def test_session_is_renewed_on_login(client, provider):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    round_trip(client, provider)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_password_login_still_works_and_shows_the_button(client, create_user):
    page = client.get("/compte/connexion").get_data(as_text=True)
    assert 'class="fr-connect-group"' in page and 'class="fr-connect fr-connect--pro"' in page
    assert "fr-connect__login" in page and "fr-connect__brand\">ProConnect<" in page
    assert "Qu’est-ce que ProConnect ?" in page
    user = create_user("agent")
    response = client.post("/compte/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and logged_in(client)


def test_bad_or_missing_state_is_refused(client, provider):
    response = round_trip(client, provider, state="x" * 43)
    assert "a expiré ou n'est pas valide" in page_text(client, response)
    assert not logged_in(client)
    assert "token" not in dict(provider.calls)
    # A callback without any login started (or replayed after use).
    response = client.get("/compte/proconnect/retour", query_string={"code": "c", "state": "s"})
    assert response.status_code == 302 and not logged_in(client)


def test_state_is_single_use(client, provider):
    params = start(client)
    code = provider.authorize(params)
    client.get("/compte/proconnect/retour", query_string={"code": code, "state": params["state"]})
    client.post("/compte/deconnexion")
    response = client.get("/compte/proconnect/retour",
                          query_string={"code": code, "state": params["state"]})
    assert response.status_code == 302 and not logged_in(client)


def test_provider_error_answer_is_refused(client, provider):
    params = start(client)
    response = client.get("/compte/proconnect/retour",
                          query_string={"error": "access_denied", "state": params["state"]})
    assert FAILED in page_text(client, response)
    assert not logged_in(client)


@pytest.mark.parametrize("case, reason", [
    ("wrong_nonce", "Invalid claim: 'nonce'"), ("missing_nonce", "Missing claim: 'nonce'"),
    ("wrong_audience", "Invalid claim: 'aud'"), ("wrong_issuer", "Invalid claim: 'iss'"),
    ("expired", "ExpiredTokenError"), ("acr_missing", "Missing claim: 'acr'"),
    ("acr_unknown", "Invalid claim: 'acr'"), ("bad_signature", "BadSignatureError"),
    ("unknown_key", "No key for kid"), ("bad_at_hash", "Invalid claim: 'at_hash'"),
])
def test_invalid_id_tokens_are_refused(client, provider, refusals, case, reason):
    now = int(time.time())
    overrides = {
        "wrong_nonce": {"nonce": "n" * 43},
        "missing_nonce": {"nonce": None},
        "wrong_audience": {"aud": "another-service"},
        "wrong_issuer": {"iss": "https://evil.example/api/v2"},
        "expired": {"exp": now - 600, "iat": now - 660},
        "acr_missing": {"acr": None},
        "acr_unknown": {"acr": "eidas0"},
        "bad_at_hash": {"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"},
    }
    provider.scenario["id_token"] = overrides.get(case, {})
    if case == "bad_signature":
        provider.scenario["key"] = rsa_key(provider.key.kid)  # same kid, another key
    if case == "unknown_key":
        provider.scenario["key"] = rsa_key("someone-else")
    response = round_trip(client, provider)
    assert FAILED in page_text(client, response)
    assert len(refusals) == 1 and reason in refusals[0]
    assert not logged_in(client)
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 0
    assert "userinfo" not in dict(provider.calls)


def test_a_stronger_acr_is_accepted(client, provider):
    provider.scenario["id_token"] = {"acr": "eidas2"}
    round_trip(client, provider)
    assert logged_in(client)


@pytest.mark.parametrize("case, reason", [
    ("json", "application/jwt attendu"), ("other_sub", "Invalid claim: 'sub'"),
    ("bad_signature", "BadSignatureError"), ("wrong_audience", "Invalid claim: 'aud'"),
    ("expired", "ExpiredTokenError"),
])
def test_invalid_userinfo_is_refused(client, provider, refusals, case, reason):
    if case == "json":
        provider.scenario["userinfo_as_json"] = True
    elif case == "bad_signature":
        provider.scenario["userinfo_key"] = rsa_key(provider.key.kid)
    else:
        provider.scenario["userinfo"] = {
            "other_sub": {"sub": "sub-someone-else"},
            "wrong_audience": {"aud": "another-service"},
            "expired": {"exp": int(time.time()) - 600},
        }[case]
    response = round_trip(client, provider)
    assert FAILED in page_text(client, response)
    assert len(refusals) == 1 and reason in refusals[0]
    assert not logged_in(client)
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 0


def test_unreachable_provider_gives_a_french_message(app, client, provider):
    app.config["PROCONNECT_DISCOVERY_URL"] = "http://127.0.0.1:9/api/v2/.well-known/openid-configuration"
    response = client.get("/compte/proconnect/connexion")
    assert "ProConnect est momentanément indisponible" in page_text(client, response)


def test_a_deactivated_account_is_refused(client, provider, create_user):
    user = create_user("agent", email="camille.martin@interieur.gouv.fr", active=False)
    response = round_trip(client, provider)
    assert "Votre compte Lab Minnov est désactivé" in page_text(client, response)
    assert not logged_in(client)
    db.session.refresh(user)
    assert user.proconnect_sub is None
    # Already linked, then deactivated: refused too.
    user.active, user.proconnect_sub = False, "sub-camille-0001"
    db.session.commit()
    response = round_trip(client, provider)
    assert "Votre compte Lab Minnov est désactivé" in page_text(client, response)
    assert not logged_in(client)


def test_allowed_domains_restrict_new_accounts_only(app, client, provider, create_user):
    app.config["PROCONNECT_ALLOWED_DOMAINS"] = "dgsi.fr, @interieur.gouv.fr"
    provider.scenario["identity"]["email"] = "agent@finances.gouv.fr"
    response = round_trip(client, provider)
    assert "n'accepte que les adresses suivantes : @dgsi.fr, @interieur.gouv.fr" in page_text(
        client, response)
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 0
    # An existing account outside those domains may still link itself.
    create_user("agent", email="agent@finances.gouv.fr")
    round_trip(client, provider)
    assert logged_in(client)


def test_matching_rules(app, create_user):
    linked = create_user("agent", email="a@interieur.gouv.fr")
    linked.proconnect_sub = "sub-a"
    db.session.commit()
    # 1. sub first, whatever the e-mail says.
    assert user_for_identity("sub-a", "other@interieur.gouv.fr") == linked
    # 2. e-mail, case-insensitively, records the sub.
    by_email = create_user("agent", email="b@interieur.gouv.fr")
    assert user_for_identity("sub-b", " B@Interieur.GOUV.fr ") == by_email
    assert by_email.proconnect_sub == "sub-b"
    # ...unless the account is linked to another identity.
    with pytest.raises(Conflict):
        user_for_identity("sub-a2", "a@interieur.gouv.fr")
    # 3. otherwise a new agent account, named from given_name + usual_name.
    created = user_for_identity("sub-c", "c@interieur.gouv.fr", "Jean-Luc", "Dupont")
    assert (created.role, created.name, created.proconnect_sub) == ("agent", "Jean-Luc Dupont", "sub-c")
    # Deactivated: refused, by sub or by e-mail.
    linked.active = False
    with pytest.raises(Forbidden):
        user_for_identity("sub-a", "a@interieur.gouv.fr")
    app.config["PROCONNECT_ALLOWED_DOMAINS"] = "interieur.gouv.fr"
    with pytest.raises(Forbidden):
        user_for_identity("sub-d", "d@example.org")
    assert user_for_identity("sub-e", "e@interieur.gouv.fr").name == "e"


def test_an_erased_account_lets_the_person_come_back_as_a_new_one(client, provider):
    from labapp.privacy.accounts import delete_account

    round_trip(client, provider)
    first = db.session.scalar(select(User).where(User.proconnect_sub == "sub-camille-0001"))
    delete_account(first, True, None, first.created_at)
    db.session.commit()
    assert first.proconnect_sub is None and not first.active
    client.post("/compte/deconnexion")
    round_trip(client, provider)
    assert logged_in(client)
    again = db.session.scalar(select(User).where(User.proconnect_sub == "sub-camille-0001"))
    assert again.id != first.id and again.active


def test_logout_ends_both_sessions(client, provider):
    round_trip(client, provider)
    with client.session_transaction() as session:
        id_token = session["proconnect_id_token"]
    response = client.post("/compte/deconnexion")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == provider.issuer + "/session/end"
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == "http://lab.test/compte/proconnect/deconnexion/retour"
    assert len(params["state"]) >= 32
    assert not logged_in(client)
    back = client.get("/compte/proconnect/deconnexion/retour", query_string={"state": params["state"]})
    assert "Vous êtes déconnecté(e) de Lab Minnov et de ProConnect." in page_text(client, back)
    # The dedicated route does the same.
    round_trip(client, provider)
    response = client.post("/compte/proconnect/deconnexion")
    assert response.headers["Location"].startswith(provider.issuer + "/session/end?id_token_hint=")
    assert not logged_in(client)


def test_password_sessions_log_out_locally(client, create_user, login, provider):
    login(create_user("agent"))
    response = client.post("/compte/deconnexion")
    assert response.headers["Location"] == "/"
    assert not logged_in(client)


def test_not_configured_means_no_button_and_404(app, client, create_user, login):
    app.config["PROCONNECT_CLIENT_ID"] = ""
    page = client.get("/compte/connexion").get_data(as_text=True)
    assert "fr-connect" not in page and "ProConnect" not in page
    for route in ROUTES:
        assert client.get(route).status_code == 404, route
    login(create_user("agent"))
    assert client.post("/compte/proconnect/deconnexion").status_code == 404


def test_new_accounts_follow_the_sign_up_domains_by_default(app):
    """Without PROCONNECT_ALLOWED_DOMAINS, ProConnect creates accounts for the addresses
    the sign-up form accepts (interieur.gouv.fr by default in production), no others."""
    app.config.update(PROCONNECT_ALLOWED_DOMAINS="", ALLOWED_EMAIL_DOMAINS="interieur.gouv.fr")
    with pytest.raises(Forbidden):
        user_for_identity("sub-f", "f@finances.gouv.fr")
    assert user_for_identity("sub-g", "g@interieur.gouv.fr").proconnect_sub == "sub-g"
    app.config.update(PROCONNECT_ALLOWED_DOMAINS="finances.gouv.fr")  # its own list wins
    assert user_for_identity("sub-f", "f@finances.gouv.fr").role == "agent"
