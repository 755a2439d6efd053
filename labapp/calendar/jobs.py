"""The tick job that sends calendar invitations and cancellations by e-mail.

Each run looks only at rows changed since its cursor (minus a margin for
transactions still in flight when the previous run read), works out what each
recipient should hold for each UID, compares it with what they were last sent
(`CalendarInvitationState`) and queues the difference in the same
transaction:

- nothing sent yet and the item is on (booking approved, registration
  confirmed or promoted) -> REQUEST;
- a REQUEST was sent and time, place or title changed -> REQUEST with a
  higher SEQUENCE;
- a REQUEST was sent and the item is off (cancelled, refused, session
  cancelled, registration cancelled) -> CANCEL with a higher SEQUENCE.

Concurrency: the state rows are created with INSERT ... ON CONFLICT DO NOTHING
on the unique (uid, recipient) pair and then claimed with FOR UPDATE SKIP
LOCKED on PostgreSQL, so two ticks never send the same message; SQLite's
BEGIN IMMEDIATE serialises the ticks. Items already over are left alone.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import joinedload

from labapp.bookings.models import Booking, Space
from labapp.calendar import sources
from labapp.calendar.feeds import spaces_by_id
from labapp.calendar.ical import CalendarEvent, one_line
from labapp.calendar.invitations import queue_invitation
from labapp.calendar.models import CalendarInvitationState, CalendarSyncCursor
from labapp.calendar.services import insert_ignoring_duplicates, schedule_hash
from labapp.extensions import db
from labapp.formatting import date_fr, time_fr
from labapp.operations.failures import failing_items
from labapp.tick import checkpoint, item, tick_job
from labapp.trainings.models import Registration, Session

JOB = "calendar_invitations"
CURSOR = "invitations"
CHUNK = 10
FIRST_RUN_LOOKBACK = timedelta(days=1)
# A change written (updated_at) before a run read but committed after it is seen
# by the next runs as long as its transaction lasted less than this.
MARGIN = timedelta(minutes=15)


@dataclass(frozen=True)
class Wanted:
    """What one recipient should hold for one UID: "request" (the event) or "cancel"."""

    source: str
    source_id: int
    recipient: str
    recipient_name: str
    state: str
    event: CalendarEvent
    what: str  # "Votre réservation « … »", used in the e-mail text

    @property
    def key(self) -> tuple[str, str]:
        return self.event.uid, self.recipient


# --- what should be held ---------------------------------------------------

def _scan_since(now: datetime) -> datetime:
    """Start of this run's window: the cursor (or a day ago on the first run) minus the margin."""
    cursor = db.session.get(CalendarSyncCursor, CURSOR)
    start = cursor.scanned_until if cursor is not None else now - FIRST_RUN_LOOKBACK
    return min(start, now) - MARGIN


def _advance_cursor(now: datetime) -> None:
    """Record this run (last, so concurrent runs only wait for each other at the end)."""
    if insert_ignoring_duplicates(CalendarSyncCursor, dict(name=CURSOR, scanned_until=now)):
        return
    cursor = db.session.get(CalendarSyncCursor, CURSOR, populate_existing=True)
    if cursor.scanned_until < now:
        cursor.scanned_until = now
    db.session.flush()


def booking_wants(since: datetime, now: datetime, also: Collection[int] = ()) -> list[Wanted]:
    """Bookings changed since `since` (or among `also`, those set aside by an earlier run)
    and not over: approved -> request, refused or cancelled -> cancel (sent only to
    someone who holds a REQUEST), pending -> nothing."""
    changed = Booking.updated_at >= since
    bookings = db.session.scalars(
        select(Booking)
        .options(joinedload(Booking.space).joinedload(Space.site), joinedload(Booking.requested_by))
        .where(or_(changed, Booking.id.in_(also)) if also else changed, Booking.end_at > now,
               Booking.status.in_(("approved", "refused", "cancelled")))
        .order_by(Booking.id))
    wanted = []
    for booking in bookings:
        state = "request" if booking.status == "approved" else "cancel"
        event = sources.booking_event(booking)
        if state == "request":
            event = replace(event, summary=booking.title)
        wanted.append(Wanted("booking", booking.id, booking.requested_by.email.strip().lower(),
                             booking.requested_by.name, state, event,
                             f"Votre réservation « {booking.title} »"))
    return wanted


def registration_wants(since: datetime, now: datetime, also: Collection[int] = ()) -> list[Wanted]:
    """Registrations created, promoted or cancelled since `since`, or whose session
    changed since then (or among `also`, those set aside by an earlier run), of
    sessions not over: confirmed (session on) -> request;
    waitlisted, cancelled, or session cancelled -> cancel (only to someone who holds
    a REQUEST). The invitation is the participant's own: it carries the video link."""
    changed_sessions = select(Session.id).where(Session.updated_at >= since)
    registrations = list(db.session.scalars(
        select(Registration).join(Registration.session)
        .options(joinedload(Registration.session))
        .where(Session.end_at > now, or_(
            Registration.created_at >= since, Registration.promoted_at >= since,
            Registration.cancelled_at >= since, Registration.session_id.in_(changed_sessions),
            Registration.id.in_(also)))
        .order_by(Registration.id)))
    spaces = spaces_by_id(r.session.space_id for r in registrations)
    wanted = []
    for registration in registrations:
        state = "request" if sources.registration_status(registration) == "CONFIRMED" else "cancel"
        wanted.append(Wanted("registration", registration.id, registration.email.strip().lower(),
                             registration.name, state,
                             sources.registration_event(registration, spaces),
                             f"Votre inscription à « {registration.session.title} »"))
    return wanted


# --- sending the difference ------------------------------------------------

def _claim(wanted: list[Wanted]) -> dict[tuple[str, str], CalendarInvitationState]:
    """Create the missing state rows for REQUESTs, then lock every row of `wanted`
    that no concurrent run holds (those are skipped: that run deals with them)."""
    fresh = sorted({w.key: dict(uid=w.event.uid, recipient=w.recipient, source=w.source,
                                source_id=w.source_id, state="none", sequence=0, schedule_hash="")
                    for w in wanted if w.state == "request"}.items())
    insert_ignoring_duplicates(CalendarInvitationState, [row for _, row in fresh])
    query = (select(CalendarInvitationState)
             .where(tuple_(CalendarInvitationState.uid, CalendarInvitationState.recipient)
                    .in_([w.key for w in wanted]))
             .order_by(CalendarInvitationState.id)
             .execution_options(populate_existing=True))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return {(row.uid, row.recipient): row for row in db.session.scalars(query)}


def _decide(want: Wanted, row: CalendarInvitationState) -> tuple[str, int] | None:
    """(METHOD, SEQUENCE) to send, or None when the recipient already holds this."""
    base = want.event.sequence
    if want.state == "request":
        if row.state == "none":
            return "REQUEST", base
        if row.state == "cancel" or row.schedule_hash != schedule_hash(want.event):
            return "REQUEST", max(row.sequence + 1, base)
        return None
    if row.state == "request":
        return "CANCEL", max(row.sequence + 1, base)
    return None


SUBJECTS = {
    ("REQUEST", True): "Invitation",
    ("REQUEST", False): "Modification",
    ("CANCEL", False): "Annulation",
}


def _message(want: Wanted, method: str, first: bool) -> tuple[str, str]:
    """(subject, French text) of an invitation e-mail."""
    event = want.event
    when = f"le {date_fr(event.start)} de {time_fr(event.start)} à {time_fr(event.end)}"
    if method == "CANCEL":
        lead = f"{want.what} du {date_fr(event.start)} est annulée. Elle est retirée de votre agenda."
    elif first:
        lead = f"{want.what} est confirmée : {when}, {event.location}."
    else:
        lead = f"{want.what} a changé : elle a lieu désormais {when}, {event.location}."
    lines = [f"Bonjour {want.recipient_name}," if want.recipient_name else "Bonjour,", "", lead]
    if method == "REQUEST":
        lines += ["", "L'invitation jointe l'ajoute à votre agenda Outlook (bouton « Accepter »)."]
    if event.url:
        lines += ["", f"Détails : {event.url}"]
    lines += ["", "L'équipe du Lab Minnov"]
    subject = f"{SUBJECTS[(method, first and method == 'REQUEST')]} : {one_line(event.summary)}"
    return subject[:255], "\n".join(lines) + "\n"


def send_differences(wanted: list[Wanted], now: datetime) -> int:
    """Queue the REQUEST/CANCEL messages `wanted` calls for; returns how many.

    A chunk at a time: its state rows are claimed (locked), each item is built and queued
    on its own (`labapp.tick.item`: one that fails is set aside, the others go), then the
    chunk is committed once the transaction has lasted long enough (`checkpoint`)."""
    wanted = [w for w in wanted if w.state in ("request", "cancel")]
    sent = 0
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        rows = _claim(chunk)
        for want in chunk:
            row = rows.get(want.key)
            if row is None:  # a CANCEL for someone never invited, or a row another run holds
                continue
            with item(f"{want.source}:{want.source_id}"):
                sent += _send_one(want, row, now)
        db.session.flush()
        checkpoint()
    return sent


def _send_one(want: Wanted, row: CalendarInvitationState, now: datetime) -> int:
    """Queue what one recipient lacks for one UID and record it; 1 if a message was queued."""
    decision = _decide(want, row)
    if decision is None:
        return 0
    method, sequence = decision
    first = row.state != "request"
    event = replace(want.event, sequence=sequence,
                    status="CANCELLED" if method == "CANCEL" else "CONFIRMED")
    subject, text = _message(want, method, first)
    queue_invitation(method, event, want.recipient, want.recipient_name, subject, text)
    row.state = "request" if method == "REQUEST" else "cancel"
    row.sequence, row.schedule_hash, row.sent_at = sequence, schedule_hash(want.event), now
    db.session.flush()
    return 1


@tick_job(JOB, order=40)
def send_calendar_invitations(now: datetime) -> int:
    """Invitations and cancellations for what changed since the last run, and for the items
    an earlier run set aside (idempotent)."""
    since = _scan_since(now)
    aside = failing_items(JOB)
    wanted = (booking_wants(since, now, _ids(aside, "booking"))
              + registration_wants(since, now, _ids(aside, "registration")))
    sent = send_differences(wanted, now)
    _advance_cursor(now)
    return sent


def _ids(keys: list[str], source: str) -> list[int]:
    return [int(key.partition(":")[2]) for key in keys if key.startswith(source + ":")]
