"""In-room answering (room link / QR code of a session): only around the session, at most as
many answers as participants (safe under concurrency), a room of 40 behind one address within
the rate limits, and the team sees the count."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from labapp.extensions import db, limiter
from labapp.surveys import room, services
from labapp.surveys.models import SurveyResponse
from labapp.surveys.rules import room_state
from tests.fixtures_trainings import at

GOOD = {"overall": "4", "usefulness": "yes", "recommend": "yes"}


def _room_answers(session_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(SurveyResponse.id)).where(
        SurveyResponse.target_kind == "session", SurveyResponse.target_id == session_id,
        SurveyResponse.channel == "room")) or 0


@pytest.fixture
def participants(register, team_user):
    """participants(session, n): n confirmed registrations (the team may register for a
    session that has started)."""
    counter = {"n": 0}

    def make(session, n):
        made = []
        for _ in range(n):
            counter["n"] += 1
            made.append(register(session, team_user, name=f"Présent {counter['n']}",
                                 email=f"present{counter['n']}@example.org").registration)
        return made

    return make


def test_room_state_rule():
    t = at()
    opens, closes = t, t + timedelta(hours=1)
    assert room_state(t - timedelta(seconds=1), opens, closes, 0, 5) == "not_yet"
    assert room_state(t, opens, closes, 4, 5) == "open"
    assert room_state(t, opens, closes, 5, 5) == "full"
    assert room_state(closes, opens, closes, 0, 5) == "closed"
    assert room_state(t, None, None, 0, 1) == "open"
    assert room_state(t, None, None, 0, 0) == "full"


def test_window_from_15_minutes_before_to_2_hours_after(app, create_session, participants):
    session = create_session(start_at=at(hours=1), capacity=10)
    participants(session, 3)
    code = services.room_link("session", session.id).code
    db.session.commit()
    start, end = session.start_at, session.end_at
    with pytest.raises(room.RoomUnavailable) as refused:
        services.submit_in_room(code, GOOD, now=start - timedelta(minutes=16))
    assert refused.value.state == "not_yet" and "pas encore ouvert" in refused.value.message
    services.submit_in_room(code, GOOD, now=start - timedelta(minutes=14))
    services.submit_in_room(code, GOOD, now=end + timedelta(hours=1, minutes=59))
    with pytest.raises(room.RoomUnavailable) as refused:
        services.submit_in_room(code, GOOD, now=end + timedelta(hours=2))
    assert refused.value.state == "closed"
    db.session.commit()
    assert _room_answers(session.id) == 2


def test_at_most_as_many_answers_as_participants(app, client, create_session, participants):
    from labapp.trainings.models import Registration

    session = create_session(start_at=at(hours=-1), capacity=10)
    people = participants(session, 3)
    participants(session, 1)[0].status = "cancelled"  # not counted
    code = services.room_link("session", session.id).code
    db.session.commit()
    for _ in range(3):  # confirmed, attendance not taken: 3
        assert client.post(f"/avis/salle/{code}", data=GOOD).status_code == 302
        client.delete_cookie(f"avis_salle_session_{session.id}", path=f"/avis/salle/{code}")
    full = client.post(f"/avis/salle/{code}", data=GOOD)
    assert full.status_code == 200 and "Questionnaire complet" in full.get_data(as_text=True)
    assert "complet" in client.get(f"/avis/salle/{code}").get_data(as_text=True)
    assert _room_answers(session.id) == 3
    # Attendance taken: 2 present out of 3; the room already holds 3, nothing more.
    for registration, present in zip(people, (True, True, False), strict=True):
        db.session.get(Registration, registration.id).present = present
    db.session.commit()
    assert room.room_status(services.room_link_for_code(code)).capacity == 2
    with pytest.raises(room.RoomUnavailable):
        services.submit_in_room(code, GOOD)
    db.session.rollback()


def test_the_team_sees_the_room_answers(app, client, login, create_session, participants, team_user):
    session = create_session(start_at=at(hours=-1), capacity=10)
    participants(session, 4)
    code = services.room_link("session", session.id).code
    db.session.commit()
    services.submit_in_room(code, GOOD)
    services.submit_in_room(code, GOOD)
    db.session.commit()
    login(team_user)
    text = client.get(f"/equipe/avis/session/{session.id}").get_data(as_text=True)
    assert "Réponses données en salle : <strong>2</strong> (au plus 4" in text
    assert "État : ouvert" in text


def test_the_page_says_when_it_opens(app, client, create_session, participants):
    session = create_session(start_at=at(days=2), capacity=10)
    participants(session, 1)
    code = services.room_link("session", session.id).code
    db.session.commit()
    page = client.get(f"/avis/salle/{code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Questionnaire pas encore ouvert" in html and 'name="overall"' not in html
    assert client.post(f"/avis/salle/{code}", data=GOOD).status_code == 200
    assert _room_answers(session.id) == 0


def test_a_room_of_40_behind_one_address_answers_within_the_limits(app, create_session, participants):
    session = create_session(start_at=at(hours=-1), capacity=50)
    participants(session, 40)
    code = services.room_link("session", session.id).code
    db.session.commit()
    app.config["RATELIMIT_ENABLED"] = True
    limiter.enabled = True
    limiter.reset()
    try:
        statuses = [app.test_client().post(f"/avis/salle/{code}", data=GOOD).status_code
                    for _ in range(40)]
        assert statuses == [302] * 40
        assert app.test_client().post(f"/avis/salle/{code}", data=GOOD).status_code == 200  # full
    finally:
        limiter.reset()
    assert _room_answers(session.id) == 40


def test_simultaneous_answers_never_exceed_the_participants(app, create_session, participants):
    session = create_session(start_at=at(hours=-1), capacity=10)
    participants(session, 3)
    code, session_id = services.room_link("session", session.id).code, session.id
    db.session.commit()
    db.session.remove()
    n = 12
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def answer() -> None:
        with app.app_context():
            barrier.wait()
            try:
                services.submit_in_room(code, GOOD)
                db.session.commit()
                outcomes.append("ok")
            except room.RoomUnavailable as error:
                db.session.rollback()
                outcomes.append(error.state)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=answer) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["full"] * (n - 3) + ["ok"] * 3, outcomes
    assert _room_answers(session_id) == 3
