"""Error pages (DSFR) for people, problem+json for the API."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException

from labapp.api.problems import problem
from labapp.errors import DomainError
from labapp.extensions import db


def wants_problem_json() -> bool:
    return request.path.startswith("/api/")


def error_page(status: int, detail: str | None = None):
    try:
        return render_template(f"errors/{status}.html", detail=detail, status=status), status
    except TemplateNotFound:
        return render_template("errors/400.html", detail=detail, status=status), status


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if wants_problem_json():
            return problem(error.status, error.message, error.errors, title=error.title)
        return error_page(error.status, error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        db.session.rollback()
        if wants_problem_json():
            return problem(400, "Jeton CSRF manquant ou invalide.")
        return error_page(400, "Le formulaire a expiré ou n'est pas valide. Rechargez la page.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        status = error.code or 500
        if wants_problem_json():
            detail = {
                404: "Ressource introuvable.",
                405: "Méthode non autorisée pour cette ressource.",
                413: "Requête trop volumineuse.",
                429: "Trop de requêtes : réessayez dans un moment.",
            }.get(status, "Requête invalide.")
            response = problem(status, detail)
        else:
            response = error_page(status)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if wants_problem_json():
            return problem(500, "Erreur interne : l'équipe technique a été prévenue.")
        return error_page(500)
