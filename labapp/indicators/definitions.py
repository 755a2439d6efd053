"""The contract's result indicators: codes, labels, units, and the status rule.

Pure: no database. The measures themselves are computed in `compute.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Definition:
    code: str
    label: str
    unit: str  # "count" or "ratio" (0..1)
    description: str


DEFINITIONS = [
    Definition("projets_accompagnes", "Nombre de projets innovants accompagnés", "count",
               "Projets en cours ou terminés dont la période d'accompagnement "
               "[début, fin ou en cours] recoupe l'année."),
    Definition("formations_dispensees", "Nombre de formations dispensées", "count",
               "Sessions de type formation, tenues, commençant dans l'année (heure de Paris)."),
    Definition("taux_satisfaction", "Taux de satisfaction des usagers accompagnés", "ratio",
               "Réponses 4 ou 5 à la question de satisfaction globale, divisées par toutes "
               "les réponses, pour les sessions tenues et les projets terminés dans l'année."),
    Definition("participants", "Nombre de participants aux activités du lab", "count",
               "Inscriptions marquées présentes aux sessions tenues dans l'année, plus les "
               "participants déclarés des réservations approuvées de l'année qui ont eu lieu "
               "(terminées au moment du calcul : jamais une réservation à venir) et qui ne "
               "sont pas la réservation d'une session."),
]
BY_CODE = {d.code: d for d in DEFINITIONS}

# Contract targets (end of 2022 and end of 2023), seeded as editable data.
CONTRACT_TARGETS = {
    2022: {"projets_accompagnes": 4, "formations_dispensees": 9, "taux_satisfaction": 0.80},
    2023: {"projets_accompagnes": 8, "formations_dispensees": 11, "taux_satisfaction": 0.90},
}

STATUS_RULE = (
    "« Atteint » quand la valeur atteint la cible. Sinon, pour un nombre, « en bonne voie » "
    "quand la valeur rapportée à la cible est au moins égale à la part de l'année écoulée "
    "; pour un taux, « en bonne voie » à moins de 5 points de la cible. Une année terminée "
    "sous la cible est « en retard »."
)


def year_elapsed_share(year: int, today: date) -> float:
    """Share of the Paris calendar year elapsed at `today` (0 before, 1 after)."""
    if today.year < year:
        return 0.0
    if today.year > year:
        return 1.0
    start = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - start).days
    return ((today - start).days + 1) / days


def target_status(unit: str, value: float | None, target: float | None, elapsed: float) -> str | None:
    """'atteint', 'en bonne voie', 'en retard', or None without a target or a value."""
    if target is None or value is None:
        return None
    if value >= target:
        return "atteint"
    if elapsed >= 1:
        return "en retard"
    if unit == "ratio":
        return "en bonne voie" if target - value <= 0.05 else "en retard"
    if target <= 0:
        return "atteint"
    return "en bonne voie" if value / target >= elapsed else "en retard"
