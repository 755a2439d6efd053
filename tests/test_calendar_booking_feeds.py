"""Feeds built from real bookings: personal, team and space feeds, cancelled items, budgets."""

from __future__ import annotations

from datetime import time, timedelta

import recurring_ical_events
from sqlalchemy import update

from labapp.bookings import services as bookings
from labapp.bookings.models import Booking
from labapp.db_types import utcnow
from labapp.extensions import db
from tests.fixtures_bookings import at, future_day
from tests.fixtures_calendar import vevents
from tests.querycount import count_queries


def uid(booking) -> str:
    return f"booking-{booking.id}@lab.test"


def test_personal_feed_holds_my_bookings_with_status_place_url_and_french_description(
        app, create_booking, quick_user, fetch_feed, lab):
    lab.site.address = "Place Beauvau, 75008 Paris"
    me, other = quick_user(), quick_user()
    long_title = "Atelier « co-développement » des équipes territoriales, séance plénière"
    pending = create_booking(by=me, day=future_day(0), title=long_title)
    approved = create_booking(by=me, day=future_day(1), status="approved", space=lab.drh)
    refused = create_booking(by=me, day=future_day(2), status="refused")
    cancelled = create_booking(by=me, day=future_day(3), status="cancelled")
    old_cancelled = create_booking(by=me, day=future_day(4), status="cancelled")
    theirs = create_booking(by=other, day=future_day(5), status="approved")
    # Cancelled longer ago than CALENDAR_CANCELLED_DAYS: it has left the feed.
    db.session.execute(update(Booking).where(Booking.id == old_cancelled.id)
                       .values(updated_at=utcnow() - timedelta(days=31)))
    db.session.commit()

    events = vevents(fetch_feed(me))
    assert set(events) == {uid(b) for b in (pending, approved, refused, cancelled)}
    assert uid(theirs) not in events and uid(old_cancelled) not in events
    assert str(events[uid(pending)]["STATUS"]) == "TENTATIVE"
    assert str(events[uid(pending)]["SUMMARY"]) == "En attente : " + long_title
    assert str(events[uid(approved)]["STATUS"]) == "CONFIRMED"
    assert str(events[uid(approved)]["LOCATION"]) == (
        "Salle de remue-méninges (DRH), Place Beauvau, 75008 Paris")
    assert str(events[uid(approved)]["URL"]) == f"http://lab.test/reservations/{approved.id}"
    assert "Statut : Acceptée." in str(events[uid(approved)]["DESCRIPTION"])
    for gone in (refused, cancelled):
        assert str(events[uid(gone)]["STATUS"]) == "CANCELLED"
        assert str(events[uid(gone)]["SUMMARY"]).startswith("Annulé : ")
    assert "Motif du refus : Espace indisponible" in str(events[uid(refused)]["DESCRIPTION"])
    start = events[uid(approved)].decoded("DTSTART")
    assert start == at(future_day(1), "10:00") and str(start.tzinfo) == "Europe/Paris"


def test_cancelling_keeps_the_uid_with_status_cancelled_and_a_higher_sequence(
        app, create_booking, quick_user, team_member, fetch_feed):
    me = quick_user()
    booking = create_booking(by=me, status="approved")
    before = vevents(fetch_feed(me))[uid(booking)]
    team_before = vevents(fetch_feed(team_member, "team"))[uid(booking)]
    assert vevents(fetch_feed(me))[uid(booking)]["SEQUENCE"] == before["SEQUENCE"]  # stable

    bookings.cancel_booking(me, booking.id, "Plus besoin")
    db.session.commit()
    after = vevents(fetch_feed(me))[uid(booking)]
    team_after = vevents(fetch_feed(team_member, "team"))[uid(booking)]
    for old, new in ((before, after), (team_before, team_after)):
        assert str(old["STATUS"]) == "CONFIRMED" and str(new["STATUS"]) == "CANCELLED"
        assert new["SEQUENCE"] > old["SEQUENCE"]


def test_team_feed_has_approved_bookings_and_withdrawn_ones_only_if_they_were_approved(
        app, create_booking, team_member, fetch_feed):
    approved = create_booking(day=future_day(0), status="approved")
    pending = create_booking(day=future_day(1))
    refused = create_booking(day=future_day(2), status="refused")
    cancelled_request = create_booking(day=future_day(3), status="cancelled")
    cancelled_grant = create_booking(day=future_day(4), status="approved")
    bookings.cancel_booking(team_member, cancelled_grant.id)
    db.session.commit()
    events = vevents(fetch_feed(team_member, "team"))
    assert set(events) == {uid(approved), uid(cancelled_grant)}
    assert uid(pending) not in events and uid(refused) not in events
    assert uid(cancelled_request) not in events
    assert str(events[uid(cancelled_grant)]["STATUS"]) == "CANCELLED"


def test_space_feed_shows_what_occupies_the_space_and_hides_others_details_from_agents(
        app, create_booking, quick_user, team_member, fetch_feed, lab):
    me = quick_user()
    zone = create_booking(by=me, space=lab.drh, day=future_day(0), status="approved", title="Mon atelier")
    whole = create_booking(space=lab.whole, day=future_day(1), status="approved", title="Séminaire")
    elsewhere = create_booking(space=lab.incubator, day=future_day(2), status="approved")
    pending = create_booking(space=lab.drh, day=future_day(3))

    events = vevents(fetch_feed(me, "space", lab.drh.id))
    assert set(events) == {uid(zone), uid(whole)}
    assert uid(elsewhere) not in events and uid(pending) not in events
    assert str(events[uid(zone)]["SUMMARY"]) == "Mon atelier"
    assert str(events[uid(whole)]["SUMMARY"]) == "Réservé"  # someone else's booking
    assert "URL" not in events[uid(whole)] and "Séminaire" not in events[uid(whole)].to_ical().decode()

    team_view = vevents(fetch_feed(team_member, "space", lab.drh.id))
    assert str(team_view[uid(whole)]["SUMMARY"]) == "Séminaire"
    whole_view = vevents(fetch_feed(team_member, "space", lab.whole.id))
    assert set(whole_view) == {uid(zone), uid(whole), uid(elsewhere)}


def test_recurring_series_is_one_event_per_occurrence(app, quick_user, team_member, fetch_feed, lab):
    from labapp.bookings import series

    me = quick_user()
    first = future_day(0)
    rows = series.book_series(me, lab.plenary.id, first, time(9, 0), time(10, 0),
                              first + timedelta(weeks=3), "weekly", "Point hebdomadaire", 4,
                              skip_unavailable=True)
    db.session.commit()
    assert len(rows) >= 3 and len({b.series_id for b in rows}) == 1
    bookings.cancel_booking(me, rows[2].id)
    db.session.commit()

    cal = fetch_feed(me)
    events = vevents(cal)
    assert set(events) == {uid(b) for b in rows}
    origin = at(first, "00:00")
    expanded = recurring_ical_events.of(cal).between(origin, origin + timedelta(weeks=5))
    assert len(expanded) == len(rows)
    assert sorted(str(e["STATUS"]) for e in expanded) == ["CANCELLED"] + ["TENTATIVE"] * (len(rows) - 1)


def _feed_queries(client, url: str) -> int:
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_feed_query_budget_is_the_same_for_1_and_30_bookings(app, client, create_booking, quick_user,
                                                            team_member, lab):
    from labapp.calendar import services

    counts = {}
    for n in (1, 30):
        me = quick_user()
        for i in range(n):
            create_booking(by=me, day=future_day(i), status="pending" if i % 2 else "approved",
                           start="08:00" if n == 1 else "14:00", end="09:00" if n == 1 else "15:00")
        urls = {kind: services.feed_urls(services.feed_token(user, kind))["https"].removeprefix("http://lab.test")
                for kind, user in (("personal", me), ("team", team_member))}
        db.session.commit()
        counts[n] = {kind: (_feed_queries(client, url), _feed_queries(client, url))  # first and repeat
                     for kind, url in urls.items()}
    assert counts[1] == counts[30], counts
    assert max(max(pair) for pair in counts[30].values()) <= 12


def test_a_repeated_poll_is_served_from_the_cache_and_a_change_shows_at_once(
        app, client, create_booking, quick_user, lab):
    from labapp.calendar import services

    me = quick_user()
    booking = create_booking(by=me, status="approved")
    url = services.feed_urls(services.feed_token(me))["https"].removeprefix("http://lab.test")
    db.session.commit()
    first = client.get(url)
    db.session.expire_all()
    with count_queries() as counter:
        again = client.get(url)
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Last-Modified"] == first.headers["Last-Modified"]
    assert len(counter.statements) <= 2  # the token with its user, then the cached feed
    assert not [s for s in counter.statements if s.lstrip().upper().startswith(
        ("INSERT", "UPDATE", "DELETE"))]
    db.session.expire_all()
    with count_queries() as counter:
        unchanged = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and len(counter.statements) <= 2

    bookings.cancel_booking(me, booking.id, reason="Plus besoin")
    db.session.commit()
    db.session.expire_all()
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert str(vevents_of(changed)[uid(booking)]["STATUS"]) == "CANCELLED"
    app.config["CALENDAR_FEED_CACHE_SECONDS"] = 0  # built afresh: the very same bytes
    db.session.expire_all()
    assert client.get(url).get_data() == changed.get_data()


def vevents_of(response):
    from icalendar import Calendar

    return vevents(Calendar.from_ical(response.get_data()))


def test_a_feed_has_one_cache_entry_rebuilt_in_each_time_slot(
        app, client, create_booking, quick_user, lab, monkeypatch):
    import json
    from datetime import timedelta

    from sqlalchemy import select

    from labapp.cache import CachedFigure
    from labapp.calendar import services
    from labapp.calendar import views as calendar_views

    me = quick_user()
    create_booking(by=me, status="approved")
    url = services.feed_urls(services.feed_token(me))["https"].removeprefix("http://lab.test")
    db.session.commit()
    from datetime import UTC, datetime

    now = datetime.fromtimestamp(int(utcnow().timestamp()) // 300 * 300 + 10, UTC)  # a slot's start
    slots = []
    for minutes in (0, 1, 6, 7, 12):  # 300-second slots: three of them
        monkeypatch.setattr(calendar_views, "utcnow", lambda m=minutes: now + timedelta(minutes=m))
        assert client.get(url).status_code == 200
        db.session.expire_all()
        rows = db.session.scalars(select(CachedFigure).where(CachedFigure.key.like("feed:%"))).all()
        assert len(rows) == 1
        slots.append(json.loads(rows[0].payload)["bucket"])
        db.session.rollback()
    assert len(set(slots)) == 3 and slots[0] == slots[1] and slots[2] == slots[3]
