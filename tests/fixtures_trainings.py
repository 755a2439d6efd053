"""Creator fixtures of the trainings domain (a pytest plugin listed in conftest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from labapp.extensions import db


def at(days: float = 0, hours: float = 0) -> datetime:
    """Now (UTC) shifted by days and hours, rounded to the minute."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now + timedelta(days=days, hours=hours)


@pytest.fixture
def team_user(create_user):
    return create_user("team")


@pytest.fixture
def create_session(app, team_user):
    """Creator: create_session(**params) -> a committed Session (defaults: online,
    in 7 days, 2 hours, capacity 2)."""
    from labapp.trainings.services import create_session as service

    def make(actor=None, **params):
        start = params.pop("start_at", at(days=7))
        values = {
            "title": "Entretiens utilisateurs", "kind": "formation", "start_at": start,
            "end_at": start + timedelta(hours=2), "capacity": 2, "location": "online",
            "video_link": "https://visio.example.org/salle-42",
        }
        values.update(params)
        session = service(actor or team_user, **values)
        db.session.commit()
        return session

    return make


@pytest.fixture
def register(app):
    """Creator: register(session, actor=None, **params) -> committed RegistrationOutcome
    (defaults for the public form: a fresh name and e-mail, consent given)."""
    from labapp.trainings.registrations import register as service

    counter = {"n": 0}

    def make(session, actor=None, **params):
        counter["n"] += 1
        if actor is None:
            params.setdefault("name", f"Personne {counter['n']}")
            params.setdefault("email", f"personne{counter['n']}@example.org")
            params.setdefault("consent", True)
        outcome = service(actor, session.id, **params)
        db.session.commit()
        return outcome

    return make
