"""Glue between domain errors and WTForms: messages shown next to their field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask import flash
from flask_wtf import FlaskForm
from wtforms import IntegerField as WTFormsIntegerField

from labapp.errors import DomainError
from labapp.extensions import db
from labapp.input_checks import INTEGER_LIMIT, TOO_BIG, text_problem
from labapp.timeutil import DATE_RANGE_MESSAGE, supported_date


class IntegerField(WTFormsIntegerField):
    """WTForms' IntegerField with French messages, refusing values beyond an SQL INTEGER
    (which PostgreSQL rejects, and NumberRange turns into a float that overflows)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            value = int(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError("Un nombre entier est attendu.") from None
        if not -INTEGER_LIMIT <= value <= INTEGER_LIMIT:
            self.data = None
            raise ValueError(TOO_BIG)
        self.data = value


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


def submit_form(form: FlaskForm, action: Callable[[], object], success: str) -> int | None:
    """The whole POST of a form page: None once the valid form's `action` ran and was
    committed (the caller redirects), otherwise the status to render the page with:
    200 (not submitted), 422 (a field is invalid) or the DomainError's status."""
    if not form.validate_on_submit():
        return 422 if form.errors else 200
    error = commit_or_show(form, action, success)
    return None if error is None else error.status


class FrenchForm(FlaskForm):
    """The base of the app's forms. Its built-in WTForms messages (lengths, numbers, choices)
    are in French, from the translations WTForms ships (Flask-WTF's own i18n needs
    Flask-Babel); and it refuses, with a French message next to the field, what no field
    accepts: text with control characters (NUL, which PostgreSQL cannot store, ESC...; tabs
    and line breaks are fine) and dates outside years 1900-2999 (at the limits of the
    calendar, moving them between Paris and UTC or by a day overflows)."""

    class Meta:
        locales = ("fr_FR", "fr")

        def get_translations(self, form):
            from wtforms.meta import DefaultMeta

            return DefaultMeta.get_translations(self, form)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            problems = {text_problem(raw) for raw in field.raw_data or () if isinstance(raw, str)}
            problems.discard(None)
            value = field.data
            if isinstance(value, date) and not supported_date(
                    value.date() if isinstance(value, datetime) else value):
                problems.add(DATE_RANGE_MESSAGE)
            if problems:
                field.errors = [*field.errors, *sorted(problems)]
                valid = False
        return valid
