"""ProConnect client (OpenID Connect, authorization code flow).

Discovery, the authorization and end-session URLs, the code exchange, and the
validation of the ID token and of the userinfo answer, which ProConnect sends as
a signed JWT (`application/jwt`). Signatures are checked against the provider's
JWKS, claims with Authlib's OIDC claim classes (on joserfc, Authlib's own JOSE
library). HTTP goes through the standard library: Authlib's Flask client needs
`requests`, which is not a dependency of the app, and its `userinfo()` expects JSON.

Every failure raises ProConnectError (a technical reason, for the log only).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from authlib.oidc.core import CodeIDToken
from flask import current_app
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

SCOPE = "openid email given_name usual_name uid siret"
# eIDAS levels ProConnect knows, lowest first: a higher level than asked is accepted.
ACR_LEVELS = ("eidas1", "eidas2", "eidas3")
# Asymmetric algorithms only: ProConnect signs with RS256 or ES256 (HS256 is not accepted).
SIGNING_ALGORITHMS = ("RS256", "ES256")
CACHE_SECONDS = 3600
LEEWAY_SECONDS = 60
MAX_RESPONSE_BYTES = 1_000_000
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class ProConnectError(Exception):
    """The exchange with ProConnect failed; the message is for the log, not the user."""


def is_configured(config=None) -> bool:
    config = config if config is not None else current_app.config
    return bool(config.get("PROCONNECT_CLIENT_ID") and config.get("PROCONNECT_CLIENT_SECRET")
                and discovery_url(config))


def discovery_url(config=None) -> str:
    config = config if config is not None else current_app.config
    if config.get("PROCONNECT_DISCOVERY_URL"):
        return config["PROCONNECT_DISCOVERY_URL"]
    domain = (config.get("PROCONNECT_DOMAIN") or "").strip().strip("/")
    return f"https://{domain}/api/v2/.well-known/openid-configuration" if domain else ""


def acceptable_acr_values(asked: str) -> list[str]:
    """The asked level and the stronger ones (an unknown value must match exactly)."""
    if asked in ACR_LEVELS:
        return list(ACR_LEVELS[ACR_LEVELS.index(asked):])
    return [asked]


def _check_url(url: str) -> None:
    """HTTPS only (plain HTTP on the local machine, for tests and development)."""
    parts = urllib.parse.urlsplit(url or "")
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS):
        return
    raise ProConnectError(f"URL refusée : {url!r}")


def _http(url: str, form: dict | None = None, headers: dict | None = None) -> tuple[str, bytes]:
    _check_url(url)
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers={
        "User-Agent": "LabMinnov", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=current_app.config["PROCONNECT_TIMEOUT"]) as resp:
            body = resp.read(MAX_RESPONSE_BYTES + 1)
            content_type = resp.headers.get_content_type()
    except urllib.error.HTTPError as error:
        raise ProConnectError(f"{url} : HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ProConnectError(f"{url} : {error}") from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise ProConnectError(f"{url} : réponse trop longue")
    return content_type, body


def _json(url: str, **kwargs) -> dict:
    _, body = _http(url, **kwargs)
    try:
        data = json.loads(body)
    except ValueError:
        raise ProConnectError(f"{url} : réponse non JSON") from None
    if not isinstance(data, dict):
        raise ProConnectError(f"{url} : objet JSON attendu")
    return data


def _cache() -> dict:
    return current_app.extensions.setdefault("proconnect", {})


def metadata(force: bool = False) -> dict:
    """The provider's discovery document (cached an hour), its issuer checked."""
    cache = _cache()
    cached = cache.get("metadata")
    if cached and not force and cached[0] > time.monotonic():
        return cached[1]
    url = discovery_url()
    data = _json(url, headers={"Accept": "application/json"})
    issuer = data.get("issuer")
    # OpenID Connect Discovery 4.3: the issuer is the discovery URL's prefix.
    if not isinstance(issuer, str) or url != issuer.rstrip("/") + "/.well-known/openid-configuration":
        raise ProConnectError(f"émetteur incohérent : {issuer!r}")
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        if not isinstance(data.get(key), str):
            raise ProConnectError(f"{key} absent de la découverte")
    cache["metadata"] = (time.monotonic() + CACHE_SECONDS, data)
    cache.pop("jwks", None)
    return data


def _key_set(force: bool = False) -> KeySet:
    cache = _cache()
    cached = cache.get("jwks")
    if cached and not force and cached[0] > time.monotonic():
        return cached[1]
    try:
        keys = KeySet.import_key_set(_json(metadata()["jwks_uri"]))
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise ProConnectError(f"JWKS illisible : {error!r}") from None
    cache["jwks"] = (time.monotonic() + CACHE_SECONDS, keys)
    return keys


def _algorithms(supported_key: str) -> list[str]:
    supported = metadata().get(supported_key) or list(SIGNING_ALGORITHMS)
    algorithms = [alg for alg in SIGNING_ALGORITHMS if alg in supported]
    if not algorithms:
        raise ProConnectError(f"aucun algorithme de signature accepté : {supported!r}")
    return algorithms


def _verify(token: str, supported_key: str):
    """Check a JWS against the provider's keys (refreshed once for an unknown key id)."""
    registry = JWSRegistry(algorithms=_algorithms(supported_key), strict_check_header=False)
    try:
        try:
            return jwt.decode(token, _key_set(), registry=registry)
        except InvalidKeyIdError:
            return jwt.decode(token, _key_set(force=True), registry=registry)
    except (JoseError, ValueError, TypeError) as error:
        raise ProConnectError(f"signature refusée : {error!r}") from None


def authorization_url(redirect_uri: str, state: str, nonce: str) -> str:
    config = current_app.config
    params = {
        "response_type": "code",
        "client_id": config["PROCONNECT_CLIENT_ID"],
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
        "state": state,
        "nonce": nonce,
        "acr_values": config["PROCONNECT_ACR"],
    }
    endpoint = metadata()["authorization_endpoint"]
    _check_url(endpoint)
    separator = "&" if "?" in endpoint else "?"
    return endpoint + separator + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def exchange_code(code: str, redirect_uri: str) -> dict:
    """The token endpoint's answer (client_secret_post, as ProConnect documents)."""
    config = current_app.config
    token = _json(metadata()["token_endpoint"], headers={"Accept": "application/json"}, form={
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": config["PROCONNECT_CLIENT_ID"],
        "client_secret": config["PROCONNECT_CLIENT_SECRET"],
    })
    if not isinstance(token.get("id_token"), str) or not isinstance(token.get("access_token"), str):
        raise ProConnectError("réponse du jeton sans id_token ou access_token")
    if str(token.get("token_type", "")).lower() != "bearer":
        raise ProConnectError(f"type de jeton inattendu : {token.get('token_type')!r}")
    return token


def validate_id_token(id_token: str, nonce: str, access_token: str) -> dict:
    """The ID token's claims once signature, iss, aud, exp, iat, nonce, acr and at_hash hold."""
    config = current_app.config
    client_id = config["PROCONNECT_CLIENT_ID"]
    verified = _verify(id_token, "id_token_signing_alg_values_supported")
    options = {
        "iss": {"essential": True, "value": metadata()["issuer"]},
        # Authlib's parse_id_token checks only iss by default: the audience is ours to check.
        "aud": {"essential": True, "value": client_id},
        "exp": {"essential": True},
        "sub": {"essential": True},
        "nonce": {"essential": True, "value": nonce},
        "acr": {"essential": True, "values": acceptable_acr_values(config["PROCONNECT_ACR"])},
    }
    claims = CodeIDToken(verified.claims, verified.header, options,
                         {"nonce": nonce, "client_id": client_id, "access_token": access_token})
    try:
        claims.validate(leeway=LEEWAY_SECONDS)
    except JoseError as error:
        raise ProConnectError(f"ID token refusé : {error!r}") from None
    return dict(claims)


def fetch_userinfo(access_token: str, sub: str) -> dict:
    """The userinfo claims: a JWT signed by the provider, about the ID token's subject."""
    content_type, body = _http(metadata()["userinfo_endpoint"], headers={
        "Authorization": f"Bearer {access_token}", "Accept": "application/jwt"})
    if content_type != "application/jwt":
        raise ProConnectError(f"userinfo : type {content_type!r}, application/jwt attendu")
    verified = _verify(body.decode("ascii", "replace").strip(),
                       "userinfo_signing_alg_values_supported")
    client_id = current_app.config["PROCONNECT_CLIENT_ID"]
    options: dict[str, Any] = {
        "sub": {"essential": True, "value": sub},  # OIDC Core 5.3.2: same subject
        "iss": {"value": metadata()["issuer"]},
        "aud": {"value": client_id},
    }
    try:
        jwt.JWTClaimsRegistry(leeway=LEEWAY_SECONDS, **options).validate(verified.claims)
    except JoseError as error:
        raise ProConnectError(f"userinfo refusé : {error!r}") from None
    return dict(verified.claims)


def end_session_url(id_token: str, state: str, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser to end the ProConnect session (None if not offered)."""
    endpoint = metadata().get("end_session_endpoint")
    if not isinstance(endpoint, str):
        return None
    _check_url(endpoint)
    params = {"id_token_hint": id_token, "state": state,
              "post_logout_redirect_uri": post_logout_redirect_uri}
    separator = "&" if "?" in endpoint else "?"
    return endpoint + separator + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
