"""`flask tick` job applying the retention periods."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from labapp.privacy import audit
from labapp.privacy.retention import STEP_TABLES, RetentionPolicy, apply_retention
from labapp.tick import tick_job


@tick_job("privacy_retention", order=90)
def retention_job(now: datetime) -> int:
    """Anonymise and purge what is past its retention period; one audit entry per step
    that changed something (how many rows, never which). Idempotent."""
    counts = apply_retention(now, RetentionPolicy.from_config(current_app.config))
    for step, count in counts.items():
        if count:
            audit.record_action("retention_applied", STEP_TABLES[step], fields=[step], count=count)
    return sum(counts.values())
