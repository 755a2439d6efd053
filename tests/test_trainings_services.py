"""Rules of sessions and registrations, through the services with plain values."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from labapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from labapp.extensions import db
from labapp.mail.services import deliver_due_messages
from labapp.trainings import registrations as regs
from labapp.trainings import services
from labapp.trainings.models import Registration
from tests.fixtures_trainings import at


def statuses(session):
    rows = db.session.scalars(select(Registration).where(Registration.session_id == session.id)
                              .order_by(Registration.id))
    return [(r.email, r.status) for r in rows]


def test_fills_then_waitlists_with_positions(create_session, register):
    session = create_session(capacity=2)
    outcomes = [register(session) for _ in range(4)]
    assert [o.registration.status for o in outcomes] == ["confirmed", "confirmed",
                                                         "waitlisted", "waitlisted"]
    assert [o.waitlist_position for o in outcomes] == [None, None, 1, 2]
    assert all(o.manage_secret and len(o.manage_secret) >= 43 for o in outcomes)
    assert services.session_counts([session.id])[session.id] == {"confirmed": 2, "waitlisted": 2}


def test_cancel_promotes_oldest_waitlisted_and_mails_them(create_session, register, mails):
    session = create_session(capacity=1)
    first = register(session)
    second = register(session, email="deux@example.org")
    third = register(session, email="trois@example.org")
    deliver_due_messages()
    before = len(mails())
    regs.cancel_registration_by_token(first.manage_secret)
    db.session.commit()
    assert db.session.get(Registration, second.registration.id).status == "confirmed"
    assert db.session.get(Registration, second.registration.id).promoted_at is not None
    assert db.session.get(Registration, third.registration.id).status == "waitlisted"
    assert regs.waitlist_position(db.session.get(Registration, third.registration.id)) == 1
    deliver_due_messages()
    new = mails()[before:]
    assert [m["To"] for m in new] == ["deux@example.org"]
    assert "place s'est libérée" in new[0]["Subject"]
    assert "https://visio.example.org/salle-42" in new[0].get_content()


def test_public_registration_mail_has_private_link_but_no_video_when_waitlisted(
        create_session, register, mails):
    session = create_session(capacity=1)
    confirmed = register(session, email="Alice@Example.org")
    waiting = register(session, email="bob@example.org")
    assert confirmed.registration.email == "alice@example.org"
    deliver_due_messages()
    by_to = {m["To"]: m.get_content() for m in mails()}
    assert f"http://lab.test/inscriptions/gerer/{confirmed.manage_secret}" in by_to["alice@example.org"]
    assert "visio.example.org" in by_to["alice@example.org"]
    assert "position 1" in by_to["bob@example.org"]
    assert "visio.example.org" not in by_to["bob@example.org"]
    assert waiting.manage_secret in by_to["bob@example.org"]
    stored = db.session.get(Registration, confirmed.registration.id).manage_token_hash
    assert stored != confirmed.manage_secret and len(stored) == 64


def test_agent_registers_themself_without_name_or_email(create_session, register, create_user):
    agent = create_user("agent", name="Camille")
    session = create_session()
    outcome = register(session, actor=agent)
    assert (outcome.registration.user_id, outcome.registration.email, outcome.registration.name) == (
        agent.id, agent.email, "Camille")
    assert outcome.manage_secret is None
    with pytest.raises(ValidationFailed) as error:
        regs.register(agent, session.id, email="autre@example.org")
    assert "email" in error.value.errors


@pytest.mark.parametrize("email", ["ALICE@example.org", " alice@example.org "])
def test_one_active_registration_per_email(create_session, register, email):
    session = create_session(capacity=1)
    register(session, email="alice@example.org")
    with pytest.raises(Conflict, match="déjà inscrit"):
        register(session, email=email)
    db.session.rollback()


def test_partial_unique_index_holds_without_the_service_check(create_session, register):
    from sqlalchemy.exc import IntegrityError

    session = create_session()
    register(session, email="alice@example.org")
    db.session.add(Registration(session_id=session.id, name="x", email="alice@example.org",
                                status="waitlisted", organisation=""))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # A cancelled registration does not count: the person may register again.
    registration = db.session.scalars(select(Registration)).one()
    registration.status = "cancelled"
    db.session.commit()
    assert register(session, email="alice@example.org").registration.status == "confirmed"


def test_integrity_error_becomes_conflict(create_session, register, monkeypatch):
    """Even if the pre-check missed a concurrent duplicate, the index answers 409."""
    session = create_session()
    register(session, email="alice@example.org")
    real_scalar = db.session.scalar
    calls = {"n": 0}

    def blind_scalar(statement, *a, **kw):
        calls["n"] += 1
        if "session_registrations.email" in str(statement) and calls["n"] < 5:
            return None
        return real_scalar(statement, *a, **kw)

    monkeypatch.setattr(db.session, "scalar", blind_scalar)
    with pytest.raises(Conflict, match="déjà inscrit"):
        regs.register(None, session.id, name="A", email="alice@example.org", consent=True)
    monkeypatch.undo()
    db.session.rollback()
    assert len(statuses(session)) == 1


CLOSED = [
    ("deadline passed", {"registration_deadline": at(hours=-1)}, "date limite"),
    ("not yet open", {"registration_opens_at": at(days=1)}, "pas encore ouvertes"),
    ("started", {"start_at": at(hours=-1)}, "déjà commencé"),
]


@pytest.mark.parametrize("case,params,message", CLOSED, ids=[c[0] for c in CLOSED])
def test_closed_registration_is_422_for_agents_but_not_for_the_team(
        create_session, register, create_user, team_user, case, params, message):
    session = create_session(**params)
    agent = create_user("agent")
    for actor, params in ((agent, {}), (None, {"name": "X", "email": "x@example.org",
                                               "consent": True})):
        with pytest.raises(ValidationFailed, match=message):
            regs.register(actor, session.id, **params)
        db.session.rollback()
    outcome = register(session, actor=team_user, name="Ancien", email="ancien@example.org")
    assert outcome.registration.status == "confirmed"


@pytest.mark.parametrize("transition,message", [
    ("cancel", "annulée"), ("complete", "déjà eu lieu")])
def test_cancelled_or_held_session_is_closed(create_session, team_user, create_user, transition,
                                             message):
    session = create_session(start_at=at(hours=-3))
    if transition == "cancel":
        services.cancel_session(team_user, session.id)
    else:
        services.complete_session(team_user, session.id)
    db.session.commit()
    with pytest.raises(ValidationFailed, match=message):
        regs.register(create_user("agent"), session.id)
    db.session.rollback()
    if transition == "cancel":  # not even the team
        with pytest.raises(ValidationFailed):
            regs.register(team_user, session.id, name="A", email="a@example.org")
        db.session.rollback()
    else:  # the team records past attendance
        assert regs.register(team_user, session.id, name="A", email="a@example.org").registration


@pytest.mark.parametrize("params,field", [
    ({"email": "pas-une-adresse"}, "email"),
    ({"email": ""}, "email"),
    ({"name": ""}, "name"),
    ({"consent": False}, "consent"),
    ({"name": "x" * 121}, "name"),
])
def test_public_form_bad_input(create_session, params, field):
    session = create_session()
    values = {"name": "Alice", "email": "alice@example.org", "consent": True}
    values.update(params)
    with pytest.raises(ValidationFailed) as error:
        regs.register(None, session.id, **values)
    assert field in error.value.errors
    db.session.rollback()
    assert statuses(session) == []


def test_capacity_lowering_below_confirmed_is_refused_and_raising_promotes(
        create_session, register, team_user, mails):
    session = create_session(capacity=2)
    for _ in range(4):
        register(session)
    with pytest.raises(ValidationFailed) as error:
        services.update_session(team_user, session.id, capacity=1)
    assert "capacity" in error.value.errors
    db.session.rollback()
    services.update_session(team_user, session.id, capacity=3)
    db.session.commit()
    assert [s for _, s in statuses(session)] == ["confirmed"] * 3 + ["waitlisted"]


def test_calendar_changes_bump_sequence(create_session, team_user):
    session = create_session()
    assert session.sequence == 0
    services.update_session(team_user, session.id, capacity=5)
    assert session.sequence == 0
    services.update_session(team_user, session.id, title="Nouveau titre")
    assert session.sequence == 1
    services.update_session(team_user, session.id, start_at=session.start_at + timedelta(hours=1),
                            end_at=session.end_at + timedelta(hours=1))
    assert session.sequence == 2
    services.cancel_session(team_user, session.id)
    assert session.sequence == 3


def test_complete_only_from_scheduled_and_after_start(create_session, team_user):
    future = create_session()
    with pytest.raises(ValidationFailed):
        services.complete_session(team_user, future.id)
    past = create_session(start_at=at(days=-2))
    services.complete_session(team_user, past.id)
    assert past.status == "held" and past.held_at is not None
    with pytest.raises(Conflict):
        services.complete_session(team_user, past.id)
    with pytest.raises(Conflict):
        services.cancel_session(team_user, past.id)


def test_cancel_session_tells_every_active_registrant(create_session, register, team_user, mails):
    session = create_session(capacity=1)
    a, b, c = register(session), register(session), register(session)
    regs.cancel_registration_by_token(c.manage_secret)
    db.session.commit()
    deliver_due_messages()
    before = len(mails())
    services.cancel_session(team_user, session.id)
    db.session.commit()
    deliver_due_messages()
    told = sorted(m["To"] for m in mails()[before:])
    assert told == sorted([a.registration.email, b.registration.email])


def test_attendance(create_session, register, team_user):
    session = create_session(start_at=at(hours=-3), capacity=2)
    a = register(session, actor=team_user, name="A", email="a@example.org")
    b = register(session, actor=team_user, name="B", email="b@example.org")
    w = register(session, actor=team_user, name="W", email="w@example.org")
    assert w.registration.status == "waitlisted"
    regs.mark_attendance(team_user, session.id, [a.registration.id])
    assert (a.registration.present, b.registration.present) == (True, False)
    assert w.registration.present is None
    with pytest.raises(ValidationFailed):
        regs.mark_attendance(team_user, session.id, [w.registration.id, 999999])


def test_attendance_refused_before_start(create_session, register, team_user):
    session = create_session()
    with pytest.raises(ValidationFailed):
        regs.mark_attendance(team_user, session.id, [])


def test_agents_cannot_run_sessions_or_see_others(create_session, register, create_user):
    agent, other = create_user("agent"), create_user("agent")
    session = create_session()
    mine = register(session, actor=agent)
    theirs = register(session, actor=other)
    with pytest.raises(Forbidden):
        services.create_session(agent, "T", "formation", at(1), at(1, 2), 3, "online")
    for call in (lambda: regs.list_registrations(agent, session.id),
                 lambda: regs.mark_attendance(agent, session.id, []),
                 lambda: services.complete_session(agent, session.id),
                 lambda: services.cancel_session(agent, session.id),
                 lambda: services.update_session(agent, session.id, capacity=9)):
        with pytest.raises(Forbidden):
            call()
    with pytest.raises(NotFound):
        regs.cancel_registration(agent, theirs.registration.id)
    regs.cancel_registration(agent, mine.registration.id)
    assert mine.registration.status == "cancelled"


def test_agent_cannot_cancel_after_start_but_team_can(create_session, register, team_user,
                                                      create_user):
    agent = create_user("agent")
    session = create_session(start_at=at(hours=-1))
    outcome = register(session, actor=team_user, email=agent.email, name=agent.name)
    assert outcome.registration.user_id == agent.id
    with pytest.raises(ValidationFailed):
        regs.cancel_registration(agent, outcome.registration.id)
    regs.cancel_registration(team_user, outcome.registration.id)
    with pytest.raises(Conflict):
        regs.cancel_registration(team_user, outcome.registration.id)


@pytest.mark.parametrize("params,field", [
    ({"end_at": at(days=7)}, "end"),
    ({"capacity": 0}, "capacity"),
    ({"kind": "cours"}, "kind"),
    ({"location": "lab"}, "space_id"),
    ({"title": "  "}, "title"),
    ({"video_link": "javascript:alert(1)"}, "video_link"),
])
def test_create_session_bad_input(create_session, params, field):
    with pytest.raises(ValidationFailed) as error:
        create_session(**params)
    assert field in error.value.errors


def test_past_sessions_may_be_created(create_session):
    session = create_session(start_at=at(days=-900))
    assert session.status == "scheduled" and session.id


def test_unknown_token_is_not_found(app):
    with pytest.raises(NotFound):
        regs.registration_for_token("x" * 43)


def test_lab_session_books_its_space_and_cancelling_frees_it(lab, create_session, team_user):
    from labapp.bookings.models import Booking
    from tests.fixtures_bookings import at as paris_at
    from tests.fixtures_bookings import future_day

    day = future_day(0)
    first = create_session(location="lab", space_id=lab.drh.id, capacity=10,
                           start_at=paris_at(day, "10:00"), end_at=paris_at(day, "12:00"))
    booking = db.session.get(Booking, first.booking_id)
    assert (booking.status, booking.space_id, booking.source) == ("approved", lab.drh.id, "session")
    with pytest.raises(Conflict):
        create_session(location="lab", space_id=lab.whole.id, capacity=10,
                       start_at=paris_at(day, "11:00"), end_at=paris_at(day, "13:00"))
    db.session.rollback()
    # Moving the session re-books the room for the new slot.
    services.update_session(team_user, first.id, start_at=paris_at(day, "14:00"),
                            end_at=paris_at(day, "16:00"))
    db.session.commit()
    assert db.session.get(Booking, booking.id).status == "cancelled"
    moved = db.session.get(Booking, first.booking_id)
    assert (moved.status, moved.start_at) == ("approved", paris_at(day, "14:00"))
    second = create_session(location="lab", space_id=lab.whole.id, capacity=10,
                            start_at=paris_at(day, "11:00"), end_at=paris_at(day, "13:00"))
    assert second.booking_id
    services.cancel_session(team_user, first.id)
    db.session.commit()
    assert db.session.get(Booking, moved.id).status == "cancelled"
    assert first.booking_id is None


def test_lab_session_in_the_past_records_history(lab, create_session):
    from labapp.bookings.models import Booking

    session = create_session(location="lab", space_id=lab.plenary.id, capacity=20,
                             start_at=at(days=-400))
    assert db.session.get(Booking, session.booking_id).status == "approved"


def test_lab_session_unknown_space_is_422(lab, create_session):
    with pytest.raises(ValidationFailed) as error:
        create_session(location="lab", space_id=99999)
    assert "space_id" in error.value.errors
