"""A fake ProConnect: a real local HTTP server (werkzeug, in a thread) with its own
RSA key, a discovery document, a JWKS, a token endpoint issuing signed ID tokens
and a userinfo endpoint answering a signed JWT (`application/jwt`).

Tests steer it through `FakeProConnect.scenario` (claim overrides, another key,
a JSON userinfo...) and read what the app sent in `FakeProConnect.calls`.
"""

from __future__ import annotations

import secrets
import threading
import time

from authlib.oidc.core.util import create_half_hash
from flask import Flask, abort, jsonify, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "lab-minnov-client"
CLIENT_SECRET = "lab-minnov-secret"
IDENTITY = {"sub": "sub-camille-0001", "email": "Camille.Martin@interieur.gouv.fr",
            "given_name": "Camille", "usual_name": "Martin", "uid": "cmartin",
            "siret": "11000601200010"}


def rsa_key(kid: str = "proconnect-1") -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


class FakeProConnect:
    def __init__(self):
        self.key = rsa_key()
        self.app = self._build_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.issuer = self.base + "/api/v2"
        self.discovery_url = self.issuer + "/.well-known/openid-configuration"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.reset()

    def reset(self):
        self.scenario: dict = {"id_token": {}, "userinfo": {}, "identity": dict(IDENTITY)}
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, str] = {}
        self.calls: list[tuple[str, dict]] = []

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)

    def authorize(self, params: dict) -> str:
        """What the browser's visit to authorization_endpoint yields: a code."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = params
        return code

    def sign(self, claims: dict, key: RSAKey | None = None) -> str:
        key = key or self.scenario.get("key") or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def _build_app(self) -> Flask:
        app = Flask("fake_proconnect")

        @app.get("/api/v2/.well-known/openid-configuration")
        def discovery():
            self.calls.append(("discovery", {}))
            return jsonify({
                "issuer": self.issuer,
                "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token",
                "userinfo_endpoint": self.issuer + "/userinfo",
                "jwks_uri": self.issuer + "/jwks",
                "end_session_endpoint": self.issuer + "/session/end",
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                "userinfo_signing_alg_values_supported": ["RS256", "ES256"],
                "acr_values_supported": ["eidas1"],
            })

        @app.get("/api/v2/jwks")
        def jwks():
            self.calls.append(("jwks", {}))
            return jsonify(KeySet([self.key]).as_dict(private=False))

        @app.post("/api/v2/token")
        def token():
            form = request.form.to_dict()
            self.calls.append(("token", form))
            if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
                return jsonify({"error": "invalid_client"}), 401
            params = self.codes.pop(form.get("code", ""), None)
            if params is None or form.get("redirect_uri") != params["redirect_uri"]:
                return jsonify({"error": "invalid_grant"}), 400
            access_token = secrets.token_urlsafe(24)
            self.access_tokens[access_token] = self.scenario["identity"]["sub"]
            now = int(time.time())
            claims = {"iss": self.issuer, "sub": self.scenario["identity"]["sub"],
                      "aud": CLIENT_ID, "exp": now + 60, "iat": now, "auth_time": now,
                      "nonce": params["nonce"], "acr": "eidas1", "amr": ["pwd"],
                      "at_hash": create_half_hash(access_token, "RS256").decode(),
                      "idp_id": "fia1v2"}
            claims.update(self.scenario["id_token"])
            claims = {k: v for k, v in claims.items() if v is not None}
            return jsonify({"access_token": access_token, "token_type": "Bearer",
                            "expires_in": 60, "id_token": self.sign(claims)})

        @app.get("/api/v2/userinfo")
        def userinfo():
            bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
            self.calls.append(("userinfo", {"token": bearer}))
            if bearer not in self.access_tokens:
                abort(401)
            now = int(time.time())
            claims = {**self.scenario["identity"], "iss": self.issuer, "aud": CLIENT_ID,
                      "exp": now + 60, "iat": now}
            claims.update(self.scenario["userinfo"])
            if self.scenario.get("userinfo_as_json"):
                return jsonify(claims)
            signed = self.sign(claims, self.scenario.get("userinfo_key"))
            return signed, 200, {"Content-Type": "application/jwt; charset=utf-8"}

        return app
