"""A clock the tests move: `moved_clock(monkeypatch, start)` makes labapp.db_types.utcnow
(which every service, job and column default calls) read it, and returns it."""

from __future__ import annotations

from datetime import datetime, timedelta

from labapp import db_types


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def moved_clock(monkeypatch, start: datetime) -> Clock:
    clock = Clock(start)

    class ClockDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock.now.astimezone(tz) if tz is not None else clock.now.replace(tzinfo=None)

    monkeypatch.setattr(db_types, "datetime", ClockDatetime)
    return clock
