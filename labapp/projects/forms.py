"""Project forms: the agent's request, the team's qualification and record."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from labapp.forms_util import FrenchForm
from labapp.input_checks import digits_value
from labapp.projects.models import (
    JOURNAL_KINDS,
    METHODS,
    ROLLOUT_SCOPES,
    SUPPORT_TYPE_LABELS,
)
from labapp.projects.territories import territory_choices

try:  # WTForms >= 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)


def _choices(pairs):
    return [SelectChoice(k, v) for k, v in pairs]


INVALID_DATE = "Date attendue au format JJ/MM/AAAA."


def optional_int(value):
    """Coerce a select's value: "" (no choice) is None, digits an int; anything else 0,
    an id no row has, so that the service answers with its French message."""
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    number = digits_value(str(value))
    return 0 if number is None else number


class ProjectNumberField(IntegerField):
    """A project number; a value that is not one gets a French message."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0] not in ("", None):
            value = str(valuelist[0]).strip()
            if not value.isdigit() or len(value) > 9:
                self.data = None
                raise ValueError("Indiquez un numéro de projet (un nombre entier).")
        super().process_formdata(valuelist)


def at_most(n: int) -> Length:
    return Length(max=n, message=f"{n} caractères au plus.")


class RequestForm(FrenchForm):
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


class AcceptForm(FrenchForm):
    support_type = SelectField("Type d'accompagnement", choices=_choices(SUPPORT_TYPE_LABELS.items()))
    lead_id = SelectField("Référent dans l'équipe", coerce=int, choices=[])
    support_started_on = DateField("Début de l'accompagnement", validators=[Optional()],
                                   invalid_value_message=INVALID_DATE)
    submit = SubmitField("Accepter la demande")


class DeclineForm(FrenchForm):
    decline_reason = TextAreaField("Raison du refus", validators=[
        DataRequired("Indiquez la raison du refus.")])
    submit = SubmitField("Décliner la demande")


class StatusForm(FrenchForm):
    status = SelectField("Nouveau statut", choices=[])
    support_started_on = DateField("Début de l'accompagnement", validators=[Optional()],
                                   invalid_value_message=INVALID_DATE)
    support_ended_on = DateField("Fin de l'accompagnement", validators=[Optional()],
                                 invalid_value_message=INVALID_DATE)
    submit = SubmitField("Enregistrer")


class RecordForm(FrenchForm):
    methods = SelectMultipleField("Méthodes utilisées", choices=_choices(METHODS.items()))
    deliverables = TextAreaField("Livrables et résultats", validators=[Optional()])
    rollout_candidate = BooleanField("Candidat à un essaimage")
    rollout_scope = SelectField("Échelle visée", choices=_choices([("", "—"), *ROLLOUT_SCOPES.items()]))
    days_saved = DecimalField("Temps gagné estimé (jours)", places=1, validators=[Optional()])
    submit = SubmitField("Enregistrer la fiche")


class LinkForm(FrenchForm):
    """Team: this request duplicates, or is pooled with, another project."""

    target_id = ProjectNumberField("Numéro du projet", validators=[
        InputRequired("Indiquez le numéro du projet.")],
        description="Le numéro figure dans l'adresse de la page du projet (/projets/<numéro>).")
    kind = RadioField("Lien", choices=_choices([("duplicate", "Doublon de ce projet"),
                                                ("pooled", "Mutualisé avec ce projet")]),
                      validate_choice=False, validators=[InputRequired("Choisissez le type de lien.")])
    submit = SubmitField("Lier les projets")


class UnlinkForm(FrenchForm):
    kind = HiddenField(validators=[InputRequired()])


class JournalForm(FrenchForm):
    """Team: one activity of the project's journal."""

    occurred_on = DateField("Date", validators=[InputRequired("Indiquez la date de l'activité.")],
                            invalid_value_message=INVALID_DATE)
    kind = SelectField("Type d'activité", choices=_choices(JOURNAL_KINDS.items()),
                       validate_choice=False)
    title = StringField("Intitulé", validators=[
        DataRequired("Indiquez l'intitulé de l'activité."), at_most(200)])
    notes = TextAreaField("Résumé", validators=[Optional(), at_most(10000)])
    booking_id = SelectField("Réservation du projet", coerce=optional_int, choices=[],
                             validate_choice=False)
    session_id = SelectField("Session", coerce=optional_int, choices=[], validate_choice=False)
    submit = SubmitField("Ajouter au journal")


class ContactForm(FrenchForm):
    """A contact of the project: receives its news and its satisfaction survey."""

    name = StringField("Nom", validators=[DataRequired("Indiquez le nom du contact."),
                                          at_most(120)])
    email = EmailField("Adresse électronique", validators=[
        DataRequired("Indiquez l'adresse électronique du contact.")])
    role = StringField("Rôle", validators=[Optional(), at_most(120)],
                       description="Par exemple : cheffe de projet, directeur métier.")
    submit = SubmitField("Ajouter le contact")


class RemoveContactForm(FrenchForm):
    contact_id = HiddenField(validators=[InputRequired()])



class DeleteForm(FrenchForm):
    """A delete button (CSRF only; the route says what goes)."""
