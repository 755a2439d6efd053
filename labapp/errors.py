"""Domain errors raised by services; views and the API translate them.

Each carries an HTTP status for the API and, for validation, messages by field
(in French, shown next to the field in forms and in problem+json `errors`).
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation a service can report."""

    status = 400
    title = "Requête invalide"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class ValidationFailed(DomainError):
    """Input that breaks a rule of a field (422)."""

    status = 422
    title = "Données invalides"

    @classmethod
    def on(cls, field: str, message: str) -> ValidationFailed:
        return cls(message, {field: [message]})


class Conflict(DomainError):
    """The current state forbids the change: overlap, duplicate, transition (409)."""

    status = 409
    title = "Conflit"


class NotFound(DomainError):
    """No such object, or one the user may not see (404)."""

    status = 404
    title = "Introuvable"


class Forbidden(DomainError):
    """The user's role is too low for this action (403)."""

    status = 403
    title = "Accès refusé"
