"""Booking pages: the form, Mes réservations, Demandes à traiter, calendars, search, settings."""

import re

import pytest
from sqlalchemy import select

from labapp.bookings.models import Booking, Closure, Space
from labapp.extensions import db
from tests.fixtures_bookings import future_day
from tests.querycount import count_queries


def _form(lab, **changes):
    data = {"space_id": lab.drh.id, "day": future_day().isoformat(), "start_time": "14:00",
            "end_time": "16:00", "title": "Codéveloppement RH", "purpose": "atelier", "attendees": "8",
            "frequency": "", "interval": "1"}
    data.update(changes)
    return data


def test_agent_requests_from_the_form_and_sees_it_in_mes_reservations(client, login, create_user, lab,
                                                                      create_booking):
    login(create_user())
    assert client.get("/reservations/demande").status_code == 200
    create_booking(space=lab.whole, start="15:00", end="17:00", status="approved")
    checked = client.post("/reservations/demande", data=_form(lab, check="1"))
    assert checked.status_code == 200
    assert "Ce créneau est déjà réservé" in checked.get_data(as_text=True)
    assert db.session.scalar(select(Booking).where(Booking.title == "Codéveloppement RH")) is None
    refused = client.post("/reservations/demande", data=_form(lab, attendees="99"))
    assert refused.status_code == 422 and "accueille au plus 15 personnes" in refused.get_data(as_text=True)
    sent = client.post("/reservations/demande", data=_form(lab, start_time="09:00", end_time="11:00"))
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/reservations/mes-reservations")
    html = client.get("/reservations/mes-reservations").get_data(as_text=True)
    assert "Codéveloppement RH" in html and "En attente" in html


def test_slot_errors_sit_next_to_the_time_fields(client, login, create_user, lab):
    """The services' start/end messages go under the form's time fields, marked invalid,
    and into the error summary (not a detached flash message)."""
    login(create_user())
    response = client.post("/reservations/demande", data=_form(lab, start_time="11:00", end_time="10:00"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    end_field = re.search(r'<input[^>]*id="end_time"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in end_field and 'aria-describedby="end_time-messages"' in end_field
    messages = html.split('id="end_time-messages"')[1].split("</div>")[0]
    assert "La fin doit être après le début." in messages
    assert 'href="#end_time">Heure de fin : La fin doit être après le début.' in html
    past = client.post("/reservations/demande", data=_form(lab, day="2020-01-06"))
    assert "Ce créneau est déjà passé." in past.get_data(as_text=True).split(
        'id="start_time-messages"')[1].split("</div>")[0]


def test_a_weekly_series_lists_unavailable_dates_first(client, login, create_user, lab):
    login(create_user())
    first = future_day()
    data = _form(lab, day=first.isoformat(), frequency="weekly", interval="1",
                 until=first.replace(day=first.day).isoformat())
    response = client.post("/reservations/demande", data={**data, "check": "1"})
    assert response.status_code == 200 and "disponible" in response.get_data(as_text=True)


def test_team_sees_conflicts_and_approves_in_one_action(client, login, create_user, lab, create_booking):
    a = create_booking(space=lab.plenary, title="Demande A")
    b = create_booking(space=lab.whole, title="Demande B", start="11:00", end="12:30")
    login(create_user("team"))
    html = client.get("/reservations/demandes").get_data(as_text=True)
    assert "Demande A" in html and "autre(s) demande(s) seront refusées" in html
    response = client.post(f"/reservations/{a.id}/decision", data={"action": "approve"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (db.session.get(Booking, a.id).status, db.session.get(Booking, b.id).status) == (
        "approved", "refused")
    assert "Aucune demande en attente" in client.get("/reservations/demandes").get_data(as_text=True)


def test_pages_access(client, login, create_user, lab, create_booking):
    other = create_booking()
    login(create_user())
    assert client.get("/reservations/demandes").status_code == 403
    assert client.get(f"/reservations/{other.id}").status_code == 404
    assert client.post(f"/reservations/{other.id}/decision", data={"action": "approve"}).status_code == 403
    assert client.get("/reservations/reglages").status_code == 403
    assert client.get("/reservations/espaces").status_code == 403


def test_anonymous_is_sent_to_login(client, lab):
    response = client.get("/reservations/")
    assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"]


@pytest.mark.parametrize("view", ["jour", "semaine", "mois"])
def test_calendar_views_tell_zones_apart_and_hide_others_titles(client, login, create_user, lab,
                                                                create_booking, view):
    create_booking(space=lab.drh, title="Atelier secret", status="approved")
    login(create_user())
    html = client.get(f"/reservations/?vue={view}&date={future_day().isoformat()}").get_data(as_text=True)
    assert "<caption>" in html and 'scope="col"' in html
    if view != "mois":
        assert "Salle de remue-méninges (DRH)" in html and "Réservé" in html
        assert "Atelier secret" not in html


def test_calendar_and_mine_query_budgets(client, login, create_user, lab, create_booking):
    agent = create_user()
    login(agent)
    create_booking(by=agent, status="approved")
    incubator_id = lab.incubator.id
    url = f"/reservations/?date={future_day().isoformat()}"
    client.get(url)
    db.session.remove()  # measure with an empty identity map, as in production
    with count_queries() as few:
        client.get(url)
        client.get("/reservations/mes-reservations")
    agent, incubator = db.session.get(type(agent), agent.id), db.session.get(Space, incubator_id)
    for i in range(1, 6):
        create_booking(day=future_day(i % 3), start=f"{10 + i}:00", end=f"{10 + i}:30",
                       space=incubator, by=agent)
    db.session.remove()
    with count_queries() as many:
        client.get(url)
        client.get("/reservations/mes-reservations")
    assert many.count == few.count, '\n'.join(many.statements)


def test_free_slot_search_page(client, login, create_user, lab):
    login(create_user())
    day = future_day().isoformat()
    html = client.get(f"/reservations/creneaux-libres?date_from={day}&date_to={day}&duration=60"
                      "&attendees=10").get_data(as_text=True)
    assert "Espace plénier" in html and "de 08 h 00 à 20 h 00" in html
    assert f"date={day}" in html  # the "demander" link opens the form on that day
    assert "Coin incubateur" not in html
    assert client.get("/reservations/creneaux-libres?date_from=x&date_to=y&duration=60&attendees=1"
                      ).status_code == 422


def test_team_settings_and_admin_spaces(client, login, create_user, lab):
    login(create_user("admin"))
    assert client.get("/reservations/reglages").status_code == 200
    day = future_day()
    client.post("/reservations/reglages/fermetures", data={
        "start_date": day.isoformat(), "end_date": day.isoformat(), "label": "Déménagement"})
    assert db.session.scalar(select(Closure.label)) == "Déménagement"
    client.post("/reservations/reglages/horaires", data={"opens_0": "09:00", "closes_0": "18:00"})
    db.session.expire_all()
    assert [h.weekday for h in lab.site.opening_hours] == [0]
    response = client.post(f"/reservations/espaces/{lab.drh.id}", data={
        "name": "Salle de remue-méninges (DRH)", "capacity": "18", "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Space, lab.drh.id).capacity == 18
    assert client.get("/reservations/espaces").status_code == 200


def test_pending_page_conflicts_match_the_services_in_constant_queries(client, login, lab,
                                                                       create_booking, team_member,
                                                                       create_user):
    from labapp.bookings import queries, services

    day = future_day()
    first = create_booking(space=lab.drh, day=day, start="10:00", end="12:00")
    create_booking(space=lab.whole, day=day, start="11:00", end="13:00")  # will conflict (zone)
    services.approve_booking(team_member, first.id, refuse_overlapping=False)
    db.session.commit()
    create_booking(space=lab.drh, day=day, start="12:00", end="13:00")  # touching: no conflict
    create_booking(space=lab.plenary, day=day, start="12:30", end="14:00")  # overlaps pending

    rows = queries.pending_with_conflicts(queries.pending_requests())
    for row in rows:
        booking = row["booking"]
        expected = services.find_conflicts(booking.space, booking.start_at, booking.end_at,
                                           booking.id)
        assert [b.id for b in row["conflicts"]] == [b.id for b in expected]
        assert [b.id for b in row["overlapping"]] == [
            b.id for b in services.overlapping_pending(booking)]
    assert any(row["conflicts"] for row in rows) and any(row["overlapping"] for row in rows)

    login(create_user("team"))
    ids = (lab.incubator.id, lab.whole.id)
    db.session.remove()
    with count_queries() as few:
        assert client.get("/reservations/demandes").status_code == 200
    incubator, whole = (db.session.get(Space, i) for i in ids)
    for n in range(8):
        create_booking(space=incubator, day=future_day(n + 1), start="09:00", end="10:00")
        create_booking(space=whole, day=future_day(n + 1), start="09:30", end="11:00")
    db.session.remove()
    with count_queries() as many:
        html = client.get("/reservations/demandes").get_data(as_text=True)
    assert many.count == few.count
    assert "Conflit" in html


def test_live_preview_route_answers_like_the_api_for_the_signed_in_user(client, login, create_user,
                                                                        lab, create_booking, api):
    day = future_day()
    create_booking(space=lab.plenary, day=day, start="10:00", end="12:00", status="approved",
                   title="Entretiens confidentiels")
    agent = create_user()
    query = f"space_id={lab.whole.id}&start={day}T11:00&end={day}T13:00&attendees=5"
    assert client.get(f"/reservations/disponibilite?{query}").status_code == 302  # not signed in
    login(agent)
    response = client.get(f"/reservations/disponibilite?{query}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body == api(agent).get(f"/bookings/conflicts?{query}").get_json()
    assert body["available"] is False and body["conflicts"][0]["title"] == "Occupé"
    assert "Entretiens confidentiels" not in response.get_data(as_text=True)
    assert body["details"] == ["Déjà réservé — Espace plénier, 10 h 00 – 12 h 00 : Occupé"]
    malformed = client.get(f"/reservations/disponibilite?space_id={lab.drh.id}&start=demain")
    assert malformed.status_code == 422 and malformed.mimetype == "application/problem+json"
    assert set(malformed.get_json()["errors"]) == {"start", "end"}


def test_request_form_loads_the_preview_script_and_still_checks_on_the_server(client, login, create_user,
                                                                              lab, create_booking):
    import re

    login(create_user())
    page = client.get("/reservations/demande")
    html = page.get_data(as_text=True)
    assert 'data-conflict-url="/reservations/disponibilite"' in html
    assert re.search(r'<div id="apercu-disponibilite" aria-live="polite"[^>]*></div>', html)
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    assert f'<script src="/static/js/booking-preview.js" nonce="{nonce}" defer></script>' in html
    with client.get("/static/js/booking-preview.js") as script:
        assert script.status_code == 200 and "apercu-disponibilite" in script.get_data(as_text=True)

    # Without JavaScript, sending a conflicting request is refused on the server (409).
    create_booking(space=lab.whole, start="15:00", end="17:00", status="approved")
    refused = client.post("/reservations/demande", data=_form(lab))
    assert refused.status_code == 409
    assert "Ce créneau est déjà réservé" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Booking).where(Booking.title == "Codéveloppement RH")) is None


def test_settings_pages_work_on_the_site_named_in_the_url(client, login, create_user, lab):
    from labapp.bookings.models import Site
    from labapp.bookings.site_services import create_site

    other = create_site("Lab territorial de Lyon", "Préfecture du Rhône")
    db.session.commit()
    lab_id, other_id = lab.site.id, other.id
    base = f"/reservations/sites/{other_id}/reglages"
    login(create_user())
    assert client.get(base).status_code == 403
    login(create_user("team"))
    html = client.get(base).get_data(as_text=True)
    assert "Lab territorial de Lyon" in html and "Préfecture du Rhône" in html
    assert f'href="/reservations/sites/{lab_id}/reglages"' in html  # the other site is one click away
    for action in ("horaires", "regles", "fermetures"):
        assert f'action="{base}/{action}"' in html
    assert client.get("/reservations/sites/999/reglages").status_code == 404

    moved = client.post(f"{base}/horaires", data={"opens_2": "10:00", "closes_2": "16:00"})
    assert moved.status_code == 302 and moved.headers["Location"].endswith(base)
    client.post(f"{base}/regles", data={"buffer_minutes": "30", "min_duration_minutes": "30",
                                        "max_duration_minutes": "240", "horizon_days": "60"})
    day = future_day()
    client.post(f"{base}/fermetures", data={"start_date": day.isoformat(), "end_date": day.isoformat(),
                                            "label": "Fermeture préfecture"})
    invalid = client.post(f"{base}/regles", data={"buffer_minutes": "500", "min_duration_minutes": "30",
                                                   "max_duration_minutes": "240", "horizon_days": "60"})
    assert invalid.status_code == 422 and "Lab territorial de Lyon" in invalid.get_data(as_text=True)

    db.session.expire_all()
    lyon, beauvau = db.session.get(Site, other_id), db.session.get(Site, lab_id)
    assert [(h.weekday, f"{h.opens_at:%H:%M}") for h in lyon.opening_hours] == [(2, "10:00")]
    assert (lyon.buffer_minutes, lyon.max_duration_minutes, lyon.horizon_days) == (30, 240, 60)
    assert len(beauvau.opening_hours) == 5
    assert (beauvau.buffer_minutes, beauvau.max_duration_minutes, beauvau.horizon_days) == (0, 720, 365)
    closure = db.session.scalar(select(Closure))
    assert closure.site_id == other_id
    assert "Fermeture préfecture" in client.get(base).get_data(as_text=True)
    assert "Fermeture préfecture" not in client.get("/reservations/reglages").get_data(as_text=True)

    wrong_site = f"/reservations/sites/{lab_id}/reglages/fermetures/{closure.id}/suppression"
    assert client.post(wrong_site).status_code == 404
    assert client.post(f"{base}/fermetures/{closure.id}/suppression").status_code == 302
    assert db.session.scalar(select(Closure)) is None


def test_pending_list_is_paginated_with_conflicts_across_pages_in_constant_queries(
        client, login, create_user, lab, create_booking, monkeypatch):
    from labapp.bookings import services, views

    monkeypatch.setattr(views, "PENDING_PER_PAGE", 3)
    day, other_day = future_day(), future_day(1)
    taken = create_booking(space=lab.drh, day=other_day, start="09:00", end="10:00")
    create_booking(space=lab.whole, day=other_day, start="09:30", end="11:00", title="Lab entier bloqué")
    services.approve_booking(create_user("team"), taken.id, refuse_overlapping=False)
    db.session.commit()
    create_booking(space=lab.plenary, day=day, start="08:00", end="12:00", title="Demande du matin")
    login(create_user("team"))
    ids = {name: getattr(lab, name).id for name in ("whole", "drh", "incubator")}
    db.session.remove()
    with count_queries() as few:
        html = client.get("/reservations/demandes").get_data(as_text=True)
    assert "2 demande(s) en attente." in html and "Conflit" in html and "fr-pagination" not in html

    whole, drh, incubator = (db.session.get(Space, ids[n]) for n in ("whole", "drh", "incubator"))
    create_booking(space=drh, day=day, start="09:00", end="10:00", title="Point RH")
    create_booking(space=incubator, day=day, start="10:00", end="11:00", title="Point incubateur")
    create_booking(space=whole, day=day, start="11:00", end="12:00", title="Lab entier en fin de matinée")
    for n in range(2, 9):
        create_booking(space=incubator, day=future_day(n), start="14:00", end="15:00", title=f"Suivi {n}")
    db.session.remove()
    with count_queries() as first_page:
        first = client.get("/reservations/demandes").get_data(as_text=True)
    with count_queries() as second_page:
        second = client.get("/reservations/demandes?page=2").get_data(as_text=True)
    assert first_page.count == second_page.count == few.count, "\n".join(second_page.statements)

    assert "12 demande(s) en attente — page 1 sur 4." in first
    assert 'class="fr-pagination' in first and 'href="/reservations/demandes?page=2"' in first
    assert [t in first for t in ("Demande du matin", "Point RH", "Point incubateur",
                                 "Lab entier bloqué")] == [True, True, True, False]
    # Page 1's request is warned about page 2's overlapping request, and the other way round.
    card = first.split("Demande du matin")[1].split("fr-card__title")[0]
    assert "1 autre(s) demande(s) seront refusées" in card and "Lab entier en fin de matinée" in card
    card = second.split("Lab entier en fin de matinée</a>")[1].split("fr-card__title")[0]
    assert "Demande du matin" in card
    card = second.split("Lab entier bloqué</a>")[1].split("fr-card__title")[0]
    assert "Conflit" in card and 'value="approve"' not in card
    assert 'name="page" value="2"' in second


def test_live_preview_route_checks_every_date_of_a_series(client, login, create_user, lab,
                                                          create_booking, api):
    from datetime import timedelta

    from labapp.formatting import date_fr

    monday = future_day() + timedelta(days=7 - future_day().weekday())
    taken = monday + timedelta(weeks=2, days=2)  # the Wednesday two weeks on
    create_booking(space=lab.plenary, day=taken, start="10:00", end="12:00", status="approved",
                   title="Entretiens confidentiels")
    agent = create_user()
    login(agent)
    query = (f"space_id={lab.whole.id}&start={monday}T11:00&end={monday}T12:00&attendees=5"
             f"&frequency=weekly&until={monday + timedelta(weeks=3, days=4)}&weekdays=0&weekdays=2")
    response = client.get(f"/reservations/disponibilite?{query}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    # The same dates and problems as the API's series preview.
    preview = api(agent).post("/booking-series/preview", json={
        "space_id": lab.whole.id, "start": f"{monday}T11:00", "end": f"{monday}T12:00",
        "attendees": 5, "frequency": "weekly", "until": str(monday + timedelta(weeks=3, days=4)),
        "weekdays": [0, 2]}).get_json()
    assert body["occurrences"] == preview["occurrences"]
    assert body["unavailable_dates"] == preview["unavailable_dates"]
    assert len(body["occurrences"]) == 8 and {o["date"] for o in body["occurrences"]} >= {
        str(monday), str(monday + timedelta(days=2)), str(taken)}
    assert str(taken) in body["unavailable_dates"] and body["available"] is False
    assert f"{date_fr(taken)} : Déjà réservé." in body["details"]
    assert len(body["details"]) == len(body["unavailable_dates"])
    blocked = len(body["unavailable_dates"])
    assert body["message"] == f"{blocked} date(s) sur 8 ne peuvent pas être demandées :"
    assert "Entretiens confidentiels" not in response.get_data(as_text=True)

    # Free dates only (another zone, attendees by default 1); every date checked, not the first.
    free = client.get(f"/reservations/disponibilite?space_id={lab.drh.id}&start={monday}T11:00"
                      f"&end={monday}T12:00&frequency=daily&until={monday + timedelta(days=1)}").get_json()
    holidays = [o for o in free["occurrences"] if o["problem"]]
    if not holidays:
        assert free["available"] is True and free["details"] == []
        assert free["message"] == "Les 2 dates de la série sont libres : vous pouvez envoyer la demande."
    late = client.get(f"/reservations/disponibilite?space_id={lab.drh.id}&start={monday}T11:00"
                      f"&end={monday}T12:00&frequency=daily&until={monday + timedelta(days=1)}"
                      "&attendees=99").get_json()
    assert late["available"] is False and len(late["details"]) == 2
    assert any("accueille au plus 15 personnes" in line for line in late["details"])

    # Malformed series fields: problem+json by field.
    wrong = client.get(f"/reservations/disponibilite?space_id={lab.drh.id}&start={monday}T11:00"
                       f"&end={monday}T12:00&frequency=weekly&until={monday - timedelta(days=1)}")
    assert wrong.status_code == 422 and wrong.mimetype == "application/problem+json"
    assert set(wrong.get_json()["errors"]) == {"until"}
    wrong = client.get(f"/reservations/disponibilite?space_id={lab.drh.id}&start={monday}T11:00"
                       f"&end={monday}T12:00&frequency=weekly&until={monday}&weekdays=lundi")
    assert wrong.status_code == 422 and set(wrong.get_json()["errors"]) == {"weekdays"}
