"""Pure survey rules (no database): satisfaction rate, distributions, thresholds."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import TypeVar

SATISFIED_VALUES = (4, 5)
MIN_ANSWERS = 5  # the anonymity threshold (setting SURVEY_MIN_ANSWERS)

G = TypeVar("G")

# The room link of a session: open from a little before it starts to a while after it ends.
ROOM_OPENS_BEFORE = timedelta(minutes=15)
ROOM_CLOSES_AFTER = timedelta(hours=2)


def satisfaction_rate(counts_by_value: Mapping[int, int]) -> float | None:
    """Answers 4 or 5 divided by all answers (1..5) to the overall question; None if none.

    Neutral answers (3) stay in the denominator (Services Publics+ definition).
    """
    total = sum(n for value, n in counts_by_value.items() if 1 <= value <= 5)
    if total == 0:
        return None
    satisfied = sum(counts_by_value.get(v, 0) for v in SATISFIED_VALUES)
    return satisfied / total


def merge_counts(many: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """Sum several {value: count} distributions."""
    merged: dict[int, int] = {}
    for counts in many:
        for value, n in counts.items():
            merged[value] = merged.get(value, 0) + n
    return merged


def response_rate(invited: int, answered: int) -> float | None:
    """Answered invitations / invitations sent; None when nobody was invited."""
    return answered / invited if invited else None


def details_allowed(answer_count: int, minimum: int) -> bool:
    """Detailed results (distribution, comments) only from `minimum` answers up (RGPD)."""
    return answer_count >= minimum


def others_label(minimum: int = MIN_ANSWERS) -> str:
    """The one line small groups are pooled into."""
    return f"autres (moins de {minimum} réponses)"


def pool_small_groups(groups: Iterable[G], minimum: int,
                      size: Callable[[G], int]) -> tuple[list[G], list[G]]:
    """The anonymity rule for every list of sessions or projects: (shown, pooled).

    A group (a session's or a project's answers) with fewer than `minimum` answers is
    never shown on its own: no count, no rate, no free text of it. The small groups
    are pooled into one line (`others_label`), whose figures are shown only if the
    pooled answers themselves reach `minimum` (`details_allowed`). Order is kept.
    """
    shown: list[G] = []
    pooled: list[G] = []
    for group in groups:
        (shown if details_allowed(size(group), minimum) else pooled).append(group)
    return shown, pooled


def room_state(now: datetime, opens: datetime | None, closes: datetime | None,
               answers: int, capacity: int) -> str:
    """Whether an in-room answer is accepted: "open", "not_yet", "closed" or "full" (as many
    answers as people who could give one). No window (`opens`/`closes` None): always in it."""
    if opens is not None and now < opens:
        return "not_yet"
    if closes is not None and now >= closes:
        return "closed"
    if answers >= capacity:
        return "full"
    return "open"
