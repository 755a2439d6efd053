"""`flask tick`: the work that is due, run from cron on one or several hosts.

Domains register jobs with `@tick_job`. Each job takes the current UTC time,
does its due work idempotently (state recorded in the same transaction as the
e-mails it queues) and returns how many things it did. The outbox is
delivered last, so that what the jobs queued goes out in the same tick.

Nothing one job or one item does can stop the others:
- each job runs in its own transaction and error boundary (`run_due_jobs`): a job
  that raises is rolled back, logged with its traceback, and the next job runs;
- inside a job, each item (an invitation, a survey, a reminder) runs in `item(key)`,
  a savepoint: an item that raises is rolled back alone, logged, and set aside as a
  `JobFailure` (shown to admins, tried again by the next tick), and the loop goes on;
- long jobs call `checkpoint()` between items, which commits once the transaction
  has lasted BATCH_SECONDS, so that on SQLite a request never waits long behind a tick.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from labapp.extensions import db

TickJob = Callable[[datetime], int]
_JOBS: list[tuple[int, str, TickJob]] = []
BATCH_SECONDS = 0.1

log = logging.getLogger("labapp.tick")


def tick_job(name: str, order: int = 50):
    """Register a due-work job; lower `order` runs first."""

    def register(fn: TickJob) -> TickJob:
        if all(existing != name for _, existing, _ in _JOBS):
            _JOBS.append((order, name, fn))
            _JOBS.sort(key=lambda job: job[0])
        return fn

    return register


@dataclass
class JobOutcome:
    """What one job did in one tick: its count, the items it set aside, its own error."""

    name: str
    count: int = 0
    failed_items: list[tuple[str, str]] = field(default_factory=list)  # (item key, error)
    done_keys: set[str] = field(default_factory=set)
    error: str | None = None
    batch_started: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.failed_items


_CURRENT: contextvars.ContextVar[JobOutcome | None] = contextvars.ContextVar("tick_job", default=None)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def run_job(name: str, job: TickJob, now: datetime) -> JobOutcome:
    """Run one job in its own transaction and error boundary; never raises."""
    from labapp.operations.failures import forget_failures_of_done_items

    outcome = JobOutcome(name)
    token = _CURRENT.set(outcome)
    try:
        outcome.count = job(now) or 0
        forget_failures_of_done_items(outcome)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.exception("tick job %r failed", name)
        outcome.error = _describe(exc)
    finally:
        _CURRENT.reset(token)
    return outcome


def run_due_jobs(now: datetime) -> list[JobOutcome]:
    """Run every registered job, each on its own; returns their outcomes in order."""
    return [run_job(name, job, now) for _, name, job in list(_JOBS)]


@contextmanager
def item(key: str) -> Iterator[None]:
    """One item of the running job in a savepoint. An exception inside rolls back this
    item only; it is logged and set aside (JobFailure `key`) and the `with` block ends
    normally, so the job's loop goes on. Outside a tick job, exceptions propagate."""
    from labapp.operations.failures import record_failure

    outcome = _CURRENT.get()
    if outcome is None:
        yield
        return
    try:
        with db.session.begin_nested():
            yield
    except Exception as exc:
        log.exception("tick job %r: item %s failed", outcome.name, key)
        error = _describe(exc)
        outcome.failed_items.append((key, error))
        record_failure(outcome.name, key, error)
    else:
        outcome.done_keys.add(key)


def checkpoint() -> None:
    """Commit the running job's work so far once its transaction has lasted
    BATCH_SECONDS (call it where the job holds no lock it still needs)."""
    outcome = _CURRENT.get()
    if outcome is None:
        return
    if time.monotonic() - outcome.batch_started >= BATCH_SECONDS:
        db.session.commit()
        outcome.batch_started = time.monotonic()
