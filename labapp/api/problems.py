"""RFC 9457 problem+json responses."""

from __future__ import annotations

from flask import Response, json

PROBLEM_TITLES = {
    400: "Requête mal formée",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Introuvable",
    405: "Méthode non autorisée",
    409: "Conflit",
    413: "Requête trop volumineuse",
    415: "Type de contenu non pris en charge",
    422: "Données invalides",
    429: "Trop de requêtes",
    500: "Erreur interne",
}


def problem(
    status: int,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    title: str | None = None,
) -> Response:
    """Build an application/problem+json response."""
    body = {
        "type": "about:blank",
        "title": title or PROBLEM_TITLES.get(status, "Erreur"),
        "status": status,
        "detail": detail,
        "errors": errors or {},
    }
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json"
    )
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
