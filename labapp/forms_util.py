"""Glue between domain errors and WTForms: messages shown next to their field."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from labapp.errors import DomainError


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
