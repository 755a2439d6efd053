"""Items set aside by tick jobs (`labapp.tick.item`): recorded, listed, forgotten once done."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.operations.models import JobFailure


def record_failure(job: str, item: str, error: str) -> None:
    """Set `item` of `job` aside with its error (one row per item; attempts counted)."""
    row = db.session.scalar(select(JobFailure).where(JobFailure.job == job, JobFailure.item == item))
    if row is not None:
        row.error, row.last_failed_at, row.attempts = error, utcnow(), row.attempts + 1
        return
    try:
        with db.session.begin_nested():
            db.session.add(JobFailure(job=job[:80], item=item[:120], error=error[:500]))
    except IntegrityError:  # another tick recorded it at the same moment
        pass


def failing_items(job: str) -> list[str]:
    """Keys of the items of `job` currently set aside (cursor-based jobs add them back)."""
    return list(db.session.scalars(select(JobFailure.item).where(JobFailure.job == job)))


def forget_failures_of_done_items(outcome) -> None:
    """Remove the failures of the items `outcome`'s job has now done."""
    if not outcome.done_keys:
        return
    failing = set(failing_items(outcome.name)) & outcome.done_keys
    if failing:
        db.session.execute(delete(JobFailure).where(JobFailure.job == outcome.name,
                                                    JobFailure.item.in_(sorted(failing))))


def job_failures(limit: int = 200) -> list[JobFailure]:
    return list(db.session.scalars(select(JobFailure).order_by(JobFailure.last_failed_at.desc(),
                                                               JobFailure.id).limit(limit)))
