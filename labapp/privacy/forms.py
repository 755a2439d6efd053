"""Forms of "Mes données" (account deletion) and the audit log filters."""

from __future__ import annotations

from wtforms import BooleanField, DateField, PasswordField, SelectField, SubmitField
from wtforms.validators import Optional, ValidationError

from labapp.forms_util import FrenchForm
from labapp.privacy.labels import ACTION_LABELS, ENTITY_LABELS


class FrenchDateField(DateField):
    """A date input whose parse error is in French."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Date invalide : utilisez le format JJ/MM/AAAA.") from None


def known_choice(form, field) -> None:
    """A French message for a value that is not among the field's choices."""
    if field.data and field.data not in {value for value, _ in field.choices}:
        raise ValidationError("Valeur inconnue : choisissez dans la liste.")


class CheckedByService:
    """Marks a field required (label, `required` attribute); the service checks the value
    and reports its message next to the field."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


class DeleteAccountForm(FrenchForm):
    """The service checks the confirmation and the password (messages next to fields)."""

    password = PasswordField("Mot de passe actuel", validators=[CheckedByService()],
                             description="Pour confirmer qu'il s'agit bien de vous.")
    confirm = BooleanField("Je confirme vouloir supprimer définitivement mon compte")
    submit = SubmitField("Supprimer mon compte")


class AuditFilterForm(FrenchForm):
    """GET filters of the audit log (no CSRF: it changes nothing). The view fills the
    actor choices."""

    class Meta:
        csrf = False

    actor = SelectField("Auteur", choices=[("", "Tous")], validate_choice=False,
                        validators=[known_choice])
    entity = SelectField("Objet", choices=[("", "Tous")] + sorted(
        ENTITY_LABELS.items(), key=lambda item: item[1]), validate_choice=False,
        validators=[known_choice])
    action = SelectField("Action", choices=[("", "Toutes")] + list(ACTION_LABELS.items()),
                         validate_choice=False, validators=[known_choice])
    first = FrenchDateField("Du", validators=[Optional()], description="Format attendu : JJ/MM/AAAA")
    last = FrenchDateField("Au", validators=[Optional()], description="Format attendu : JJ/MM/AAAA")

    def validate_last(self, field):
        if field.data and self.first.data and field.data < self.first.data:
            raise ValidationError("La date de fin doit suivre la date de début.")
