"""E-mails about bookings, queued in the outbox within the change's transaction.

The team hears of each new request; the requester hears of each decision
(approved, refused) and of a cancellation made by someone else (one e-mail listing
every date when the rest of a series is cancelled).
"""

from __future__ import annotations

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from labapp.auth.models import User
from labapp.bookings.models import Booking
from labapp.extensions import db
from labapp.mail.services import queue_mail

SUBJECTS = {
    "approved": "Votre réservation est acceptée",
    "refused": "Votre demande de réservation est refusée",
    "cancelled": "Votre réservation est annulée",
}


def team_addresses() -> list[str]:
    """E-mail addresses of every active member of the lab team (admins included)."""
    return list(db.session.scalars(
        select(User.email).where(User.role.in_(("team", "admin")), User.active.is_(True))
        .order_by(User.email)))


def _queue(to: str, subject: str, template: str, **context) -> None:
    """queue_mail, also outside a request (CLI, tick): rendering runs the app's context
    processors, which build URLs and so need a request context."""
    if has_request_context():
        queue_mail(to, subject, template, **context)
        return
    with current_app.test_request_context():
        queue_mail(to, subject, template, **context)


def new_request(booking: Booking, occurrences: int = 1) -> None:
    """Tell the team of a new request (one message per member; one per series)."""
    link = _path("bookings.pending")
    subject = f"Nouvelle demande de réservation : {booking.title}"[:255]
    for address in team_addresses():
        _queue(address, subject, "booking_request", booking=booking, link=link,
                   occurrences=occurrences)


def decided(booking: Booking) -> None:
    """Tell the requester their booking is now approved, refused or cancelled."""
    if booking.status not in SUBJECTS:
        return
    link = _path("bookings.detail", booking_id=booking.id)
    _queue(booking.requested_by.email, f"{SUBJECTS[booking.status]} : {booking.title}"[:255],
               f"booking_{booking.status}", booking=booking, link=link)


def cancelled(bookings: list[Booking]) -> None:
    """Tell each requester, in one e-mail, that these bookings are cancelled: the usual
    message for one booking, a list of every date for several (the rest of a series)."""
    by_requester: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_requester.setdefault(booking.requested_by_id, []).append(booking)
    for group in by_requester.values():
        if len(group) == 1:
            decided(group[0])
            continue
        group.sort(key=lambda b: (b.start_at, b.id))
        first = group[0]
        subject = f"Votre réservation est annulée pour {len(group)} dates : {first.title}"
        _queue(first.requested_by.email, subject[:255], "booking_cancelled_dates", booking=first,
               bookings=group, link=_path("bookings.mine"))


def _path(endpoint: str, **values) -> str:
    """A URL path, also outside a request (CLI, tick): links are base_url + path."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)
