"""Booking services with plain values: overlaps, validation, workflow, access, history."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from labapp.bookings import services
from labapp.bookings.models import Booking, BookingOccupancy, Closure
from labapp.db_types import utcnow
from labapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from labapp.extensions import db
from tests.fixtures_bookings import at, future_day

# Existing approved booking 10:00-12:00. (name, start, end, conflicts without buffer, with 15 min)
TIMES = [
    ("before", "08:00", "09:00", False, False),
    ("touching before", "09:00", "10:00", False, True),
    ("overlapping", "09:00", "10:30", True, True),
    ("same", "10:00", "12:00", True, True),
    ("inside", "10:30", "11:00", True, True),
    ("touching after", "12:00", "13:00", False, True),
    ("a buffer after", "12:15", "13:00", False, False),
    ("after", "13:00", "14:00", False, False),
]


@pytest.mark.parametrize("buffer", [0, 15])
@pytest.mark.parametrize("name,start,end,plain,buffered", TIMES, ids=[t[0] for t in TIMES])
def test_overlap_table_same_space(lab, create_booking, quick_user, name, start, end, plain,
                                  buffered, buffer):
    lab.site.buffer_minutes = buffer
    db.session.commit()
    create_booking(space=lab.plenary, status="approved")
    expected = buffered if buffer else plain
    attempt = lambda: services.request_booking(  # noqa: E731
        quick_user(), lab.plenary.id, at(future_day(), start), at(future_day(), end), "Réunion", 3)
    if expected:
        with pytest.raises(Conflict):
            attempt()
    else:
        assert attempt().status == "pending"


# (existing space, requested space, same time conflicts)
SPACES = [
    ("zone vs same zone", "plenary", "plenary", True),
    ("zone vs other zone", "plenary", "drh", False),
    ("whole vs zone", "whole", "drh", True),
    ("zone vs whole", "incubator", "whole", True),
    ("whole vs whole", "whole", "whole", True),
]


@pytest.mark.parametrize("name,existing,requested,conflict", SPACES, ids=[s[0] for s in SPACES])
@pytest.mark.parametrize("start,end", [("10:00", "12:00"), ("11:00", "13:00"), ("12:00", "13:00")])
def test_whole_lab_against_zones(lab, create_booking, quick_user, team_member, name, existing,
                                 requested, conflict, start, end):
    create_booking(space=getattr(lab, existing), status="approved")
    overlapping = conflict and start != "12:00"
    space = getattr(lab, requested)
    pending = services.request_booking(quick_user(), space.id, at(future_day(), "14:00"),
                                       at(future_day(), "15:00"), "Plus tard", 3)
    # moving the pending request onto the approved one, then approving, must respect the rule
    if overlapping:
        with pytest.raises(Conflict):
            services.book_directly(team_member, space.id, at(future_day(), start),
                                   at(future_day(), end), "Direct", 3)
    else:
        assert services.book_directly(team_member, space.id, at(future_day(), start),
                                      at(future_day(), end), "Direct", 3).status == "approved"
    assert pending.status == "pending"


def test_approval_rechecks_conflicts_and_refuses_overlapping_requests(lab, create_booking, team_member,
                                                                      quick_user):
    first = create_booking(space=lab.plenary)
    second = create_booking(space=lab.whole, start="11:00", end="13:00")
    other_zone = create_booking(space=lab.drh)
    assert services.overlapping_pending(first) == [second]
    services.approve_booking(team_member, first.id)
    db.session.commit()
    assert (first.status, second.status, other_zone.status) == ("approved", "refused", "pending")
    assert "attribué à une autre demande" in second.refusal_reason
    with pytest.raises(Conflict):
        services.approve_booking(team_member, second.id)


def test_approve_with_a_conflict_gives_409_and_changes_nothing(lab, create_booking, team_member):
    pending = create_booking(space=lab.drh)
    services.book_directly(team_member, lab.whole.id, at(future_day(), "09:00"),
                           at(future_day(), "18:00"), "Séminaire", 30)
    db.session.commit()
    with pytest.raises(Conflict):
        services.approve_booking(team_member, pending.id, refuse_overlapping=False)
    db.session.rollback()
    assert db.session.get(Booking, pending.id).status == "pending"


def test_occupancy_rows_follow_the_approved_state(lab, create_booking, team_member):
    booking = create_booking(space=lab.whole, status="approved")
    count = lambda: db.session.scalar(  # noqa: E731
        select(func.count()).select_from(BookingOccupancy).where(BookingOccupancy.booking_id == booking.id))
    assert count() == 4  # the whole lab occupies itself and its three zones
    services.cancel_booking(team_member, booking.id, "Travaux")
    db.session.commit()
    assert count() == 0


def _validation_cases():
    day = future_day()
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    return [
        ("end before start", dict(start=at(day, "12:00"), end=at(day, "10:00")), "end"),
        ("end equals start", dict(start=at(day, "10:00"), end=at(day, "10:00")), "end"),
        ("in the past", dict(start=utcnow() - timedelta(days=2), end=utcnow() - timedelta(days=2, hours=-1)),
         "start"),
        ("too early", dict(start=at(day, "07:00"), end=at(day, "09:00")), "start"),
        ("too late", dict(start=at(day, "19:00"), end=at(day, "20:30")), "start"),
        ("weekend", dict(start=at(saturday, "10:00"), end=at(saturday, "12:00")), "start"),
        ("too short", dict(start=at(day, "10:00"), end=at(day, "10:10")), "end"),
        ("over capacity", dict(attendees=41), "attendees"),
        ("no attendees", dict(attendees=0), "attendees"),
        ("beyond horizon", dict(start=at(future_day(0, 60), "10:00"), end=at(future_day(0, 60), "12:00")),
         "start"),
        ("empty title", dict(title="  "), "title"),
        ("unknown purpose", dict(purpose="fete"), "purpose"),
    ]


@pytest.mark.parametrize("name,changes,field", _validation_cases(), ids=[c[0] for c in _validation_cases()])
def test_validation_table(lab, quick_user, name, changes, field):
    day = future_day()
    params = dict(space_id=lab.plenary.id, start=at(day, "10:00"), end=at(day, "12:00"),
                  title="Atelier", attendees=5)
    params.update(changes)
    with pytest.raises(ValidationFailed) as error:
        services.request_booking(quick_user(), **params)
    assert field in error.value.errors
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 0


def test_longer_than_the_maximum(lab, quick_user):
    lab.site.max_duration_minutes = 120
    db.session.commit()
    with pytest.raises(ValidationFailed) as error:
        services.request_booking(quick_user(), lab.plenary.id, at(future_day(), "09:00"),
                                 at(future_day(), "11:15"), "Long", 3)
    assert "au plus 2 heures" in error.value.errors["end"][0]


def test_closures_and_public_holidays_are_closed(lab, quick_user, team_member):
    from labapp.bookings.site_services import add_closure

    day = future_day(2)
    add_closure(team_member, lab.site.id, day, day, "Inventaire")
    db.session.commit()
    with pytest.raises(ValidationFailed) as error:
        services.request_booking(quick_user(), lab.plenary.id, at(day, "10:00"), at(day, "11:00"), "X", 3)
    assert "Inventaire" in error.value.errors["start"][0]
    assert db.session.scalar(select(func.count()).select_from(Closure)) == 1


def test_a_public_holiday_is_refused(lab, quick_user, monkeypatch):
    day = future_day()
    monkeypatch.setattr("labapp.bookings.site_services.public_holiday", lambda d: "Fête test" if d == day
                        else None)
    with pytest.raises(ValidationFailed) as error:
        services.request_booking(quick_user(), lab.plenary.id, at(day, "10:00"), at(day, "11:00"), "X", 3)
    assert "férié" in error.value.errors["start"][0]


def test_agents_see_only_their_own_and_cannot_decide(lab, create_booking, quick_user):
    owner, other = quick_user(), quick_user()
    booking = create_booking(by=owner)
    assert services.visible_booking(owner, booking.id) is booking
    with pytest.raises(NotFound):
        services.visible_booking(other, booking.id)
    with pytest.raises(NotFound):
        services.cancel_booking(other, booking.id)
    with pytest.raises(Forbidden):
        services.approve_booking(owner, booking.id)
    with pytest.raises(Forbidden):
        services.refuse_booking(owner, booking.id, "non")


@pytest.mark.parametrize("status,action,allowed", [
    ("approved", "approve", False), ("refused", "approve", False), ("cancelled", "approve", False),
    ("approved", "refuse", False), ("cancelled", "cancel", False), ("refused", "cancel", False),
    ("pending", "cancel", True), ("approved", "cancel", True), ("pending", "refuse", True),
])
def test_transitions(create_booking, team_member, status, action, allowed):
    booking = create_booking(status=status)
    call = {"approve": lambda: services.approve_booking(team_member, booking.id),
            "refuse": lambda: services.refuse_booking(team_member, booking.id, "Non"),
            "cancel": lambda: services.cancel_booking(team_member, booking.id, "Non")}[action]
    if allowed:
        call()
    else:
        with pytest.raises(Conflict):
            call()


def test_history_and_sequence(create_booking, team_member):
    booking = create_booking()
    assert booking.sequence == 0
    services.approve_booking(team_member, booking.id)
    services.move_booking(team_member, booking.id, at(future_day(1), "14:00"), at(future_day(1), "15:00"))
    services.cancel_booking(team_member, booking.id, "Changement de programme")
    db.session.commit()
    assert [e.action for e in booking.events] == ["requested", "approved", "moved", "cancelled"]
    assert booking.events[-1].actor == team_member and booking.events[-1].note == "Changement de programme"
    assert booking.sequence == 3


def test_owner_cannot_cancel_after_start_but_team_can(lab, quick_user, team_member):
    owner = quick_user()
    past = services.book_space_for_session(team_member, lab.plenary.id, utcnow() - timedelta(days=3),
                                           utcnow() - timedelta(days=3, hours=-2), "Formation passée", 12)
    past.requested_by = owner
    db.session.commit()
    with pytest.raises(Forbidden):
        services.cancel_booking(owner, past.id)
    assert services.cancel_booking(team_member, past.id).status == "cancelled"


def test_book_space_for_session(lab, team_member, quick_user):
    booking = services.book_space_for_session(team_member, lab.drh.id, at(future_day(), "09:00"),
                                              at(future_day(), "12:00"), "Formation écoute usagers", 12)
    assert (booking.status, booking.source) == ("approved", "session")
    with pytest.raises(Conflict):
        services.book_space_for_session(team_member, lab.whole.id, at(future_day(), "11:00"),
                                        at(future_day(), "13:00"), "Autre", 12)
    with pytest.raises(Forbidden):
        services.book_space_for_session(quick_user(), lab.drh.id, at(future_day(1), "09:00"),
                                        at(future_day(1), "12:00"), "Agent", 3)
    # a past session is recorded even outside opening hours, but still not over another one
    sunday = utcnow() - timedelta(days=30)
    past = services.book_space_for_session(team_member, lab.drh.id, sunday, sunday + timedelta(hours=2),
                                           "Passée", 10)
    assert past.status == "approved"
    with pytest.raises(Conflict):
        services.book_space_for_session(team_member, lab.drh.id, sunday, sunday + timedelta(hours=1),
                                        "Encore", 10)


def test_move_an_approved_booking_keeps_the_slot_free_or_fails(lab, create_booking, team_member):
    a = create_booking(space=lab.plenary, status="approved")
    b = create_booking(space=lab.plenary, start="14:00", end="16:00", status="approved")
    with pytest.raises(Conflict):
        services.move_booking(team_member, b.id, at(future_day(), "11:00"), at(future_day(), "13:00"))
    db.session.rollback()
    moved = services.move_booking(team_member, a.id, at(future_day(), "10:30"), at(future_day(), "12:30"))
    db.session.commit()
    assert moved.start_at == at(future_day(), "10:30")
    rows = db.session.scalars(select(BookingOccupancy).where(BookingOccupancy.booking_id == a.id)).all()
    assert [r.start_at for r in rows] == [at(future_day(), "10:30")]


def test_the_database_refuses_overlap_even_if_the_check_is_skipped(lab, create_booking, team_member,
                                                                   monkeypatch):
    """The database is the last word (PostgreSQL's exclusion constraint, SQLite's
    triggers): its refusal is a clean Conflict."""
    pending = create_booking(space=lab.incubator, start="11:00", end="11:30")
    services.book_directly(team_member, lab.whole.id, at(future_day(), "10:00"), at(future_day(), "12:00"),
                           "Séminaire", 40)
    db.session.commit()
    monkeypatch.setattr(services, "find_conflicts", lambda *a, **k: [])
    with pytest.raises(Conflict) as error:
        services.approve_booking(team_member, pending.id)
    assert "vient d'être réservé" in error.value.message
