"""`flask --app wsgi mail ...`: the messages that could not be delivered, and sending them again."""

from __future__ import annotations

import json

import click

from labapp.extensions import db
from labapp.formatting import datetime_fr
from labapp.mail import services
from labapp.operations.services import retry_mail


@click.group("mail", help="Courriels non distribués.")
def mail_cli():
    pass


@mail_cli.command("failed")
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (une liste d'objets).")
def failed_command(as_json: bool):
    """List the messages that could not be delivered (id, recipient, subject, error, attempts)."""
    rows = services.failed_messages()
    if as_json:
        click.echo(json.dumps([{
            "id": m.id, "recipient": m.recipient, "subject": m.subject, "error": m.last_error,
            "attempts": m.attempts, "created_at": m.created_at.isoformat(),
        } for m in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Aucun courriel en échec.", err=True)
        return
    for m in rows:
        click.echo(f"{m.id}\t{m.recipient}\t{m.subject}\t{m.attempts} tentative(s)\t"
                   f"{datetime_fr(m.created_at)}\t{m.last_error or ''}")


@mail_cli.command("retry")
@click.argument("ids", nargs=-1, type=click.IntRange(1, 2**31 - 1))
@click.option("--all", "retry_all", is_flag=True, help="Tous les courriels en échec.")
def retry_command(ids: tuple[int, ...], retry_all: bool):
    """Put failed messages back in the outbox (IDs, or --all); the next tick sends them."""
    if bool(ids) == retry_all:
        raise click.UsageError("Indiquez des identifiants ou --all (l'un ou l'autre).")
    wanted = None if retry_all else list(ids)
    count = retry_mail(None, wanted)
    db.session.commit()
    if wanted is not None and count < len(set(wanted)):
        click.echo(f"{len(set(wanted)) - count} identifiant(s) ignoré(s) : inconnus ou pas en échec.",
                   err=True)
    click.echo(f"{count} courriel(s) remis dans la file d'envoi : le prochain « tick » les envoie.",
               err=True)
    if wanted is not None and count == 0:
        raise SystemExit(1)
