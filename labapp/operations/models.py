"""The state of the background work: the last tick, and the items a job set aside."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from labapp.db_types import UTCDateTime, utcnow
from labapp.extensions import db


class TickRun(db.Model):
    """The latest `flask tick` (one row, name "tick"), whichever host ran it.

    `finished_at` is when it last completed; `problems` how many jobs failed, items were
    set aside or deliveries failed in that run; `report` its summary (French text)."""

    __tablename__ = "tick_runs"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    problems: Mapped[int] = mapped_column(default=0)
    report: Mapped[str] = mapped_column(Text, default="")


class JobFailure(db.Model):
    """An item a tick job could not do (set aside, tried again at every tick until it works).

    `item` names it in the job's terms (e.g. "registration:42"); times are UTC."""

    __tablename__ = "job_failures"
    __table_args__ = (UniqueConstraint("job", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(80))
    item: Mapped[str] = mapped_column(String(120))
    error: Mapped[str] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(default=1)
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
