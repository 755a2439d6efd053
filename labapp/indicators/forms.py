"""Forms of the indicators pages: targets, budget, expenses, milestones, savings, freeze.

Amounts are text fields: the services parse French amounts ("25 000,50") and
refuse negative ones with a message placed next to the field.
"""

from __future__ import annotations

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from labapp.forms_util import FrenchForm, IntegerField
from labapp.indicators.models import NATURES

try:  # WTForms >= 3.3 deprecates (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)

AMOUNT_HINT = "En euros, par exemple 12 500 ou 12 500,50."


def nature_choices(empty: bool = True):
    choices = [SelectChoice("", "Choisir une nature")] if empty else []
    return choices + [SelectChoice(k, v) for k, v in NATURES.items()]


class TargetsForm(FrenchForm):
    """One field per indicator; empty removes the target. The ratio is typed in percent."""

    projets_accompagnes = StringField("Nombre de projets innovants accompagnés",
                                      validators=[Optional(), Length(max=20)],
                                      description="Nombre entier.")
    formations_dispensees = StringField("Nombre de formations dispensées",
                                        validators=[Optional(), Length(max=20)],
                                        description="Nombre entier.")
    taux_satisfaction = StringField("Taux de satisfaction des usagers accompagnés (%)",
                                    validators=[Optional(), Length(max=20)],
                                    description="En pourcentage, entre 0 et 100, par exemple 80.")
    participants = StringField("Nombre de participants aux activités du lab",
                               validators=[Optional(), Length(max=20)],
                               description="Nombre entier.")


class BudgetLineForm(FrenchForm):
    tranche = IntegerField("Tranche", default=1, validators=[
        InputRequired("Indiquez la tranche."), NumberRange(1, 10, "Tranche attendue entre 1 et 10.")])
    nature = SelectField("Nature de dépense", choices=nature_choices(),
                         validators=[DataRequired("Choisissez la nature de la dépense.")])
    ae_planned = StringField("AE prévues (autorisations d'engagement)", description=AMOUNT_HINT,
                             validators=[DataRequired("Indiquez le montant des AE prévues."),
                                         Length(max=30)])
    cp_planned = StringField("CP prévus (crédits de paiement)", description=AMOUNT_HINT,
                             validators=[DataRequired("Indiquez le montant des CP prévus."),
                                         Length(max=30)])


class ExpenseForm(FrenchForm):
    spent_on = DateField("Date de la dépense", validators=[InputRequired("Indiquez la date de la dépense.")])
    nature = SelectField("Nature de dépense", choices=nature_choices(),
                         validators=[DataRequired("Choisissez la nature de la dépense.")])
    ae = StringField("Montant en AE", description=AMOUNT_HINT, validators=[Optional(), Length(max=30)])
    cp = StringField("Montant en CP", description=AMOUNT_HINT, validators=[Optional(), Length(max=30)])
    supplier = StringField("Fournisseur", validators=[Optional(), Length(max=200)])
    chorus_ref = StringField("Référence Chorus", validators=[Optional(), Length(max=60)],
                             description="Numéro d'engagement juridique ou de demande de paiement.")
    comment = TextAreaField("Commentaire", validators=[Optional(), Length(max=2000)])


class MilestoneForm(FrenchForm):
    label = StringField("Intitulé du jalon", validators=[
        DataRequired("Indiquez l'intitulé du jalon."), Length(max=200)])
    planned_start = DateField("Début prévu", validators=[InputRequired("Indiquez le début prévu.")])
    planned_end = DateField("Fin prévue", validators=[Optional()])
    actual_start = DateField("Début réel", validators=[Optional()])
    actual_end = DateField("Fin réelle", validators=[Optional()])
    note = TextAreaField("Commentaire", validators=[Optional(), Length(max=2000)])


class SavingsForm(FrenchForm):
    training_gain = StringField("Gain de temps lié aux formations (%)", default="25",
                                validators=[InputRequired("Indiquez le gain lié aux formations."),
                                            Length(max=20)],
                                description="Hypothèse du contrat : 25 %.")
    project_gain = StringField("Gain de temps lié à l'accompagnement de projets (%)", default="33",
                               validators=[InputRequired("Indiquez le gain lié aux projets."),
                                           Length(max=20)],
                               description="Hypothèse du contrat : 33 %.")
    cost_per_fte = StringField("Coût d'un ETP (€ par an)", description=AMOUNT_HINT,
                               validators=[InputRequired("Indiquez le coût d'un ETP."), Length(max=30)])
    forecast_fte = StringField("Prévision du contrat (ETP)", validators=[Optional(), Length(max=20)],
                               description="3 ETP en 2022, 5 ETP en 2023.")
    gap_explanation = TextAreaField("Explication de l'écart avec la prévision",
                                    validators=[Optional(), Length(max=5000)])


class AdjustmentForm(FrenchForm):
    fte = StringField("Ajustement (ETP)", description="Positif ou négatif, par exemple -0,5.",
                      validators=[InputRequired("Indiquez l'ajustement en ETP."), Length(max=20)])
    justification = TextAreaField("Justification", validators=[
        DataRequired("Justifiez l'ajustement."), Length(max=2000)])


class FreezeForm(FrenchForm):
    """Arrêter l'année: no field besides the CSRF token."""


class UnfreezeForm(FrenchForm):
    reason = TextAreaField("Motif de la réouverture", validators=[
        DataRequired("Indiquez le motif de la réouverture."), Length(max=2000)])


class NewMilestoneForm(FrenchForm):
    label = StringField("Intitulé du jalon", validators=[
        DataRequired("Indiquez l'intitulé du jalon."), Length(max=200)])
    planned_start = DateField("Début prévu", validators=[InputRequired("Indiquez le début prévu.")])
    planned_end = DateField("Fin prévue", validators=[Optional()])
    note = TextAreaField("Commentaire", validators=[Optional(), Length(max=2000)])


class CloseMilestoneForm(FrenchForm):
    """Clore un jalon: no field besides the CSRF token (closed today)."""
