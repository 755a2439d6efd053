"""Forms of the trainings pages (the services re-check every rule)."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from labapp.forms_util import FrenchForm, IntegerField
from labapp.trainings.models import AUDIENCE_LABELS, KIND_LABELS, LOCATION_LABELS, THEMES

REQUIRED = "Ce champ est obligatoire."


class PublicRegistrationForm(FrenchForm):
    """Registration of a person without account (civil society)."""

    name = StringField("Nom et prénom", validators=[DataRequired(REQUIRED), Length(max=120)])
    email = EmailField("Adresse électronique", validators=[DataRequired(REQUIRED), Length(max=254)],
                       description="Format attendu : nom@domaine.fr. Vous y recevrez la confirmation "
                                   "et un lien personnel pour annuler.")
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    consent = BooleanField(
        "J'accepte que le Lab Minnov traite ces données pour gérer mon inscription",
        validators=[DataRequired("Votre accord est nécessaire pour traiter votre inscription.")],
        description="Données conservées le temps de l'activité et de son bilan ; "
                    "voir la page Données personnelles.")
    submit = SubmitField("M'inscrire")


class ActionForm(FrenchForm):
    """A button that changes something (CSRF only)."""


class AddPersonForm(FrenchForm):
    """Team: add someone to a roster (also for past sessions)."""

    name = StringField("Nom et prénom", validators=[DataRequired(REQUIRED), Length(max=120)])
    email = EmailField("Adresse électronique", validators=[DataRequired(REQUIRED), Length(max=254)])
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    submit = SubmitField("Ajouter")


class SessionForm(FrenchForm):
    """Team: create or edit a session (times in Paris wall time)."""

    title = StringField("Titre", validators=[DataRequired(REQUIRED), Length(max=200)])
    kind = SelectField("Type", choices=list(KIND_LABELS.items()))
    offering_id = SelectField("Offre du catalogue", coerce=int, choices=[(0, "— Aucune —")])
    day = DateField("Date", validators=[InputRequired(REQUIRED)])
    start_time = TimeField("Heure de début", validators=[InputRequired(REQUIRED)])
    end_time = TimeField("Heure de fin", validators=[InputRequired(REQUIRED)])
    capacity = IntegerField("Nombre de places", validators=[
        InputRequired(REQUIRED), NumberRange(1, 1000, "Entre 1 et 1000 places.")])
    location = SelectField("Lieu", choices=list(LOCATION_LABELS.items()))
    space_id = SelectField("Espace du lab", coerce=int, choices=[(0, "— Choisissez l'espace —")],
                           default=0, invalid_choice_message="Choisissez un espace de la liste.",
                           invalid_value_message="Choisissez un espace de la liste.",
                           description="Pour une session au lab : le lab entier ou l'une de ses "
                                       "zones. La session le réserve ; un créneau déjà pris est refusé.")
    address = StringField("Adresse", validators=[Optional(), Length(max=300)],
                          description="Pour une session à une autre adresse.")
    video_link = StringField("Lien de visioconférence", validators=[Optional(), Length(max=500)],
                             description="Montré seulement aux inscrits confirmés.")
    registration_deadline = DateTimeLocalField(
        "Date limite d'inscription", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    trainers = StringField("Intervenants", validators=[Optional(), Length(max=300)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Enregistrer")


class OfferingForm(FrenchForm):
    """Team: create or edit a catalogue offering (the service re-checks every rule)."""

    title = StringField("Intitulé", validators=[DataRequired(REQUIRED), Length(max=200)])
    kind = SelectField("Type", choices=list(KIND_LABELS.items()))
    themes = SelectMultipleField("Thèmes", choices=[(t, t) for t in THEMES],
                                 validators=[Optional()])
    other_themes = StringField(
        "Autres thèmes", validators=[Optional(), Length(max=500)],
        description="Séparés par des virgules, par exemple : intelligence collective, prototypage.")
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    duration_minutes = IntegerField(
        "Durée d'une session, en minutes", description="Par exemple 180 pour 3 heures.",
        validators=[InputRequired(REQUIRED), NumberRange(1, 7200, "Entre 1 et 7200 minutes.")])
    audience = RadioField("Public", choices=list(AUDIENCE_LABELS.items()), default="tous",
                          validators=[InputRequired(REQUIRED)])
    default_capacity = IntegerField(
        "Nombre de places par défaut", description="Proposé pour chaque nouvelle session.",
        validators=[InputRequired(REQUIRED), NumberRange(1, 1000, "Entre 1 et 1000 places.")])
    active = BooleanField("Visible dans le catalogue public", default=True)
    submit = SubmitField("Enregistrer")

    def theme_list(self) -> list[str]:
        """Checked themes, then the team's own (comma-separated)."""
        others = [t for t in (self.other_themes.data or "").split(",") if t.strip()]
        return list(self.themes.data or []) + others

    def fill(self, offering) -> None:
        """Show an offering's values (its own themes go to `other_themes`)."""
        self.title.data, self.kind.data = offering.title, offering.kind
        self.themes.data = [t for t in offering.themes or [] if t in THEMES]
        self.other_themes.data = ", ".join(t for t in offering.themes or [] if t not in THEMES)
        self.description.data = offering.description
        self.duration_minutes.data = offering.duration_minutes
        self.audience.data, self.default_capacity.data = offering.audience, offering.default_capacity
        self.active.data = offering.active
