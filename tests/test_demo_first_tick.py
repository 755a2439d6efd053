"""The demo is history: the first tick after `seed-demo` sends only what falls due after
the seed (issue 15), and a second tick nothing more."""

from __future__ import annotations

from sqlalchemy import func, select

from labapp.calendar.models import CalendarInvitationState
from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.mail.models import OutboxMessage
from labapp.surveys.models import Invitation, SurveyDispatch
from labapp.trainings.models import Registration, Session


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _last_outbox_id() -> int:
    return db.session.scalar(select(func.max(OutboxMessage.id))) or 0


def _tick(runner):
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def test_first_tick_after_seed_sends_only_what_is_due(runner, mails):
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    seeded_at = utcnow()
    # The history's own messages are recorded as sent, none waits for delivery.
    assert _count(OutboxMessage) > 100
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status != "sent")) == 0
    held = db.session.scalars(select(Session.id).where(Session.status == "held")).all()
    surveyed = set(db.session.scalars(select(SurveyDispatch.target_id)
                                      .where(SurveyDispatch.target_kind == "session")))
    assert held and set(held) <= surveyed
    before = (_last_outbox_id(), _count(Invitation), _count(SurveyDispatch),
              _count(CalendarInvitationState))

    _tick(runner)
    new = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > before[0])).all()
    subjects = [m.subject for m in new]
    assert len(new) <= 5, subjects
    # No survey about the demo's past, no invitation for what existed before the seed,
    # no reminder that fell due before it.
    assert not [s for s in subjects if s.startswith(("Votre avis", "Rappel", "Invitation"))]
    assert (_count(Invitation), _count(SurveyDispatch)) == before[1:3]
    assert db.session.scalar(select(func.count()).select_from(CalendarInvitationState).where(
        CalendarInvitationState.sent_at > seeded_at)) == 0
    assert db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.reminder_sent_at > seeded_at)) == 0
    assert len(mails()) == len(new)

    files = len(mails())
    _tick(runner)
    assert _last_outbox_id() == max(before[0], *(m.id for m in new), 0)
    assert len(mails()) == files


def test_what_happens_after_the_seed_is_still_sent(runner, mails):
    """The seed silences its history only: a registration made afterwards gets its
    confirmation and its invitation from the next tick."""
    from labapp.trainings import registrations as regs

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.commit()
    _tick(runner)
    confirmed = (select(func.count()).select_from(Registration)
                 .where(Registration.session_id == Session.id, Registration.status == "confirmed")
                 .correlate(Session).scalar_subquery())
    upcoming = db.session.scalar(
        select(Session).where(Session.status == "scheduled", Session.start_at > utcnow(),
                              confirmed < Session.capacity)
        .order_by(Session.start_at.desc()).limit(1))
    outcome = regs.register(None, upcoming.id, name="Zoé Nouvelle",
                            email="zoe.nouvelle@example.org", consent=True)
    assert outcome.registration.status == "confirmed"
    db.session.commit()
    _tick(runner)
    to_zoe = [m for m in mails() if "zoe.nouvelle@example.org" in str(m["To"])]
    assert len(to_zoe) == 2, [m["Subject"] for m in to_zoe]
    assert any(str(m["Subject"]).startswith("Invitation") for m in to_zoe)
