"""In-room answering (short link / QR code): when and how many answers it accepts.

A session's room link accepts answers from `ROOM_OPENS_BEFORE` before its start until
`ROOM_CLOSES_AFTER` after its end, and at most as many as there are people marked present
(or confirmed, while attendance is not taken). A project's room link (a meeting with its
contacts) accepts at most as many answers as the project has contacts. The count is checked
under the target's row lock (FOR UPDATE on PostgreSQL; SQLite transactions are serialised
by BEGIN IMMEDIATE), so concurrent answers never exceed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from labapp.db_types import utcnow
from labapp.errors import Conflict, NotFound
from labapp.extensions import db
from labapp.surveys.models import RoomLink, SurveyResponse
from labapp.surveys.questionnaires import ensure_questionnaire
from labapp.surveys.rules import ROOM_CLOSES_AFTER, ROOM_OPENS_BEFORE, room_state
from labapp.transactions import locked_row

STATE_MESSAGES = {
    "not_yet": "Le questionnaire en salle n'est pas encore ouvert : il ouvre 15 minutes avant "
               "le début de la session.",
    "closed": "Le questionnaire en salle est fermé : il reste ouvert jusqu'à 2 heures après "
              "la fin de la session.",
    "full": "Le questionnaire en salle est complet : autant de personnes ont déjà répondu qu'il "
            "y a de participants.",
}


class RoomUnavailable(Conflict):
    """The room link does not accept an answer now (`state`: not_yet, closed or full)."""

    def __init__(self, state: str):
        super().__init__(STATE_MESSAGES[state])
        self.state = state


@dataclass
class RoomStatus:
    state: str  # open, not_yet, closed, full
    answers: int  # answers given through the room link
    capacity: int  # at most this many
    opens_at: datetime | None = None
    closes_at: datetime | None = None


def _room_answers(link: RoomLink) -> int:
    return db.session.scalar(select(func.count(SurveyResponse.id)).where(
        SurveyResponse.target_kind == link.target_kind,
        SurveyResponse.target_id == link.target_id, SurveyResponse.channel == "room")) or 0


def _lock(model, target_id: int):
    target = locked_row(model, target_id)
    if target is None:
        raise NotFound("Ce lien n'existe pas ou n'est plus ouvert.")
    return target


def session_headcount(session_id: int) -> int:
    """People marked present, or confirmed while attendance is not taken (none marked)."""
    from labapp.trainings.models import Registration

    taken, present, confirmed = db.session.execute(select(
        func.count(Registration.present),
        func.count().filter(Registration.present.is_(True)),
        func.count().filter(Registration.status == "confirmed"),
    ).where(Registration.session_id == session_id)).one()
    return int(present if taken else confirmed)


def room_status(link: RoomLink, now: datetime | None = None, lock: bool = False) -> RoomStatus:
    """Whether the room link accepts an answer at `now`, with its count and its limit
    (`lock`: the target's row is locked first, for a submission)."""
    now = now or utcnow()
    if link.target_kind == "session":
        from labapp.trainings.models import Session

        session = _lock(Session, link.target_id) if lock else db.session.get(Session, link.target_id)
        if session is None:
            raise NotFound("Ce lien n'existe pas ou n'est plus ouvert.")
        capacity = session_headcount(session.id)
        opens, closes = session.start_at - ROOM_OPENS_BEFORE, session.end_at + ROOM_CLOSES_AFTER
        if session.status == "cancelled":
            opens = closes = session.start_at - ROOM_OPENS_BEFORE
    else:
        from labapp.projects.models import Project, ProjectContact

        project = _lock(Project, link.target_id) if lock else db.session.get(Project, link.target_id)
        if project is None:
            raise NotFound("Ce lien n'existe pas ou n'est plus ouvert.")
        capacity = db.session.scalar(select(func.count(ProjectContact.id)).where(
            ProjectContact.project_id == project.id)) or 0
        opens = closes = None
    answers = _room_answers(link)
    return RoomStatus(room_state(now, opens, closes, answers, capacity), answers, capacity,
                      opens, closes)


def submit(code: str, raw: Mapping[str, object], now: datetime | None = None) -> SurveyResponse:
    """Answer anonymously through the room link: within its window and its limit (else
    RoomUnavailable); one per browser is the caller's cookie."""
    from labapp.surveys import services

    now = now or utcnow()
    link = services.room_link_for_code(code, now)
    questionnaire = ensure_questionnaire(link.target_kind)
    answers = services.clean_answers(questionnaire, raw)
    status = room_status(link, now, lock=True)
    if status.state != "open":
        raise RoomUnavailable(status.state)
    return services.store_response(questionnaire, link.target_kind, link.target_id, answers,
                                   "room", now)
