"""Forms of the trainings pages (the services re-check every rule)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from labapp.trainings.models import KIND_LABELS, LOCATION_LABELS

REQUIRED = "Ce champ est obligatoire."


class PublicRegistrationForm(FlaskForm):
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


class ActionForm(FlaskForm):
    """A button that changes something (CSRF only)."""


class AddPersonForm(FlaskForm):
    """Team: add someone to a roster (also for past sessions)."""

    name = StringField("Nom et prénom", validators=[DataRequired(REQUIRED), Length(max=120)])
    email = EmailField("Adresse électronique", validators=[DataRequired(REQUIRED), Length(max=254)])
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    submit = SubmitField("Ajouter")


class SessionForm(FlaskForm):
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
    space_id = IntegerField("Espace du lab (numéro)", validators=[Optional()],
                            description="Obligatoire pour une session au lab.")
    address = StringField("Adresse", validators=[Optional(), Length(max=300)],
                          description="Pour une session à une autre adresse.")
    video_link = StringField("Lien de visioconférence", validators=[Optional(), Length(max=500)],
                             description="Montré seulement aux inscrits confirmés.")
    registration_deadline = DateTimeLocalField(
        "Date limite d'inscription", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    trainers = StringField("Intervenants", validators=[Optional(), Length(max=300)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Enregistrer")
