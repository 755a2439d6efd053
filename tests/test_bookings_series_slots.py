"""Recurring bookings and the free-slot search."""

from datetime import time, timedelta

import pytest

from labapp.bookings import queries, series, services
from labapp.errors import Conflict, ValidationFailed
from labapp.extensions import db
from tests.fixtures_bookings import at, future_day


def _monday():
    day = future_day()
    return day + timedelta(days=7 - day.weekday())


def test_series_preview_lists_conflicting_dates_then_books_the_rest(lab, quick_user, team_member):
    monday = _monday()
    services.book_directly(team_member, lab.drh.id, at(monday + timedelta(weeks=2), "09:00"),
                           at(monday + timedelta(weeks=2), "11:00"), "Déjà là", 5)
    db.session.commit()
    args = dict(space_id=lab.drh.id, first_day=monday, start_time=time(10), end_time=time(11),
                until=monday + timedelta(weeks=3), frequency="weekly", attendees=6, weekdays=[0])
    preview = series.preview_series(**args)
    problems = [(o.day, o.problem) for o in preview if o.problem]
    assert (monday + timedelta(weeks=2), "Déjà réservé.") in problems
    assert all(p == "Déjà réservé." or "férié" in p for _, p in problems)  # a Monday may be a holiday
    agent = quick_user()
    with pytest.raises((Conflict, ValidationFailed)):
        series.book_series(agent, title="Codev", **{k: v for k, v in args.items()})
    db.session.rollback()
    booked = series.book_series(agent, title="Codev", skip_unavailable=True, **args)
    db.session.commit()
    assert len(booked) == len([o for o in preview if not o.problem])
    assert len({b.series_id for b in booked}) == 1 and booked[0].series_id
    assert all(b.status == "pending" for b in booked)


def test_series_limit_and_cancel_the_rest(lab, quick_user):
    monday = _monday()
    with pytest.raises(ValidationFailed) as error:
        series.book_series(quick_user(), lab.plenary.id, monday, time(10), time(11),
                           monday + timedelta(weeks=60), "weekly", "Trop", 5)
    assert "until" in error.value.errors
    agent = quick_user()
    booked = series.book_series(agent, lab.plenary.id, monday, time(14), time(15),
                                monday + timedelta(days=3), "daily", "Sprint", 5, skip_unavailable=True)
    db.session.commit()
    assert len(booked) == 4
    cancelled = series.cancel_series(agent, booked[1].id, "Fin anticipée", following=True)
    db.session.commit()
    assert [b.status for b in booked] == ["pending", "cancelled", "cancelled", "cancelled"]
    assert len(cancelled) == 3
    single = series.cancel_series(agent, booked[0].id, following=False)
    assert [b.id for b in single] == [booked[0].id]


def test_free_slots_per_space(lab, team_member):
    day = future_day()
    services.book_directly(team_member, lab.whole.id, at(day, "08:00"), at(day, "10:00"), "Matin", 40)
    services.book_directly(team_member, lab.drh.id, at(day, "14:00"), at(day, "16:00"), "Après-midi", 10)
    db.session.commit()
    result = {r.space.name: r.slots for r in queries.free_slots(day, day, 60, 10)}
    assert "Coin incubateur SYMBI'Ose (DEPAFI)" not in result  # capacity 8 < 10
    assert result["Espace plénier"] == [(at(day, "10:00"), at(day, "20:00"))]
    assert result["Salle de remue-méninges (DRH)"] == [(at(day, "10:00"), at(day, "14:00")),
                                                       (at(day, "16:00"), at(day, "20:00"))]
    assert result["Lab entier"] == result["Salle de remue-méninges (DRH)"]
    with pytest.raises(ValidationFailed):
        queries.free_slots(day, day + timedelta(days=40), 60, 1)
