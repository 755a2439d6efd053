"""API: recurring bookings (preview, create, read, cancel the rest), free slots, conflict check."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from labapp.bookings import queries, services
from labapp.bookings.models import Booking
from labapp.extensions import db
from labapp.timeutil import isoformat_paris
from tests.fixtures_bookings import at, future_day


def _monday():
    day = future_day()
    return day + timedelta(days=7 - day.weekday())


def _count(**where) -> int:
    query = select(func.count()).select_from(Booking)
    for name, value in where.items():
        query = query.where(getattr(Booking, name) == value)
    return db.session.scalar(query)


def _series(lab, first, weeks=3, **changes):
    body = {"space_id": lab.drh.id, "start": f"{first}T10:00", "end": f"{first}T11:30",
            "until": (first + timedelta(weeks=weeks)).isoformat(), "frequency": "weekly",
            "weekdays": [first.weekday()], "attendees": 6, "title": "Codéveloppement"}
    body.update(changes)
    return body


def _open_weekly_days(first, weeks):
    """The dates of a weekly series from `first` that are not public holidays."""
    from labapp.bookings.rules import public_holiday

    return [first + timedelta(weeks=w) for w in range(weeks + 1)
            if public_holiday(first + timedelta(weeks=w)) is None]


# --- Recurring bookings ------------------------------------------------------------------------


def test_preview_lists_conflicting_dates_and_stores_nothing(api, lab, quick_user, create_booking):
    monday = _monday()
    taken = monday + timedelta(weeks=2)
    create_booking(space=lab.whole, day=taken, start="11:00", end="12:00", status="approved",
                   title="Séminaire de direction")
    before = _count()
    response = api(quick_user()).post("/booking-series/preview", json=_series(lab, monday))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [o["date"] for o in body["occurrences"]] == [
        (monday + timedelta(weeks=w)).isoformat() for w in range(4)]
    assert taken.isoformat() in body["unavailable_dates"]
    entry = next(o for o in body["occurrences"] if o["date"] == taken.isoformat())
    assert entry == {"date": taken.isoformat(), "start": isoformat_paris(at(taken, "10:00")),
                     "end": isoformat_paris(at(taken, "11:30")), "available": False,
                     "problem": "Déjà réservé."}
    assert "Séminaire de direction" not in response.get_data(as_text=True)
    assert _count() == before


def test_create_a_weekly_series_then_read_it(api, lab, quick_user, team_member, mails):
    monday = _monday()
    agent = quick_user()
    response = api(agent).post("/booking-series", json=_series(lab, monday, weeks=3))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    days = _open_weekly_days(monday, 3)
    assert [b["start"][:10] for b in body["bookings"]] == [d.isoformat() for d in days]
    assert all(b["status"] == "pending" and b["series_id"] == body["series_id"]
               and b["start"][11:16] == "10:00" and b["end"][11:16] == "11:30" for b in body["bookings"])
    assert body["skipped"] == [] or all("férié" in s["problem"] for s in body["skipped"])
    assert _count(series_id=body["series_id"]) == len(days)

    series_id = body["series_id"]
    assert [b["id"] for b in api(agent).get(f"/booking-series/{series_id}").get_json()["bookings"]] == [
        b["id"] for b in body["bookings"]]
    assert api(team_member).get(f"/booking-series/{series_id}").status_code == 200
    assert api(quick_user()).get(f"/booking-series/{series_id}").status_code == 404


def test_an_overlap_fails_the_whole_series_unless_skipped(api, lab, quick_user, create_booking):
    monday = _monday()
    taken = monday + timedelta(weeks=1)
    create_booking(space=lab.drh, day=taken, start="09:00", end="10:30", status="approved")
    agent = quick_user()
    before = _count()
    refused = api(agent).post("/booking-series", json=_series(lab, monday, weeks=2))
    if refused.status_code == 409:  # every problem is an overlap
        assert taken.strftime("%d/%m/%Y") in refused.get_json()["detail"]
    else:  # one of the dates is also a public holiday
        assert refused.status_code == 422 and "until" in refused.get_json()["errors"]
    assert _count() == before
    created = api(agent).post("/booking-series", json=_series(lab, monday, weeks=2, skip_unavailable=True))
    assert created.status_code == 201
    skipped = {s["date"]: s["problem"] for s in created.get_json()["skipped"]}
    assert skipped[taken.isoformat()] == "Déjà réservé."
    assert taken.isoformat() not in [b["start"][:10] for b in created.get_json()["bookings"]]


def test_daily_series_and_the_team_books_directly(api, lab, quick_user, team_member):
    monday = _monday()
    body = _series(lab, monday, frequency="daily", until=(monday + timedelta(days=3)).isoformat(),
                   skip_unavailable=True)
    del body["weekdays"]
    assert api(quick_user()).post("/booking-series", json={**body, "status": "approved"}).status_code == 403
    response = api(team_member).post("/booking-series", json={**body, "status": "approved"})
    assert response.status_code == 201, response.get_json()
    bookings = response.get_json()["bookings"]
    assert {b["status"] for b in bookings} == {"approved"}
    assert len(bookings) + len(response.get_json()["skipped"]) == 4


@pytest.mark.parametrize("changes,field", [
    ({"until": "{far}"}, "until"),  # more than 52 dates
    ({"frequency": "monthly"}, "frequency"),
    ({"weekdays": [9]}, "weekdays"),
    ({"weekdays": "lundi"}, "weekdays"),
    ({"interval": 0}, "interval"),
    ({"end": "{day2}T11:00"}, "end"),  # the first date spans two days
    ({"end": "{day}T09:00"}, "end"),
    ({"start": "{day}T07:00"}, "until"),  # before opening hours: every date is refused
    ({"until": "{before}"}, "until"),
    ({"attendees": 99}, "until"),  # over capacity on every date
    ({"space_id": 999}, "space_id"),
    ({"start": "2027-03-28T02:30", "end": "2027-03-28T04:00"}, "start"),
    ({"title": ""}, "title"),
])
def test_invalid_series_are_422_with_the_field(api, lab, quick_user, changes, field):
    monday = _monday()
    values = {"day": monday, "day2": monday + timedelta(days=1),
              "far": monday + timedelta(weeks=60), "before": monday - timedelta(days=1)}
    body = _series(lab, monday, **{k: v.format(**values) if isinstance(v, str) else v
                                   for k, v in changes.items()})
    response = api(quick_user()).post("/booking-series", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert _count() == 0


def test_cancel_one_date_or_the_rest_of_a_series(api, lab, quick_user, team_member):
    monday = _monday()
    agent = quick_user()
    created = api(agent).post("/booking-series", json=_series(lab, monday, weeks=4, skip_unavailable=True))
    series_id = created.get_json()["series_id"]
    ids = [b["id"] for b in created.get_json()["bookings"]]
    assert len(ids) >= 4
    client = api(agent)
    assert api(quick_user()).post(f"/booking-series/{series_id}/cancel").status_code == 404

    # One date only: the contract's cancel.
    assert client.post(f"/bookings/{ids[0]}/cancel", json={"reason": "Absent"}).status_code == 200
    # The rest, from the third date.
    response = client.post(f"/booking-series/{series_id}/cancel",
                           json={"from_booking_id": ids[2], "reason": "Projet terminé"})
    assert response.status_code == 200, response.get_json()
    assert [b["id"] for b in response.get_json()["cancelled"]] == ids[2:]
    assert all(b["cancel_reason"] == "Projet terminé" for b in response.get_json()["cancelled"])
    listed = client.get(f"/booking-series/{series_id}").get_json()["bookings"]
    statuses = {b["id"]: b["status"] for b in listed}
    assert [statuses[i] for i in ids] == ["cancelled", "pending"] + ["cancelled"] * (len(ids) - 2)

    day = future_day()
    other = api(quick_user()).post("/bookings", json={
        "space_id": lab.plenary.id, "start": f"{day}T10:00", "end": f"{day}T11:00",
        "title": "Hors série", "attendees": 2}).get_json()
    outside = client.post(f"/booking-series/{series_id}/cancel", json={"from_booking_id": other["id"]})
    assert outside.status_code == 422 and "from_booking_id" in outside.get_json()["errors"]

    # By default, from the next date to come: the team cancels what is left.
    response = api(team_member).post(f"/booking-series/{series_id}/cancel", json={"reason": "Travaux"})
    assert [b["id"] for b in response.get_json()["cancelled"]] == [ids[1]]
    assert api(team_member).post(f"/booking-series/{series_id}/cancel").status_code == 409


# --- Free slots ----------------------------------------------------------------------------------


def test_free_slots_per_space(api, lab, quick_user, team_member):
    day = future_day()
    services.book_directly(team_member, lab.whole.id, at(day, "08:00"), at(day, "10:00"), "Matin", 40)
    services.book_directly(team_member, lab.drh.id, at(day, "14:00"), at(day, "16:00"), "Midi", 10)
    db.session.commit()
    response = api(quick_user()).get(f"/free-slots?from={day}&to={day}&duration=60&attendees=10")
    assert response.status_code == 200, response.get_json()
    result = {r["space"]["name"]: [(s["start"], s["end"]) for s in r["slots"]] for r in response.get_json()}
    assert "Coin incubateur SYMBI'Ose (DEPAFI)" not in result  # capacity 8
    iso = lambda hhmm: isoformat_paris(at(day, hhmm))  # noqa: E731
    assert result["Espace plénier"] == [(iso("10:00"), iso("20:00"))]
    assert result["Salle de remue-méninges (DRH)"] == [(iso("10:00"), iso("14:00")),
                                                       (iso("16:00"), iso("20:00"))]
    expected = {r.space.name: [(isoformat_paris(s), isoformat_paris(e)) for s, e in r.slots]
                for r in queries.free_slots(day, day, 60, 10)}
    assert result == expected
    one = api(quick_user()).get(f"/free-slots?from={day}&to={day}&duration=180&space_id={lab.drh.id}")
    assert [r["space"]["id"] for r in one.get_json()] == [lab.drh.id]
    assert [(s["start"], s["end"]) for s in one.get_json()[0]["slots"]] == [(iso("10:00"), iso("14:00")),
                                                                           (iso("16:00"), iso("20:00"))]


@pytest.mark.parametrize("query,field", [
    ("from={day}&to={day}", "duration"),
    ("from={day}&to={day}&duration=soixante", "duration"),
    ("from=hier&to={day}&duration=60", "from"),
    ("from={day}&duration=60", "to"),
    ("from={day}&to={before}&duration=60", "to"),
    ("from={day}&to={far}&duration=60", "to"),
    ("from={day}&to={day}&duration=60&attendees=0", "attendees"),
    ("from={day}&to={day}&duration=60&site_id=999", "site_id"),
    ("from={day}&to={day}&duration=60&space_id=999", "space_id"),
])
def test_free_slot_search_errors(api, lab, quick_user, query, field):
    day = future_day()
    url = "/free-slots?" + query.format(day=day, before=day - timedelta(days=1),
                                        far=day + timedelta(days=40))
    response = api(quick_user()).get(url)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


# --- Conflict check ------------------------------------------------------------------------------


def test_conflict_check_hides_other_agents_titles(api, lab, quick_user, team_member, create_booking):
    owner = quick_user()
    day = future_day()
    booked = create_booking(space=lab.plenary, day=day, start="10:00", end="12:00", status="approved",
                            by=owner, title="Entretiens confidentiels")
    url = f"/bookings/conflicts?space_id={lab.whole.id}&start={day}T11:00&end={day}T13:00"

    response = api(quick_user()).get(url)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["available"] is False and body["errors"] == {} and body["closure"] is None
    assert body["conflicts"] == [{
        "space_id": lab.plenary.id, "space": "Espace plénier",
        "start": isoformat_paris(at(day, "10:00")), "end": isoformat_paris(at(day, "12:00")),
        "title": "Occupé", "booking_id": None, "label": "Espace plénier, 10 h 00 – 12 h 00 : Occupé"}]
    assert "Entretiens confidentiels" not in response.get_data(as_text=True)

    for viewer in (owner, team_member):
        seen = api(viewer).get(url).get_json()["conflicts"][0]
        assert (seen["title"], seen["booking_id"]) == ("Entretiens confidentiels", booked.id)

    free = api(quick_user()).get(f"/bookings/conflicts?space_id={lab.drh.id}&start={day}T11:00"
                                 f"&end={day}T13:00").get_json()
    assert free["available"] is True and free["conflicts"] == [] and free["details"] == []


def test_conflict_check_reports_rules_buffer_and_closures(api, lab, quick_user, team_member,
                                                          create_booking):
    from labapp.bookings.site_services import add_closure

    day, closed = future_day(), future_day(1)
    lab.site.buffer_minutes = 15  # applies to bookings approved from now on
    db.session.commit()
    create_booking(space=lab.drh, day=day, start="10:00", end="12:00", status="approved")
    add_closure(team_member, lab.site.id, closed, closed, "Inventaire")
    db.session.commit()
    client = api(quick_user())

    def check(space, start, end, d=day, extra=""):
        return client.get(f"/bookings/conflicts?space_id={space.id}&start={d}T{start}&end={d}T{end}"
                          + extra).get_json()

    touching = check(lab.drh, "12:00", "13:00")  # inside the 15-minute buffer
    assert touching["available"] is False and len(touching["conflicts"]) == 1
    assert check(lab.drh, "12:15", "13:00")["available"] is True
    early = check(lab.drh, "06:00", "07:00")
    assert early["available"] is False and "start" in early["errors"]
    assert early["message"] == "Ce créneau ne peut pas être demandé :"
    assert any("heures d'ouverture" in d for d in early["details"])
    crowded = check(lab.drh, "14:00", "15:00", extra="&attendees=20")
    assert "attendees" in crowded["errors"]
    shut = check(lab.plenary, "10:00", "11:00", d=closed)
    assert shut["closure"] == "Inventaire" and "start" in shut["errors"]
    backwards = check(lab.drh, "15:00", "14:00")
    assert backwards["available"] is False and "end" in backwards["errors"]


@pytest.mark.parametrize("query,field", [
    ("space_id={space}&start={day}T10:00", "end"),
    ("space_id={space}&start=demain&end={day}T11:00", "start"),
    ("space_id=999&start={day}T10:00&end={day}T11:00", "space_id"),
    ("start={day}T10:00&end={day}T11:00", "space_id"),
    ("space_id={space}&start=2027-03-28T02:30&end=2027-03-28T04:00", "start"),
])
def test_conflict_check_malformed_is_422(api, lab, quick_user, query, field):
    response = api(quick_user()).get("/bookings/conflicts?" + query.format(space=lab.drh.id,
                                                                           day=future_day()))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert api(None).get("/bookings/conflicts").status_code == 401


def test_openapi_describes_the_new_endpoints(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/booking-series", "/booking-series/preview", "/booking-series/{series_id}",
                 "/booking-series/{series_id}/cancel", "/free-slots", "/bookings/conflicts",
                 "/sites", "/sites/{site_id}", "/closures", "/closures/{closure_id}",
                 "/spaces/{space_id}"):
        assert path in document["paths"], path
    assert "patch" in document["paths"]["/spaces/{space_id}"]
    assert "patch" in document["paths"]["/sites/{site_id}"]
    validate(document)
