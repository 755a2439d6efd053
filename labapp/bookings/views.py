"""Pages: request form, Mes réservations, Demandes à traiter, calendars, free slots, admin."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("bookings", __name__, url_prefix="/reservations")


# Placeholder routes until the DSFR templates land (the e-mails link to them).
@bp.get("/")
def calendar():
    return "Calendrier"


@bp.get("/mes-reservations")
def mine():
    return "Mes réservations"


@bp.get("/demandes")
def pending():
    return "Demandes à traiter"


@bp.get("/<int:booking_id>")
def detail(booking_id: int):
    return "Réservation"
