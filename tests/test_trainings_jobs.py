"""Tick jobs: reminders the day before (once), waiting-list promotions (idempotent)."""

import threading

import pytest
from sqlalchemy import select

from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.mail.services import deliver_due_messages
from labapp.tick import run_due_jobs
from labapp.trainings.jobs import promote_waitlists, send_session_reminders
from labapp.trainings.models import Registration
from tests.fixtures_trainings import at


def test_reminders_go_once_to_confirmed_registrants_of_sessions_within_the_window(
        create_session, register, mails):
    soon = create_session(start_at=at(hours=20), capacity=1, title="Demain")
    later = create_session(start_at=at(days=3), title="Plus tard")
    confirmed = register(soon)
    register(soon)  # waitlisted: no reminder
    register(later)
    deliver_due_messages()
    before = len(mails())
    assert send_session_reminders(utcnow()) == 1
    db.session.commit()
    assert send_session_reminders(utcnow()) == 0
    db.session.commit()
    deliver_due_messages()
    new = mails()[before:]
    assert [(m["To"], m["Subject"]) for m in new] == [
        (confirmed.registration.email, "Rappel : Demain")]
    assert "visio.example.org" in new[0].get_content()


def test_reminder_window_is_configurable(app, create_session, register):
    session = create_session(start_at=at(hours=30))
    register(session)
    assert send_session_reminders(utcnow()) == 0
    app.config["SESSION_REMINDER_HOURS"] = 48
    assert send_session_reminders(utcnow()) == 1


def test_two_ticks_at_once_send_each_reminder_once(app, create_session, register, engine_name):
    sessions = [create_session(start_at=at(hours=10)) for _ in range(3)]
    for session in sessions:
        register(session)
        register(session)
    db.session.remove()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def tick():
        with app.app_context():
            try:
                barrier.wait()
                results.append(next(o.count for o in run_due_jobs(utcnow()) if o.name == "session_reminders"))
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(results) == 6
    reminded = db.session.scalars(select(Registration.reminder_sent_at)).all()
    assert all(reminded) and len(reminded) == 6


def test_waitlist_promotion_job_fills_free_seats_fifo_and_is_idempotent(
        create_session, register, mails):
    session = create_session(capacity=1)
    register(session)
    second, third = register(session), register(session)
    # Free a seat behind the services' back (e.g. a manual fix in the database).
    session.capacity = 2
    db.session.commit()
    assert promote_waitlists(utcnow()) == 1
    db.session.commit()
    assert promote_waitlists(utcnow()) == 0
    assert db.session.get(Registration, second.registration.id).status == "confirmed"
    assert db.session.get(Registration, third.registration.id).status == "waitlisted"


@pytest.mark.parametrize("runs", [1, 2])
def test_flask_tick_runs_the_jobs(runner, create_session, register, runs):
    session = create_session(start_at=at(hours=5))
    register(session)
    for _ in range(runs):
        result = runner.invoke(args=["tick"])
        assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Registration.reminder_sent_at)) is not None
