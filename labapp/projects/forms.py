"""Project forms: the agent's request, the team's qualification and record."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from labapp.projects.models import METHODS, ROLLOUT_SCOPES, SUPPORT_TYPE_LABELS
from labapp.projects.territories import territory_choices

try:  # WTForms >= 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)


def _choices(pairs):
    return [SelectChoice(k, v) for k, v in pairs]


class RequestForm(FlaskForm):
    title = StringField("Titre du projet", validators=[DataRequired("Indiquez le titre du projet."),
                                                       Length(max=200)])
    description = TextAreaField("Description", validators=[DataRequired("Décrivez le projet.")])
    problem = TextAreaField("Problème à résoudre", validators=[Optional()])
    users_concerned = TextAreaField("Usagers concernés", validators=[Optional()])
    keywords = StringField("Mots-clés", validators=[Optional(), Length(max=300)],
                           description="Séparés par des virgules.")
    direction = StringField("Direction ou service", validators=[
        DataRequired("Indiquez la direction ou le service."), Length(max=200)])
    territory = SelectField("Territoire", choices=_choices(territory_choices()))
    desired_timeframe = StringField("Délai souhaité", validators=[Optional(), Length(max=200)])
    contact_name = StringField("Autre contact : nom", validators=[Optional(), Length(max=120)])
    contact_email = StringField("Autre contact : adresse électronique", validators=[Optional()])
    mainly_digital = BooleanField(
        "Le projet est principalement numérique",
        description="Le lab n'accompagne pas les projets principalement numériques, mais peut "
                    "intervenir en avant-projet : instruction, conseil, méthode de projet.")
    check = SubmitField("Vérifier les projets similaires")
    submit = SubmitField("Envoyer la demande")


class AcceptForm(FlaskForm):
    support_type = SelectField("Type d'accompagnement", choices=_choices(SUPPORT_TYPE_LABELS.items()))
    lead_id = SelectField("Référent dans l'équipe", coerce=int, choices=[])
    support_started_on = DateField("Début de l'accompagnement", validators=[Optional()])
    submit = SubmitField("Accepter la demande")


class DeclineForm(FlaskForm):
    decline_reason = TextAreaField("Raison du refus", validators=[
        DataRequired("Indiquez la raison du refus.")])
    submit = SubmitField("Décliner la demande")


class StatusForm(FlaskForm):
    status = SelectField("Nouveau statut", choices=[])
    support_started_on = DateField("Début de l'accompagnement", validators=[Optional()])
    support_ended_on = DateField("Fin de l'accompagnement", validators=[Optional()])
    submit = SubmitField("Enregistrer")


class RecordForm(FlaskForm):
    methods = SelectMultipleField("Méthodes utilisées", choices=_choices(METHODS.items()))
    deliverables = TextAreaField("Livrables et résultats", validators=[Optional()])
    rollout_candidate = BooleanField("Candidat à un essaimage")
    rollout_scope = SelectField("Échelle visée", choices=_choices([("", "—"), *ROLLOUT_SCOPES.items()]))
    days_saved = DecimalField("Temps gagné estimé (jours)", places=1, validators=[Optional()])
    submit = SubmitField("Enregistrer la fiche")
