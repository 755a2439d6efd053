"""The iCal serializer, checked by parsing its real output with independent parsers."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from dateutil.tz import tzical
from icalendar import Calendar

from labapp.calendar.ical import (
    CalendarEvent,
    Participant,
    build_feed,
    build_invitation,
    event_uid,
    feed_last_modified,
    host_from_base_url,
)

PARIS = ZoneInfo("Europe/Paris")
HOST = "lab.test"
STAMP = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def make_event(n: int = 42, start: datetime | None = None, hours: float = 2, **changes) -> CalendarEvent:
    start = start or datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    values = dict(
        uid=event_uid("booking", n, HOST), start=start, end=start + timedelta(hours=hours),
        summary=f"Réservation {n}", description="Salle réservée pour l'atelier",
        location="Salle Agora, 1 place Beauvau, Paris", url=f"https://{HOST}/reservations/{n}",
        sequence=0, status="CONFIRMED", last_modified=STAMP,
    )
    values.update(changes)
    return CalendarEvent(**values)


def parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def raw_lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b""), "bare LF"
    return body[:-2].split(b"\r\n")


def unfolded(body: bytes) -> list[str]:
    return body.decode("utf-8").replace("\r\n ", "").split("\r\n")


def property_lines(body: bytes, name: str) -> list[str]:
    """Unfolded lines of a property at calendar level or inside VEVENTs (not VTIMEZONE)."""
    found, in_zone = [], False
    for line in unfolded(body):
        if line in ("BEGIN:VTIMEZONE", "END:VTIMEZONE"):
            in_zone = line.startswith("BEGIN")
        elif not in_zone and re.match(rf"{name}[;:]", line):
            found.append(line)
    return found


def test_uid_helpers():
    assert host_from_base_url("https://lab-minnov.interieur.gouv.fr/") == "lab-minnov.interieur.gouv.fr"
    assert event_uid("session", 7, "lab.test") == "session-7@lab.test"
    with pytest.raises(ValueError):
        host_from_base_url("not a url")


def test_feed_round_trips_with_calendar_properties():
    body = build_feed("Mes réservations", [make_event(1), make_event(2)], HOST)
    cal = parse(body)
    assert cal.get_missing_tzids() == set()
    assert cal.get_used_tzids() == {"Europe/Paris"}
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"])
    assert "METHOD" not in cal  # a published feed: Outlook would import one event with REQUEST
    assert str(cal["NAME"]) == str(cal["X-WR-CALNAME"]) == "Mes réservations"
    assert str(cal["X-WR-TIMEZONE"]) == "Europe/Paris"
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert property_lines(body, "REFRESH-INTERVAL") == ["REFRESH-INTERVAL;VALUE=DURATION:PT1H"]
    assert property_lines(body, "X-PUBLISHED-TTL") == ["X-PUBLISHED-TTL:PT1H"]
    assert sorted(str(e["UID"]) for e in cal.events) == ["booking-1@lab.test", "booking-2@lab.test"]
    for event in cal.events:
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        assert event["DTSTAMP"].dt.tzinfo is not None and event["DTSTAMP"].dt.utcoffset() == timedelta(0)
        assert property_lines(body, "DTSTAMP")[0].endswith("Z")
    assert cal.events[0].start == datetime(2026, 7, 1, 9, 0, tzinfo=PARIS)


def test_feed_lines_are_crlf_folded_at_75_octets_and_utf8():
    title = "Atelier « conception » élaboré à Paris — " * 5
    body = build_feed("Équipe", [make_event(summary=title, description="é" * 200)], HOST)
    lines = raw_lines(body)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)
    body.decode("utf-8")  # every fold falls between characters
    assert str(parse(body).events[0]["SUMMARY"]) == title


def test_title_with_line_breaks_stays_one_property():
    title = "Réunion\r\nDTSTART:19700101T000000Z\nSTATUS:CANCELLED\rfin éàç" + " très longue" * 8
    body = build_feed("Équipe", [make_event(summary=title)], HOST)
    assert len(property_lines(body, "SUMMARY")) == 1
    assert len(property_lines(body, "DTSTART")) == 1
    assert property_lines(body, "STATUS") == ["STATUS:CONFIRMED"]
    event = parse(body).events[0]
    assert "DTSTART:19700101T000000Z" in str(event["SUMMARY"])
    assert event.start == datetime(2026, 7, 1, 9, 0, tzinfo=PARIS)
    assert max(len(line) for line in raw_lines(body)) <= 75


def test_each_vtimezone_has_one_standard_and_one_daylight_rule_and_no_rdate():
    for body in (build_feed("x", [make_event()], HOST),
                 build_invitation("REQUEST", make_event(), "lab@x.fr", "a@x.fr", "A")):
        zones = parse(body).walk("VTIMEZONE")
        assert [str(z["TZID"]) for z in zones] == ["Europe/Paris"]
        kinds = [sub.name for sub in zones[0].subcomponents]
        assert sorted(kinds) == ["DAYLIGHT", "STANDARD"]
        for sub in zones[0].subcomponents:
            assert "RRULE" in sub and "RDATE" not in sub
            rule = sub["RRULE"]
            assert rule["FREQ"] == ["YEARLY"] and rule["BYDAY"] == ["-1SU"]
        daylight = zones[0].walk("DAYLIGHT")[0]
        standard = zones[0].walk("STANDARD")[0]
        assert daylight["DTSTART"].dt == datetime(1970, 3, 29, 2, 0)
        assert daylight["RRULE"]["BYMONTH"] == [3]
        assert (daylight["TZOFFSETFROM"].td, daylight["TZOFFSETTO"].td) == (
            timedelta(hours=1), timedelta(hours=2))
        assert standard["DTSTART"].dt == datetime(1970, 10, 25, 3, 0)
        assert standard["RRULE"]["BYMONTH"] == [10]
        assert (standard["TZOFFSETFROM"].td, standard["TZOFFSETTO"].td) == (
            timedelta(hours=2), timedelta(hours=1))
        assert b"RDATE" not in body


INSTANTS = [
    pytest.param(datetime(2026, 7, 15, 10, 0, tzinfo=PARIS), id="summer"),
    pytest.param(datetime(2026, 1, 15, 10, 0, tzinfo=PARIS), id="winter"),
    pytest.param(datetime(2026, 3, 29, 1, 30, tzinfo=PARIS), id="spring-sunday-before"),
    pytest.param(datetime(2026, 3, 29, 3, 30, tzinfo=PARIS), id="spring-sunday-after"),
    pytest.param(datetime(2026, 3, 29, 10, 0, tzinfo=PARIS), id="spring-sunday-day"),
    pytest.param(datetime(2026, 10, 25, 1, 30, tzinfo=PARIS), id="fall-sunday-before"),
    pytest.param(datetime(2026, 10, 25, 2, 30, tzinfo=PARIS), id="fall-sunday-first-0230"),
    pytest.param(datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=PARIS), id="fall-sunday-second-0230"),
    pytest.param(datetime(2026, 10, 25, 10, 0, tzinfo=PARIS), id="fall-sunday-day"),
    pytest.param(datetime(2036, 7, 15, 10, 0, tzinfo=PARIS), id="ten-years-summer"),
    pytest.param(datetime(2036, 12, 15, 10, 0, tzinfo=PARIS), id="ten-years-winter"),
]


@pytest.mark.parametrize("local", INSTANTS)
def test_emitted_vtimezone_read_by_dateutil_agrees_with_zoneinfo(local):
    instant = local.astimezone(UTC)
    body = build_feed("x", [make_event(start=instant, hours=1)], HOST)
    zones = tzical(io.StringIO(body.decode("utf-8")))  # reads our VTIMEZONE, not the system's
    assert zones.keys() == ["Europe/Paris"]
    emitted = zones.get("Europe/Paris")
    for name, expected in (("DTSTART", instant), ("DTEND", instant + timedelta(hours=1))):
        line = property_lines(body, name)[0]
        value = line.rsplit(":", 1)[1]
        if value.endswith("Z"):  # the repeated fall-back hour is written in UTC
            read = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        else:
            assert ";TZID=Europe/Paris" in line
            read = datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=emitted)
        assert read.astimezone(UTC) == expected
        assert read.utcoffset() == expected.astimezone(PARIS).utcoffset() or value.endswith("Z")


def test_recurring_ical_events_expands_the_feed():
    events = [make_event(n, start=datetime(2026, 3, 24 + n, 8, 0, tzinfo=UTC)) for n in range(1, 8)]
    events.append(make_event(99, start=date(2026, 4, 1), end=date(2026, 4, 3), all_day=True))
    cal = parse(build_feed("x", events, HOST))
    found = recurring_ical_events.of(cal).between(datetime(2026, 3, 1), datetime(2026, 5, 1))
    starts = {str(e["UID"]): e.start for e in found}
    assert len(starts) == 8
    assert starts["booking-1@lab.test"] == datetime(2026, 3, 25, 9, 0, tzinfo=PARIS)  # winter
    assert starts["booking-7@lab.test"] == datetime(2026, 3, 31, 10, 0, tzinfo=PARIS)  # summer
    assert starts["booking-99@lab.test"] == date(2026, 4, 1)
    assert recurring_ical_events.of(cal).at(date(2026, 4, 2))  # exclusive end covers day two


@pytest.mark.parametrize(("start", "end", "dates"), [
    (date(2026, 7, 14), date(2026, 7, 15), (date(2026, 7, 14), date(2026, 7, 15))),
    (date(2026, 7, 14), date(2026, 7, 14), (date(2026, 7, 14), date(2026, 7, 15))),
    (datetime(2026, 7, 13, 22, 0, tzinfo=UTC), datetime(2026, 7, 14, 22, 0, tzinfo=UTC),
     (date(2026, 7, 14), date(2026, 7, 15))),
    (datetime(2026, 7, 14, 7, 0, tzinfo=UTC), datetime(2026, 7, 16, 15, 0, tzinfo=UTC),
     (date(2026, 7, 14), date(2026, 7, 17))),
])
def test_all_day_items_are_dates_with_exclusive_end(start, end, dates):
    body = build_feed("x", [make_event(start=start, end=end, all_day=True)], HOST)
    event = parse(body).events[0]
    assert (event["DTSTART"].dt, event["DTEND"].dt) == dates
    assert property_lines(body, "DTSTART")[0] == f"DTSTART;VALUE=DATE:{dates[0]:%Y%m%d}"
    assert property_lines(body, "DTEND")[0] == f"DTEND;VALUE=DATE:{dates[1]:%Y%m%d}"


def test_feed_is_identical_across_generations_whatever_the_order():
    events = [make_event(n) for n in (3, 1, 2)]
    first = build_feed("x", events, HOST)
    second = build_feed("x", list(reversed(events)), HOST)
    assert first == second  # same data, same bytes: the ETag holds
    assert [str(e["UID"]) for e in parse(first).events] == [
        str(e["UID"]) for e in parse(second).events]


def test_cancelled_item_stays_with_status_and_visible_title():
    body = build_feed("x", [make_event(status="CANCELLED", sequence=3)], HOST)
    event = parse(body).events[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 3
    assert str(event["SUMMARY"]).startswith("Annulé : ")
    assert str(event["TRANSP"]) == "TRANSPARENT"


def test_feed_last_modified():
    assert feed_last_modified([]) is None
    later = STAMP + timedelta(days=2)
    assert feed_last_modified([make_event(1), make_event(2, last_modified=later)]) == later


@pytest.mark.parametrize("bad", [
    dict(status="DONE"), dict(sequence=-1), dict(start=datetime(2026, 7, 1, 9, 0)),
    dict(hours=0), dict(last_modified=datetime(2026, 1, 1)),
])
def test_invalid_events_are_refused(bad):
    with pytest.raises(ValueError):
        make_event(**bad)


def test_request_invitation_has_every_required_property():
    event = make_event(sequence=2)
    body = build_invitation("REQUEST", event, "lab-minnov@interieur.gouv.fr",
                            "jean.dupont@interieur.gouv.fr", 'Jean "Jo"\nDupont')
    cal = parse(body)
    assert str(cal["METHOD"]) == "REQUEST"
    assert "NAME" not in cal and "X-WR-CALNAME" not in cal
    assert b"X-WR-CALNAME" not in body and b"\r\nNAME" not in body
    assert cal.get_missing_tzids() == set()
    [vevent] = cal.events
    for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "ORGANIZER", "ATTENDEE"):
        assert prop in vevent, prop
    assert str(vevent["UID"]) == "booking-42@lab.test"
    assert vevent["SEQUENCE"] == 2
    assert str(vevent["ORGANIZER"]).lower() == "mailto:lab-minnov@interieur.gouv.fr"
    attendee = vevent["ATTENDEE"]
    assert str(attendee).lower() == "mailto:jean.dupont@interieur.gouv.fr"
    assert attendee.params["RSVP"] == "TRUE"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["CN"] == "Jean 'Jo' Dupont"
    assert str(vevent["STATUS"]) == "CONFIRMED"


def test_cancel_invitation():
    request = parse(build_invitation("REQUEST", make_event(sequence=1), "lab@x.fr", "a@x.fr", "A"))
    cancel = parse(build_invitation("CANCEL", make_event(sequence=2), "lab@x.fr", "a@x.fr", "A"))
    assert str(cancel["METHOD"]) == "CANCEL"
    [before], [after] = request.events, cancel.events
    assert str(after["UID"]) == str(before["UID"])
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert str(after["STATUS"]) == "CANCELLED"
    assert str(after["ATTENDEE"]) == "mailto:a@x.fr" and "ORGANIZER" in after
    assert "X-WR-CALNAME" not in cancel


def test_invitation_refuses_the_recipient_as_organizer_and_unknown_methods():
    with pytest.raises(ValueError):
        build_invitation("REQUEST", make_event(), "Jean@X.fr", "jean@x.fr", "Jean")
    with pytest.raises(ValueError):
        build_invitation("PUBLISH", make_event(), "lab@x.fr", "jean@x.fr", "Jean")
    with pytest.raises(ValueError):
        build_invitation("REQUEST", make_event(status="CANCELLED"), "lab@x.fr", "jean@x.fr", "Jean")


def test_feed_keeps_organizer_and_attendees_when_given():
    event = make_event(organizer=Participant("lab@x.fr", "Lab"), attendees=(Participant("a@x.fr", "A"),))
    vevent = parse(build_feed("x", [event], HOST)).events[0]
    assert str(vevent["ORGANIZER"]) == "mailto:lab@x.fr"
    assert str(vevent["ATTENDEE"]) == "mailto:a@x.fr"


def test_uids_and_sequence_survive_a_change_between_generations():
    before = [make_event(1), make_event(2, sequence=4)]
    after = [replace(before[0], start=before[0].start + timedelta(hours=1), sequence=1), before[1]]
    old = {str(e["UID"]): e["SEQUENCE"] for e in parse(build_feed("x", before, HOST)).events}
    new = {str(e["UID"]): e["SEQUENCE"] for e in parse(build_feed("x", after, HOST)).events}
    assert old.keys() == new.keys()
    assert all(new[uid] >= old[uid] for uid in old)
    assert new["booking-1@lab.test"] == old["booking-1@lab.test"] + 1
