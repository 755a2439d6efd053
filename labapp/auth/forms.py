"""Account forms."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from labapp.auth.models import ROLE_LABELS
from labapp.auth.services import MIN_PASSWORD_LENGTH
from labapp.forms_util import FrenchForm

REQUIRED = "Ce champ est obligatoire."


def new_password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(REQUIRED), Length(
            min=MIN_PASSWORD_LENGTH, max=200,
            message=f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.")],
        description=f"Au moins {MIN_PASSWORD_LENGTH} caractères.",
    )


def confirm_password_field() -> PasswordField:
    return PasswordField("Confirmer le mot de passe", validators=[
        DataRequired(REQUIRED), EqualTo("password", "Les deux mots de passe diffèrent.")])


class LoginForm(FrenchForm):
    email = EmailField("Adresse électronique", validators=[DataRequired(REQUIRED)],
                       description="Format attendu : nom@domaine.fr")
    password = PasswordField("Mot de passe", validators=[DataRequired(REQUIRED)])
    remember = BooleanField("Rester connecté(e)")
    submit = SubmitField("Se connecter")


class SignupForm(FrenchForm):
    name = StringField("Nom et prénom", validators=[DataRequired(REQUIRED), Length(max=120)])
    email = EmailField("Adresse électronique professionnelle",
                       validators=[DataRequired(REQUIRED), Length(max=254)],
                       description="Format attendu : prenom.nom@interieur.gouv.fr")
    password = new_password_field("Mot de passe")
    confirm = confirm_password_field()
    submit = SubmitField("Créer mon compte")


class ForgotPasswordForm(FrenchForm):
    email = EmailField("Adresse électronique", validators=[DataRequired(REQUIRED)],
                       description="Format attendu : nom@domaine.fr")
    submit = SubmitField("Recevoir un lien")


class ResetPasswordForm(FrenchForm):
    password = new_password_field("Nouveau mot de passe")
    confirm = confirm_password_field()
    submit = SubmitField("Enregistrer le mot de passe")


class ChangePasswordForm(FrenchForm):
    current_password = PasswordField("Mot de passe actuel",
                                     validators=[DataRequired(REQUIRED), Length(max=200)])
    password = new_password_field("Nouveau mot de passe")
    confirm = confirm_password_field()
    submit = SubmitField("Changer mon mot de passe")


class VerifyForm(FrenchForm):
    password = PasswordField("Mot de passe choisi lors de la création du compte",
                             validators=[DataRequired(REQUIRED), Length(max=200)])
    submit = SubmitField("Activer mon compte")


class TokenForm(FrenchForm):
    label = StringField("Nom du jeton", validators=[DataRequired(REQUIRED), Length(max=80)],
                        description="Par exemple : script de synchronisation")
    submit = SubmitField("Créer un jeton")


class UserAdminForm(FrenchForm):
    role = SelectField("Rôle", choices=list(ROLE_LABELS.items()))
    active = BooleanField("Compte actif")
    submit = SubmitField("Enregistrer")
