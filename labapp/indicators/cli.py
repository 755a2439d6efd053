"""`flask indicators --year YYYY [--json]`."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from labapp.formatting import number_fr
from labapp.indicators.compute import indicators_for_year
from labapp.indicators.services import MAX_YEAR, MIN_YEAR


def _show(item: dict, key: str) -> str:
    value = item[key]
    if value is None:
        return "—"
    if item["unit"] == "ratio":
        return f"{value * 100:.1f} %".replace(".", ",")
    return number_fr(value)


@click.command("indicators")
@click.option("--year", type=click.IntRange(MIN_YEAR, MAX_YEAR), required=True,
              help="Année civile (heure de Paris).")
@click.option("--json", "as_json", is_flag=True, help="Le document JSON de l'API.")
@with_appcontext
def indicators_command(year: int, as_json: bool):
    """Print the contract indicators of a year."""
    document = indicators_for_year(year)
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False))
        return
    click.echo(f"Indicateurs du contrat — année {year}")
    if document["frozen"]:
        click.echo(f"Année arrêtée le {document['frozen']['on']} : chiffres arrêtés.")
    for item in document["indicators"]:
        click.echo(
            f"- {item['label']} : {_show(item, 'value')} "
            f"(cumul : {_show(item, 'cumulative')} ; cible : {_show(item, 'target')}"
            + (f" ; {item['status']}" if item.get("status") else "") + ")"
            + (f" — changé depuis l'arrêté, actuel : {_show(item, 'live_value')} "
               f"(cumul : {_show(item, 'live_cumulative')})" if "live_value" in item else "")
        )
