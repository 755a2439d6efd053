"""Composing messages into the outbox and delivering them.

`queue_mail` only adds a row to the current transaction: the message exists if
and only if the change that caused it is committed. `deliver_due_messages`
runs after commit (from `flask tick`), one message per transaction, claiming
rows with FOR UPDATE SKIP LOCKED on PostgreSQL (BEGIN IMMEDIATE serialises
SQLite), so two ticks never send the same message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, render_template
from sqlalchemy import select

from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.mail.backends import backend_for
from labapp.mail.models import OutboxMessage

MAX_BACKOFF = timedelta(hours=6)


def compose(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """An EmailMessage from the lab's address; callers may add alternatives."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    # A title typed by someone may hold line breaks: a header must stay one line.
    message["Subject"] = " ".join(subject.split())
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=_mail_domain())
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def _mail_domain() -> str:
    sender = current_app.config["MAIL_FROM"]
    return sender.rsplit("@", 1)[-1].strip(" >") or "labminnov.local"


def undeliverable(address: str) -> bool:
    """Addresses in the reserved `.invalid` domain (RFC 2606): the placeholders written
    over anonymised identities. Nothing is ever queued for them."""
    return address.strip().rstrip(">").lower().endswith(".invalid")


def queue_message(message: EmailMessage) -> OutboxMessage | None:
    """Add a composed message to the outbox in the current transaction (None, and
    nothing queued, for an undeliverable placeholder address)."""
    if undeliverable(str(message["To"])):
        return None
    row = OutboxMessage(
        recipient=str(message["To"])[:254],
        subject=str(message["Subject"])[:255],
        raw=message.as_string(),
    )
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


def _claim_next(now) -> OutboxMessage | None:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def deliver_due_messages(limit: int = 500, progress: Callable[[int], None] | None = None) -> dict:
    """Deliver pending messages that are due; commits after each one.

    Returns counts {"sent", "retry", "failed"}. A failing backend loses nothing:
    the message stays pending with a later `next_attempt_at`, and is marked
    failed only after OUTBOX_MAX_ATTEMPTS attempts.
    """
    backend = backend_for(current_app.config)
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for _ in range(limit):
        now = utcnow()
        row = _claim_next(now)
        if row is None:
            db.session.rollback()
            break
        row.attempts += 1
        try:
            backend.send(row.id, row.raw)
        except Exception as exc:  # any transport failure: keep the message
            row.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if row.attempts >= max_attempts:
                row.status = "failed"
                counts["failed"] += 1
            else:
                row.next_attempt_at = now + backoff(row.attempts)
                counts["retry"] += 1
        else:
            row.status, row.sent_at, row.last_error = "sent", now, None
            counts["sent"] += 1
        db.session.commit()
        if progress:
            progress(1)
    return counts
