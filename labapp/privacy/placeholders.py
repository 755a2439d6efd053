"""Non-identifying placeholders written over anonymised identities.

E-mail placeholders live in the reserved `.invalid` top-level domain (RFC 2606):
they can never reach anybody, and the outbox drops them. Each one carries the
row's kind and id, so it is unique: "one active registration per (session,
e-mail)", "one invitation per (target, e-mail)", "one contact per (project,
e-mail)" and "one account per e-mail" all stay satisfied.
"""

from __future__ import annotations

from sqlalchemy import String, cast, literal

DOMAIN = "anonyme.invalid"
PARTICIPANT_NAME = "Participant anonymisé"
CONTACT_NAME = "Contact anonymisé"
DELETED_ACCOUNT_NAME = "Compte supprimé"


def placeholder_email(kind: str, row_id: int) -> str:
    """`anonyme-<kind>-<id>@anonyme.invalid`."""
    return f"anonyme-{kind}-{row_id}@{DOMAIN}"


def placeholder_email_sql(kind: str, id_column):
    """The same placeholder computed by the database for every row of a bulk UPDATE."""
    return literal(f"anonyme-{kind}-", String) + cast(id_column, String) + literal(f"@{DOMAIN}", String)


def is_placeholder(email: str | None) -> bool:
    return bool(email) and email.lower().endswith("@" + DOMAIN)


def not_placeholder(column):
    """SQL: the address is a real one (not yet anonymised)."""
    return ~column.like(f"%@{DOMAIN}")
