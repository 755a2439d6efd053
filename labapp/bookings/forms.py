"""Booking forms (French labels; the services hold the rules)."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from labapp.bookings.models import PURPOSES, WEEKDAY_LABELS
from labapp.forms_util import FrenchForm, IntegerField

REQUIRED = "Ce champ est obligatoire."
DATE_FORMAT = "Date attendue au format JJ/MM/AAAA."


class BookingRequestForm(FrenchForm):
    space_id = SelectField("Espace", coerce=int, validators=[InputRequired(REQUIRED)])
    day = DateField("Date", validators=[InputRequired(DATE_FORMAT)])
    start_time = TimeField("Heure de début", validators=[InputRequired(REQUIRED)],
                           description="Heure de Paris, par exemple 09:30")
    end_time = TimeField("Heure de fin", validators=[InputRequired(REQUIRED)])
    title = StringField("Titre", validators=[DataRequired(REQUIRED), Length(max=200)])
    purpose = SelectField("Objet", choices=list(PURPOSES.items()), validators=[InputRequired(REQUIRED)])
    attendees = IntegerField("Nombre de participants attendus",
                             validators=[InputRequired("Indiquez un nombre."), NumberRange(min=1)])
    project_id = IntegerField("Numéro du projet accompagné", validators=[Optional(), NumberRange(min=1)])
    needs = TextAreaField("Besoins (matériel, disposition)", validators=[Optional(), Length(max=2000)])
    comment = TextAreaField("Commentaire", validators=[Optional(), Length(max=2000)])
    frequency = SelectField("Répétition", choices=[("", "Une seule fois"), ("daily", "Tous les jours"),
                                                   ("weekly", "Toutes les semaines")],
                            validators=[Optional()])
    interval = IntegerField("Intervalle", default=1, validators=[Optional(), NumberRange(min=1, max=52)],
                            description="Tous les N jours ou toutes les N semaines")
    weekdays = SelectMultipleField("Jours de la semaine (répétition hebdomadaire)", coerce=int,
                                   choices=list(enumerate(WEEKDAY_LABELS[:5])), validators=[Optional()])
    until = DateField("Jusqu'au", validators=[Optional()], description="52 dates au plus")
    direct = BooleanField("Réserver directement (acceptée aussitôt)")


class DecisionForm(FrenchForm):
    reason = StringField("Motif du refus", validators=[Optional(), Length(max=500)])


class CancelForm(FrenchForm):
    reason = StringField("Motif de l'annulation", validators=[Optional(), Length(max=500)])
    following = BooleanField("Annuler aussi les dates suivantes de la série")


class FreeSlotForm(FrenchForm):
    class Meta:
        csrf = False  # a GET search

    date_from = DateField("Du", validators=[InputRequired(DATE_FORMAT)])
    date_to = DateField("Au", validators=[InputRequired(DATE_FORMAT)])
    duration = IntegerField("Durée (minutes)", default=60,
                            validators=[InputRequired(REQUIRED), NumberRange(min=15, max=720)])
    attendees = IntegerField("Nombre de participants", default=1,
                             validators=[InputRequired(REQUIRED), NumberRange(min=1)])


class ClosureForm(FrenchForm):
    start_date = DateField("Premier jour", validators=[InputRequired(DATE_FORMAT)])
    end_date = DateField("Dernier jour", validators=[InputRequired(DATE_FORMAT)])
    label = StringField("Motif", validators=[DataRequired(REQUIRED), Length(max=200)])


class RulesForm(FrenchForm):
    buffer_minutes = IntegerField("Battement entre deux réservations (minutes)",
                                  validators=[InputRequired(REQUIRED), NumberRange(0, 240)])
    min_duration_minutes = IntegerField("Durée minimale (minutes)",
                                        validators=[InputRequired(REQUIRED), NumberRange(5, 1440)])
    max_duration_minutes = IntegerField("Durée maximale (minutes)",
                                        validators=[InputRequired(REQUIRED), NumberRange(5, 1440)])
    horizon_days = IntegerField("Réservable jusqu'à (jours à l'avance)",
                                validators=[InputRequired(REQUIRED), NumberRange(1, 1095)])


class SpaceForm(FrenchForm):
    name = StringField("Nom", validators=[DataRequired(REQUIRED), Length(max=120)])
    capacity = IntegerField("Capacité (personnes)", validators=[InputRequired(REQUIRED),
                                                                 NumberRange(1, 1000)])
    equipment = TextAreaField("Équipement", validators=[Optional(), Length(max=2000)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    whole = BooleanField("Cette entrée réserve le lab entier")
    active = BooleanField("Réservable", default=True)
