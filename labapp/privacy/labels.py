"""French labels of audit entries: tables, actions, sources, and the notable changes."""

from __future__ import annotations

from labapp.auth.models import ROLE_LABELS  # noqa: F401  (used by the audit template)
from labapp.privacy.field_labels import field_labels  # noqa: F401  (used by the audit template)

ENTITY_LABELS = {
    "users": "Comptes",
    "api_tokens": "Jetons d'API",
    "password_reset_tokens": "Liens de réinitialisation",
    "calendar_feed_tokens": "Liens d'abonnement aux agendas",
    "sites": "Sites",
    "spaces": "Espaces",
    "site_opening_hours": "Horaires d'ouverture",
    "closures": "Fermetures",
    "bookings": "Réservations",
    "booking_events": "Historique des réservations",
    "offerings": "Catalogue des formations",
    "training_sessions": "Sessions",
    "session_registrations": "Inscriptions",
    "projects": "Projets",
    "project_contacts": "Contacts de projets",
    "project_methods": "Méthodes des projets",
    "project_journal_entries": "Journal des projets",
    "survey_questionnaires": "Questionnaires",
    "survey_questions": "Questions des questionnaires",
    "survey_options": "Options de réponse",
    "survey_room_links": "Liens d'avis en salle",
    "survey_invitations": "Invitations aux questionnaires",
    "indicator_targets": "Cibles des indicateurs",
    "budget_lines": "Budget prévu",
    "expenses": "Dépenses",
    "milestones": "Jalons",
    "savings_years": "Hypothèses d'économies",
    "savings_adjustments": "Ajustements d'économies",
    "year_freezes": "Arrêtés annuels des indicateurs",
    "calendar_invitation_states": "Invitations d'agenda envoyées",
    "outbox_messages": "Courriels",
    "audit_entries": "Journal d'audit",
}

ACTION_LABELS = {
    "insert": "Création",
    "update": "Modification",
    "delete": "Suppression",
    "account_deleted": "Suppression de compte par son titulaire",
    "retention_applied": "Durées de conservation appliquées",
}

SOURCE_LABELS = {"web": "Site", "api": "API", "cli": "Ligne de commande ou tâche planifiée"}

RETENTION_STEP_LABELS = {
    "registrations": "inscriptions anonymisées",
    "invitations": "invitations anonymisées",
    "project_contacts": "contacts anonymisés",
    "calendar_recipients": "destinataires d'invitations d'agenda oubliés",
    "booking_texts": "textes libres de réservations effacés",
    "mail_bodies": "contenus de courriels effacés",
    "messages": "courriels supprimés",
    "revoked_tokens": "jetons révoqués supprimés",
    "reset_links": "liens de réinitialisation supprimés",
    "audit": "entrées du journal supprimées",
}

# (table, action, a changed column) -> what the change means, first match wins.
NOTABLE = [
    ("year_freezes", "update", "unfrozen_at", "Réouverture d'une année arrêtée"),
    ("year_freezes", "insert", None, "Arrêté des chiffres d'une année"),
    ("users", "update", "role", "Changement de rôle"),
    ("users", "update", "active", "Activation ou désactivation d'un compte"),
    ("users", "update", "password_hash", "Changement de mot de passe"),
    ("users", "update", "proconnect_sub", "Liaison d'un compte à ProConnect"),
    ("users", "insert", None, "Création d'un compte"),
    ("api_tokens", "insert", None, "Création d'un jeton d'API"),
    ("api_tokens", "update", "revoked_at", "Révocation d'un jeton d'API"),
    ("calendar_feed_tokens", "update", "revoked_at", "Régénération d'un lien d'agenda"),
]


def describe(entity_type: str, action: str, fields: list[str], count: int | None = None) -> str:
    """A French sentence for one entry."""
    if action == "retention_applied":
        step = fields[0] if fields else ""
        return f"{count or 0} {RETENTION_STEP_LABELS.get(step, step)}"
    for table, verb, column, label in NOTABLE:
        if table == entity_type and verb == action and (column is None or column in fields):
            return label
    return ACTION_LABELS.get(action, action)


def entity_label(entity_type: str) -> str:
    return ENTITY_LABELS.get(entity_type, entity_type)
