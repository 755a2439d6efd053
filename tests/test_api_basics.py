import pytest
from openapi_spec_validator import validate

from labapp.api.blueprint import api_blueprint
from labapp.api.payload import Payload, json_body


def test_no_token_is_401_problem_json(api):
    response = api(None).get("/me")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == 401 and set(body) == {"type", "title", "status", "detail", "errors"}


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Basic abc", "Bearer " + "x" * 500])
def test_bad_token_is_401(api, header):
    response = api(None).get("/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json(force=True)["title"]


def test_token_acts_as_its_user(api, create_user):
    user = create_user("team")
    body = api(user).get("/me").get_json()
    assert body == {"id": user.id, "email": user.email, "name": user.name, "role": "team"}


def test_inactive_user_token_is_refused(api, create_user):
    from labapp.extensions import db

    user = create_user("agent")
    client = api(user)
    user.active = False
    db.session.commit()
    assert client.get("/me").status_code == 401


def test_unknown_api_route_is_404_problem(api, create_user):
    response = api(create_user()).get("/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_openapi_document_is_public_and_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert "/me" in document["paths"]


@pytest.fixture
def echo_app(app_config):
    """An app with one extra API endpoint that validates a body like the real ones."""
    from labapp import create_app
    from labapp.extensions import db

    app = create_app(app_config)
    bp = api_blueprint("echo_api", __name__)

    @bp.post("/echo")
    def echo():
        payload = Payload(json_body())
        title = payload.string("title")
        count = payload.integer("count", minimum=1, maximum=10)
        start = payload.datetime("start")
        payload.check()
        return {"title": title, "count": count, "start": start.isoformat()}

    app.register_blueprint(bp)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("body", [b"{", b"[]", b"42", b"\xff\xfe", b"null", b""])
def test_malformed_json_is_400(echo_app, create_user, api, body):
    client = api(create_user())
    client.client = echo_app.test_client()
    response = client.post("/echo", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_validation_is_422_with_errors_by_field(echo_app, create_user, api):
    client = api(create_user())
    client.client = echo_app.test_client()
    response = client.post("/echo", json={"title": 3, "count": 11, "start": "2026-03-29T02:30"})
    assert response.status_code == 422
    errors = response.get_json(force=True)["errors"]
    assert set(errors) == {"title", "count", "start"}
    assert "n'existe pas" in errors["start"][0]
    ok = client.post("/echo", json={"title": "Atelier", "count": 2, "start": "2026-07-01T09:00"})
    assert ok.status_code == 200
    assert ok.get_json()["start"] == "2026-07-01T07:00:00+00:00"
