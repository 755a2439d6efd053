"""French labels, Paris times and spreadsheet number formats of the yearly report."""

from __future__ import annotations

from datetime import datetime

from labapp.projects.models import STATUS_LABELS
from labapp.projects.territories import territory_label
from labapp.timeutil import PARIS

UNIT_LABELS = {"count": "nombre", "ratio": "taux"}
# Spreadsheet number formats (the cell holds the number; the format shows it).
PERCENT = "0.0 %"
EUROS = '#,##0.00 "€"'
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
ETP = "0.00"

# CSV measures (long format), in French.
RESULT_MEASURES = {"value": "valeur", "cumulative": "cumul", "target": "cible",
                   "status": "statut", "frozen_value": "valeur arrêtée",
                   "difference": "écart (valeur − arrêtée)"}
BUDGET_MEASURES = {"ae_planned": "AE prévues (€)", "ae_consumed": "AE consommées (€)",
                   "ae_rate": "taux de consommation AE (%)", "cp_planned": "CP prévus (€)",
                   "cp_consumed": "CP consommés (€)", "cp_rate": "taux de consommation CP (%)"}
SAVINGS_MEASURES = {"training_fte": "ETP formation", "project_fte": "ETP projets",
                    "adjustments_fte": "ajustements (ETP)", "total_fte": "total (ETP)",
                    "savings_eur": "économies (€)", "forecast_fte": "prévision (ETP)",
                    "gap_fte": "écart à la prévision (ETP)"}


def unit_label(unit: str) -> str:
    return UNIT_LABELS.get(unit, unit)


def project_status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def territory(key: str | None) -> str:
    return territory_label(key) if key else ""


def paris(moment: datetime | None) -> datetime | None:
    """A UTC instant as the naive Paris wall-clock time a spreadsheet shows."""
    return moment.astimezone(PARIS).replace(tzinfo=None) if moment else None


def formats(sheet, **by_column: str) -> None:
    """Number formats of the last appended row, by column letter (`formats(ws, D=PERCENT)`)."""
    row = sheet.max_row
    for column, number_format in by_column.items():
        sheet[f"{column}{row}"].number_format = number_format


def csv_measure_value(unit: str, value):
    """A ratio as a percentage (one decimal), anything else as it is (CSV has no formats)."""
    if unit == "ratio" and isinstance(value, int | float):
        return round(value * 100, 1)
    return value
