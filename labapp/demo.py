"""Demo data: `flask seed-demo`. Idempotent: every seeder looks before it adds.

Domains register seeders with `@demo_seeder`; they run in `order`, each in the
same transaction, committed once at the end.

The demo is history: what it records happened before the seed, and the e-mails
that history called for (confirmations, surveys, invitations, reminders) were
sent then. So every seeder records the state the tick jobs read ("survey sent",
"reminder sent", "invitation held") as a real past tick would have left it, and
the messages the seeding queued are marked sent (they stay in the outbox log, no
file or SMTP delivery). The first tick after `seed-demo` then sends only what
falls due after the seed.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import event

from labapp.auth.services import create_user, find_user_by_email
from labapp.db_types import utcnow
from labapp.mail.models import OutboxMessage

DEMO_PASSWORD = "demo-lab-minnov"
DEMO_ACCOUNTS = [
    ("agent@interieur.gouv.fr", "agent", "Camille Agent"),
    ("agent2@interieur.gouv.fr", "agent", "Dominique Préfecture"),
    ("equipe@interieur.gouv.fr", "team", "Sacha Équipe"),
    ("admin@interieur.gouv.fr", "admin", "Alex Admin"),
]

_SEEDERS: list[tuple[int, str, Callable[[], None]]] = []


@dataclass
class SeedRun:
    """The seeding in progress: when it started and the messages it queued."""

    started_at: datetime
    messages: list[OutboxMessage] = field(default_factory=list)


_CURRENT: ContextVar[SeedRun | None] = ContextVar("labapp_demo_seed_run", default=None)


def current_seed() -> SeedRun | None:
    """The seeding running in this context, if any (seeders read its start time)."""
    return _CURRENT.get()


@event.listens_for(OutboxMessage, "init")
def _remember_seed_message(message: OutboxMessage, args, kwargs) -> None:
    run = _CURRENT.get()
    if run is not None:
        run.messages.append(message)


def demo_seeder(name: str, order: int = 50):
    """Register a domain's demo seeder (it must be idempotent)."""

    def register(fn):
        if all(existing != name for _, existing, _ in _SEEDERS):
            _SEEDERS.append((order, name, fn))
            _SEEDERS.sort(key=lambda s: s[0])
        return fn

    return register


@demo_seeder("accounts", order=0)
def seed_accounts() -> None:
    for email, role, name in DEMO_ACCOUNTS:
        if find_user_by_email(email) is None:
            create_user(email, role=role, name=name, password=DEMO_PASSWORD)


def seed_demo() -> list[str]:
    """Run every registered seeder; returns their names in order. The messages the
    seeders queued are history: marked sent, never delivered."""
    run = SeedRun(started_at=utcnow())
    token = _CURRENT.set(run)
    names = []
    try:
        for _, name, seeder in list(_SEEDERS):
            seeder()
            names.append(name)
    finally:
        _CURRENT.reset(token)
    _mark_sent(run.messages)
    return names


def _mark_sent(messages: list[OutboxMessage]) -> None:
    from sqlalchemy import inspect

    from labapp.extensions import db

    now = utcnow()
    for message in messages:
        state = inspect(message)
        if not (state.pending or state.persistent):
            continue  # built but not queued, or undone with its savepoint
        if message.status in (None, "pending"):
            message.status, message.sent_at = "sent", message.created_at or now
            message.attempts = max(message.attempts or 0, 1)
    db.session.flush()
