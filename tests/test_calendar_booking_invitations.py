"""Invitations for bookings sent by the `calendar_invitations` tick job."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select, update

from labapp.bookings import services as bookings
from labapp.bookings.models import Booking
from labapp.calendar.models import CalendarInvitationState
from labapp.db_types import utcnow
from labapp.extensions import db
from tests.fixtures_bookings import at, future_day


def only_invitation(invitations):
    found = invitations()
    assert len(found) == 1, [m["Subject"] for m, _, _ in found]
    return found[0]


def check_itip(message, part, cal, method: str, recipient: str):
    """The MIME method= equals METHOD; ORGANIZER is the lab, not the recipient; one ATTENDEE."""
    assert part.get_param("method") == method == str(cal["METHOD"])
    [event] = cal.walk("VEVENT")
    assert message["To"].addresses[0].addr_spec == recipient
    organizer = str(event["ORGANIZER"]).lower()
    assert organizer.startswith("mailto:") and recipient.lower() not in organizer
    assert str(event["ATTENDEE"]).lower() == f"mailto:{recipient}"
    assert "X-WR-CALNAME" not in cal
    return event


def test_approve_move_cancel_send_request_then_update_then_cancel(
        app, create_booking, quick_user, team_member, run_invitations, invitations, mail_dir):
    me = quick_user()
    booking = create_booking(by=me)
    assert run_invitations() == 0  # pending: nothing to put in Outlook yet

    bookings.approve_booking(team_member, booking.id)
    db.session.commit()
    for path in mail_dir.glob("*.eml"):  # leave only the invitations to read
        path.unlink()
    assert run_invitations() == 1
    assert run_invitations() == 0  # idempotent
    message, part, cal = only_invitation(invitations)
    event = check_itip(message, part, cal, "REQUEST", me.email)
    assert str(event["UID"]) == f"booking-{booking.id}@lab.test"
    assert event["ATTENDEE"].params["RSVP"] == "TRUE"
    assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
    assert message["Subject"].startswith("Invitation : ")
    assert "Plénier".lower() in str(event["LOCATION"]).lower()
    first_sequence = event["SEQUENCE"]

    day = future_day(6)
    bookings.move_booking(team_member, booking.id, at(day, "14:00"), at(day, "16:00"))
    db.session.commit()
    for path in mail_dir.glob("*.eml"):
        path.unlink()
    assert run_invitations() == 1
    message, part, cal = only_invitation(invitations)
    moved = check_itip(message, part, cal, "REQUEST", me.email)
    assert moved["UID"] == event["UID"] and moved["SEQUENCE"] == first_sequence + 1
    assert moved.decoded("DTSTART") == at(day, "14:00")
    assert message["Subject"].startswith("Modification : ")

    bookings.cancel_booking(me, booking.id, "Plus besoin")
    db.session.commit()
    for path in mail_dir.glob("*.eml"):
        path.unlink()
    assert run_invitations() == 1
    assert run_invitations() == 0
    message, part, cal = only_invitation(invitations)
    cancel = check_itip(message, part, cal, "CANCEL", me.email)
    assert cancel["UID"] == event["UID"] and cancel["SEQUENCE"] > moved["SEQUENCE"]
    assert str(cancel["STATUS"]) == "CANCELLED"


def test_withdrawn_requests_and_past_or_old_changes_send_nothing(
        app, create_booking, quick_user, team_member, run_invitations):
    refused = create_booking(status="refused")
    cancelled = create_booking(day=future_day(1), status="cancelled")
    past = create_booking(day=future_day(2), status="approved")
    old = create_booking(day=future_day(3), status="approved")
    db.session.execute(update(Booking).where(Booking.id == past.id).values(
        start_at=utcnow() - timedelta(hours=3), end_at=utcnow() - timedelta(hours=1)))
    # Changed long before the job's window (first run looks one day back): left alone.
    db.session.execute(update(Booking).where(Booking.id == old.id).values(
        updated_at=utcnow() - timedelta(days=3)))
    db.session.commit()
    assert run_invitations() == 0
    assert db.session.scalar(select(func.count()).select_from(CalendarInvitationState)) == 0
    assert {refused.status, cancelled.status} == {"refused", "cancelled"}


def test_the_job_only_rescans_changes_since_its_last_run(
        app, create_booking, team_member, run_invitations):
    now = utcnow()
    booking = create_booking(status="approved")
    assert run_invitations(now) == 1
    # Pretend the approval happened well before the previous run: not scanned again,
    # and a new run finds nothing to do even if the state row were gone.
    db.session.execute(update(Booking).where(Booking.id == booking.id).values(
        updated_at=now - timedelta(hours=2)))
    db.session.execute(CalendarInvitationState.__table__.delete())
    db.session.commit()
    assert run_invitations(now + timedelta(minutes=1)) == 0


def test_two_concurrent_ticks_send_each_invitation_once(
        app, create_booking, quick_user, team_member, subprocess_env, invitations):
    people = [quick_user() for _ in range(6)]
    created = [create_booking(by=person, day=future_day(i), status="approved")
               for i, person in enumerate(people)]
    expected = sorted(f"booking-{b.id}@lab.test" for b in created)
    db.session.remove()
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "tick"]
    processes = [subprocess.Popen(command, env=subprocess_env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    found = invitations()
    uids = sorted(str(cal.walk("VEVENT")[0]["UID"]) for _, _, cal in found)
    assert uids == expected
    states = db.session.scalars(select(CalendarInvitationState)).all()
    assert len(states) == 6 and {s.state for s in states} == {"request"}
