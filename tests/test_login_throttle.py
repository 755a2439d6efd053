"""Issue 16: failed sign-ins are throttled per account (from any address) and per address
(on any account); successes never count, so a service behind one address signs in freely.
The app is built with rate limiting on (its hooks count the failures after the response)."""

from __future__ import annotations

import pytest

from labapp.extensions import limiter
from tests.conftest import PASSWORD


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True}


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()  # the in-memory store outlives one app
    yield
    limiter.reset()


def sign_in(client, email, password, address="192.0.2.1"):
    return client.post("/compte/connexion", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_guessing_from_one_address_across_accounts_is_throttled(app, client, create_user):
    app.config["RATELIMIT_LOGIN_ADDRESS"] = "5 per 10 minutes"
    users = [create_user("agent") for _ in range(7)]
    statuses = [sign_in(client, u.email, "pas le bon").status_code for u in users]
    assert statuses == [200] * 5 + [429, 429]
    page = sign_in(client, users[0].email, PASSWORD)  # even the right password waits
    assert page.status_code == 429 and "Trop de" in page.get_data(as_text=True)
    assert sign_in(client, users[0].email, PASSWORD, address="192.0.2.2").status_code == 302


def test_guessing_one_account_from_many_addresses_is_throttled(app, create_user):
    app.config["RATELIMIT_LOGIN_ACCOUNT"] = "3 per 15 minutes"
    user = create_user("agent")
    statuses = [sign_in(app.test_client(), user.email.upper(), "pas le bon",
                        address=f"198.51.100.{i + 1}").status_code for i in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_a_service_behind_one_address_signs_in_freely(app, create_user):
    """Only failures count: forty people of one service, one network address."""
    app.config["RATELIMIT_LOGIN_ADDRESS"] = "5 per 10 minutes"
    for _ in range(40):
        user = create_user("agent")
        assert sign_in(app.test_client(), user.email, PASSWORD).status_code == 302
