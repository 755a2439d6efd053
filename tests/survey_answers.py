"""Test data: survey answers stored as given through a room link, without the room's rules
(its time window and its limit are tested in tests/test_surveys_room.py)."""

from __future__ import annotations

from labapp.db_types import utcnow
from labapp.surveys import services
from labapp.surveys.questionnaires import ensure_questionnaire


def store_answer(link, raw, now=None):
    """One anonymous response about `link`'s target, channel "room"."""
    questionnaire = ensure_questionnaire(link.target_kind)
    return services.store_response(questionnaire, link.target_kind, link.target_id,
                                   services.clean_answers(questionnaire, raw), "room",
                                   now or utcnow())


def open_room_link(participants: int = 5):
    """The room link of a session running now, with `participants` confirmed people
    (raw rows, flushed): its room link accepts that many answers."""
    from datetime import timedelta

    from labapp.extensions import db
    from labapp.trainings.models import Registration, Session

    now = utcnow()
    session = Session(title="Atelier en cours", kind="atelier", start_at=now - timedelta(hours=1),
                      end_at=now + timedelta(hours=1), capacity=max(participants, 1),
                      location="online", video_link="https://visio.example.org/salle")
    db.session.add(session)
    db.session.flush()
    db.session.add_all(Registration(session_id=session.id, name=f"Présent {n}",
                                    email=f"present{n}@example.org", status="confirmed")
                       for n in range(participants))
    return services.room_link("session", session.id)


def open_project_room_link(requester, contacts: int = 5):
    """The room link of a project of `requester` with `contacts` contacts (raw rows)."""
    from labapp.extensions import db
    from labapp.projects.models import Project, ProjectContact

    project = Project(title="Projet en réunion", description="d", direction="DRH",
                      territory="national", status="in_progress", requested_by_id=requester.id)
    db.session.add(project)
    db.session.flush()
    db.session.add_all(ProjectContact(project_id=project.id, name=f"Contact {n}",
                                      email=f"contact{n}@example.org") for n in range(contacts))
    return services.room_link("project", project.id)
