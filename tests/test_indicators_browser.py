"""Chromium: the team opens the dashboard (axe: 0 violations), follows a drill-down
link and downloads the yearly report."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from labapp.extensions import db
from tests.conftest import axe_violations, browser_login

pytestmark = [pytest.mark.browser]


def _describe(violations) -> str:
    return "\n".join(f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in violations)


def test_dashboard_drill_down_and_report_download(live_server, page, team, build_records):
    b = build_records
    b.project("in_progress", date(2023, 2, 1), None, title="Accueil en préfecture")
    held = b.session("formation", "held", datetime(2023, 3, 1, 9, tzinfo=UTC),
                     title="Entretiens usagers")
    b.registration(held, present=True)
    b.answers("session", held.id, [5, 3])
    db.session.commit()
    email = team.email
    with live_server() as base:
        browser_login(page, base, email)
        page.goto(base + "/indicateurs/?year=2023")
        assert "Indicateurs du contrat de transformation — 2023" in page.content()
        violations = axe_violations(page)
        assert violations == [], _describe(violations)
        page.select_option("#annee", "2022")
        page.click("text=Afficher l'année")
        page.wait_for_load_state()
        assert "— 2022" in page.content()
        page.goto(base + "/indicateurs/?year=2023")
        page.click("a[href*='/indicateurs/detail/formations_dispensees?year=2023&scope=year']")
        page.wait_for_load_state()
        assert "/indicateurs/detail/formations_dispensees" in page.url
        assert "Entretiens usagers" in page.content()
        violations = axe_violations(page)
        assert violations == [], _describe(violations)
        page.click("text=Retour au tableau de bord 2023")
        page.wait_for_load_state()
        with page.expect_download() as download_info:
            page.click("text=Télécharger le rapport 2023 (XLSX)")
        path = download_info.value.path()
        with open(path, "rb") as handle:
            book = load_workbook(io.BytesIO(handle.read()))
        results = {row[0]: row for row in book["Résultats"].iter_rows(min_row=3, values_only=True)}
        assert results["formations_dispensees"][3] == 1
        assert results["taux_satisfaction"][3] == 0.5
        page.goto(base + "/indicateurs/rapport?year=2023")
        violations = axe_violations(page)
        assert violations == [], _describe(violations)
