"""Turning the other domains' rows into `CalendarEvent` values (no queries here).

Callers load the rows with what they need (space and site of a booking, the
session of a registration) and pass them in; this module only maps fields:
stable UIDs on the BASE_URL host, LOCATION, a French DESCRIPTION, a URL back to
the app, STATUS and SEQUENCE. Times stay the stored aware UTC instants
(half-open `[start_at, end_at)`); the serializer writes them in Europe/Paris.
"""

from __future__ import annotations

from flask import current_app, has_request_context, url_for

from labapp.calendar.ical import CalendarEvent, event_uid, host_from_base_url
from labapp.formatting import date_fr, time_fr

ONLINE = "En ligne"
PENDING_PREFIX = "En attente : "
WAITLIST_PREFIX = "Liste d'attente : "

BOOKING_STATUS = {
    "pending": "TENTATIVE",
    "approved": "CONFIRMED",
    "refused": "CANCELLED",
    "cancelled": "CANCELLED",
}


def app_host() -> str:
    """The host of BASE_URL, used in every UID."""
    return host_from_base_url(current_app.config["BASE_URL"])


def app_url(endpoint: str, **values) -> str:
    """Absolute URL of an app page (BASE_URL + path), also outside a request (tick)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return current_app.config["BASE_URL"] + path


def space_location(space) -> str:
    """`<space name>, <site address>` (the address alone may be empty)."""
    address = (space.site.address or "").strip() if space.site is not None else ""
    return f"{space.name}, {address}" if address else space.name


def _when(start, end) -> str:
    return f"{date_fr(start)} de {time_fr(start)} à {time_fr(end)}"


# --- bookings --------------------------------------------------------------

def booking_uid(booking_id: int) -> str:
    return event_uid("booking", booking_id, app_host())


def booking_event(booking, *, private: bool = False) -> CalendarEvent:
    """One booking (a recurring series is one row per occurrence, so one event each).

    pending -> TENTATIVE (title prefixed "En attente : ", since Outlook ignores
    STATUS in subscribed calendars), approved -> CONFIRMED, refused/cancelled ->
    CANCELLED. `private=True` (someone else's booking in a space feed seen by an
    agent) keeps only "Réservé" and the place.
    """
    status = BOOKING_STATUS[booking.status]
    location = space_location(booking.space)
    if private:
        return CalendarEvent(
            uid=booking_uid(booking.id), start=booking.start_at, end=booking.end_at,
            summary="Réservé", description=f"{booking.space.name} est réservé sur ce créneau.",
            location=location, url=None, sequence=booking.sequence, status=status,
            last_modified=booking.updated_at)
    summary = booking.title
    if booking.status == "pending":
        summary = PENDING_PREFIX + summary
    url = app_url("bookings.detail", booking_id=booking.id)
    lines = [
        f"Réservation : {booking.space.name}, {_when(booking.start_at, booking.end_at)}.",
        f"Statut : {booking.status_label}.",
        f"Personnes attendues : {booking.attendees}.",
    ]
    requester = getattr(booking, "requested_by", None)
    if requester is not None:
        lines.append(f"Demandée par : {requester.name or requester.email}.")
    if booking.status == "refused" and booking.refusal_reason:
        lines.append(f"Motif du refus : {booking.refusal_reason}")
    if booking.status == "cancelled" and booking.cancel_reason:
        lines.append(f"Motif de l'annulation : {booking.cancel_reason}")
    lines.append(f"Détails et modifications : {url}")
    return CalendarEvent(
        uid=booking_uid(booking.id), start=booking.start_at, end=booking.end_at,
        summary=summary, description="\n".join(lines), location=location, url=url,
        sequence=booking.sequence, status=status, last_modified=booking.updated_at)
