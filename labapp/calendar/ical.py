"""iCalendar serializer: feeds (RFC 5545/7986) and iTIP invitations (RFC 5546).

Pure functions, no database and no Flask request: callers turn bookings and
sessions into `CalendarEvent` values (instants aware, UTC) and get bytes back.
Everything is built with the `icalendar` package, which escapes text (a line
break in a title becomes `\\n` inside one property), folds lines at 75 octets
and writes CRLF. Times are written as Europe/Paris wall time with
`TZID=Europe/Paris` and a fixed VTIMEZONE (one DAYLIGHT, one STANDARD, yearly
RRULEs, no RDATE): icalendar's generated zone lists RDATEs that Outlook ignores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDuration,
    vRecur,
)

PARIS_TZID = "Europe/Paris"
PARIS = ZoneInfo(PARIS_TZID)
STATUSES = ("CONFIRMED", "TENTATIVE", "CANCELLED")
INVITATION_METHODS = ("REQUEST", "CANCEL")
REFRESH = timedelta(hours=1)
CANCELLED_PREFIX = "Annulé : "


@dataclass(frozen=True)
class Participant:
    """An organizer or attendee: an e-mail address and a display name."""

    email: str
    name: str = ""


@dataclass(frozen=True)
class CalendarEvent:
    """One thing in a calendar: a booking, a session, a registration.

    `start`/`end` are aware datetimes (any zone, written in Europe/Paris) over
    the half-open interval [start, end). With `all_day=True` they may be dates
    or datetimes: the Paris dates are used and `end` is exclusive (a one-day
    item ends the next day). `uid` must be stable for the thing (see
    `event_uid`); `sequence` must only grow; `last_modified` (aware) is the
    last change and doubles as DTSTAMP in feeds so that an unchanged feed
    serializes to the same bytes.
    """

    uid: str
    start: datetime | date
    end: datetime | date
    summary: str
    description: str
    location: str
    url: str | None
    sequence: int
    status: str
    last_modified: datetime
    all_day: bool = False
    organizer: Participant | None = None
    attendees: tuple[Participant, ...] = ()

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown STATUS {self.status!r}")
        if self.sequence < 0:
            raise ValueError("SEQUENCE must be >= 0")
        _require_aware(self.last_modified, "last_modified")
        if not self.all_day:
            _require_aware(self.start, "start")
            _require_aware(self.end, "end")
            if self.end <= self.start:
                raise ValueError("end must be after start")


def _require_aware(value, name: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime")


def host_from_base_url(base_url: str) -> str:
    """The host part of BASE_URL (e.g. `lab.example.fr`), used in UIDs."""
    host = urlsplit(base_url).hostname
    if not host:
        raise ValueError(f"BASE_URL without a host: {base_url!r}")
    return host


def event_uid(kind: str, ident: int | str, host: str) -> str:
    """A stable UID: `booking-42@host`, `session-7@host`, `registration-3@host`."""
    return f"{kind}-{ident}@{host}"


def paris_vtimezone() -> Timezone:
    """The fixed Europe/Paris VTIMEZONE (EU rule since 1996, as Outlook writes it)."""
    zone = Timezone()
    zone.add("tzid", PARIS_TZID)
    daylight = TimezoneDaylight()
    daylight.add("tzname", "CEST")
    daylight.add("tzoffsetfrom", timedelta(hours=1))
    daylight.add("tzoffsetto", timedelta(hours=2))
    daylight.add("dtstart", datetime(1970, 3, 29, 2, 0, 0))
    daylight.add("rrule", vRecur(freq="YEARLY", bymonth=3, byday="-1SU"))
    standard = TimezoneStandard()
    standard.add("tzname", "CET")
    standard.add("tzoffsetfrom", timedelta(hours=2))
    standard.add("tzoffsetto", timedelta(hours=1))
    standard.add("dtstart", datetime(1970, 10, 25, 3, 0, 0))
    standard.add("rrule", vRecur(freq="YEARLY", bymonth=10, byday="-1SU"))
    zone.add_component(daylight)
    zone.add_component(standard)
    return zone


def _prodid(host: str) -> str:
    return f"-//Lab Minnov//Calendrier {host}//FR"


def _new_calendar(host: str, method: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", _prodid(host))
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    # The zone comes before the events that use it (some parsers read in one pass).
    cal.add_component(paris_vtimezone())
    return cal


def _finish(cal: Calendar) -> bytes:
    # Safety net only: the fixed zone above already covers every TZID we write.
    cal.add_missing_timezones()
    return cal.to_ical()


def one_line(text: str) -> str:
    """Names in parameters (CN) must not carry line breaks or double quotes."""
    return " ".join((text or "").replace('"', "'").split())


def _address(person: Participant, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email.strip()}")
    name = one_line(person.name)
    if name:
        address.params["CN"] = name
    for key, value in params.items():
        address.params[key.upper().replace("_", "-")] = value
    return address


def _paris_date(value: datetime | date) -> date:
    if isinstance(value, datetime):
        _require_aware(value, "all-day bound")
        return value.astimezone(PARIS).date()
    return value


def _all_day_bounds(event: CalendarEvent) -> tuple[date, date]:
    """Paris dates [first, exclusive_end) of an all-day item (at least one day)."""
    first = _paris_date(event.start)
    end = _paris_date(event.end)
    if isinstance(event.end, datetime) and event.end.astimezone(PARIS).time() != datetime.min.time():
        end += timedelta(days=1)  # ends during that day: the day is included
    if end <= first:
        end = first + timedelta(days=1)
    return first, end


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _wall_time(value: datetime) -> datetime:
    """Paris wall time, except the second 02:00-03:00 of the fall-back night.

    A TZID wall time in that hour means its first occurrence (RFC 5545 3.3.5),
    so an instant in the repeated hour is written in UTC instead.
    """
    local = value.astimezone(PARIS)
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        return value.astimezone(UTC)
    return local


def _vevent(event: CalendarEvent, stamp: datetime, *, summary: str, status: str,
            with_people: bool = True) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", _utc(stamp))
    if event.all_day:
        first, end = _all_day_bounds(event)
        vevent.add("dtstart", first)
        vevent.add("dtend", end)
    else:
        vevent.add("dtstart", _wall_time(event.start))
        vevent.add("dtend", _wall_time(event.end))
    vevent.add("summary", summary)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    if event.url:
        vevent.add("url", event.url)
    vevent.add("sequence", event.sequence)
    vevent.add("status", status)
    vevent.add("last-modified", _utc(event.last_modified))
    transparent = event.all_day or status == "CANCELLED"
    vevent.add("transp", "TRANSPARENT" if transparent else "OPAQUE")
    if with_people:
        if event.organizer is not None:
            vevent.add("organizer", _address(event.organizer))
        for attendee in event.attendees:
            vevent.add("attendee", _address(attendee, role="REQ-PARTICIPANT"))
    return vevent


def feed_last_modified(events) -> datetime | None:
    """The latest `last_modified` of the events (UTC), or None for an empty feed."""
    stamps = [_utc(event.last_modified) for event in events]
    return max(stamps) if stamps else None


def build_feed(name: str, events, host: str) -> bytes:
    """A subscribable calendar (no METHOD, i.e. published data).

    Carries NAME and X-WR-CALNAME, X-WR-TIMEZONE, REFRESH-INTERVAL with
    VALUE=DURATION and X-PUBLISHED-TTL (one hour). DTSTAMP of each event is its
    `last_modified` (RFC 5545 3.8.7.2 for objects without METHOD), so the same
    data gives the same bytes and the HTTP layer can answer 304. Cancelled
    items keep their UID with STATUS:CANCELLED and a "Annulé : " title, since
    Outlook ignores STATUS in subscribed calendars.
    """
    cal = _new_calendar(host, method=None)
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", PARIS_TZID)
    # icalendar's refresh_interval setter omits VALUE=DURATION (RFC 7986 requires it).
    cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    for event in sorted(events, key=lambda e: e.uid):
        summary = event.summary
        if event.status == "CANCELLED" and not summary.startswith(CANCELLED_PREFIX):
            summary = CANCELLED_PREFIX + summary
        cal.add_component(_vevent(event, event.last_modified, summary=summary, status=event.status))
    return _finish(cal)


def build_download(events, host: str) -> bytes:
    """A file to import once (the ".ics" button): METHOD:PUBLISH, no calendar name.

    Without NAME/X-WR-CALNAME Outlook adds the event to the default calendar
    instead of opening a new one; cancelled items carry STATUS:CANCELLED.
    """
    cal = _new_calendar(host, method="PUBLISH")
    for event in sorted(events, key=lambda e: e.uid):
        cal.add_component(_vevent(event, event.last_modified, summary=event.summary,
                                  status=event.status))
    return _finish(cal)


def build_invitation(method: str, event: CalendarEvent, organizer_email: str,
                     attendee_email: str, attendee_name: str, *,
                     organizer_name: str = "Lab Minnov", stamp: datetime | None = None) -> bytes:
    """An iTIP message (RFC 5546) for one attendee: METHOD REQUEST or CANCEL.

    REQUEST invites (or updates, with a higher SEQUENCE) with ATTENDEE
    RSVP=TRUE;PARTSTAT=NEEDS-ACTION; CANCEL withdraws it with
    STATUS:CANCELLED (pass the event with its SEQUENCE already bumped). The
    ORGANIZER is the lab's mailbox and must not be the recipient. No NAME or
    X-WR-CALNAME: Outlook would open a new calendar. `stamp` (DTSTAMP, when the
    message is created) defaults to now.
    """
    if method not in INVITATION_METHODS:
        raise ValueError(f"unsupported METHOD {method!r}")
    if not organizer_email or organizer_email.strip().lower() == attendee_email.strip().lower():
        raise ValueError("ORGANIZER must be the lab's mailbox, not the recipient")
    if event.status == "CANCELLED" and method == "REQUEST":
        raise ValueError("a cancelled event is sent with METHOD:CANCEL")
    cal = _new_calendar(_host_of_uid(event.uid), method=method)
    status = "CANCELLED" if method == "CANCEL" else event.status
    vevent = _vevent(event, stamp or datetime.now(UTC), summary=event.summary, status=status,
                     with_people=False)
    vevent.add("organizer", _address(Participant(organizer_email, organizer_name)))
    attendee = Participant(attendee_email, attendee_name)
    if method == "REQUEST":
        vevent.add("attendee", _address(attendee, cutype="INDIVIDUAL", role="REQ-PARTICIPANT",
                                        partstat="NEEDS-ACTION", rsvp="TRUE"))
    else:
        vevent.add("attendee", _address(attendee, cutype="INDIVIDUAL", role="REQ-PARTICIPANT"))
    cal.add_component(vevent)
    return _finish(cal)


def _host_of_uid(uid: str) -> str:
    return uid.rpartition("@")[2] or "labminnov"
