"""Booking invariants held at approval and by the database on both engines: approval
re-checks closures and opening hours as they are then; overlapping occupancy (whole
lab against zones included) is refused by PostgreSQL's exclusion constraint and by
SQLite's triggers, even for raw SQL, and the application turns that into its 409."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from labapp.bookings import services
from labapp.bookings.models import Booking, BookingOccupancy
from labapp.errors import Conflict
from labapp.extensions import db
from tests.fixtures_bookings import at, future_day


def _request(api, agent, lab, day, start="10:00", end="12:00"):
    response = api(agent).post("/bookings", json={
        "space_id": lab.plenary.id, "start": f"{day}T{start}", "end": f"{day}T{end}",
        "title": "Atelier", "attendees": 6})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_approval_rechecks_a_closure_added_after_the_request(api, lab, quick_user, team_member):
    day = future_day()
    booking_id = _request(api, quick_user(), lab, day)
    team = api(team_member)
    closure = team.post("/closures", json={"start_date": str(day), "end_date": str(day),
                                           "label": "Travaux électriques"})
    assert closure.status_code == 201, closure.get_json()
    response = team.post(f"/bookings/{booking_id}/approve")
    assert response.status_code == 409
    problem = response.get_json()
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert problem["detail"] == ("Le lab est fermé ce jour-là : Travaux électriques. "
                                 "La demande ne peut plus être acceptée : refusez-la ou déplacez-la.")
    assert problem["errors"] == {"start": [problem["detail"]]}
    db.session.remove()
    assert db.session.get(Booking, booking_id).status == "pending"
    assert db.session.scalar(select(BookingOccupancy.id)) is None
    # Once the closure is removed, the same request can be approved.
    assert team.delete(f"/closures/{closure.get_json()['id']}").status_code == 204
    assert team.post(f"/bookings/{booking_id}/approve").get_json()["status"] == "approved"


def test_approval_rechecks_opening_hours_changed_after_the_request(api, lab, quick_user,
                                                                   team_member):
    booking_id = _request(api, quick_user(), lab, future_day())
    team = api(team_member)
    afternoons = [{"weekday": d, "opens": "13:00", "closes": "18:00"} for d in range(5)]
    changed = team.patch(f"/sites/{lab.site.id}", json={"opening_hours": afternoons})
    assert changed.status_code == 200, changed.get_json()
    response = team.post(f"/bookings/{booking_id}/approve")
    assert response.status_code == 409
    assert response.get_json()["detail"].startswith(
        "Ce créneau est en dehors des heures d'ouverture (13:00 – 18:00).")
    db.session.remove()
    assert db.session.get(Booking, booking_id).status == "pending"


def _occupancy(engine, booking_id, unit_id, start, end):
    """A raw INSERT, outside the application: only the database can refuse it."""
    db.session.execute(text(
        "INSERT INTO booking_occupancies (booking_id, unit_id, start_at, end_at) "
        "VALUES (:booking, :unit, :start, :end)"), {
            "booking": booking_id, "unit": unit_id,
            "start": start if engine == "postgresql" else start.replace(tzinfo=None),
            "end": end if engine == "postgresql" else end.replace(tzinfo=None)})


def test_the_database_refuses_overlapping_occupancy_from_raw_sql(lab, team_member, engine_name):
    day = future_day()
    whole = services.book_directly(team_member, lab.whole.id, at(day, "10:00"), at(day, "12:00"),
                                   "Séminaire", 40)
    zone = services.request_booking(team_member, lab.drh.id, at(day, "14:00"), at(day, "15:00"),
                                    "Atelier", 5)
    db.session.commit()
    # The whole lab occupies every zone: a raw row for one zone during it is refused.
    for unit, start, end in ((lab.drh.id, "11:00", "11:30"), (lab.whole.id, "09:00", "10:30"),
                             (lab.incubator.id, "11:59", "13:00")):
        with pytest.raises(IntegrityError) as error:
            _occupancy(engine_name, zone.id, unit, at(day, start), at(day, end))
        assert "ex_booking_occupancies_no_overlap" in str(error.value.orig)
        db.session.rollback()
    # Touching intervals ([10:00, 12:00) then [12:00, 13:00)) are no overlap.
    _occupancy(engine_name, zone.id, lab.drh.id, at(day, "12:00"), at(day, "13:00"))
    db.session.commit()
    # UPDATE: moving a row over another one is refused too; elsewhere it is accepted.
    with pytest.raises(IntegrityError) as error:
        db.session.execute(text("UPDATE booking_occupancies SET start_at = :start "
                                "WHERE booking_id = :zone"),
                           {"start": at(day, "11:00") if engine_name == "postgresql"
                            else at(day, "11:00").replace(tzinfo=None), "zone": zone.id})
    assert "ex_booking_occupancies_no_overlap" in str(error.value.orig)
    db.session.rollback()
    db.session.execute(text("UPDATE booking_occupancies SET unit_id = :unit WHERE booking_id = :zone"),
                       {"unit": lab.drh.id, "zone": zone.id})  # the same unit, same times: fine
    db.session.commit()
    assert whole.status == "approved"


def test_the_database_refusal_is_the_same_409_on_both_engines(lab, create_booking, team_member,
                                                              monkeypatch):
    """The application's own check skipped (as in a race), the database refuses and the
    service answers with the same Conflict on SQLite (triggers) and PostgreSQL."""
    pending = create_booking(space=lab.incubator, start="11:00", end="11:30")
    services.book_directly(team_member, lab.whole.id, at(future_day(), "10:00"),
                           at(future_day(), "12:00"), "Séminaire", 40)
    db.session.commit()
    monkeypatch.setattr(services, "find_conflicts", lambda *a, **k: [])
    with pytest.raises(Conflict) as error:
        services.approve_booking(team_member, pending.id)
    assert error.value.message == "Ce créneau vient d'être réservé par ailleurs."
    db.session.rollback()
    assert db.session.get(Booking, pending.id).status == "pending"


def test_the_api_answers_409_when_the_database_refuses(api, lab, create_booking, team_member,
                                                       monkeypatch):
    pending = create_booking(space=lab.drh, start="11:00", end="11:30")
    services.book_directly(team_member, lab.whole.id, at(future_day(), "10:00"),
                           at(future_day(), "12:00"), "Séminaire", 40)
    db.session.commit()
    monkeypatch.setattr(services, "find_conflicts", lambda *a, **k: [])
    response = api(team_member).post(f"/bookings/{pending.id}/approve")
    assert response.status_code == 409
    assert response.get_json()["detail"] == "Ce créneau vient d'être réservé par ailleurs."
