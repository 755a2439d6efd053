"""Invitation e-mails: MIME structure, METHOD = method=, through the real outbox."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from labapp.calendar.ical import CalendarEvent
from labapp.calendar.invitations import organizer_address, queue_invitation
from labapp.extensions import db
from labapp.mail.services import deliver_due_messages


def event(**changes) -> CalendarEvent:
    values = dict(
        uid="booking-42@lab.test", start=datetime(2026, 7, 1, 7, 0, tzinfo=UTC),
        end=datetime(2026, 7, 1, 9, 0, tzinfo=UTC), summary="Salle « Agora »\nréservée",
        description="Atelier", location="Salle Agora", url="http://lab.test/reservations/42",
        sequence=1, status="CONFIRMED", last_modified=datetime(2026, 6, 1, tzinfo=UTC),
    )
    values.update(changes)
    return CalendarEvent(**values)


def structure(message) -> list:
    return [(part.get_content_type(), part.get_content_disposition()) for part in message.walk()]


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_invitation_mime_structure_and_method(app, mails, method):
    assert queue_invitation(method, event(sequence=2), "jean.dupont@interieur.gouv.fr",
                            "Jean\r\nDupont", "Réservation confirmée",
                            "Bonjour,\n\nVotre <réservation> est confirmée.") is not None
    db.session.commit()
    assert deliver_due_messages()["sent"] == 1
    [message] = mails()
    assert structure(message) == [
        ("multipart/mixed", None),
        ("multipart/alternative", None),
        ("text/plain", None),
        ("text/html", None),
        ("text/calendar", None),
        ("application/ics", "attachment"),
    ]
    assert message["To"].addresses[0].addr_spec == "jean.dupont@interieur.gouv.fr"
    parts = list(message.walk())
    html = parts[3].get_content()
    assert "&lt;réservation&gt;" in html and "<réservation>" not in html
    calendar_part, attachment = parts[4], parts[5]
    assert calendar_part.get_param("method") == method
    assert calendar_part.get_param("charset").lower() == "utf-8"
    assert attachment.get_filename() == "invitation.ics"
    inline = calendar_part.get_payload(decode=True)
    assert inline == attachment.get_payload(decode=True)
    assert b"\r\n" in inline and b"\n" not in inline.replace(b"\r\n", b"")
    cal = Calendar.from_ical(inline)
    assert str(cal["METHOD"]) == calendar_part.get_param("method")
    assert "X-WR-CALNAME" not in cal and "NAME" not in cal
    [vevent] = cal.events
    assert str(vevent["ORGANIZER"]).lower() == "mailto:lab-minnov@interieur.gouv.fr"
    assert str(vevent["ATTENDEE"]).lower() == "mailto:jean.dupont@interieur.gouv.fr"
    assert vevent["ATTENDEE"].params["CN"] == "Jean Dupont"
    assert str(vevent["SUMMARY"]) == "Salle « Agora »\nréservée"
    assert str(vevent["STATUS"]) == ("CANCELLED" if method == "CANCEL" else "CONFIRMED")


def test_organizer_comes_from_config(app):
    assert organizer_address() == ("Lab Minnov", "lab-minnov@interieur.gouv.fr")
    app.config["CALENDAR_ORGANIZER"] = "Agenda du lab <agenda@lab.test>"
    assert organizer_address() == ("Agenda du lab", "agenda@lab.test")
    message = queue_invitation("REQUEST", event(), "a@x.fr", "A", "s", "t")
    cal = Calendar.from_ical(_ics(message.raw))
    assert str(cal.events[0]["ORGANIZER"]) == "mailto:agenda@lab.test"


def test_never_invites_the_organizer_mailbox(app):
    assert queue_invitation("REQUEST", event(), "LAB-MINNOV@interieur.gouv.fr", "Lab", "s", "t") is None


def test_unknown_method_is_refused(app):
    with pytest.raises(ValueError):
        queue_invitation("PUBLISH", event(), "a@x.fr", "A", "s", "t")


def _ics(raw: str) -> bytes:
    from email import policy
    from email.parser import Parser

    message = Parser(policy=policy.default).parsestr(raw)
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part.get_payload(decode=True)
