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


# --- sessions and registrations ---------------------------------------------

SESSION_STATUS = {"scheduled": "CONFIRMED", "held": "CONFIRMED", "cancelled": "CANCELLED"}


def session_uid(session_id: int) -> str:
    return event_uid("session", session_id, app_host())


def registration_uid(registration_id: int) -> str:
    return event_uid("registration", registration_id, app_host())


def session_location(session, spaces: dict) -> str:
    """The lab space (name and address), "En ligne", or the session's own address."""
    if session.location == "online":
        return ONLINE
    if session.location == "lab":
        space = spaces.get(session.space_id)
        if space is not None:
            return space_location(space)
        return session.address or "Lab Minnov"
    return session.address or ""


def _session_lines(session, location: str) -> list[str]:
    lines = [f"{session.kind_label} : {session.title}.",
             f"Quand : {_when(session.start_at, session.end_at)}.",
             f"Où : {location or 'lieu à préciser'}."]
    if session.trainers:
        lines.append(f"Animation : {session.trainers}.")
    if session.status == "cancelled":
        lines.append("Cette session est annulée.")
    return lines


def session_event(session, spaces: dict) -> CalendarEvent:
    """A session as the team and the public agenda see it (never the video link)."""
    location = session_location(session, spaces)
    url = app_url("trainings.session_page", session_id=session.id)
    lines = [*_session_lines(session, location), f"Programme et inscription : {url}"]
    return CalendarEvent(
        uid=session_uid(session.id), start=session.start_at, end=session.end_at,
        summary=session.title, description="\n".join(lines), location=location, url=url,
        sequence=session.sequence, status=SESSION_STATUS[session.status],
        last_modified=session.updated_at)


def registration_status(registration) -> str:
    """CONFIRMED, TENTATIVE (waiting list) or CANCELLED (registration or session cancelled)."""
    if registration.status == "cancelled" or registration.session.status == "cancelled":
        return "CANCELLED"
    return "TENTATIVE" if registration.status == "waitlisted" else "CONFIRMED"


def registration_event(registration, spaces: dict) -> CalendarEvent:
    """A person's registration, for their own feed and invitations.

    The video link is written only for a confirmed registration of a session
    still on: this is the participant's own calendar.
    """
    session = registration.session
    status = registration_status(registration)
    location = session_location(session, spaces)
    url = app_url("trainings.session_page", session_id=session.id)
    lines = _session_lines(session, location)
    lines.append(f"Inscription : {registration.status_label}.")
    if status == "CONFIRMED" and session.video_link:
        lines.append(f"Lien de connexion : {session.video_link}")
    lines.append(f"Détails : {url}")
    summary = session.title
    if status == "TENTATIVE":
        summary = WAITLIST_PREFIX + summary
    changes = [session.updated_at, registration.created_at, registration.promoted_at,
               registration.cancelled_at]
    return CalendarEvent(
        uid=registration_uid(registration.id), start=session.start_at, end=session.end_at,
        summary=summary, description="\n".join(lines), location=location, url=url,
        sequence=session.sequence, status=status,
        last_modified=max(value for value in changes if value is not None))
