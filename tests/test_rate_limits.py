"""Rate limits on registration without an account and on the calendar feeds: beyond the
limit a 429 with the French page; limits shared by two app instances through Redis."""

import os

import pytest

from labapp.extensions import db, limiter

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


@pytest.fixture
def limited(app):
    """Rate limits switched on with small, configured values."""
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_PUBLIC_REGISTRATION="3 per minute",
                      RATELIMIT_FEED="4 per minute", RATELIMIT_FEED_PER_ADDRESS="6 per minute")
    limiter.enabled = True
    limiter.reset()  # the in-memory store outlives one app: start from zero
    yield app
    limiter.reset()


def _register(client, session_id: int, n: int):
    return client.post(f"/agenda/sessions/{session_id}/inscription", data={
        "name": f"Personne {n}", "email": f"personne{n}@example.org", "consent": "y"})


def test_public_registration_is_limited_not_logged_in_users(limited, client, create_session,
                                                            create_user, login):
    session = create_session(capacity=20)
    statuses = [_register(client, session.id, n).status_code for n in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    page = _register(client, session.id, 9)
    assert "Trop de tentatives" in page.get_data(as_text=True) and "fr-header" in page.get_data(as_text=True)
    login(create_user("agent"))  # one-click registration of an account holder: not limited here
    assert client.post(f"/agenda/sessions/{session.id}/inscription").status_code == 302


@pytest.fixture
def two_feeds(create_user):
    from labapp.calendar.services import feed_token, feed_urls

    urls = [feed_urls(feed_token(create_user("agent"), "personal"))["https"] for _ in range(2)]
    db.session.commit()
    return [url.removeprefix("http://lab.test") for url in urls]


def test_each_feed_has_its_own_limit(limited, client, two_feeds):
    limited.config.update(RATELIMIT_FEED="2 per minute", RATELIMIT_FEED_PER_ADDRESS="100 per minute")
    first, second = two_feeds
    assert [client.get(first).status_code for _ in range(3)] == [200, 200, 429]
    response = client.get(first)
    assert response.status_code == 429 and "Trop de tentatives" in response.get_data(as_text=True)
    assert [client.get(second).status_code for _ in range(3)] == [200, 200, 429]


def test_an_address_has_a_limit_over_all_feeds(limited, client, two_feeds):
    limited.config.update(RATELIMIT_FEED="100 per minute", RATELIMIT_FEED_PER_ADDRESS="3 per minute")
    first, second = two_feeds
    assert [client.get(first).status_code for _ in range(2)] == [200, 200]
    assert [client.get(second).status_code for _ in range(2)] == [200, 429]


def test_public_agenda_is_limited(limited, client):
    assert [client.get("/agenda.ics").status_code for _ in range(5)] == [200] * 4 + [429]


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set (CI sets it)")
def test_registration_limit_is_shared_through_redis(app_config, create_session):
    """Two app instances (as two gunicorn workers) share the limit through Redis."""
    import redis

    from labapp import create_app

    with redis.Redis.from_url(REDIS_URL) as store:
        store.flushdb()
    session_id = create_session(capacity=20).id
    db.session.remove()  # SQLite: no open transaction of ours may hold the write lock
    config = {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL,
              "RATELIMIT_PUBLIC_REGISTRATION": "3 per minute"}
    responses = []
    for worker_number in range(2):
        worker = create_app(config)
        with worker.app_context():
            client = worker.test_client()
            responses += [_register(client, session_id, worker_number * 10 + n) for n in range(2)]
            db.session.remove()
            db.engine.dispose()
    assert [r.status_code for r in responses] == [302, 302, 302, 429]
    assert 0 < int(responses[-1].headers["Retry-After"]) <= 60


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set (CI sets it)")
def test_two_gunicorn_worker_processes_share_the_limit(live_server, subprocess_env):
    """A real server with two single-threaded worker processes, hit by parallel requests:
    the address gets exactly its limit in all, not its limit per worker."""
    from concurrent.futures import ThreadPoolExecutor

    import redis

    from tests.live import http

    with redis.Redis.from_url(REDIS_URL) as store:
        store.flushdb()
    subprocess_env.update({"RATELIMIT_ENABLED": "1", "REDIS_URL": REDIS_URL,
                           "RATELIMIT_FEED": "100 per minute",
                           "RATELIMIT_FEED_PER_ADDRESS": "8 per minute"})
    with live_server(workers=2, threads=1) as base, ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: http("GET", base + "/agenda.ics").status, range(24)))
    assert sorted(statuses) == [200] * 8 + [429] * 16


def test_reset_links_cannot_be_guessed_at_speed(limited, client):
    statuses = [client.get(f"/compte/mot-de-passe/devine-{n}").status_code for n in range(21)]
    assert statuses == [404] * 20 + [429]


def test_token_creation_is_limited(limited, client, login, create_user):
    login(create_user())
    statuses = [client.post("/compte/profil/jetons", data={"label": f"Jeton {n}"}).status_code
                for n in range(21)]
    assert statuses == [200] * 20 + [429]
