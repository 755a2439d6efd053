"""The fuzz tests' world: something committed for every form route and API operation to act
on, and helpers to act as a user and to end a request's session as production does."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest
from flask import g
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from labapp.extensions import db
from labapp.mail.models import OutboxMessage
from tests.conftest import PASSWORD
from tests.fixtures_bookings import at, future_day


@pytest.fixture
def world(app, lab, mails):
    """Accounts, bookings, sessions, registrations, projects, records and the secrets of
    the capability URLs: something for every route to act on (committed)."""
    from labapp.auth.links import issue_link
    from labapp.auth.services import create_user as create_account
    from labapp.auth.services import create_user as new_user
    from labapp.auth.services import start_password_reset
    from labapp.auth.tokens import create_api_token
    from labapp.bookings import series
    from labapp.bookings import services as bookings
    from labapp.bookings.site_services import add_closure
    from labapp.indicators import services as indicators
    from labapp.indicators.models import Milestone
    from labapp.mail.services import deliver_due_messages
    from labapp.projects import contacts, journal
    from labapp.projects import services as projects
    from labapp.surveys import services as surveys
    from labapp.surveys.questionnaires import ensure_questionnaire
    from labapp.trainings import catalogue
    from labapp.trainings.registrations import register
    from labapp.trainings.services import create_session
    from tests.fixtures_trainings import at as from_now

    agent = new_user("agent@interieur.gouv.fr", role="agent", name="Agent Fuzz")
    # A password for the login form, hashed cheaply (werkzeug's default scrypt takes a while).
    agent.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    team = new_user("team@interieur.gouv.fr", role="team", name="Équipe Lab")
    admin = new_user("admin@interieur.gouv.fr", role="admin", name="Admin Lab")
    other = new_user("other@interieur.gouv.fr", role="agent", name="Autre Agent")
    day = future_day(2)
    pending = bookings.request_booking(
        agent, lab.plenary.id, at(day, "10:00"), at(day, "12:00"), "Atelier de co-conception", 5
    )
    approved = bookings.request_booking(
        agent, lab.drh.id, at(day, "14:00"), at(day, "16:00"), "Revue de projet", 4
    )
    bookings.approve_booking(team, approved.id)
    serie = series.book_series(
        agent,
        lab.incubator.id,
        future_day(5),
        time(9, 0),
        time(10, 0),
        future_day(5) + timedelta(days=14),
        "weekly",
        "Point hebdomadaire",
        3,
    )
    offering = catalogue.create_offering(team, "Entretiens utilisateurs", "formation")
    upcoming = create_session(
        team,
        "Entretiens utilisateurs",
        "formation",
        from_now(days=10),
        from_now(days=10, hours=2),
        3,
        "online",
        video_link="https://visio.example.org/salle-42",
    )
    past = create_session(
        team,
        "Atelier passé",
        "atelier",
        from_now(days=-3),
        from_now(days=-3, hours=2),
        10,
        "other",
        address="Place Beauvau",
    )
    mine = register(agent, upcoming.id).registration
    public = register(None, upcoming.id, name="Camille Public", email="camille@example.org", consent=True)
    attendee = register(team, past.id, name="Dominique Présent", email="dominique@example.org")
    requested = projects.request_project(
        agent,
        projects.ProjectRequest(
            title="Accueil des usagers",
            description="Réduire l'attente.",
            direction="DGEF",
            territory="dep-75",
        ),
    )
    running = projects.request_project(
        agent,
        projects.ProjectRequest(
            title="Démarches en ligne", description="Simplifier.", direction="DGEF", territory="dep-75"
        ),
    )
    projects.accept_project(team, running, "accompagnement")
    contact = contacts.add_contact(team, running, "Lou Contact", "lou@example.org")
    entry = journal.add_journal_entry(team, running, date(2025, 6, 2), "atelier", "Atelier d'idéation")
    closure = add_closure(team, lab.site.id, future_day(30), future_day(31), "Travaux")
    expense = indicators.record_expense(team, date(2025, 3, 1), "amoa", "100", "50")
    milestone = Milestone(label="Lancement", planned_start=date(2025, 1, 6))
    db.session.add(milestone)
    indicators.freeze_year(team, 2024, {})
    token_row, _ = create_api_token(agent, "Intégration")
    reset_secret = start_password_reset(agent.email).secret
    pending = create_account("en.attente@interieur.gouv.fr", name="En attente", verified=False)
    verify_secret = issue_link(pending, "verify", "le mot de passe choisi").secret
    questionnaire = ensure_questionnaire("session")
    surveys.invite("project", running.id, running.title, [surveys.Recipient("lou@example.org", "Lou")])
    room = surveys.room_link("project", running.id)  # one contact: one answer in the room
    db.session.commit()
    deliver_due_messages()
    undelivered = OutboxMessage(recipient="perdu@example.org", subject="Non distribué", raw="x",
                                status="failed", attempts=10, last_error="SMTP down")
    db.session.add(undelivered)
    db.session.commit()
    survey_token = next(
        re.search(r"http://lab\.test/avis/([A-Za-z0-9_-]{20,})", body).group(1)
        for body in (m.get_body(("plain",)).get_content() for m in mails())
        if re.search(r"http://lab\.test/avis/[A-Za-z0-9_-]{20,}", body)
    )
    question = next((q for q in questionnaire.questions if q.options), questionnaire.questions[0])
    world = SimpleNamespace(
        lab=SimpleNamespace(**{name: ref(getattr(lab, name))
                               for name in ("site", "whole", "plenary", "drh", "incubator")}),
        agent=ref(agent, "email"), team=ref(team), admin=ref(admin), other=ref(other), day=day,
        pending=ref(pending), approved=ref(approved), series_id=serie[0].series_id,
        offering=ref(offering), upcoming=ref(upcoming), past=ref(past), mine=ref(mine),
        public_secret=public.manage_secret, attendee=ref(attendee.registration),
        requested=ref(requested), running=ref(running), contact=ref(contact), entry=ref(entry),
        closure=ref(closure),
        expense=ref(expense), milestone=ref(milestone), token=ref(token_row),
        reset_secret=reset_secret, verify_secret=verify_secret, question=ref(question),
        survey_token=survey_token,
        room_code=room.code,
    )
    db.session.remove()  # the requests then start from what is committed, like in production
    return world


def ref(obj, *more: str) -> SimpleNamespace:
    """A plain copy of an object's id (and `more` attributes): usable after the session ends."""
    return SimpleNamespace(id=obj.id, **{name: getattr(obj, name) for name in more})


def login_key(user_id: int | None) -> str | None:
    """What Flask-Login keeps in the session for that user now (None: anonymous or gone).
    Read on a connection of its own: a logout in an earlier example bumps the version."""
    if user_id is None:
        return None
    with db.engine.connect() as conn:
        version = conn.execute(text("SELECT session_version FROM users WHERE id = :id"),
                               {"id": user_id}).scalar()
        conn.rollback()
    return None if version is None else f"{user_id}:{version}"


def client_as(app, user_id: int | None):
    """A new test client (no cookie from earlier examples) acting as that user, without
    the slow password check."""
    client = app.test_client()
    g.pop("_login_user", None)  # Flask-Login's cache lives on the shared application context
    key = login_key(user_id)
    if key is not None:
        with client.session_transaction() as session:
            session["_user_id"] = key
            session["_fresh"] = True
    return client


def settle() -> None:
    """End the request as the app's teardown does in production (the test client reuses the
    test's application context, hence its database session and `g`): uncommitted changes are
    discarded, no transaction stays open (on SQLite it would hold the write lock) and the
    next request loads its user again."""
    db.session.remove()
    g.pop("_login_user", None)
