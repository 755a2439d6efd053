"""French labels of the columns named in the audit log (never their values)."""

from __future__ import annotations

FIELD_LABELS = {
    "action": "action", "active": "actif", "actor_id": "auteur", "actor_role": "rôle de l'auteur",
    "actual_end": "fin réelle", "actual_start": "début réel", "address": "adresse",
    "ae": "montant en AE", "ae_planned": "AE prévues", "answered_at": "date de réponse",
    "area_m2": "surface", "attempts": "tentatives d'envoi", "attendees": "participants déclarés",
    "audience": "public", "author_id": "auteur", "booking_id": "réservation",
    "buffer_minutes": "battement entre réservations", "cancel_reason": "motif d'annulation",
    "cancelled_at": "date d'annulation", "capacity": "capacité", "chorus_ref": "référence Chorus",
    "closes_at": "fermeture", "code": "code", "comment": "commentaire",
    "consent_at": "date du consentement", "cost_per_fte": "coût d'un ETP", "count": "nombre",
    "cp": "montant en CP", "cp_planned": "CP prévus", "created_at": "date de création",
    "created_by_id": "créé par", "days_saved": "jours économisés",
    "decline_reason": "motif du refus", "default_capacity": "capacité par défaut",
    "deliverables": "livrables", "description": "description",
    "desired_timeframe": "échéance souhaitée", "direction": "direction",
    "duplicate_of_id": "doublon de", "duration_minutes": "durée", "email": "adresse électronique",
    "email_verified_at": "date de vérification de l'adresse",
    "end_at": "fin", "end_date": "date de fin", "entity_id": "identifiant de l'élément",
    "entity_type": "type d'élément", "equipment": "équipements", "expires_at": "date d'expiration",
    "fields": "champs", "figures": "chiffres arrêtés", "forecast_fte": "prévision en ETP",
    "frozen_at": "date de l'arrêté", "frozen_by_id": "arrêté par", "fte": "ETP",
    "gap_explanation": "explication de l'écart", "held_at": "date de tenue", "hint": "aide",
    "horizon_days": "horizon de réservation", "id": "identifiant", "intro": "introduction",
    "justification": "justification", "keywords": "mots-clés", "kind": "type",
    "label": "libellé", "last_error": "dernière erreur", "last_used_at": "dernière utilisation",
    "lead_id": "référent du lab", "location": "lieu", "mainly_digital": "principalement numérique",
    "manage_token_hash": "lien de gestion de l'inscription",
    "max_duration_minutes": "durée maximale", "method": "méthode",
    "min_duration_minutes": "durée minimale", "name": "nom", "nature": "nature de dépense",
    "needs": "besoins", "next_attempt_at": "prochaine tentative", "nonce": "jeton technique",
    "note": "commentaire", "notes": "notes", "occurred_on": "date", "offering_id": "offre",
    "opens_at": "ouverture", "organisation": "organisme", "password_hash": "mot de passe",
    "planned_end": "fin prévue", "planned_start": "début prévu", "pooled_with_id": "mutualisé avec",
    "position": "ordre", "present": "présence", "problem": "problème à résoudre",
    "proconnect_sub": "identifiant ProConnect", "project_gain": "gain de temps projets",
    "project_id": "projet", "promoted_at": "date de passage en liste principale",
    "purpose": "usage", "question_id": "question", "questionnaire_id": "questionnaire",
    "raw": "contenu du courriel", "recipient": "destinataire", "refusal_reason": "motif du refus",
    "registration_deadline": "date limite d'inscription",
    "registration_opens_at": "ouverture des inscriptions", "reminded_at": "date de relance",
    "reminder_sent_at": "date du rappel", "reminder_token_hash": "lien de relance",
    "requested_by_id": "demandeur", "required": "obligatoire", "revoked_at": "date de révocation",
    "role": "rôle", "rollout_candidate": "candidat à l'essaimage",
    "rollout_scope": "périmètre d'essaimage", "schedule_hash": "empreinte de l'horaire",
    "sent_at": "date d'envoi", "sequence": "version d'agenda", "series_id": "série",
    "session_id": "session", "session_version": "version de session", "site_id": "site",
    "source": "origine", "source_id": "élément d'origine", "space_id": "espace",
    "spent_on": "date de la dépense", "start_at": "début", "start_date": "date de début",
    "state": "état", "status": "statut", "subject": "objet", "supplier": "fournisseur",
    "support_ended_on": "fin de l'accompagnement", "support_started_on": "début de l'accompagnement",
    "support_type": "type d'accompagnement", "target_id": "élément évalué",
    "target_kind": "type d'élément évalué", "territory": "territoire", "themes": "thèmes",
    "title": "titre", "token_hash": "jeton (empreinte)", "trainers": "intervenants",
    "training_gain": "gain de temps formation", "tranche": "tranche", "uid": "identifiant d'agenda",
    "unfreeze_reason": "motif de la réouverture", "unfrozen_at": "date de la réouverture",
    "unfrozen_by_id": "rouvert par", "updated_at": "date de modification",
    "used_at": "date d'utilisation", "user_id": "compte", "users_concerned": "usagers concernés",
    "value": "valeur", "video_link": "lien de visioconférence", "weekday": "jour de la semaine",
    "whole": "lab entier", "year": "année",
}


def field_label(column: str) -> str:
    """The French label of a column (the column itself if unknown)."""
    return FIELD_LABELS.get(column, column)


def field_labels(columns: list[str] | None) -> str:
    """The changed columns of an entry, in French, comma-separated."""
    return ", ".join(field_label(c) for c in columns or [])
