"""The retention periods as the "Données personnelles" page states them, written from
the configuration the retention job applies (so the notice never drifts from it)."""

from __future__ import annotations


def retention_periods(config) -> dict[str, str]:
    """French sentences by row of the page's retention table."""
    participants = config["RETENTION_PARTICIPANT_MONTHS"]
    return {
        "accounts": "jusqu'à la suppression du compte par son titulaire (page « Mes données "
                    "personnelles ») ; l'identité est alors effacée partout où elle figurait",
        "participants": f"{participants} mois après la dernière activité (session, inscription, "
                        "invitation) ; les identités sont ensuite anonymisées, les chiffres "
                        "d'activité conservés",
        "bookings": f"textes libres (besoins, commentaire) effacés "
                    f"{config['RETENTION_BOOKING_TEXT_MONTHS']} mois après la réservation ; "
                    "la réservation reste rattachée au compte pour les chiffres d'occupation",
        "projects": f"contacts sans compte des projets clos anonymisés {participants} mois après "
                    "la dernière activité du projet ; le projet est conservé pour le suivi des "
                    "indicateurs",
        "surveys": "sans lien avec votre identité dès leur enregistrement ; les adresses des "
                   f"invitations sont anonymisées {participants} mois après leur expiration",
        "logs": f"{config['RETENTION_LOG_MONTHS']} mois (journal d'audit : "
                f"{config['RETENTION_AUDIT_MONTHS']} mois ; contenu des courriels : "
                f"{config['RETENTION_MAIL_BODY_DAYS']} jours après l'envoi ; liens de "
                f"réinitialisation : {config['RETENTION_RESET_LINK_DAYS']} jours après leur "
                "expiration)",
    }
