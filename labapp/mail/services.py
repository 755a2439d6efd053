"""Composing messages into the outbox and delivering them.

`queue_mail` only adds a row to the current transaction: the message exists if
and only if the change that caused it is committed. `deliver_due_messages`
runs after commit (from `flask tick`): each message is claimed in a short
transaction (a conditional UPDATE that counts the attempt and leases the row;
FOR UPDATE SKIP LOCKED picks the candidate on PostgreSQL, BEGIN IMMEDIATE
serialises SQLite), sent outside any transaction, and its result written in
another, so two ticks never send the same message and no request waits for the relay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, render_template
from sqlalchemy import func, select, update

from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.mail.addresses import needs_smtputf8
from labapp.mail.backends import backend_for
from labapp.mail.models import OutboxMessage

MAX_BACKOFF = timedelta(hours=6)
# How long a message taken for a send is kept from other runs (a send never lasts that long).
SEND_LEASE = timedelta(minutes=10)
SMTPUTF8_OFF = ("Adresse avec des lettres accentuées avant le « @ » : elle demande SMTPUTF8, "
                "non activé (MAIL_SMTPUTF8). Corrigez l'adresse ou activez SMTPUTF8, puis réessayez.")


def compose(to: str, subject: str, text: str, html: str | None = None,
            to_name: str = "") -> EmailMessage:
    """An EmailMessage from the lab's address to `to` (an address as stored, see
    labapp/mail/addresses.py) named `to_name`; callers may add alternatives."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = recipient_header(to, to_name)
    # A title typed by someone may hold line breaks: a header must stay one line.
    message["Subject"] = " ".join(subject.split())
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=_mail_domain())
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def recipient_header(address: str, name: str = "") -> Address:
    """The To: header of an address. Built from its parts, so that a local part that is not
    ASCII (stored before the address policy, or accepted with SMTPUTF8) still makes a
    message, which delivery then handles on its own (see `queue_message`)."""
    local, _, domain = address.strip().rpartition("@")
    return Address(display_name=" ".join((name or "").split()), username=local, domain=domain)


def _mail_domain() -> str:
    sender = current_app.config["MAIL_FROM"]
    return sender.rsplit("@", 1)[-1].strip(" >") or "labminnov.local"


def undeliverable(address: str) -> bool:
    """Addresses in the reserved `.invalid` domain (RFC 2606): the placeholders written
    over anonymised identities. Nothing is ever queued for them."""
    return address.strip().rstrip(">").lower().endswith(".invalid")


def queue_message(message: EmailMessage) -> OutboxMessage | None:
    """Add a composed message to the outbox in the current transaction (None, and
    nothing queued, for an undeliverable placeholder address).

    A message to an address that needs SMTPUTF8 is written in UTF-8; unless
    MAIL_SMTPUTF8 is set it is stored as `failed` at once with the reason, so that it
    shows in the failed messages and never blocks the others."""
    to = message["To"]
    address = to.addresses[0].addr_spec if getattr(to, "addresses", None) else str(to)
    if undeliverable(address):
        return None
    row = OutboxMessage(recipient=address[:254], subject=str(message["Subject"])[:255])
    if needs_smtputf8(address):
        row.raw = message.as_string(policy=message.policy.clone(utf8=True))
        if not current_app.config.get("MAIL_SMTPUTF8"):
            row.status = "failed"
            row.last_error = SMTPUTF8_OFF
    else:
        row.raw = message.as_string()
    db.session.add(row)
    return row


def queue_mail(to: str, subject: str, template: str, **context) -> OutboxMessage | None:
    """Render `templates/mail/<template>.txt` (and `.html` if it exists) and queue it."""
    if undeliverable(to):
        return None
    context.setdefault("base_url", current_app.config["BASE_URL"])
    text = render_template(f"mail/{template}.txt", **context)
    html = None
    if _template_exists(f"mail/{template}.html"):
        html = render_template(f"mail/{template}.html", **context)
    return queue_message(compose(to, subject, text, html))


def _template_exists(name: str) -> bool:
    return name in current_app.jinja_env.list_templates()


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt: 1, 2, 4 ... minutes, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class Claimed:
    """A message taken for one delivery attempt (read before the claim was committed)."""

    id: int
    recipient: str
    raw: str
    attempts: int


def _claim_next(now) -> Claimed | None | bool:
    """Take the next due message: its attempts are counted and its next attempt pushed a
    lease ahead, then committed, so that the send happens outside any transaction (on
    SQLite no request waits for the relay) and no other tick takes it meanwhile. None when
    nothing is due; False when another run took the candidate first."""
    query = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    message_id = db.session.scalar(query)
    if message_id is None:
        db.session.rollback()
        return None
    row = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending",
               OutboxMessage.next_attempt_at <= now)
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + SEND_LEASE)
        .returning(OutboxMessage.recipient, OutboxMessage.raw, OutboxMessage.attempts)
        .execution_options(synchronize_session=False)).first()
    db.session.commit()
    return Claimed(message_id, *row) if row is not None else False


def deliver_due_messages(limit: int = 500, progress: Callable[[int], None] | None = None) -> dict:
    """Deliver pending messages that are due, each in two short transactions (claim, then
    result) with the send between them.

    Returns counts {"sent", "retry", "failed"} and "failed_ids", the messages that
    failed for good in this run. A failing backend loses nothing: the message stays
    pending with a later `next_attempt_at`, and is marked failed only after
    OUTBOX_MAX_ATTEMPTS attempts (admins may then retry it). Each message is sent on
    its own: one that cannot go never holds back the others. A run that dies during a
    send leaves the message to be tried again once its lease (SEND_LEASE) is over.
    """
    backend = backend_for(current_app.config)
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    smtputf8 = bool(current_app.config.get("MAIL_SMTPUTF8"))
    counts = {"sent": 0, "retry": 0, "failed": 0, "failed_ids": []}
    for _ in range(limit):
        now = utcnow()
        claimed = _claim_next(now)
        if claimed is None:
            break
        if claimed is False:
            continue
        try:
            if needs_smtputf8(claimed.recipient) and not smtputf8:
                raise UndeliverableHere(SMTPUTF8_OFF)
            backend.send(claimed.id, claimed.raw)
        except Exception as exc:  # any transport failure: keep the message
            error = (str(exc) if isinstance(exc, UndeliverableHere)
                     else f"{type(exc).__name__}: {exc}")[:500]
            if claimed.attempts >= max_attempts or isinstance(exc, UndeliverableHere):
                values = {"status": "failed", "last_error": error}
                counts["failed"] += 1
                counts["failed_ids"].append(claimed.id)
            else:
                values = {"last_error": error,
                          "next_attempt_at": now + backoff(claimed.attempts)}
                counts["retry"] += 1
        else:
            # Once sent, the body (and the personal links it carries) is nobody's business:
            # no working capability link can be recovered from the database.
            values = {"status": "sent", "sent_at": now, "last_error": None, "raw": ""}
            counts["sent"] += 1
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == claimed.id)
                           .values(**values).execution_options(synchronize_session=False))
        db.session.commit()
        if progress:
            progress(1)
    return counts


class UndeliverableHere(Exception):
    """A message this configuration cannot deliver however often it tries."""


def failed_messages_query():
    """Messages that could not be delivered, newest first (a select to page through)."""
    return select(OutboxMessage).where(OutboxMessage.status == "failed").order_by(
        OutboxMessage.id.desc())


def failed_messages(ids: list[int] | None = None) -> list[OutboxMessage]:
    query = failed_messages_query()
    return list(db.session.scalars(query if ids is None else query.where(OutboxMessage.id.in_(ids))))


def count_failed_messages() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status == "failed")) or 0


def retry_failed_messages(ids: list[int] | None = None) -> int:
    """Put failed messages (those of `ids`, or all with None) back in the outbox, due now,
    with their attempts reset; returns how many. Unknown or not-failed ids are ignored."""
    query = update(OutboxMessage).where(OutboxMessage.status == "failed")
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    return db.session.execute(
        query.values(status="pending", attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
