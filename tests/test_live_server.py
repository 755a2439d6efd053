from tests.live import http


def test_healthz_and_api_through_a_real_server(live_server, create_user, cli_token):
    token = cli_token(create_user("team"))
    with live_server() as base:
        health = http("GET", base + "/healthz")
        assert health.status == 200 and health.json()["database"] == "ok"
        me = http("GET", base + "/api/v1/me", token=token)
        assert me.status == 200 and me.json()["role"] == "team"
        assert http("GET", base + "/api/v1/me", token="bad").status == 401
