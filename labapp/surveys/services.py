"""Survey rules: invitations (capability links), anonymous submission, results.

Tokens: 256 bits from `secrets`, only their SHA-256 stored, single use, valid
`SURVEY_VALID_DAYS` days (30 by default). A response carries no link to the
person or the invitation; the invitation only records that it was answered,
coarsened to the Paris day like the response's `submitted_on`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update

from labapp.db_types import utcnow
from labapp.errors import Conflict, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.input_checks import digits_value
from labapp.mail.services import queue_mail
from labapp.secrets_util import hash_secret, new_secret
from labapp.surveys.models import (
    OVERALL,
    SCALE5_LABELS,
    Answer,
    Invitation,
    Question,
    Questionnaire,
    RoomLink,
    SurveyDispatch,
    SurveyResponse,
)
from labapp.surveys.questionnaires import ensure_questionnaire
from labapp.surveys.rules import (
    MIN_ANSWERS,
    details_allowed,
    pool_small_groups,
    response_rate,
    satisfaction_rate,
)
from labapp.timeutil import PARIS

MAX_TEXT = 2000


def config(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def min_answers() -> int:
    """The anonymity threshold: fewer answers about a session or project show no detail."""
    return config("SURVEY_MIN_ANSWERS", MIN_ANSWERS)


def paris_day(now: datetime) -> date:
    return now.astimezone(PARIS).date()


def day_start_utc(now: datetime) -> datetime:
    """The UTC instant of the start of `now`'s Paris day (coarsened timestamps)."""
    return datetime.combine(paris_day(now), time(0), tzinfo=PARIS).astimezone(now.tzinfo)


# --- invitations ---------------------------------------------------------------------------

@dataclass
class Recipient:
    email: str
    name: str = ""


def invite(target_kind: str, target_id: int, target_title: str, recipients: list[Recipient],
           now: datetime | None = None) -> int:
    """Invite each recipient (once per target and e-mail) and queue their e-mail; returns count."""
    now = now or utcnow()
    questionnaire = ensure_questionnaire(target_kind)
    valid_days = config("SURVEY_VALID_DAYS", 30)
    already = set(db.session.scalars(select(Invitation.email).where(
        Invitation.target_kind == target_kind, Invitation.target_id == target_id)))
    sent = 0
    for recipient in recipients:
        email = (recipient.email or "").strip().lower()
        if not email or email in already:
            continue
        already.add(email)
        token = new_secret()
        invitation = Invitation(token_hash=hash_secret(token), email=email, name=recipient.name or "",
                                questionnaire=questionnaire, target_kind=target_kind,
                                target_id=target_id, created_at=now,
                                expires_at=now + timedelta(days=valid_days))
        db.session.add(invitation)
        queue_mail(email, f"Votre avis : {target_title}"[:200], "survey_invitation",
                   name=recipient.name, target_title=target_title, path=_form_path(token),
                   expires_at=invitation.expires_at, reminder=False)
        sent += 1
    db.session.flush()
    return sent


def _form_path(token: str) -> str:
    """The form's path (no request needed: ticks run from cron); prefix it with BASE_URL."""
    return current_app.url_map.bind("").build("surveys.answer", {"token": token})


def claim_target(target_kind: str, target_id: int) -> bool:
    """Record that a target's survey is being sent; False if another tick already did.

    A unique row per target, inserted in a savepoint: two ticks racing on the same
    target cannot both win (the loser gets an IntegrityError, turned into False).
    """
    from sqlalchemy.exc import IntegrityError

    exists = db.session.scalar(select(SurveyDispatch.id).where(
        SurveyDispatch.target_kind == target_kind, SurveyDispatch.target_id == target_id))
    if exists:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(SurveyDispatch(target_kind=target_kind, target_id=target_id))
    except IntegrityError:
        return False
    return True


def send_reminder(invitation: Invitation, target_title: str, now: datetime) -> bool:
    """Remind once: a conditional UPDATE claims the invitation; False if already reminded/answered."""
    token = new_secret()
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.reminded_at.is_(None),
               Invitation.answered_at.is_(None), Invitation.expires_at > now)
        .values(reminded_at=now, reminder_token_hash=hash_secret(token))
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    queue_mail(invitation.email, f"Rappel – votre avis : {target_title}"[:200], "survey_invitation",
               name=invitation.name, target_title=target_title, path=_form_path(token),
               expires_at=invitation.expires_at, reminder=True)
    return True


def invitation_for_token(token: str) -> Invitation:
    """The invitation of a link token (either of its two links); NotFound for unknown/forged ones."""
    if not token or len(token) > 100:
        raise NotFound("Ce lien n'existe pas.")
    digest = hash_secret(token)
    invitation = db.session.scalar(select(Invitation).where(
        or_(Invitation.token_hash == digest, Invitation.reminder_token_hash == digest)))
    if invitation is None:
        raise NotFound("Ce lien n'existe pas.")
    return invitation


def invitation_state(invitation: Invitation, now: datetime | None = None) -> str:
    """`open`, `used` or `expired`."""
    if invitation.answered_at is not None:
        return "used"
    if (now or utcnow()) >= invitation.expires_at:
        return "expired"
    return "open"


# --- answering -----------------------------------------------------------------------------

@dataclass
class CleanAnswer:
    question: Question
    value: int | None = None
    option_id: int | None = None
    text: str | None = None


def clean_answers(questionnaire: Questionnaire, raw: Mapping[str, object]) -> list[CleanAnswer]:
    """Check raw answers keyed by question code; ValidationFailed with every field's message."""
    errors: dict[str, list[str]] = {}
    cleaned = []
    for question in questionnaire.active_questions:
        value = raw.get(question.code)
        value = value.strip() if isinstance(value, str) else value
        if value in (None, ""):
            if question.required:
                errors[question.code] = ["Veuillez répondre à cette question."]
            continue
        if question.kind == "scale5":
            number = digits_value(str(value)) if isinstance(value, int | str) else None
            if number not in SCALE5_LABELS:
                errors[question.code] = ["Choisissez une réponse de l'échelle proposée (1 à 5)."]
                continue
            cleaned.append(CleanAnswer(question, value=number))
        elif question.kind == "choice":
            option = next((o for o in question.options if o.code == value), None)
            if option is None:
                errors[question.code] = ["Choisissez l'une des réponses proposées."]
                continue
            cleaned.append(CleanAnswer(question, option_id=option.id))
        else:
            text = str(value)
            if len(text) > MAX_TEXT:
                errors[question.code] = [f"{MAX_TEXT} caractères au plus."]
                continue
            cleaned.append(CleanAnswer(question, text=text))
    if errors:
        raise ValidationFailed("Certaines réponses manquent ou ne sont pas valides.", errors)
    return cleaned


def store_response(questionnaire: Questionnaire, target_kind: str, target_id: int,
                    answers: list[CleanAnswer], channel: str, now: datetime) -> SurveyResponse:
    response = SurveyResponse(questionnaire_id=questionnaire.id, target_kind=target_kind,
                              target_id=target_id, submitted_on=paris_day(now), channel=channel,
                              answers=[Answer(question_id=a.question.id, value=a.value,
                                              option_id=a.option_id, text=a.text) for a in answers])
    db.session.add(response)
    db.session.flush()
    return response


def submit_invitation(token: str, raw: Mapping[str, object], now: datetime | None = None) -> SurveyResponse:
    """Answer through a personal link: once, before expiry. Conflict if used or expired."""
    now = now or utcnow()
    invitation = invitation_for_token(token)
    answers = clean_answers(invitation.questionnaire, raw)
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.answered_at.is_(None),
               Invitation.expires_at > now)
        .values(answered_at=day_start_utc(now))
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(invitation)
        state = invitation_state(invitation, now)
        raise Conflict("Ce lien a déjà servi : votre première réponse est conservée."
                       if state == "used" else "Ce lien a expiré.")
    return store_response(invitation.questionnaire, invitation.target_kind, invitation.target_id,
                           answers, "link", now)


def room_link(target_kind: str, target_id: int, now: datetime | None = None) -> RoomLink:
    """The short in-room link of a target, created on first use (open 7 days, renewed on view)."""
    now = now or utcnow()
    ensure_questionnaire(target_kind)
    link = db.session.scalar(select(RoomLink).where(RoomLink.target_kind == target_kind,
                                                    RoomLink.target_id == target_id))
    if link is None:
        link = RoomLink(code=secrets.token_urlsafe(6), target_kind=target_kind, target_id=target_id,
                        created_at=now, closes_at=now + timedelta(days=7))
        db.session.add(link)
    elif link.closes_at < now + timedelta(days=1):
        link.closes_at = now + timedelta(days=7)
    db.session.flush()
    return link


def room_link_for_code(code: str, now: datetime | None = None) -> RoomLink:
    link = db.session.scalar(select(RoomLink).where(RoomLink.code == (code or "")[:16]))
    if link is None or link.closes_at <= (now or utcnow()):
        raise NotFound("Ce lien n'existe pas ou n'est plus ouvert.")
    return link


def submit_in_room(code: str, raw: Mapping[str, object], now: datetime | None = None) -> SurveyResponse:
    """Answer anonymously through the in-room link, within its window and its limit
    (`room.submit`; one per browser is the caller's cookie)."""
    from labapp.surveys import room

    return room.submit(code, raw, now)


# --- results -------------------------------------------------------------------------------

def overall_counts_by_target(target_kind: str | None = None,
                             target_ids: list[int] | None = None) -> dict[tuple[str, int], dict[int, int]]:
    """Answers to the overall question, {(target_kind, target_id): {value 1..5: count}}.

    One grouped query. For the `taux_satisfaction` indicator: select the targets
    (sessions held / projects completed in the year), call this, merge the
    distributions (`rules.merge_counts`) and apply `rules.satisfaction_rate`.
    """
    query = (
        select(SurveyResponse.target_kind, SurveyResponse.target_id, Answer.value, func.count())
        .join(Answer, Answer.response_id == SurveyResponse.id)
        .join(Question, Question.id == Answer.question_id)
        .where(Question.code == OVERALL, Answer.value.is_not(None))
        .group_by(SurveyResponse.target_kind, SurveyResponse.target_id, Answer.value)
    )
    if target_kind is not None:
        query = query.where(SurveyResponse.target_kind == target_kind)
    if target_ids is not None:
        query = query.where(SurveyResponse.target_id.in_(target_ids))
    result: dict[tuple[str, int], dict[int, int]] = {}
    for kind, target_id, value, count in db.session.execute(query):
        result.setdefault((kind, target_id), {})[value] = count
    return result


@dataclass
class QuestionResult:
    question: Question
    counts: list[tuple[str, str, int]] = field(default_factory=list)  # (code, label, count)
    texts: list[str] = field(default_factory=list)


@dataclass
class Results:
    """Results of one or several targets. Details only when `detailed` (RGPD threshold)."""

    responses: int
    invited: int
    answered: int
    overall: dict[int, int]
    min_answers: int
    questions: list[QuestionResult]
    # Sessions or projects whose comments are withheld (each under the threshold).
    small_groups: int = 0

    @property
    def detailed(self) -> bool:
        return details_allowed(self.responses, self.min_answers)

    @property
    def satisfaction(self) -> float | None:
        return satisfaction_rate(self.overall)

    @property
    def response_rate(self) -> float | None:
        return response_rate(self.invited, self.answered)

    @property
    def unanswered(self) -> int:
        return self.invited - self.answered


def results_for(target_kind: str, target_ids: list[int]) -> Results:
    """Response and satisfaction figures, distributions and comments for these targets."""
    questionnaire = ensure_questionnaire(target_kind)
    minimum = min_answers()
    in_targets = (SurveyResponse.target_kind == target_kind, SurveyResponse.target_id.in_(target_ids))
    per_target = db.session.execute(
        select(SurveyResponse.target_id, func.count(SurveyResponse.id)).where(*in_targets)
        .group_by(SurveyResponse.target_id)).all()
    responses = sum(count for _, count in per_target)
    # Free text is read only from the sessions or projects that reach the threshold.
    large, small = pool_small_groups(per_target, minimum, size=lambda row: row[1])
    invited, answered = db.session.execute(
        select(func.count(Invitation.id), func.count(Invitation.answered_at)).where(
            Invitation.target_kind == target_kind, Invitation.target_id.in_(target_ids))).one()
    rows = db.session.execute(
        select(Answer.question_id, Answer.value, Answer.option_id, func.count())
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .where(*in_targets, Answer.text.is_(None))
        .group_by(Answer.question_id, Answer.value, Answer.option_id)).all()
    by_question: dict[int, dict] = {}
    for question_id, value, option_id, count in rows:
        by_question.setdefault(question_id, {})[value if value is not None else f"o{option_id}"] = count
    overall_q = next(q for q in questionnaire.questions if q.code == OVERALL)
    detailed = details_allowed(responses, minimum)
    overall = {k: v for k, v in by_question.get(overall_q.id, {}).items()
               if isinstance(k, int)} if detailed else {}
    questions = []
    texts: dict[int, list[str]] = {}
    if detailed:
        for question_id, text in db.session.execute(
                select(Answer.question_id, Answer.text)
                .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
                .where(*in_targets, Answer.text.is_not(None), Answer.text != "",
                       SurveyResponse.target_id.in_([target_id for target_id, _ in large]))
                .order_by(Answer.id)):
            texts.setdefault(question_id, []).append(text)
    for question in questionnaire.questions:
        counts = by_question.get(question.id, {})
        if question.kind == "scale5":
            items = [(str(v), label, counts.get(v, 0)) for v, label in SCALE5_LABELS.items()]
        elif question.kind == "choice":
            items = [(o.code, o.label, counts.get(f"o{o.id}", 0)) for o in question.options]
        else:
            items = []
        questions.append(QuestionResult(question, items if detailed else [],
                                        texts.get(question.id, [])))
    return Results(responses=responses, invited=invited, answered=answered or 0, overall=overall,
                   min_answers=minimum, questions=questions, small_groups=len(small))


@dataclass
class TargetCounts:
    """Counts only (never details): anonymous responses, invitations sent, invitations answered."""

    responses: int = 0
    invited: int = 0
    answered: int = 0

    @property
    def response_rate(self) -> float | None:
        return response_rate(self.invited, self.answered)


def counts_by_target(target_kind: str, target_ids: list[int]) -> dict[int, TargetCounts]:
    """{target_id: TargetCounts} for each of `target_ids`, in two grouped queries."""
    counts = {target_id: TargetCounts() for target_id in target_ids}
    if not target_ids:
        return counts
    for target_id, responses in db.session.execute(
            select(SurveyResponse.target_id, func.count(SurveyResponse.id))
            .where(SurveyResponse.target_kind == target_kind,
                   SurveyResponse.target_id.in_(target_ids))
            .group_by(SurveyResponse.target_id)):
        counts[target_id].responses = responses
    for target_id, invited, answered in db.session.execute(
            select(Invitation.target_id, func.count(Invitation.id), func.count(Invitation.answered_at))
            .where(Invitation.target_kind == target_kind, Invitation.target_id.in_(target_ids))
            .group_by(Invitation.target_id)):
        counts[target_id].invited, counts[target_id].answered = invited, answered
    return counts
