"""Moving the application's clock in tests: every `labapp` module reads the time
through `labapp.db_types.utcnow`, imported by name, so the fake replaces it in each."""

from __future__ import annotations

import sys
from datetime import datetime

import labapp.db_types

REAL_UTCNOW = labapp.db_types.utcnow


def move_clock(monkeypatch, when: datetime) -> None:
    """From now on (until the test ends), `utcnow()` is `when` everywhere in labapp."""
    def fake() -> datetime:
        return when

    fake.moved_clock = True
    for name, module in list(sys.modules.items()):
        if not (name == "labapp" or name.startswith("labapp.")) or module is None:
            continue
        current = getattr(module, "utcnow", None)
        if current is REAL_UTCNOW or getattr(current, "moved_clock", False):
            monkeypatch.setattr(module, "utcnow", fake)
