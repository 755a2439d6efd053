"""Pure survey rules (no database): satisfaction rate, distributions, thresholds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

SATISFIED_VALUES = (4, 5)


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
