"""Invitations and cancellations by e-mail (iTIP over iMIP, RFC 5546/6047).

The message goes through the outbox, so it exists only if the change that
caused it is committed. Structure (calendar.md item 17):

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
        text/calendar; method=<METHOD>; charset=UTF-8
      application/ics (invitation.ics, the same bytes as an attachment)

The MIME `method=` is always the METHOD inside the body.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

from flask import current_app
from markupsafe import Markup, escape

from labapp.calendar.ical import INVITATION_METHODS, CalendarEvent, build_invitation, one_line
from labapp.mail.models import OutboxMessage
from labapp.mail.services import compose, queue_message

ATTACHMENT_NAME = "invitation.ics"


def organizer_address() -> tuple[str, str]:
    """(name, e-mail) of the lab mailbox used as ORGANIZER.

    `CALENDAR_ORGANIZER` (e.g. `Lab Minnov <lab@…>`), or the MAIL_FROM address.
    """
    configured = current_app.config.get("CALENDAR_ORGANIZER") or current_app.config["MAIL_FROM"]
    name, email = parseaddr(configured)
    return (name or "Lab Minnov"), email


def text_to_html(text: str) -> str:
    """The plain text as escaped HTML paragraphs (line breaks kept)."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    body = "".join(
        Markup("<p>{}</p>\n").format(Markup("<br>\n").join(escape(line) for line in p.split("\n")))
        for p in paragraphs
    )
    return f'<!DOCTYPE html>\n<html lang="fr"><meta charset="utf-8"><body>\n{body}</body></html>\n'


def build_invitation_message(method: str, event: CalendarEvent, to_email: str, to_name: str,
                             subject: str, text: str, *, stamp: datetime | None = None):
    """The complete EmailMessage (not queued); raises ValueError for a bad method."""
    if method not in INVITATION_METHODS:
        raise ValueError(f"unsupported METHOD {method!r}")
    organizer_name, organizer_email = organizer_address()
    name = one_line(to_name)
    ics = build_invitation(method, event, organizer_email, to_email, name,
                           organizer_name=organizer_name, stamp=stamp)
    message = compose(to_email.strip(), subject, text, text_to_html(text), to_name=name)
    # Bytes (base64) keep the CRLF line ends and folding exactly as icalendar wrote them.
    message.add_alternative(ics, maintype="text", subtype="calendar",
                            params={"method": method, "charset": "UTF-8"})
    message.add_attachment(ics, maintype="application", subtype="ics", filename=ATTACHMENT_NAME)
    return message


def queue_invitation(method: str, event: CalendarEvent, to_email: str, to_name: str,
                     subject: str, text: str) -> OutboxMessage | None:
    """Queue a REQUEST or CANCEL for one attendee in the current transaction.

    Returns the outbox row, or None when the recipient is the organizer mailbox
    itself (an organizer never invites itself).
    """
    if to_email.strip().lower() == organizer_address()[1].strip().lower():
        return None
    return queue_message(build_invitation_message(method, event, to_email, to_name, subject, text))
