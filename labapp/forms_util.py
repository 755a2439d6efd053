"""Glue between domain errors and WTForms: messages shown next to their field."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash
from flask_wtf import FlaskForm

from labapp.errors import DomainError
from labapp.extensions import db


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Attach a service's per-field messages to the form's fields; flash the rest."""
    placed = False
    for name, messages in error.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.extend(messages)
            placed = True
    if not placed:
        flash(error.message, "error")


def commit_or_show(form: FlaskForm, action: Callable[[], object], success: str,
                   category: str = "success") -> DomainError | None:
    """One commit per request for a form: run the service call `action`, then commit and
    flash `success`. On a DomainError: roll back, put its messages next to the form's
    fields and return it (the caller re-renders with `error.status`)."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return error
    db.session.commit()
    flash(success, category)
    return None
