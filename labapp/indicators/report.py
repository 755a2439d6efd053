"""The yearly report to the fund: its data, and its XLSX and CSV renderings.

XLSX sheets: Résultats, Budget, Calendrier, Économies, Détail. The figures of
"Résultats" are those of `GET /api/v1/indicators?year=` (same function).
"""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import func, select

from labapp.extensions import db
from labapp.indicators import activity
from labapp.indicators import conditions as c
from labapp.indicators.compute import indicators_for_year
from labapp.indicators.definitions import BY_CODE, STATUS_RULE
from labapp.indicators.models import NATURES, BudgetLine
from labapp.indicators.references import MANAGEMENT_REFERENCES
from labapp.indicators.report_format import (
    BUDGET_MEASURES,
    DATE,
    DATETIME,
    ETP,
    EUROS,
    PERCENT,
    RESULT_MEASURES,
    SAVINGS_MEASURES,
    csv_measure_value,
    formats,
    paris,
    project_status_label,
    territory,
    unit_label,
)
from labapp.indicators.savings import savings_report
from labapp.indicators.services import active_freeze, budget_summary, list_milestones
from labapp.projects.models import Project
from labapp.trainings.models import Registration, Session

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def compare(document: dict, frozen: dict | None) -> list[dict]:
    """The live indicators, each with its frozen value and the difference (live − frozen)."""
    frozen_items = {i["code"]: i for i in (frozen or {}).get("indicators", [])}
    rows = []
    for item in document["indicators"]:
        row = dict(item, description=BY_CODE[item["code"]].description)
        old = frozen_items.get(item["code"])
        row["frozen_value"] = old["value"] if old else None
        row["frozen_cumulative"] = old["cumulative"] if old else None
        row["difference"] = (item["value"] - old["value"]
                             if old and item["value"] is not None and old["value"] is not None
                             else None)
        rows.append(row)
    return rows


def report_data(year: int, today: date | None = None) -> dict:
    document = indicators_for_year(year, today)
    freeze = active_freeze(year)
    period = c.Period.year(year)
    return {
        "year": year,
        "document": document,
        "rows": compare(document, freeze.figures if freeze else None),
        "freeze": freeze,
        "status_rule": STATUS_RULE,
        "references": MANAGEMENT_REFERENCES,
        "budget": budget_summary(year),
        "budget_lines": db.session.scalars(select(BudgetLine).where(BudgetLine.year == year)
                                           .order_by(BudgetLine.tranche, BudgetLine.nature)).all(),
        "milestones": list_milestones(),
        "savings": savings_report(year),
        "trend": activity.monthly_trend(year),
        "projects": db.session.scalars(select(Project).where(c.project_supported(period))
                                       .order_by(Project.support_started_on, Project.id)).all(),
        "formations": db.session.scalars(select(Session).where(c.formation_held(period))
                                         .order_by(Session.start_at, Session.id)).all(),
        "presence": db.session.execute(
            select(Session.title, Session.start_at, func.count(Registration.id))
            .select_from(Registration).join(Session, Registration.session_id == Session.id)
            .where(c.present_in(period)).group_by(Session.id, Session.title, Session.start_at)
            .order_by(Session.start_at)).all(),
    }


def _text(value: str | None) -> str:
    """User text in a spreadsheet: never a formula (CSV/XLSX injection)."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _pct(value):
    """A rate for a spreadsheet cell: the fraction itself, shown by the PERCENT format."""
    return None if value is None else float(value)


def _bold(sheet, row: int = 1) -> None:
    for cell in sheet[row]:
        cell.font = Font(bold=True)


def xlsx_bytes(data: dict) -> bytes:
    year = data["year"]
    book = Workbook()
    results = book.active
    results.title = "Résultats"
    results.append([f"Contrat de transformation Lab Minnov — indicateurs de résultat {year}"])
    results.append(["Code", "Indicateur", "Unité", "Valeur de l'année", "Cumul", "Cible",
                    "Statut", "Valeur arrêtée", "Écart (valeur − arrêtée)"])
    _bold(results, 2)
    for row in data["rows"]:
        results.append([row["code"], row["label"], unit_label(row["unit"]), row["value"],
                        row["cumulative"], row["target"], row.get("status"), row["frozen_value"],
                        row["difference"]])
        if row["unit"] == "ratio":
            formats(results, D=PERCENT, E=PERCENT, F=PERCENT, H=PERCENT, I=PERCENT)
    results.append([])
    results.append(["Règle de statut", data["status_rule"]])
    if data["freeze"]:
        freeze = data["freeze"]
        results.append(["Année arrêtée le (heure de Paris)", paris(freeze.frozen_at),
                        freeze.frozen_by.name if freeze.frozen_by else ""])
        formats(results, B=DATETIME)
    for label, value in data["references"]:
        results.append([label, value])

    budget = book.create_sheet("Budget")
    budget.append(["Nature", "AE prévues", "AE consommées", "Taux AE", "CP prévus",
                   "CP consommés", "Taux CP"])
    _bold(budget)
    for row in data["budget"]:
        budget.append([row["label"], float(row["ae_planned"]), float(row["ae_consumed"]),
                       _pct(row["ae_rate"]), float(row["cp_planned"]), float(row["cp_consumed"]),
                       _pct(row["cp_rate"])])
        formats(budget, B=EUROS, C=EUROS, D=PERCENT, E=EUROS, F=EUROS, G=PERCENT)
    budget.append([])
    budget.append(["Tranche", "Nature", "AE prévues", "CP prévus"])
    for line in data["budget_lines"]:
        budget.append([line.tranche, NATURES.get(line.nature, line.nature),
                       float(line.ae_planned), float(line.cp_planned)])
        formats(budget, C=EUROS, D=EUROS)
    budget.append([])
    for label, value in data["references"]:
        budget.append([label, value])

    calendar = book.create_sheet("Calendrier")
    calendar.append(["Jalon", "Début prévu", "Fin prévue", "Début réel", "Fin réelle", "Commentaire"])
    _bold(calendar)
    for m in data["milestones"]:
        calendar.append([_text(m.label), m.planned_start, m.planned_end, m.actual_start,
                         m.actual_end, _text(m.note)])
        formats(calendar, B=DATE, C=DATE, D=DATE, E=DATE)

    savings = data["savings"]
    sheet = book.create_sheet("Économies")
    sheet.append(["Élément", "Valeur"])
    _bold(sheet)
    for label, key in (("Heures-participants (formations)", "participant_hours"),
                       ("Gain de temps formation", "training_gain"),
                       ("ETP formation", "training_fte"),
                       ("Jours économisés estimés (projets)", "days_saved"),
                       ("Gain de temps projets", "project_gain"),
                       ("ETP projets", "project_fte"), ("Ajustements (ETP)", "adjustments_fte"),
                       ("Total (ETP)", "total_fte"), ("Coût d'un ETP (€)", "cost_per_fte"),
                       ("Économies (€)", "savings_eur"), ("Prévision (ETP)", "forecast_fte"),
                       ("Écart à la prévision (ETP)", "gap_fte"),
                       ("Explication de l'écart", "gap_explanation"), ("Formule", "formula")):
        value = savings[key]
        number_format = ETP if key.endswith("_fte") else None
        if key in ("gap_explanation", "formula"):
            value = _text(value)
        elif key.endswith("_gain"):
            value, number_format = _pct(value), PERCENT
        elif key in ("cost_per_fte", "savings_eur"):
            value, number_format = float(value), EUROS
        sheet.append([label, value])
        if number_format:
            formats(sheet, B=number_format)

    detail = book.create_sheet("Détail")
    trend = data["trend"]
    detail.append(["Mois", "Projets accompagnés", "Formations dispensées", "Participants",
                   "Réponses satisfaites", "Réponses", "Taux de satisfaction"])
    _bold(detail)
    for i, period in enumerate(trend["periods"]):
        detail.append([period.label, trend["projets_accompagnes"][i],
                       trend["formations_dispensees"][i], trend["participants"][i],
                       trend["satisfied"][i], trend["answered"][i],
                       _pct(trend["taux_satisfaction"][i])])
        formats(detail, G=PERCENT)
    detail.append([])
    detail.append(["Projets accompagnés", "Début", "Fin", "Statut", "Territoire"])
    for p in data["projects"]:
        detail.append([_text(p.title), p.support_started_on, p.support_ended_on,
                       project_status_label(p.status), territory(p.territory)])
        formats(detail, B=DATE, C=DATE)
    detail.append([])
    detail.append(["Formations dispensées", "Début (heure de Paris)", "Session n°"])
    for s in data["formations"]:
        detail.append([_text(s.title), paris(s.start_at), s.id])
        formats(detail, B=DATETIME)
    detail.append([])
    detail.append(["Participants présents par session", "Début (heure de Paris)", "Présents"])
    for title, start, count in data["presence"]:
        detail.append([_text(title), paris(start), count])
        formats(detail, B=DATETIME)

    for ws in book.worksheets:
        ws.column_dimensions["A"].width = 48
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fr(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".").replace(".", ",")
    return str(value).replace(".", ",") if not isinstance(value, str) else value


def csv_text(data: dict) -> str:
    """Long format (rubrique;code;libellé;mesure;valeur), semicolons, decimal commas."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["annee", "rubrique", "code", "libelle", "mesure", "valeur"])
    year = data["year"]
    for row in data["rows"]:
        for measure, name in RESULT_MEASURES.items():
            value = row.get(measure)
            if measure != "status":
                value = csv_measure_value(row["unit"], value)
                name += " (%)" if row["unit"] == "ratio" else ""
            writer.writerow([year, "resultats", row["code"], row["label"], name, _fr(value)])
    for row in data["budget"]:
        for measure, name in BUDGET_MEASURES.items():
            value = row[measure]
            value = None if value is None else float(value)
            if measure.endswith("_rate"):
                value = csv_measure_value("ratio", value)
            writer.writerow([year, "budget", row["nature"], row["label"], name, _fr(value)])
    savings = data["savings"]
    for measure, name in SAVINGS_MEASURES.items():
        value = savings[measure]
        writer.writerow([year, "economies", "etp", "ETP redéployés", name,
                         _fr(float(value) if value is not None else None)])
    for m in data["milestones"]:
        writer.writerow([year, "calendrier", m.id, _text(m.label), "prévu (début/fin)",
                         f"{m.planned_start.isoformat()}/"
                         f"{m.planned_end.isoformat() if m.planned_end else ''}"])
        writer.writerow([year, "calendrier", m.id, _text(m.label), "réel (début/fin)",
                         f"{m.actual_start.isoformat() if m.actual_start else ''}/"
                         f"{m.actual_end.isoformat() if m.actual_end else ''}"])
    return "\ufeff" + out.getvalue()
