"""The survey form, built from the questionnaire's active questions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import Optional

from labapp.surveys.models import SCALE5, Questionnaire

try:  # WTForms >= 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)


def survey_form_class(questionnaire: Questionnaire) -> type[FlaskForm]:
    """A FlaskForm with one field per active question, named by the question's code.

    The overall scale's radio inputs carry the integers 5..1 as values. Choices are
    validated by the service (French messages, nothing stored on error).
    """

    class SurveyForm(FlaskForm):
        submit = SubmitField("Envoyer mon avis")

    for question in questionnaire.active_questions:
        description = question.hint or None
        if question.kind == "scale5":
            f = RadioField(question.label, choices=[SelectChoice(str(v), lbl) for v, lbl in SCALE5],
                           validate_choice=False, validators=[Optional()], description=description)
        elif question.kind == "choice":
            f = RadioField(question.label, choices=[SelectChoice(o.code, o.label) for o in question.options],
                           validate_choice=False, validators=[Optional()], description=description)
        else:
            f = TextAreaField(question.label, validators=[Optional()], description=description)
        setattr(SurveyForm, question.code, f)
    return SurveyForm


def raw_answers(form: FlaskForm, questionnaire: Questionnaire) -> dict[str, str | None]:
    return {q.code: getattr(form, q.code).data for q in questionnaire.active_questions}
