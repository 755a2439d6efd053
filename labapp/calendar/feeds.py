"""What each feed contains, read from the other domains.

Until bookings and trainings land, the sources return nothing; each function
documents what it will read. Every source returns `CalendarEvent` values with
stable UIDs from `ical.event_uid` on the BASE_URL host.
"""

from __future__ import annotations

from labapp.calendar.ical import CalendarEvent
from labapp.calendar.models import CalendarFeedToken

FEED_NAMES = {
    "personal": "Lab Minnov — mes réservations et inscriptions",
    "team": "Lab Minnov — équipe (réservations et sessions)",
    "space": "Lab Minnov — espace {space}",
}


def personal_events(user) -> list[CalendarEvent]:
    """The user's bookings and registrations (video link only once confirmed)."""
    return []


def team_events() -> list[CalendarEvent]:
    """All approved bookings and all sessions."""
    return []


def space_events(space_id: int) -> list[CalendarEvent]:
    """Approved bookings of one space."""
    return []


def public_agenda_events() -> list[CalendarEvent]:
    """The lab's open sessions (no personal data)."""
    return []


def feed_for_token(token: CalendarFeedToken) -> tuple[str, list[CalendarEvent]]:
    """(calendar name, events) of the feed a token opens."""
    if token.kind == "personal":
        return FEED_NAMES["personal"], personal_events(token.user)
    if token.kind == "team":
        return FEED_NAMES["team"], team_events()
    return FEED_NAMES["space"].format(space=token.space_id), space_events(token.space_id)
