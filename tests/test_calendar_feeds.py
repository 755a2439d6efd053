"""Feed tokens, the feed HTTP contract, SEQUENCE bookkeeping, the API and the page."""

from __future__ import annotations

import io
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from werkzeug.http import http_date

from labapp.calendar import feeds, services
from labapp.calendar.http import FeedTokenRedactor, redact
from labapp.calendar.ical import CalendarEvent
from labapp.extensions import db

BASE = "http://lab.test"


def event(n: int = 1, **changes) -> CalendarEvent:
    start = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    values = dict(uid=f"booking-{n}@lab.test", start=start, end=start + timedelta(hours=2),
                  summary=f"Réservation {n}", description="", location="Salle Agora",
                  url=f"{BASE}/reservations/{n}", sequence=0, status="CONFIRMED",
                  last_modified=datetime(2026, 6, 1, tzinfo=UTC))
    values.update(changes)
    return CalendarEvent(**values)


@pytest.fixture
def feed_events(monkeypatch, app):
    """Set what the personal feed contains: feed_events([...]). The events come from
    outside the database, so the built-feed cache (keyed by the data version) is off."""
    app.config["CALENDAR_FEED_CACHE_SECONDS"] = 0
    box = {"events": []}
    monkeypatch.setattr(feeds, "personal_events", lambda user: list(box["events"]))

    def set_events(events):
        box["events"] = events

    return set_events


def path_of(url: str) -> str:
    return url.removeprefix(BASE)


def test_token_is_256_bits_stored_hashed_and_regeneration_kills_the_old_url(app, create_user, client):
    user = create_user()
    token = services.feed_token(user)
    db.session.commit()
    secret = services.feed_secret(token)
    assert len(secret) >= 43 and secret not in token.token_hash and len(token.token_hash) == 64
    urls = services.feed_urls(token)
    assert urls["https"] == f"{BASE}/calendrier/{secret}.ics"
    assert urls["webcal"] == f"webcal://lab.test/calendrier/{secret}.ics"
    assert services.feed_token(user).id == token.id  # stable until regenerated
    assert client.get(path_of(urls["https"])).status_code == 200

    new = services.regenerate_feed_token(user)
    db.session.commit()
    assert new.id != token.id and token.revoked_at is not None
    old = client.get(path_of(urls["https"]))
    unknown = client.get("/calendrier/" + "A" * 43 + ".ics")
    assert old.status_code == unknown.status_code == 404
    assert old.get_data() == unknown.get_data()  # no hint
    assert client.get(path_of(services.feed_urls(new)["https"])).status_code == 200


def test_feed_of_an_inactive_user_or_a_demoted_team_member_is_gone(app, create_user, client):
    agent, team = create_user(), create_user(role="team")
    agent_url = services.feed_urls(services.feed_token(agent))["https"]
    team_url = services.feed_urls(services.feed_token(team, "team"))["https"]
    db.session.commit()
    assert client.get(path_of(team_url)).status_code == 200
    agent.active = False
    team.role = "agent"
    db.session.commit()
    assert client.get(path_of(agent_url)).status_code == 404
    assert client.get(path_of(team_url)).status_code == 404


@pytest.mark.parametrize("accept", [None, "text/html", "application/json", "*/*", "text/calendar"])
def test_feed_headers_whatever_the_accept_header(app, create_user, client, feed_events, accept):
    feed_events([event(1, summary="Réunion\nDTSTART:bad é")])
    url = services.feed_urls(services.feed_token(create_user()))["https"]
    db.session.commit()
    headers = {"Accept-Encoding": "gzip, deflate, br"}
    if accept:
        headers["Accept"] = accept
    response = client.get(path_of(url), headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Content-Encoding" not in response.headers
    assert "private" in response.headers["Cache-Control"]
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Last-Modified"]
    cal = Calendar.from_ical(response.get_data())
    assert cal.get_missing_tzids() == set()
    assert [str(e["SUMMARY"]) for e in cal.events] == ["Réunion\nDTSTART:bad é"]


def test_304_only_when_nothing_changed(app, create_user, client, feed_events):
    feed_events([event(1), event(2)])
    path = path_of(services.feed_urls(services.feed_token(create_user()))["https"])
    db.session.commit()
    first = client.get(path)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]

    same = client.get(path, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.get_data() == b""
    assert same.headers["ETag"] == etag
    assert client.get(path, headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
    assert client.get(path, headers={"If-None-Match": '"other"',
                                     "If-Modified-Since": last_modified}).status_code == 200
    earlier = http_date(datetime.now(UTC) - timedelta(days=1))
    assert client.get(path, headers={"If-Modified-Since": earlier}).status_code == 200

    feed_events([event(1)])  # an item leaves the feed: nothing newer, but the body changed
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert client.get(path, headers={"If-Modified-Since": last_modified}).status_code == 200
    assert changed.headers["Last-Modified"] != last_modified
    assert client.get(path, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 304


def test_sequence_never_decreases_and_uids_are_stable(app, create_user, client, feed_events):
    path = path_of(services.feed_urls(services.feed_token(create_user()))["https"])
    db.session.commit()

    def published():
        cal = Calendar.from_ical(client.get(path).get_data())
        return {str(e["UID"]): (e["SEQUENCE"], e["LAST-MODIFIED"].dt, e.start) for e in cal.events}

    feed_events([event(1), event(2)])
    first = published()
    assert published() == first  # two generations, same UIDs and values
    moved = event(1, start=event(1).start + timedelta(hours=1), end=event(1).end + timedelta(hours=1))
    feed_events([moved, event(2, description="Nouveau détail")])
    second = published()
    assert second.keys() == first.keys()
    assert second["booking-1@lab.test"][0] == first["booking-1@lab.test"][0] + 1
    assert second["booking-1@lab.test"][1] > first["booking-1@lab.test"][1]
    assert second["booking-2@lab.test"][0] == first["booking-2@lab.test"][0]  # description only
    assert second["booking-2@lab.test"][1] > first["booking-2@lab.test"][1]
    feed_events([event(1), event(2, description="Nouveau détail", sequence=0)])  # moved back
    third = published()
    assert third["booking-1@lab.test"][0] == second["booking-1@lab.test"][0] + 1
    assert all(third[uid][0] >= second[uid][0] >= first[uid][0] for uid in first)


def test_publish_revisions_takes_the_domain_sequence_when_higher(app):
    [first] = services.publish_revisions([event(1, sequence=3)])
    assert first.sequence == 3
    [cancelled] = services.publish_revisions([replace(event(1), status="CANCELLED")])
    assert cancelled.sequence == 4
    [again] = services.publish_revisions([replace(event(1), status="CANCELLED")])
    assert again.sequence == 4


def test_public_agenda_is_served_without_token(app, client):
    response = client.get("/agenda.ics", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.get_data())
    assert "METHOD" not in cal and str(cal["X-WR-CALNAME"])


def test_api_me_calendar(app, create_user, api, client):
    user = create_user()
    response = api(user).get("/me/calendar")
    assert response.status_code == 200
    links = response.get_json()
    assert set(links) == {"https", "webcal"}
    assert links["https"].startswith(f"{BASE}/calendrier/") and links["https"].endswith(".ics")
    assert links["webcal"] == "webcal://" + links["https"].removeprefix("http://")
    assert api(user).get("/me/calendar").get_json() == links  # created once, then the same
    assert client.get(path_of(links["https"])).status_code == 200
    assert api(None).get("/me/calendar").status_code == 401
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/me/calendar" in spec["paths"]


def test_subscribe_page_shows_both_links_and_regenerates(app, create_user, login, client):
    user = create_user(role="team")
    login(user)
    page = client.get("/compte/calendrier")
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    html = page.get_data(as_text=True)
    links = services.feed_urls(services.feed_token(user))
    assert links["https"] in html and links["webcal"] in html
    assert "Outlook" in html and "Google" in html and "Apple" in html
    assert services.feed_urls(services.feed_token(user, "team"))["webcal"] in html
    response = client.post("/compte/calendrier/personnel/regenerer")
    assert response.status_code == 302
    assert client.get(path_of(links["https"])).status_code == 404
    assert links["https"] not in client.get("/compte/calendrier").get_data(as_text=True)
    assert client.post("/compte/calendrier/inconnu/regenerer").status_code == 404


def test_agent_has_no_team_feed(app, create_user, login, client):
    login(create_user())
    html = client.get("/compte/calendrier").get_data(as_text=True)
    assert "Calendrier de l'équipe" not in html
    assert client.post("/compte/calendrier/equipe/regenerer").status_code == 404


def test_regenerate_requires_csrf(app_config, create_user):
    from labapp import create_app

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    with app.app_context():
        with app.test_client() as client:
            assert client.post("/compte/calendrier/personnel/regenerer").status_code in (400, 302)


def test_tokens_never_reach_the_logs(app, create_user, client):
    secret = services.feed_secret(services.feed_token(create_user()))
    db.session.commit()
    line = f'127.0.0.1 - - "GET /calendrier/{secret}.ics HTTP/1.1" 200 -'
    assert secret not in redact(line) and "/calendrier/[masqué].ics" in redact(line)
    werkzeug_record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s %s',
                                        ("127.0.0.1", f"GET /calendrier/{secret}.ics HTTP/1.1", "200", "-"),
                                        None)
    gunicorn_record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s"',
                                        {"h": "127.0.0.1", "r": f"GET /calendrier/{secret}.ics HTTP/1.1",
                                         "U": f"/calendrier/{secret}.ics"}, None)
    redactor = FeedTokenRedactor()
    for record in (werkzeug_record, gunicorn_record):
        assert redactor.filter(record)
        assert secret not in record.getMessage()
    assert secret not in str(gunicorn_record.args)
    # installed on the app's loggers when the blueprint is registered
    assert any(isinstance(f, FeedTokenRedactor) for f in logging.getLogger("gunicorn.access").filters)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for name in ("werkzeug", "labapp"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        # alembic's fileConfig in the migrated template disables existing loggers
        old_level, old_disabled = logger.level, logger.disabled
        logger.disabled = False
        logger.setLevel(logging.INFO)  # setLevel, not .level: it clears isEnabledFor's cache
        try:
            logger.info("request GET /calendrier/%s.ics", secret)
        finally:
            logger.removeHandler(handler)
            logger.setLevel(old_level)
            logger.disabled = old_disabled
    assert secret not in stream.getvalue() and stream.getvalue().count("[masqué]") == 2
