"""Sessions and registrations in feeds, downloads and invitations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from labapp.extensions import db
from labapp.trainings import registrations as trainings_registrations
from labapp.trainings import services as trainings
from tests.fixtures_bookings import at, future_day
from tests.fixtures_calendar import vevents
from tests.querycount import count_queries

VIDEO = "https://visio.example.org/salle-42"


def suid(session) -> str:
    return f"session-{session.id}@lab.test"


def ruid(outcome) -> str:
    return f"registration-{outcome.registration.id}@lab.test"


def public_agenda(client) -> dict:
    response = client.get("/agenda.ics", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.get_data())
    assert not cal.get_missing_tzids()
    return vevents(cal)


@pytest.fixture
def online(create_session):
    """An online session with one seat, in three weeks."""
    start = at(future_day(0), "14:00")
    return create_session(title="Webinaire « écoute usagers »", kind="webinaire", capacity=1,
                          start_at=start, end_at=start + timedelta(hours=2), video_link=VIDEO)


def test_video_link_only_in_a_confirmed_participants_own_feed(
        app, client, online, register, create_user, team_user, fetch_feed):
    confirmed_user, waiting_user = create_user(), create_user()
    confirmed = register(online, actor=confirmed_user)
    waiting = register(online, actor=waiting_user)
    assert (confirmed.registration.status, waiting.registration.status) == ("confirmed", "waitlisted")

    mine = vevents(fetch_feed(confirmed_user))[ruid(confirmed)]
    assert str(mine["STATUS"]) == "CONFIRMED" and str(mine["LOCATION"]) == "En ligne"
    assert VIDEO in str(mine["DESCRIPTION"])
    assert str(mine["URL"]) == f"http://lab.test/agenda/sessions/{online.id}"
    assert mine.decoded("DTSTART") == online.start_at

    theirs = vevents(fetch_feed(waiting_user))
    assert set(theirs) == {ruid(waiting)}
    assert str(theirs[ruid(waiting)]["STATUS"]) == "TENTATIVE"
    assert str(theirs[ruid(waiting)]["SUMMARY"]).startswith("Liste d'attente : ")
    assert VIDEO not in theirs[ruid(waiting)].to_ical().decode()

    team = fetch_feed(team_user, "team")
    assert suid(online) in vevents(team) and VIDEO not in team.to_ical().decode()
    public = public_agenda(client)
    assert suid(online) in public and VIDEO not in public[suid(online)].to_ical().decode()
    assert "Inscription" not in str(public[suid(online)]["DESCRIPTION"])


def test_lab_session_location_and_cancellation_in_every_feed(
        app, client, create_session, register, create_user, team_user, fetch_feed, lab):
    lab.site.address = "Place Beauvau, 75008 Paris"
    db.session.commit()
    person = create_user()
    day = future_day(1)
    session = create_session(title="Formation co-développement", location="lab",
                             space_id=lab.plenary.id, start_at=at(day, "09:30"),
                             end_at=at(day, "12:00"), video_link=None, capacity=10)
    outcome = register(session, actor=person)
    before = {"team": vevents(fetch_feed(team_user, "team"))[suid(session)],
              "public": public_agenda(client)[suid(session)],
              "mine": vevents(fetch_feed(person))[ruid(outcome)]}
    assert str(before["team"]["LOCATION"]) == "Espace plénier, Place Beauvau, 75008 Paris"
    assert str(before["mine"]["LOCATION"]) == "Espace plénier, Place Beauvau, 75008 Paris"

    trainings.cancel_session(team_user, session.id)
    db.session.commit()
    after = {"team": vevents(fetch_feed(team_user, "team"))[suid(session)],
             "public": public_agenda(client)[suid(session)],
             "mine": vevents(fetch_feed(person))[ruid(outcome)]}
    for name in before:
        assert str(before[name]["STATUS"]) == "CONFIRMED", name
        assert str(after[name]["STATUS"]) == "CANCELLED", name
        assert after[name]["SEQUENCE"] > before[name]["SEQUENCE"], name


def test_other_address_and_cancelled_registration(app, create_session, register, create_user,
                                                  fetch_feed):
    person = create_user()
    start = at(future_day(2), "10:00")
    session = create_session(location="other", address="Préfecture de Lyon, 106 rue Pierre Corneille",
                             start_at=start, end_at=start + timedelta(hours=3), video_link=None)
    outcome = register(session, actor=person)
    trainings_registrations.cancel_registration(person, outcome.registration.id)
    db.session.commit()
    event = vevents(fetch_feed(person))[ruid(outcome)]
    assert str(event["LOCATION"]) == "Préfecture de Lyon, 106 rue Pierre Corneille"
    assert str(event["STATUS"]) == "CANCELLED"


def test_session_download_public_while_scheduled_and_the_registrants_own_version(
        app, client, online, register, create_user, login, team_user):
    path = f"/calendrier/session/{online.id}.ics"
    assert f'href="{path}"' in client.get(f"/agenda/sessions/{online.id}").get_data(as_text=True)
    response = client.get(path)
    assert response.status_code == 200
    cal = Calendar.from_ical(response.get_data())
    assert str(cal["METHOD"]) == "PUBLISH" and "X-WR-CALNAME" not in cal
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == suid(online) and VIDEO not in event.to_ical().decode()

    person = create_user()
    outcome = register(online, actor=person)
    login(person)
    [event] = Calendar.from_ical(client.get(path).get_data()).walk("VEVENT")
    assert str(event["UID"]) == ruid(outcome) and VIDEO in str(event["DESCRIPTION"])

    trainings.cancel_session(team_user, online.id)
    db.session.commit()
    login(create_user())
    assert client.get(path).status_code == 404
    assert client.get("/calendrier/session/999999.ics").status_code == 404
    login(team_user)
    assert client.get(path).status_code == 200


def test_invitations_for_registrations_promotion_moves_and_session_cancellation(
        app, online, register, create_user, team_user, run_invitations, invitations, mail_dir):
    first, second = create_user(), create_user()
    one = register(online, actor=first)
    two = register(online, actor=second)  # waitlisted: nothing to put in Outlook yet

    def fresh():
        for path in mail_dir.glob("*.eml"):
            path.unlink()

    fresh()
    assert run_invitations() == 1
    assert run_invitations() == 0
    [(message, part, cal)] = invitations()
    [event] = cal.walk("VEVENT")
    assert part.get_param("method") == str(cal["METHOD"]) == "REQUEST"
    assert message["To"].addresses[0].addr_spec == first.email
    assert str(event["UID"]) == ruid(one) and VIDEO in str(event["DESCRIPTION"])
    assert first.email not in str(event["ORGANIZER"])

    # The first cancels: CANCEL to them, REQUEST to the promoted second.
    trainings_registrations.cancel_registration(first, one.registration.id)
    db.session.commit()
    fresh()
    assert run_invitations() == 2
    sent = {m["To"].addresses[0].addr_spec: (p, c) for m, p, c in invitations()}
    assert sent[first.email][0].get_param("method") == "CANCEL"
    cancel = sent[first.email][1].walk("VEVENT")[0]
    assert cancel["SEQUENCE"] > event["SEQUENCE"] and str(cancel["UID"]) == ruid(one)
    assert sent[second.email][0].get_param("method") == "REQUEST"
    promoted = sent[second.email][1].walk("VEVENT")[0]
    assert str(promoted["UID"]) == ruid(two)

    # The team moves the session: REQUEST with SEQUENCE + 1 to the confirmed person.
    new_start = online.start_at + timedelta(days=1)
    trainings.update_session(team_user, online.id, start_at=new_start, end_at=new_start + timedelta(hours=2))
    db.session.commit()
    fresh()
    assert run_invitations() == 1
    [(message, part, cal)] = invitations()
    moved = cal.walk("VEVENT")[0]
    assert part.get_param("method") == "REQUEST" and message["To"].addresses[0].addr_spec == second.email
    assert moved["SEQUENCE"] == promoted["SEQUENCE"] + 1 and moved.decoded("DTSTART") == new_start

    # The session is cancelled: CANCEL to the confirmed person.
    trainings.cancel_session(team_user, online.id)
    db.session.commit()
    fresh()
    assert run_invitations() == 1
    [(message, part, cal)] = invitations()
    assert part.get_param("method") == str(cal["METHOD"]) == "CANCEL"
    assert cal.walk("VEVENT")[0]["SEQUENCE"] > moved["SEQUENCE"]
    assert run_invitations() == 0


def test_query_budgets_are_the_same_for_1_and_30_sessions(
        app, client, create_session, register, create_user, team_user):
    from labapp.calendar import services

    counts = {}
    for n in (1, 30):
        person = create_user()
        for i in range(n):
            start = at(future_day(i, weeks_ahead=4 if n == 1 else 6), "10:00")
            session = create_session(start_at=start, end_at=start + timedelta(hours=1), capacity=5)
            register(session, actor=person)
        urls = {kind: services.feed_urls(services.feed_token(user, kind))["https"].removeprefix(
            "http://lab.test") for kind, user in (("personal", person), ("team", team_user))}
        urls["public"] = "/agenda.ics"
        db.session.commit()
        counts[n] = {}
        for kind, url in urls.items():
            pair = []
            for _ in range(2):  # first generation, then a repeat
                with count_queries() as counter:
                    assert client.get(url).status_code == 200
                pair.append(counter.count)
            counts[n][kind] = pair
    assert counts[1] == counts[30], counts
