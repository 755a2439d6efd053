"""Questionnaires, invitations and anonymous responses.

Anonymity (RGPD): a `SurveyResponse` has no column linking it to a person or to
an invitation. The invitation only records `answered_at`; the response records
the target and the Paris calendar day of submission (`submitted_on`, coarsened
so that answers cannot be matched to invitations by time).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from labapp.db_types import UTCDateTime, utcnow
from labapp.extensions import db

TARGET_KINDS = ("session", "project")
QUESTION_KINDS = ("scale5", "choice", "text")
OVERALL = "overall"
# interfaces.md: the overall-satisfaction scale, stored as 1..5; satisfied = 4 or 5.
SCALE5 = [
    (5, "Très satisfait(e)"),
    (4, "Plutôt satisfait(e)"),
    (3, "Ni satisfait(e) ni insatisfait(e)"),
    (2, "Plutôt insatisfait(e)"),
    (1, "Très insatisfait(e)"),
]
SCALE5_LABELS = dict(SCALE5)


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Questionnaire(db.Model):
    """A questionnaire for one kind of target (sessions or projects)."""

    __tablename__ = "survey_questionnaires"
    __table_args__ = (CheckConstraint(_in("target_kind", TARGET_KINDS), name="target_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    target_kind: Mapped[str] = mapped_column(String(10), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")

    questions: Mapped[list[Question]] = relationship(
        back_populates="questionnaire", cascade="all, delete-orphan",
        order_by="(Question.position, Question.id)")

    @property
    def active_questions(self) -> list[Question]:
        return [q for q in self.questions if q.active]


class Question(db.Model):
    """A question; `code` is stable across wording edits (results are keyed on it)."""

    __tablename__ = "survey_questions"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "code", name="uq_survey_questions_code"),
        CheckConstraint(_in("kind", QUESTION_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questionnaires.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(300))
    hint: Mapped[str] = mapped_column(String(300), default="")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")
    options: Mapped[list[Option]] = relationship(
        back_populates="question", cascade="all, delete-orphan",
        order_by="(Option.position, Option.id)")


class Option(db.Model):
    """A choice of a `choice` question; `code` is stable across wording edits."""

    __tablename__ = "survey_options"
    __table_args__ = (UniqueConstraint("question_id", "code", name="uq_survey_options_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"),
                                             index=True)
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    question: Mapped[Question] = relationship(back_populates="options")


class Invitation(db.Model):
    """A personal, single-use, expiring link to a questionnaire (SHA-256 of the token stored)."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        CheckConstraint(_in("target_kind", TARGET_KINDS), name="target_kind"),
        UniqueConstraint("target_kind", "target_id", "email", name="uq_survey_invitations_person"),
        Index("ix_survey_invitations_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The reminder carries a second token (the first one is never stored in clear);
    # both links stay valid and lead to the same single-use invitation.
    reminder_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120), default="")
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questionnaires.id"), index=True)
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    questionnaire: Mapped[Questionnaire] = relationship()


class SurveyDispatch(db.Model):
    """Records that a target's survey was sent (one row per target: sending is idempotent)."""

    __tablename__ = "survey_dispatches"
    __table_args__ = (
        CheckConstraint(_in("target_kind", TARGET_KINDS), name="target_kind"),
        UniqueConstraint("target_kind", "target_id", name="uq_survey_dispatches_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyResponse(db.Model):
    """One anonymous set of answers about a target. Never linked to a person or an invitation."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        CheckConstraint(_in("target_kind", TARGET_KINDS), name="target_kind"),
        CheckConstraint(_in("channel", ("link", "room")), name="channel"),
        Index("ix_survey_responses_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questionnaires.id"), index=True)
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column()
    submitted_on: Mapped[date] = mapped_column(Date)  # Paris day only
    channel: Mapped[str] = mapped_column(String(10), default="link")

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan")


class Answer(db.Model):
    """The answer to one question: `value` 1..5 (scale), `option_id` (choice) or `text`."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        CheckConstraint("value IS NULL OR (value >= 1 AND value <= 5)", name="value"),
        UniqueConstraint("response_id", "question_id", name="uq_survey_answers_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"),
                                             index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"), index=True)
    option_id: Mapped[int | None] = mapped_column(ForeignKey("survey_options.id"), index=True)
    value: Mapped[int | None] = mapped_column(SmallInteger)
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
    option: Mapped[Option | None] = relationship()


class RoomLink(db.Model):
    """A short public link (and QR code) for answering in the room, anonymously."""

    __tablename__ = "survey_room_links"
    __table_args__ = (
        CheckConstraint(_in("target_kind", TARGET_KINDS), name="target_kind"),
        UniqueConstraint("target_kind", "target_id", name="uq_survey_room_links_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
