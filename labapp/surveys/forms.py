"""The survey form, built from the questionnaire's active questions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from labapp.forms_util import FrenchForm
from labapp.surveys.models import SCALE5, Question, Questionnaire

try:  # WTForms >= 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)


def survey_form_class(questionnaire: Questionnaire) -> type[FrenchForm]:
    """A form with one field per active question, named by the question's code.

    The overall scale's radio inputs carry the integers 5..1 as values. Choices are
    validated by the service (French messages, nothing stored on error).
    """

    class SurveyForm(FrenchForm):
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


# --- the team's questionnaire editing ------------------------------------------------------

REQUIRED = "Ce champ est obligatoire."


def question_form_class(question: Question) -> type[FrenchForm]:
    """Wording of a question, its hint and one field per option (`option_<id>`: option ids,
    and so results, stay when wordings change). The service re-checks every rule."""

    class QuestionForm(FrenchForm):
        label = StringField("Intitulé de la question",
                            validators=[DataRequired(REQUIRED), Length(max=300)])
        hint = StringField("Aide sous la question", validators=[Optional(), Length(max=300)],
                           description="Par exemple : « Ne donnez pas d'information permettant "
                                       "de vous identifier. »")
        submit = SubmitField("Enregistrer")

    if question.kind == "choice":
        for number, option in enumerate(question.options, 1):
            setattr(QuestionForm, f"option_{option.id}", StringField(
                f"Choix {number}", validators=[DataRequired(REQUIRED), Length(max=200)]))
    return QuestionForm


def option_fields(form: FlaskForm, question: Question) -> list:
    """The option fields of a question form, in the options' order ([] unless a choice)."""
    if question.kind != "choice":
        return []
    return [getattr(form, f"option_{o.id}") for o in question.options]


class AddQuestionForm(FrenchForm):
    """A new optional question: free text, or a choice among options (one per line)."""

    label = StringField("Intitulé de la question", validators=[DataRequired(REQUIRED), Length(max=300)])
    hint = StringField("Aide sous la question", validators=[Optional(), Length(max=300)])
    kind = RadioField("Type de réponse", default="text", validators=[DataRequired(REQUIRED)],
                      choices=[("text", "Texte libre"), ("choice", "Un choix parmi une liste")])
    options = TextAreaField("Choix proposés", validators=[Optional(), Length(max=2500)],
                            description="Pour une question à choix : un choix par ligne, "
                                        "au moins deux.")
    submit = SubmitField("Ajouter la question")


class QuestionActiveForm(FrenchForm):
    """Withdraw a question from the form, or put it back (CSRF only; the route says which)."""
