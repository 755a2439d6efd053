"""Pure rules of the trainings domain (no database): opening of registration,
waiting-list order and promotion. Datetimes are aware UTC."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol


class SessionLike(Protocol):
    status: str
    start_at: datetime
    registration_opens_at: datetime | None
    registration_deadline: datetime | None


class RegistrationLike(Protocol):
    id: int
    status: str
    created_at: datetime


def closed_reason(session: SessionLike, now: datetime) -> str | None:
    """Why registration is closed at `now` (French message), or None when it is open.

    Open means: scheduled, not started (`now < start_at`), opened
    (`registration_opens_at <= now`) and before the deadline (`now < deadline`).
    """
    if session.status == "cancelled":
        return "Cette session est annulée."
    if session.status == "held":
        return "Cette session a déjà eu lieu."
    if now >= session.start_at:
        return "Cette session a déjà commencé : les inscriptions sont closes."
    if session.registration_deadline is not None and now >= session.registration_deadline:
        return "La date limite d'inscription est passée."
    if session.registration_opens_at is not None and now < session.registration_opens_at:
        return "Les inscriptions ne sont pas encore ouvertes."
    return None


def queue_key(registration: RegistrationLike) -> tuple:
    """Waiting-list order: oldest first, id breaks ties."""
    return (registration.created_at, registration.id)


def waitlist(registrations: Iterable[RegistrationLike]) -> list:
    """The waitlisted registrations in queue order."""
    return sorted((r for r in registrations if r.status == "waitlisted"), key=queue_key)


def to_promote(registrations: Sequence[RegistrationLike], capacity: int) -> list:
    """Which waitlisted registrations take the free seats, first in line first."""
    confirmed = sum(1 for r in registrations if r.status == "confirmed")
    free = max(capacity - confirmed, 0)
    return waitlist(registrations)[:free]


def initial_status(confirmed: int, waiting: int, capacity: int) -> str:
    """A newcomer is confirmed only if a seat is free and nobody is waiting before them."""
    return "confirmed" if confirmed < capacity and waiting == 0 else "waitlisted"
