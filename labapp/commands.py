"""Command-line interface (`flask --app wsgi ...`), as documented in docs/interfaces.md."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy.engine import make_url

from labapp.db_types import utcnow
from labapp.errors import DomainError
from labapp.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(tick_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(backup_command)

    from labapp.mail.cli import mail_cli

    app.cli.add_command(mail_cli)

    from labapp.indicators.cli import indicators_command
    from labapp.indicators.contract import load_contract_command

    app.cli.add_command(indicators_command)
    app.cli.add_command(load_contract_command)


def _fail(error: DomainError) -> None:
    db.session.rollback()
    messages = [m for msgs in error.errors.values() for m in msgs] or [error.message]
    raise click.ClickException(" ".join(messages))


@click.group("users", help="Gérer les comptes.")
def users_cli():
    pass


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["agent", "team", "admin"]), default="agent",
              show_default=True)
@click.option("--name", default=None, help="Nom affiché.")
@click.option("--password", default=None, help="Mot de passe (12 caractères au moins).")
def users_create(email: str, role: str, name: str | None, password: str | None):
    """Create an account."""
    from labapp.auth.services import create_user

    try:
        user = create_user(email, role=role, name=name, password=password)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Compte créé : {user.email} ({user.role}).", err=True)


@click.group("tokens", help="Gérer les jetons d'API.")
def tokens_cli():
    pass


@tokens_cli.command("create")
@click.argument("email")
@click.option("--label", default="Jeton créé en ligne de commande")
def tokens_create(email: str, label: str):
    """Print a new personal API token for EMAIL, alone on stdout."""
    from labapp.auth.services import find_user_by_email
    from labapp.auth.tokens import create_api_token

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"Aucun compte pour {email}.")
    if not user.active:
        raise click.ClickException(f"Le compte {email} est désactivé.")
    _, secret = create_api_token(user, label)
    db.session.commit()
    click.echo(secret)


@click.command("tick")
def tick_command():
    """Do the work that is due: jobs of every domain, then deliver the outbox.

    Every job runs even when another fails; the exit status is 1 when a job failed, an
    item was set aside or a message could not be delivered, so cron reports it."""
    from labapp.operations.services import run_tick

    result = run_tick(utcnow())
    for outcome in result.outcomes:
        line = f"{outcome.name} : {outcome.count}"
        if outcome.error:
            line += f" — ÉCHEC : {outcome.error}"
        if outcome.failed_items:
            line += f" — {len(outcome.failed_items)} élément(s) mis de côté"
        click.echo(line, err=True)
    counts = result.delivery
    click.echo(
        f"courriels : {counts['sent']} envoyé(s), {counts['retry']} à réessayer, "
        f"{counts['failed']} en échec", err=True,
    )
    if result.problems:
        click.echo(f"Travail périodique terminé avec {result.problems} problème(s) : "
                   "voir « Envois en échec » (/admin/envois).", err=True)
        sys.exit(1)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Ne rien faire si des comptes existent déjà.")
@click.option("--scale", type=click.IntRange(1, 1000), default=None,
              help="Ajouter l'activité de N sites territoriaux sur cinq ans (volumétrie).")
def seed_demo_command(if_empty: bool, scale: int | None):
    """Load the demo data (idempotent); with --scale N, add N sites of national-scale history."""
    from labapp.auth.services import count_users
    from labapp.demo import seed_demo

    if current_app.config["ENV_NAME"] == "production":
        # The demo accounts share a published password: never in production.
        raise click.ClickException("Les données de démonstration (et leurs comptes au mot de passe "
                                   "connu de tous) ne se chargent pas en production.")
    if if_empty and count_users() > 0:
        click.echo("Base déjà remplie : données de démonstration non chargées.", err=True)
        return
    names = seed_demo()
    db.session.commit()
    click.echo("Données de démonstration chargées : " + ", ".join(names) + ".", err=True)
    if scale:
        from labapp.scale import planned_rows, seed_scale

        with click.progressbar(length=planned_rows(scale), label="Génération",
                               file=sys.stderr) as bar:
            counts = seed_scale(scale, progress=bar.update)
        from labapp.planner import refresh_statistics

        refresh_statistics(full=True)
        db.session.commit()
        click.echo("Volumétrie ajoutée : " + ", ".join(f"{v} {k}" for k, v in counts.items())
                   + ".", err=True)


@click.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False, writable=True))
def backup_command(dest: str):
    """Write a consistent backup of the database to DEST."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    target = Path(dest)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        _backup_sqlite(url.database, target)
    elif url.get_backend_name() == "postgresql":
        _backup_postgres(url, target)
    else:
        raise click.ClickException(f"Moteur non pris en charge : {url.get_backend_name()}")
    click.echo(f"Sauvegarde écrite : {target}", err=True)


def _backup_sqlite(database: str, target: Path) -> None:
    """Online backup through the sqlite3 backup API, then an integrity check."""
    tmp = target.with_suffix(target.suffix + ".tmp")
    source = sqlite3.connect(database)
    try:
        copy = sqlite3.connect(tmp)
        with copy:
            source.backup(copy, pages=1024)
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        copy.close()
    finally:
        source.close()
    if result != "ok":
        tmp.unlink(missing_ok=True)
        raise click.ClickException(f"Contrôle d'intégrité en échec : {result}")
    os.replace(tmp, target)


def _backup_postgres(url, target: Path) -> None:
    """pg_dump in custom format (restore with pg_restore)."""
    if shutil.which("pg_dump") is None:
        raise click.ClickException("pg_dump est introuvable : installez postgresql-client.")
    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    env = dict(os.environ)
    tmp = target.with_suffix(target.suffix + ".tmp")
    done = subprocess.run(["pg_dump", "-Fc", "-f", str(tmp), "--dbname", libpq_url],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise click.ClickException("pg_dump a échoué : " + done.stderr.strip()[-500:])
    os.replace(tmp, target)
