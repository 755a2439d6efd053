"""Checks of raw input shared by forms, API payloads and services (French messages)."""

from __future__ import annotations

INTEGER_LIMIT = 2**31 - 1  # the largest value of an SQL INTEGER column
TOO_BIG = "Ce nombre est trop grand."
CONTROL_CHARACTERS = "Caractères de contrôle non autorisés."
LONE_SURROGATE = "Texte mal encodé (caractère Unicode isolé)."


def text_problem(value: str) -> str | None:
    """Why no field accepts the text `value` (None when it is fine): control characters other
    than tabs and line breaks (PostgreSQL cannot even store NUL), or a lone UTF-16 surrogate
    (which JSON can carry but UTF-8 cannot encode)."""
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        return CONTROL_CHARACTERS
    if not value.isascii() and any("\ud800" <= c <= "\udfff" for c in value):
        return LONE_SURROGATE
    return None


LINE_BREAK = "Ce champ tient sur une ligne : retirez les retours à la ligne."


def line_problem(value: str | None) -> str | None:
    """Why a one-line text (a name or a title, which e-mails show) is refused: a line break
    or any other control character (it would fake header lines in a mail body)."""
    if value and any(ord(c) < 32 or ord(c) == 127 for c in value):
        return LINE_BREAK
    return None


def within_integer_limit(value: int) -> bool:
    """Whether `value` fits an SQL INTEGER column (and an id lookup)."""
    return -INTEGER_LIMIT <= value <= INTEGER_LIMIT


def digits_value(text: object, max_digits: int = 9) -> int | None:
    """The number written with 1 to `max_digits` ASCII digits, else None (str.isdigit() also
    takes "²" or "١", which int() refuses or reads)."""
    if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= max_digits:
        return int(text)
    return None
