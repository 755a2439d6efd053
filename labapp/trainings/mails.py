"""The e-mails of the trainings domain (French, through the outbox).

Links are absolute (BASE_URL + path) and built without a request, so that
tick jobs can send them too.
"""

from __future__ import annotations

from flask import current_app, has_request_context, url_for

from labapp.mail.services import queue_mail
from labapp.trainings.models import Registration, Session


def absolute_url(endpoint: str, **values) -> str:
    """BASE_URL + the path of `endpoint`, inside or outside a request."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def session_place(session: Session) -> str:
    """Where the session takes place, worded as the calendar invitations' LOCATION (the lab
    space and its address, "En ligne", or the address given); "" when unknown."""
    from labapp.bookings.models import Space
    from labapp.calendar.sources import session_location
    from labapp.extensions import db

    space = db.session.get(Space, session.space_id) if session.space_id else None
    return session_location(session, {space.id: space} if space else {})


def _context(registration: Registration, session: Session, manage_secret: str | None) -> dict:
    manage_url = None
    if manage_secret:
        manage_url = absolute_url("trainings.manage_registration", token=manage_secret)
    return {
        "registration": registration,
        "session": session,
        "session_url": absolute_url("trainings.session_page", session_id=session.id),
        "place": session_place(session),
        "manage_url": manage_url,
        # The video link goes only to confirmed registrants.
        "video_link": session.video_link if registration.status == "confirmed" else None,
    }


def send_registration_mail(registration: Registration, session: Session,
                           manage_secret: str | None, waitlist_position: int | None) -> None:
    """Confirmation or waiting-list acknowledgement, right after registering."""
    ctx = _context(registration, session, manage_secret)
    if registration.status == "confirmed":
        queue_mail(registration.email, f"Inscription confirmée : {session.title}",
                   "registration_confirmed", **ctx)
    else:
        queue_mail(registration.email, f"Liste d'attente : {session.title}",
                   "registration_waitlisted", waitlist_position=waitlist_position, **ctx)


def send_promoted_mail(registration: Registration, session: Session) -> None:
    """A seat freed up: the waitlisted person is now confirmed."""
    queue_mail(registration.email, f"Une place s'est libérée : {session.title}",
               "registration_promoted", **_context(registration, session, None))


def send_reminder_mail(registration: Registration, session: Session) -> None:
    queue_mail(registration.email, f"Rappel : {session.title}", "session_reminder",
               **_context(registration, session, None))


def send_cancelled_mail(registration: Registration, session: Session) -> None:
    queue_mail(registration.email, f"Session annulée : {session.title}", "session_cancelled",
               **_context(registration, session, None))


def send_changed_mail(registration: Registration, session: Session, change,
                      waitlist_position: int | None) -> None:
    """The team changed the time or place of the session (`change`: a SessionChange)."""
    queue_mail(registration.email, f"Session modifiée : {session.title}", "session_changed",
               change=change, waitlist_position=waitlist_position,
               **_context(registration, session, None))
