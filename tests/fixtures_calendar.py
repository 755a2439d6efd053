"""Calendar fixtures: fetch and parse a user's feed, run the invitation job, read invitations."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from labapp.extensions import db


def vevents(cal: Calendar) -> dict:
    """{UID: VEVENT} of a parsed calendar."""
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


@pytest.fixture
def fetch_feed(app, client):
    """fetch_feed(user, kind="personal", space_id=None) -> parsed Calendar (asserts 200)."""
    from labapp.calendar import services

    def fetch(user, kind: str = "personal", space_id: int | None = None) -> Calendar:
        token = services.feed_token(user, kind, space_id)
        db.session.commit()
        url = services.feed_urls(token)["https"]
        response = client.get(url.removeprefix(app.config["BASE_URL"]))
        assert response.status_code == 200, response.status_code
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        cal = Calendar.from_ical(response.get_data())
        assert not cal.get_missing_tzids()
        return cal

    return fetch


@pytest.fixture
def run_invitations(app):
    """run_invitations(now=None) -> how many invitations the tick job queued (committed)."""
    from labapp.calendar.jobs import send_calendar_invitations
    from labapp.db_types import utcnow

    def run(now=None) -> int:
        count = send_calendar_invitations(now or utcnow())
        db.session.commit()
        return count

    return run


@pytest.fixture
def invitations(mails):
    """invitations() -> [(message, text/calendar part, parsed Calendar)] of delivered mails."""
    from labapp.mail.services import deliver_due_messages

    def read():
        deliver_due_messages()
        found = []
        for message in mails():
            parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
            if parts:
                found.append((message, parts[0], Calendar.from_ical(parts[0].get_payload(decode=True))))
        return found

    return read
