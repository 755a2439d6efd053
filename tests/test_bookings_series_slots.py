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
    with pytest.raises(ValidationFailed) as error:  # same rule as one booking's reason
        series.cancel_series(agent, booked[1].id, "x" * 501, following=True)
    assert "reason" in error.value.errors
    assert [b.status for b in booked] == ["pending"] * 4
    cancelled = series.cancel_series(agent, booked[1].id, "  Fin anticipée  ", following=True)
    db.session.commit()
    assert [b.status for b in booked] == ["pending", "cancelled", "cancelled", "cancelled"]
    assert len(cancelled) == 3
    assert booked[1].cancel_reason == "Fin anticipée"
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


def test_cancelling_the_rest_of_a_series_sends_one_mail_listing_every_date(lab, quick_user, team_member,
                                                                           mails, api):
    from labapp.formatting import date_fr
    from labapp.mail.services import deliver_due_messages

    monday = _monday()
    agent = quick_user()
    booked = series.book_series(agent, lab.drh.id, monday, time(14), time(15),
                                monday + timedelta(days=11), "daily", "Sprint design", 5,
                                skip_unavailable=True)
    db.session.commit()
    assert len(booked) >= 6
    deliver_due_messages()
    sent_before = len(mails())

    cancelled = series.cancel_series(team_member, booked[1].id, "Travaux dans le lab", following=True)
    db.session.commit()
    assert [b.id for b in cancelled] == [b.id for b in booked[1:]]
    deliver_due_messages()
    new = mails()[sent_before:]
    assert [m["To"] for m in new] == [agent.email]  # one e-mail, not one per date
    assert new[0]["Subject"] == (f"Votre réservation est annulée pour {len(cancelled)} dates : "
                                 "Sprint design")
    body = new[0].get_content()
    for booking in cancelled:
        assert f"- {date_fr(booking.start_at)}, de 14 h 00 à 15 h 00" in body
    assert date_fr(booked[0].start_at) not in body  # the first date is kept
    assert "Motif : Travaux dans le lab" in body and "http://lab.test/reservations/mes-reservations" in body

    # One date only: the usual message. The requester cancelling their own dates: no e-mail.
    series.cancel_series(team_member, booked[0].id, "Salle inondée", following=False)
    db.session.commit()
    deliver_due_messages()
    last = mails()[sent_before + 1:]
    assert [(m["To"], m["Subject"]) for m in last] == [
        (agent.email, "Votre réservation est annulée : Sprint design")]
    mine = series.book_series(agent, lab.plenary.id, monday, time(9), time(10),
                              monday + timedelta(days=4), "daily", "Rétrospectives", 5,
                              skip_unavailable=True)
    db.session.commit()
    deliver_due_messages()
    count = len(mails())
    series.cancel_series(agent, mine[0].id, following=True)
    db.session.commit()
    deliver_due_messages()
    assert len(mails()) == count

    # Through the API (the rest of a series, cancelled by the team): one e-mail too.
    again = series.book_series(agent, lab.incubator.id, monday, time(16), time(17),
                               monday + timedelta(days=4), "daily", "Points incubateur", 3,
                               skip_unavailable=True)
    db.session.commit()
    deliver_due_messages()
    count = len(mails())
    response = api(team_member).post(f"/booking-series/{again[0].series_id}/cancel",
                                     json={"from_booking_id": again[0].id})
    assert response.status_code == 200 and len(response.get_json()["cancelled"]) == len(again)
    deliver_due_messages()
    new = mails()[count:]
    assert len(new) == 1 and f"pour {len(again)} dates : Points incubateur" in new[0]["Subject"]
