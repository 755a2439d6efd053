"""Watching the background work: the last tick, what failed, and telling the admins.

A tick that has not completed for TICK_LATE_MINUTES means the cron line (or `make run`'s
ticker) stopped: admins see a banner, `/healthz` says so, and the next tick that runs
e-mails them about the gap. Messages that fail for good are e-mailed to the admins as
one digest per tick (never a digest about a failed digest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from labapp.auth.models import User
from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.mail.models import OutboxMessage
from labapp.mail.services import deliver_due_messages, failed_messages, queue_mail
from labapp.operations.models import JobFailure, TickRun
from labapp.tick import JobOutcome, run_due_jobs

TICK = "tick"
DIGEST_SUBJECT = "[Lab Minnov] Courriels non distribués"
GAP_SUBJECT = "[Lab Minnov] Le travail périodique s'est arrêté"


def late_after() -> timedelta:
    return timedelta(minutes=current_app.config.get("TICK_LATE_MINUTES", 10))


@dataclass(frozen=True)
class Health:
    """What admins must know: the last completed tick (UTC, None if never), whether it is
    late, how many messages failed for good and how many job items are set aside."""

    last_tick: datetime | None
    late: bool
    failed_messages: int
    failed_items: int

    @property
    def alarming(self) -> bool:
        return self.late or bool(self.failed_messages or self.failed_items)


def health(now: datetime | None = None) -> Health:
    """One statement: last tick, failed messages and set-aside items."""
    now = now or utcnow()
    last, mails, items = db.session.execute(select(
        select(func.max(TickRun.finished_at)).where(TickRun.name == TICK).scalar_subquery(),
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.status == "failed").scalar_subquery(),
        select(func.count()).select_from(JobFailure).scalar_subquery(),
    )).one()
    return Health(last_tick=last, late=last is None or now - last > late_after(),
                  failed_messages=mails or 0, failed_items=items or 0)


@dataclass(frozen=True)
class PreviousTick:
    """When the previous tick started and finished (None: there was none)."""

    started_at: datetime | None
    finished_at: datetime | None


def _tick_row(now: datetime) -> tuple[TickRun, bool]:
    """The tick's row, made if missing (two first ticks at once: one inserts, the other
    finds it); and whether it was there before."""
    row = db.session.get(TickRun, TICK, populate_existing=True)
    if row is not None:
        return row, True
    try:
        with db.session.begin_nested():
            db.session.add(TickRun(name=TICK, started_at=now))
    except IntegrityError:
        pass  # another tick made it meanwhile
    return db.session.get(TickRun, TICK, populate_existing=True), False


def start_tick(now: datetime) -> PreviousTick:
    """Record that a tick starts; returns the previous one's times."""
    row, existed = _tick_row(now)
    previous = (PreviousTick(row.started_at, row.finished_at) if existed
                else PreviousTick(None, None))
    row.started_at = now
    db.session.commit()
    return previous


def failed_when_queued(since: datetime | None) -> list[int]:
    """Messages set aside as failed when they were queued (never attempted: an address that
    this configuration cannot deliver) since `since` (all of them with None)."""
    query = select(OutboxMessage.id).where(OutboxMessage.status == "failed",
                                           OutboxMessage.attempts == 0)
    if since is not None:
        query = query.where(OutboxMessage.created_at >= since)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def finish_tick(now: datetime, outcomes: list[JobOutcome], delivery: dict, problems: int) -> None:
    row, _ = _tick_row(now)
    row.finished_at, row.problems = utcnow(), problems
    row.report = "\n".join(
        [f"{o.name} : {o.count}" + (f" (échec : {o.error})" if o.error else "")
         + (f", {len(o.failed_items)} élément(s) mis de côté" if o.failed_items else "")
         for o in outcomes]
        + [f"courriels : {delivery['sent']} envoyé(s), {delivery['retry']} à réessayer, "
           f"{delivery['failed']} en échec"])
    db.session.commit()


@dataclass(frozen=True)
class TickResult:
    """One tick: each job's outcome, the delivery counts, and how many problems (failed
    jobs, set-aside items, failed deliveries) make it exit non-zero."""

    outcomes: list[JobOutcome]
    delivery: dict
    problems: int


def run_tick(now: datetime) -> TickResult:
    """Every due job, each on its own, then the outbox; the admins' notices of this tick
    (gap since the last one, messages failed for good) go out in the same run."""
    previous = start_tick(now)
    outcomes = run_due_jobs(now)
    counts = deliver_due_messages()
    set_aside = failed_when_queued(previous.started_at)
    counts["failed"] += len(set_aside)
    if alert_admins(now, previous, counts["failed_ids"] + set_aside):
        extra = deliver_due_messages()
        for key in ("sent", "retry", "failed"):
            counts[key] += extra[key]
    problems = sum(1 for o in outcomes if not o.ok) + counts["retry"] + counts["failed"]
    finish_tick(now, outcomes, counts, problems)
    return TickResult(outcomes, counts, problems)


def admin_addresses() -> list[str]:
    return list(db.session.scalars(select(User.email).where(User.role == "admin",
                                                            User.active.is_(True))
                                   .order_by(User.id)))


def alert_admins(now: datetime, previous: PreviousTick, failed_ids: list[int]) -> int:
    """Queue the admins' notices of this tick (same transaction); returns how many messages."""
    queued = 0
    if previous.finished_at is not None and now - previous.finished_at > late_after():
        for address in admin_addresses():
            queued += queue_mail(address, GAP_SUBJECT, "tick_gap", since=previous.finished_at,
                                 until=now) is not None
    failed = [m for m in failed_messages(failed_ids) if m.subject != DIGEST_SUBJECT] if failed_ids else []
    if failed:
        for address in admin_addresses():
            queued += queue_mail(address, DIGEST_SUBJECT, "failed_digest", messages=failed) is not None
    db.session.commit()
    return queued


def retry_mail(actor: User | None, ids: list[int] | None) -> int:
    """Put failed messages back in the outbox (`ids`, or all with None), due now; returns
    how many. Admins only (None: the command line). Recorded in the audit log."""
    from labapp.auth.services import require_admin
    from labapp.mail.services import retry_failed_messages
    from labapp.privacy import audit

    if actor is not None:
        require_admin(actor)
    count = retry_failed_messages(ids)
    if count:
        audit.record_action("mail_retried", "outbox_messages",
                            None if ids is None or len(ids) != 1 else ids[0], count=count)
    return count


def operations_alert(user) -> Health | None:
    """For an admin's pages: the health, when something needs them (else None). One
    statement, admins only."""
    if not getattr(user, "is_authenticated", False) or not user.is_admin:
        return None
    state = health()
    return state if state.alarming else None
