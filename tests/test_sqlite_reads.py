"""Reads never take SQLite's write lock: a read-only request (GET, HEAD, OPTIONS) runs in a
deferred transaction and answers while another connection holds the write lock; writers
still start with BEGIN IMMEDIATE; the GET views that write still write, on both engines.

No timing: the reader side either cannot wait at all (busy_timeout 0) or must answer
while the writer still holds the lock, which it releases only afterwards."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text

from labapp.auth.models import ApiToken
from labapp.cache import CachedFigure
from labapp.calendar.models import CalendarEventRevision, CalendarFeedToken
from labapp.extensions import db
from labapp.transactions import writes
from tests.live import http


def _sqlite_path(app: Flask) -> str:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        pytest.skip("SQLite's write lock: PostgreSQL readers never wait for writers anyway")
    return url.removeprefix("sqlite:///")


@contextmanager
def write_lock_held(path: str):
    """Another connection holds the write lock (an uncommitted change to every session's
    title) until the block ends, then rolls back."""
    writer = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE training_sessions SET title = 'Pas encore validé'")
        probe = sqlite3.connect(path, isolation_level=None, timeout=0)
        try:  # the lock is really held: another writer cannot begin, even for a moment
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                probe.execute("BEGIN IMMEDIATE")
        finally:
            probe.close()
        yield writer
    finally:
        writer.execute("ROLLBACK")
        writer.close()


@contextmanager
def no_waiting(app: Flask):
    """The app's connections give up at once on a busy lock (busy_timeout 0)."""
    engine = db.engine

    def checkout(dbapi_connection, record, proxy):
        dbapi_connection.execute("PRAGMA busy_timeout = 0")

    db.session.remove()
    engine.dispose()
    event.listen(engine, "checkout", checkout)
    try:
        yield
    finally:
        event.remove(engine, "checkout", checkout)
        db.session.remove()
        engine.dispose()


def in_thread(work):
    """Run `work()` in another thread (its own app context, session and connection, as a
    server thread) and return what it returned, or raise what it raised."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = work()
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the request is still waiting"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_reads_answer_while_another_connection_writes(app, client, api, create_user,
                                                     create_session, caplog):
    path = _sqlite_path(app)
    create_session(title="Atelier données")
    team = create_user("team")
    agent = api(create_user("agent"))
    team_api = api(team)
    token_id = db.session.scalar(select(func.max(ApiToken.id)))
    db.session.commit()

    with no_waiting(app), write_lock_held(path):
        health = in_thread(lambda: client.get("/healthz"))
        listing = in_thread(lambda: agent.get("/sessions"))
        agenda = in_thread(lambda: client.get("/agenda"))
        figures = in_thread(lambda: team_api.get("/indicators?year=2025"))
        # A request that writes still takes the lock at BEGIN: with no waiting allowed it
        # fails (500, "database is locked"), which shows the reads above were not lucky.
        session_id = listing.get_json()[0]["id"]
        refused = in_thread(lambda: agent.post(f"/sessions/{session_id}/registrations", json={}))
    assert refused.status_code == 500 and "database is locked" in caplog.text

    assert health.status_code == 200
    assert listing.status_code == 200
    assert [s["title"] for s in listing.get_json()] == ["Atelier données"]  # not the uncommitted one
    assert agenda.status_code == 200 and "Atelier données" in agenda.get_data(as_text=True)
    assert figures.status_code == 200
    db.session.remove()
    # Best-effort bookkeeping was skipped, not waited for: no token use, no cached figure.
    assert db.session.get(ApiToken, token_id).last_used_at is None
    assert db.session.scalar(select(func.count()).select_from(CachedFigure)) == 0

    # Once the writer is gone, the same reads record them.
    assert team_api.get("/indicators?year=2025").status_code == 200
    assert agent.get("/sessions").status_code == 200
    db.session.remove()
    assert db.session.get(ApiToken, token_id).last_used_at is not None
    assert db.session.scalar(select(func.count()).select_from(CachedFigure)) > 0


def test_a_real_server_answers_reads_while_the_write_lock_is_held(app, live_server, create_user,
                                                                  create_session):
    """gunicorn with the production settings (busy_timeout 30 s): the reads come back while
    the writer still holds the lock, which it releases only after they answered."""
    path = _sqlite_path(app)
    from labapp.auth.tokens import create_api_token

    create_session(title="Atelier données")
    _, token = create_api_token(create_user("agent"), "lecture")
    db.session.commit()
    with live_server(workers=1, threads=4) as base, write_lock_held(path) as writer:
        health = http("GET", base + "/healthz")
        listing = http("GET", base + "/api/v1/sessions", token=token)
        agenda = http("GET", base + "/agenda")
        assert writer.in_transaction  # still held
    assert health.status == 200 and health.json()["status"] == "ok"
    assert listing.status == 200 and [s["title"] for s in listing.json()] == ["Atelier données"]
    assert agenda.status == 200


def test_a_write_in_a_read_only_request_is_caught_in_tests(app_config, caplog):
    """A GET view that writes without saying so would fail under concurrency (an upgrade
    from a deferred transaction): under TESTING it fails every time, on SQLite."""
    from labapp import create_app
    from labapp.auth.services import create_user

    if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL has no deferred transactions to guard")
    app = create_app(app_config)

    def stamp(email: str) -> str:
        db.session.execute(text("SELECT count(*) FROM users")).scalar()
        create_user(email, role="agent", name="Lecteur", password="correct horse battery")
        db.session.commit()
        return "ok"

    app.add_url_rule("/t/silent", "silent", lambda: stamp("silent@interieur.gouv.fr"))
    app.add_url_rule("/t/declared", "declared", writes(lambda: stamp("declared@interieur.gouv.fr")))
    with app.app_context():
        client = app.test_client()
        assert client.get("/t/silent").status_code == 500
        assert "WriteInReadTransaction: GET /t/silent writes in a read-only" in caplog.text
        assert client.get("/t/declared").get_data(as_text=True) == "ok"
        db.session.remove()
        emails = set(db.session.scalars(text("SELECT email FROM users")))
        assert emails == {"declared@interieur.gouv.fr"}
        db.session.remove()
        db.engine.dispose()


def _count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_get_views_that_write_still_write(app, client, login, api, create_user, create_session,
                                          register, engine_name):
    """Each GET that writes (first visit, SEQUENCE bookkeeping, best-effort stamps) works
    on both engines; the tripwire above would turn a silent one into an error here."""
    from labapp.surveys.models import Questionnaire, RoomLink

    app.config["CALENDAR_FEED_CACHE_SECONDS"] = 300
    team = create_user("team")
    agent = create_user("agent")
    session = create_session(title="Atelier données")
    register(session, actor=agent)
    session_id = session.id
    agent_api = api(agent)
    token_id = db.session.scalar(select(func.max(ApiToken.id)))
    db.session.commit()

    # The token's last use, stamped by a read.
    assert agent_api.get("/sessions").status_code == 200
    db.session.rollback()
    assert db.session.get(ApiToken, token_id).last_used_at is not None
    # Feed links created on first call (API) and on first visit (page).
    assert agent_api.get("/me/calendar").status_code == 200
    assert _count(CalendarFeedToken) == 1
    login(team)
    assert client.get("/compte/calendrier").status_code == 200
    assert _count(CalendarFeedToken) == 3  # the team member's personal and team feeds
    # SEQUENCE bookkeeping of a feed and of a download; the built feed cached.
    assert client.get("/agenda.ics").status_code == 200
    assert _count(CalendarEventRevision) == 1
    assert _count(CachedFigure) >= 1
    assert client.get(f"/calendrier/session/{session_id}.ics").status_code == 200
    # A questionnaire and an in-room link created on first view.
    assert client.get("/equipe/avis/questionnaires/project").status_code == 200
    assert client.get(f"/equipe/avis/session/{session_id}").status_code == 200
    db.session.rollback()
    assert set(db.session.scalars(select(Questionnaire.target_kind))) == {"project", "session"}
    assert db.session.scalar(select(func.count()).select_from(RoomLink)) == 1
    # Reading them again writes nothing new and still answers.
    assert client.get("/agenda.ics").status_code == 200
    assert client.get("/compte/calendrier").status_code == 200
    assert _count(CalendarFeedToken) == 3
