import re
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from labapp.db_types import utcnow
from labapp.errors import Conflict, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.secrets_util import hash_secret
from labapp.surveys import services
from labapp.surveys.jobs import project_surveys, survey_reminders
from labapp.surveys.models import Invitation, SurveyDispatch, SurveyResponse
from labapp.surveys.rules import merge_counts, satisfaction_rate
from tests.survey_answers import store_answer

GOOD = {"overall": "5", "usefulness": "yes", "recommend": "yes", "improve": "Rien"}


@pytest.mark.parametrize(("counts", "expected"), [
    ({}, None),
    ({5: 1}, 1.0),
    ({4: 1, 3: 1}, 0.5),
    ({1: 2, 2: 1, 3: 1}, 0.0),
    ({5: 3, 4: 1, 3: 1, 2: 0, 1: 0}, 0.8),
    ({9: 4}, None),
])
def test_satisfaction_rate(counts, expected):
    assert satisfaction_rate(counts) == expected


def test_merge_counts():
    assert merge_counts([{5: 1}, {5: 2, 1: 1}]) == {5: 3, 1: 1}


def invite_one(email="lou@example.org", kind="project", target_id=1, now=None):
    services.invite(kind, target_id, "Projet test", [services.Recipient(email, "Lou")], now)
    db.session.commit()
    return db.session.scalar(select(Invitation).where(Invitation.email == email))


def token_from(mail) -> str:
    body = mail.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://lab\.test/avis/([A-Za-z0-9_-]+)", body).group(1)


def deliver():
    from labapp.mail.services import deliver_due_messages

    deliver_due_messages()


def test_token_is_256_bits_stored_only_as_hash(app, mails):
    invitation = invite_one()
    deliver()
    token = token_from(mails()[0])
    assert len(token) >= 43
    assert invitation.token_hash == hash_secret(token)
    row_values = [str(getattr(invitation, c.key)) for c in inspect(Invitation).columns]
    assert all(token not in value for value in row_values)
    assert services.invitation_for_token(token) == invitation


def test_token_works_once_and_first_answer_is_kept(app, mails):
    invite_one()
    deliver()
    token = token_from(mails()[0])
    services.submit_invitation(token, GOOD)
    db.session.commit()
    with pytest.raises(Conflict):
        services.submit_invitation(token, {**GOOD, "overall": "1"})
    db.session.rollback()
    counts = services.overall_counts_by_target("project")
    assert counts == {("project", 1): {5: 1}}


def test_token_expires(app, mails):
    past = utcnow() - timedelta(days=31)
    invite_one(now=past)
    deliver()
    token = token_from(mails()[0])
    assert services.invitation_state(services.invitation_for_token(token)) == "expired"
    with pytest.raises(Conflict):
        services.submit_invitation(token, GOOD)


def test_validity_is_configurable(app):
    app.config["SURVEY_VALID_DAYS"] = 2
    invitation = invite_one()
    assert invitation.expires_at - invitation.created_at == timedelta(days=2)


@pytest.mark.parametrize("token", ["forged", "", "x" * 200, "A" * 43])
def test_unknown_token_is_not_found(app, token):
    invite_one()
    with pytest.raises(NotFound):
        services.invitation_for_token(token)


@pytest.mark.parametrize(("raw", "field"), [
    ({**GOOD, "overall": None}, "overall"),
    ({**GOOD, "overall": "6"}, "overall"),
    ({**GOOD, "overall": "0"}, "overall"),
    ({**GOOD, "overall": "-1"}, "overall"),
    ({**GOOD, "overall": "très"}, "overall"),
    ({**GOOD, "usefulness": "maybe"}, "usefulness"),
    ({**GOOD, "recommend": "perhaps"}, "recommend"),
])
def test_bad_answers_store_nothing(app, mails, raw, field):
    invite_one()
    deliver()
    token = token_from(mails()[0])
    with pytest.raises(ValidationFailed) as caught:
        services.submit_invitation(token, raw)
    assert field in caught.value.errors
    db.session.rollback()
    assert db.session.scalar(select(SurveyResponse.id)) is None
    assert services.invitation_state(services.invitation_for_token(token)) == "open"


def test_only_the_overall_question_is_required(app, mails):
    invite_one()
    deliver()
    token = token_from(mails()[0])
    services.submit_invitation(token, {"overall": "4"})
    db.session.commit()
    assert db.session.scalar(select(SurveyResponse.id)) is not None


def test_response_has_no_link_to_person_or_invitation(app):
    from labapp.surveys.models import Answer

    for model in (SurveyResponse, Answer):
        columns = {c.name for c in model.__table__.columns}
        targets = {fk.column.table.name for fk in model.__table__.foreign_keys}
        assert not columns & {"email", "name", "invitation_id", "user_id", "token_hash"}
        assert not targets & {"users", "survey_invitations"}
    assert "submitted_at" not in {c.name for c in SurveyResponse.__table__.columns}


def test_completed_project_survey_sent_once_and_reminded_once(app, create_project, mails):
    project = create_project(status="completed")
    create_project(status="in_progress")
    now = utcnow()
    assert project_surveys(now) == 1
    db.session.commit()
    assert project_surveys(now) == 0
    assert db.session.scalar(select(SurveyDispatch.target_id)) == project.id
    invitation = db.session.scalar(select(Invitation))
    assert invitation.email == project.requested_by.email
    assert survey_reminders(now + timedelta(days=6)) == 0
    assert survey_reminders(now + timedelta(days=7, minutes=1)) == 1
    db.session.commit()
    assert survey_reminders(now + timedelta(days=8)) == 0
    db.session.commit()
    deliver()
    sent = mails()
    assert len(sent) == 2 and "Rappel" in sent[1]["Subject"]
    first, second = token_from(sent[0]), token_from(sent[1])
    assert first != second
    assert services.invitation_for_token(first) == services.invitation_for_token(second)
    services.submit_invitation(second, GOOD)
    db.session.commit()
    with pytest.raises(Conflict):
        services.submit_invitation(first, GOOD)


def test_no_reminder_after_answer(app, create_project, mails):
    create_project(status="completed")
    now = utcnow()
    project_surveys(now)
    db.session.commit()
    deliver()
    services.submit_invitation(token_from(mails()[0]), GOOD)
    db.session.commit()
    assert survey_reminders(now + timedelta(days=10)) == 0


def test_small_group_threshold(app):
    for i in range(4):
        invite_one(email=f"p{i}@example.org")
    room = services.room_link("project", 1)
    for value in ("5", "4", "2", "3"):
        store_answer(room, {**GOOD, "overall": value, "improve": "secret"})
    db.session.commit()
    results = services.results_for("project", [1])
    assert results.responses == 4 and results.invited == 4 and not results.detailed
    assert results.overall == {} and all(not q.counts and not q.texts for q in results.questions)
    store_answer(room, {**GOOD, "overall": "1"})
    db.session.commit()
    results = services.results_for("project", [1])
    assert results.detailed and results.satisfaction == 0.4
    assert results.overall == {5: 1, 4: 1, 3: 1, 2: 1, 1: 1}
    improve = next(q for q in results.questions if q.question.code == "improve")
    assert improve.texts.count("secret") == 4


def test_overall_counts_grouped_by_target_in_one_query(app):
    from tests.querycount import count_queries

    a, b = services.room_link("project", 1), services.room_link("session", 7)
    store_answer(a, GOOD)
    store_answer(b, {**GOOD, "overall": "2"})
    db.session.commit()
    with count_queries() as counter:
        counts = services.overall_counts_by_target()
    assert counts == {("project", 1): {5: 1}, ("session", 7): {2: 1}}
    assert counter.count == 1
