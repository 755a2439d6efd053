"""The last seat holds: 30 simultaneous registrations through a real gunicorn server,
on both engines, give 1 confirmed, 29 waitlisted and no 5xx; the database agrees."""

import threading

from sqlalchemy import func, select

from labapp.auth.tokens import create_api_token
from labapp.extensions import db
from labapp.trainings.models import Registration
from tests.live import http

N = 30


def test_thirty_agents_one_seat(live_server, create_user, create_session):
    session = create_session(capacity=1)
    agents = [create_user("agent") for _ in range(N)]
    tokens = [create_api_token(agent, "charge")[1] for agent in agents]
    db.session.commit()
    session_id = session.id
    barrier = threading.Barrier(N)
    results: list = [None] * N

    with live_server(workers=2, threads=16) as base:
        def hit(i):
            barrier.wait()
            results[i] = http("POST", f"{base}/api/v1/sessions/{session_id}/registrations", {},
                              token=tokens[i])

        threads = [threading.Thread(target=hit, args=(i,)) for i in range(N)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)

    statuses = [r.status for r in results]
    assert statuses == [201] * N, statuses
    bodies = [r.json() for r in results]
    assert sorted(b["status"] for b in bodies).count("confirmed") == 1
    positions = sorted(b["waitlist_position"] for b in bodies if b["status"] == "waitlisted")
    assert positions == list(range(1, N))
    db.session.remove()
    counts = dict(db.session.execute(
        select(Registration.status, func.count()).where(Registration.session_id == session_id)
        .group_by(Registration.status)).all())
    assert counts == {"confirmed": 1, "waitlisted": N - 1}


def test_same_person_twice_at_once_gets_one_registration(live_server, create_user, create_session):
    session = create_session(capacity=5)
    agent = create_user("agent")
    token = create_api_token(agent, "double clic")[1]
    db.session.commit()
    session_id = session.id
    barrier = threading.Barrier(8)
    results = []

    with live_server(workers=2, threads=8) as base:
        def hit():
            barrier.wait()
            results.append(http("POST", f"{base}/api/v1/sessions/{session_id}/registrations", {},
                                token=token).status)

        threads = [threading.Thread(target=hit) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert sorted(results) == [201] + [409] * 7
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
