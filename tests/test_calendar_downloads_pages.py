"""The ".ics" downloads, the space picker of "Ajouter à Outlook" and the profile link."""

from __future__ import annotations

from flask import url_for
from icalendar import Calendar

from labapp.calendar import services
from labapp.extensions import db


def test_booking_download_for_its_requester_and_the_team_only(
        app, client, create_user, login, create_booking):
    owner, other, team = create_user(), create_user(), create_user(role="team")
    booking = create_booking(by=owner, status="approved", title="Atelier « été »")
    path = f"/calendrier/reservation/{booking.id}.ics"
    assert client.get(path).status_code in (302, 401)  # login first

    login(owner)
    assert f'href="{path}"' in client.get(f"/reservations/{booking.id}").get_data(as_text=True)
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="reservation-{booking.id}.ics"'
    assert "Content-Encoding" not in response.headers
    cal = Calendar.from_ical(response.get_data())
    assert str(cal["METHOD"]) == "PUBLISH" and "X-WR-CALNAME" not in cal and "NAME" not in cal
    assert not cal.get_missing_tzids()
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == f"booking-{booking.id}@lab.test"
    assert str(event["SUMMARY"]) == "Atelier « été »" and str(event["STATUS"]) == "CONFIRMED"
    again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304

    login(other)
    assert client.get(path).status_code == 404
    assert client.get("/calendrier/reservation/999999.ics").status_code == 404
    login(team)
    assert client.get(path).status_code == 200


def test_space_picker_gives_a_working_space_link_that_can_be_regenerated(
        app, client, create_user, login, create_booking, lab):
    agent = create_user()
    create_booking(space=lab.drh, status="approved")
    login(agent)
    page = client.get("/compte/calendrier")
    html = page.get_data(as_text=True)
    assert 'name="espace"' in html and "Salle de remue-méninges (DRH)" in html
    assert "Calendrier : " not in html  # no space picked yet

    html = client.get(f"/compte/calendrier?espace={lab.drh.id}").get_data(as_text=True)
    token = services.feed_token(agent, "space", lab.drh.id, create=False)
    assert token is not None
    link = services.feed_urls(token)
    assert link["https"] in html and link["webcal"] in html
    feed = client.get(link["https"].removeprefix("http://lab.test"))
    assert feed.status_code == 200
    assert "Salle de remue-méninges (DRH)" in Calendar.from_ical(feed.get_data())["X-WR-CALNAME"]

    assert client.post(f"/compte/calendrier/espace/{lab.drh.id}/regenerer").status_code == 302
    assert client.get(link["https"].removeprefix("http://lab.test")).status_code == 404
    assert client.post("/compte/calendrier/espace/999999/regenerer").status_code == 404
    assert client.get("/compte/calendrier?espace=999999").status_code == 200  # ignored


def test_profile_links_to_the_outlook_page(app, client, create_user, login):
    login(create_user())
    with app.test_request_context():
        profile = url_for("auth.profile")
    html = client.get(profile).get_data(as_text=True)
    assert 'href="/compte/calendrier"' in html


def test_deleting_a_space_removes_its_feed_links(app, create_user, lab):
    from labapp.bookings.models import Space
    from labapp.calendar.models import CalendarFeedToken

    spare = Space(site=lab.site, name="Espace temporaire", capacity=4)
    db.session.add(spare)
    db.session.commit()
    services.feed_token(create_user(), "space", spare.id)
    db.session.commit()
    db.session.delete(spare)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarFeedToken)
                             .where(CalendarFeedToken.space_id == spare.id)) == 0
