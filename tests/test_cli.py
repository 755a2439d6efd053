from sqlalchemy import select

from labapp.auth.models import User
from labapp.extensions import db


def test_users_create_and_tokens_create(runner, api):
    result = runner.invoke(args=["users", "create", "Chef@Interieur.gouv.fr", "--role", "team",
                                 "--name", "Cheffe", "--password", "a very long password"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "chef@interieur.gouv.fr"))
    assert user.role == "team" and user.name == "Cheffe"

    result = runner.invoke(args=["tokens", "create", "chef@interieur.gouv.fr"])
    assert result.exit_code == 0
    token = result.stdout.strip()
    assert token.startswith("lm_") and "\n" not in token
    client = api(None)
    me = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.get_json()["role"] == "team"


def test_users_create_refuses_duplicates_and_bad_input(runner):
    assert runner.invoke(args=["users", "create", "a@interieur.gouv.fr"]).exit_code == 0
    duplicate = runner.invoke(args=["users", "create", "A@interieur.gouv.fr"])
    assert duplicate.exit_code != 0 and "existe déjà" in duplicate.output
    bad = runner.invoke(args=["users", "create", "not-an-email"])
    assert bad.exit_code != 0 and "invalide" in bad.output
    short = runner.invoke(args=["users", "create", "b@interieur.gouv.fr", "--password", "short"])
    assert short.exit_code != 0
    assert db.session.scalar(select(User).where(User.email == "b@interieur.gouv.fr")) is None


def test_tokens_create_for_unknown_user_fails(runner):
    result = runner.invoke(args=["tokens", "create", "ghost@interieur.gouv.fr"])
    assert result.exit_code != 0
    assert result.stdout == ""


def test_seed_demo_is_idempotent(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = db.session.scalars(select(User.email).order_by(User.email)).all()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalars(select(User.email).order_by(User.email)).all() == first
    assert {"agent@interieur.gouv.fr", "equipe@interieur.gouv.fr", "admin@interieur.gouv.fr"} <= set(first)


def test_demo_accounts_can_log_in(runner, client):
    from labapp.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    runner.invoke(args=["seed-demo"])
    for email, _, _ in DEMO_ACCOUNTS:
        response = client.post("/compte/connexion", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.post("/compte/deconnexion")
