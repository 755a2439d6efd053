"""Demo data: `flask seed-demo`. Idempotent: every seeder looks before it adds.

Domains register seeders with `@demo_seeder`; they run in `order`, each in the
same transaction, committed once at the end.
"""

from __future__ import annotations

from collections.abc import Callable

from labapp.auth.services import create_user, find_user_by_email

DEMO_PASSWORD = "demo-lab-minnov"
DEMO_ACCOUNTS = [
    ("agent@interieur.gouv.fr", "agent", "Camille Agent"),
    ("agent2@interieur.gouv.fr", "agent", "Dominique Préfecture"),
    ("equipe@interieur.gouv.fr", "team", "Sacha Équipe"),
    ("admin@interieur.gouv.fr", "admin", "Alex Admin"),
]

_SEEDERS: list[tuple[int, str, Callable[[], None]]] = []


def demo_seeder(name: str, order: int = 50):
    """Register a domain's demo seeder (it must be idempotent)."""

    def register(fn):
        if all(existing != name for _, existing, _ in _SEEDERS):
            _SEEDERS.append((order, name, fn))
            _SEEDERS.sort(key=lambda s: s[0])
        return fn

    return register


@demo_seeder("accounts", order=0)
def seed_accounts() -> None:
    for email, role, name in DEMO_ACCOUNTS:
        if find_user_by_email(email) is None:
            create_user(email, role=role, name=name, password=DEMO_PASSWORD)


def seed_demo() -> list[str]:
    """Run every registered seeder; returns their names in order."""
    names = []
    for _, name, seeder in list(_SEEDERS):
        seeder()
        names.append(name)
    return names
