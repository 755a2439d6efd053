"""Booking fixtures: the lab with its spaces, future open days, and create_booking(**params)."""

from __future__ import annotations

from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest

from labapp.bookings.rules import public_holiday
from labapp.extensions import db
from labapp.timeutil import combine_paris


def future_day(n: int = 0, weeks_ahead: int = 3) -> date:
    """The n-th open weekday (Monday-Friday, no public holiday) at least `weeks_ahead` weeks away."""
    day = date.today() + timedelta(weeks=weeks_ahead)
    found = -1
    while True:
        if day.weekday() < 5 and public_holiday(day) is None:
            found += 1
            if found == n:
                return day
        day += timedelta(days=1)


def at(day: date, hhmm: str):
    """An aware UTC datetime for a Paris wall time `HH:MM` on `day`."""
    hours, minutes = map(int, hhmm.split(":"))
    return combine_paris(day, time(hours, minutes))


@pytest.fixture
def lab(app):
    """The Beauvau site with the whole lab and three zones (committed)."""
    from labapp.bookings.models import Space
    from labapp.bookings.site_services import default_site

    site = default_site()
    spaces = {
        "whole": Space(site=site, name="Lab entier", capacity=60, whole=True),
        "plenary": Space(site=site, name="Espace plénier", capacity=40),
        "drh": Space(site=site, name="Salle de remue-méninges (DRH)", capacity=15),
        "incubator": Space(site=site, name="Coin incubateur SYMBI'Ose (DEPAFI)", capacity=8),
    }
    db.session.add_all(spaces.values())
    db.session.commit()
    return SimpleNamespace(site=site, **spaces)


@pytest.fixture
def quick_user(app):
    """quick_user(role="agent") -> a committed account without a password (no slow hashing)."""
    from labapp.auth.services import create_user

    counter = {"n": 0}

    def make(role: str = "agent"):
        counter["n"] += 1
        user = create_user(f"b-{role}{counter['n']}@interieur.gouv.fr", role=role,
                           name=f"{role.title()} {counter['n']}")
        db.session.commit()
        return user

    return make


@pytest.fixture
def team_member(quick_user):
    return quick_user("team")


@pytest.fixture
def create_booking(lab, quick_user, team_member):
    """create_booking(space=lab.plenary, day=future_day(), start="10:00", end="12:00",
    status="pending", by=<new agent>, title=..., attendees=5) -> committed Booking."""
    from labapp.bookings import services

    def make(space=None, day=None, start="10:00", end="12:00", status="pending", by=None,
             title="Atelier de co-développement", attendees=5, **extra):
        by = by or quick_user("agent")
        space = space or lab.plenary
        day = day or future_day()
        booking = services.request_booking(by, space.id, at(day, start), at(day, end), title,
                                           attendees, **extra)
        if status == "approved":
            services.approve_booking(team_member, booking.id)
        elif status == "refused":
            services.refuse_booking(team_member, booking.id, "Espace indisponible")
        elif status == "cancelled":
            services.cancel_booking(team_member, booking.id, "Annulée pour le test")
        db.session.commit()
        return booking

    return make


@pytest.fixture
def two_sites(app):
    """Two sites with one space each, committed: {"lab": (site, room), "other": (site, room)}."""
    from labapp.bookings.models import Site, Space

    lab = Site(name="Lab Beauvau", address="Place Beauvau")
    other = Site(name="Lab territorial de Lyon", address="Préfecture du Rhône")
    lab_room = Space(site=lab, name="Espace plénier", capacity=40)
    other_room = Space(site=other, name="Salle de Lyon", capacity=20)
    db.session.add_all([lab, other, lab_room, other_room])
    db.session.commit()
    return {"lab": (lab, lab_room), "other": (other, other_room)}
