"""`flask tick`: the work that is due, run from cron on one or several hosts.

Domains register jobs with `@tick_job`. Each job takes the current UTC time,
does its due work idempotently (state recorded in the same transaction as the
e-mails it queues) and returns how many things it did. The outbox is
delivered last, so that what the jobs queued goes out in the same tick.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from labapp.extensions import db

TickJob = Callable[[datetime], int]
_JOBS: list[tuple[int, str, TickJob]] = []


def tick_job(name: str, order: int = 50):
    """Register a due-work job; lower `order` runs first."""

    def register(fn: TickJob) -> TickJob:
        if all(existing != name for _, existing, _ in _JOBS):
            _JOBS.append((order, name, fn))
            _JOBS.sort(key=lambda job: job[0])
        return fn

    return register


def run_due_jobs(now: datetime) -> dict[str, int]:
    """Run every registered job, committing after each; returns counts by job."""
    results: dict[str, int] = {}
    for _, name, job in list(_JOBS):
        try:
            results[name] = job(now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return results
