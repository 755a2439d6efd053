"""Similar projects: fuzzy matching on normalised French text (pure functions).

Texts are lower-cased, accents folded, punctuation and French stop words
removed; rapidfuzz's `token_set_ratio` (0..100) compares titles and the
description + keywords, and the best of the weighted scores ranks a candidate.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

STOP_WORDS = frozenset(
    "a au aux avec ce ces dans de des du en et l la le les leur leurs d un une ou par pour "
    "qui que sur se sa son ses nos notre vos votre est sont pas plus il elle ils elles on "
    "nous vous y ne afin entre comme".split()
)
DEFAULT_THRESHOLD = 60.0


def normalise(text: str | None) -> str:
    """Lower case, accents folded, words only, French stop words removed."""
    folded = unicodedata.normalize("NFKD", text or "")
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    words = re.findall(r"[a-z0-9]+", folded)
    return " ".join(w for w in words if w not in STOP_WORDS and len(w) > 1)


@dataclass(frozen=True)
class Candidate:
    """What the matcher needs of an existing project."""

    id: int
    title: str
    body: str  # description and keywords


def similarity_score(title: str, body: str, other: Candidate) -> float:
    """0..100: how alike a (title, body) is to a candidate project."""
    a_title, b_title = normalise(title), normalise(other.title)
    a_body, b_body = normalise(body), normalise(other.body)
    title_score = fuzz.token_set_ratio(a_title, b_title) if a_title and b_title else 0.0
    body_score = fuzz.token_set_ratio(a_body, b_body) if a_body and b_body else 0.0
    whole = fuzz.token_sort_ratio(f"{a_title} {a_body}", f"{b_title} {b_body}")
    return max(0.6 * title_score + 0.4 * body_score, whole)


def rank_similar(title: str, body: str, candidates: Iterable[Candidate],
                 threshold: float = DEFAULT_THRESHOLD, limit: int = 5) -> list[tuple[Candidate, float]]:
    """Candidates scoring at least `threshold`, best first, at most `limit`."""
    scored = [(c, similarity_score(title, body, c)) for c in candidates]
    kept = [(c, round(s, 1)) for c, s in scored if s >= threshold]
    kept.sort(key=lambda pair: (-pair[1], pair[0].id))
    return kept[:limit]
