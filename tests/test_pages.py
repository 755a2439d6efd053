import os

import pytest


def test_home_page_has_dsfr_header_and_footer(client):
    html = client.get("/").get_data(as_text=True)
    assert 'lang="fr"' in html
    assert "Ministère<br>de l'Intérieur" in html or "Ministère<br/>de l'Intérieur" in html
    assert "Lab Minnov" in html
    assert 'id="contenu"' in html
    for path in ("/pages/plan-du-site", "/pages/accessibilite", "/pages/mentions-legales",
                 "/pages/donnees-personnelles"):
        assert f'href="{path}"' in html
        assert client.get(path).status_code == 200
    assert "dsfr/dsfr.min.css" in html


def test_static_dsfr_assets_are_vendored(client):
    with client.get("/static/dsfr/dsfr.min.css") as response:
        assert response.status_code == 200
        assert len(response.data) > 100_000


def test_unknown_url_gets_the_dsfr_404_page(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "fr-header" in html and "Page non trouvée" in html


def test_navigation_depends_on_role(client, create_user, login):
    assert "Comptes" not in client.get("/").get_data(as_text=True)
    login(create_user("admin"))
    assert 'href="/admin/comptes"' in client.get("/").get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    nonce = csp.split("'nonce-")[1].split("'")[0]
    html = response.get_data(as_text=True)
    assert "<script" not in html.replace(f'nonce="{nonce}"', "").replace(
        "<script type=\"module\"", "").replace("<script type=\"text/javascript\" nomodule", "") \
        or f'nonce="{nonce}"' in html


@pytest.fixture
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def test_missing_csrf_token_gives_the_400_page(csrf_client, create_user):
    user = create_user()
    response = csrf_client.post("/compte/connexion", data={"email": user.email, "password": "x"})
    assert response.status_code == 400
    assert "fr-header" in response.get_data(as_text=True)


REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set (CI sets it)")
def test_login_limit_is_shared_through_redis_by_two_app_instances(app_config, create_user):
    """Two app instances (as two gunicorn workers) share the login limit in Redis."""
    import redis

    from labapp import create_app
    from labapp.extensions import db

    with redis.Redis.from_url(REDIS_URL) as store:
        store.flushdb()
    email = create_user().email
    db.session.remove()  # SQLite: no open transaction of ours may hold the write lock
    config = {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL}
    statuses = []
    for _ in range(2):
        worker = create_app(config)
        with worker.app_context():
            client = worker.test_client()
            statuses += [client.post("/compte/connexion",
                                     data={"email": email, "password": "bad"}).status_code
                         for _ in range(6)]
            db.session.remove()
            db.engine.dispose()
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]
