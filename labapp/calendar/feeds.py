"""What each feed contains, read from the other domains.

Each source runs a fixed number of queries whatever the number of items
(related rows are joined in the same statement). Feeds cover items that end
at most `PAST_DAYS` days ago; a cancelled or refused item stays
`CALENDAR_CANCELLED_DAYS` days after its last change with STATUS:CANCELLED
(calendar.md item 11), then leaves the feed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import joinedload

from labapp.bookings.models import Booking, BookingEvent, Space
from labapp.calendar import sources
from labapp.calendar.ical import CalendarEvent
from labapp.calendar.models import CalendarFeedToken
from labapp.db_types import utcnow
from labapp.extensions import db
from labapp.trainings.models import Registration, Session

PAST_DAYS = 365
FEED_NAMES = {
    "personal": "Lab Minnov — mes réservations et inscriptions",
    "team": "Lab Minnov — équipe (réservations et sessions)",
    "space": "Lab Minnov — espace {space}",
}
ENDED_BOOKING = ("refused", "cancelled")


def cancelled_since(now: datetime | None = None) -> datetime:
    """Cancelled items changed after this instant are still shown (as CANCELLED)."""
    return (now or utcnow()) - timedelta(days=current_app.config["CALENDAR_CANCELLED_DAYS"])


def _bookings(*conditions) -> list[Booking]:
    """Bookings (with space, site and requester in the same query) in the feed window."""
    now = utcnow()
    query = (
        select(Booking)
        .options(joinedload(Booking.space).joinedload(Space.site), joinedload(Booking.requested_by))
        .where(Booking.end_at >= now - timedelta(days=PAST_DAYS), *conditions)
        .order_by(Booking.start_at, Booking.id)
    )
    return list(db.session.scalars(query))


def _shown_status(now: datetime):
    """Active bookings, or ended ones changed within the cancelled window."""
    return or_(Booking.status.not_in(ENDED_BOOKING), Booking.updated_at >= cancelled_since(now))


def _was_approved():
    """The booking was approved once (so subscribers have it and must see it cancelled)."""
    return exists().where(BookingEvent.booking_id == Booking.id,
                          BookingEvent.action.in_(("approved", "booked")))


def _approved_or_recently_withdrawn(now: datetime):
    return or_(Booking.status == "approved",
               and_(Booking.status == "cancelled", Booking.updated_at >= cancelled_since(now),
                    _was_approved()))


def spaces_by_id(space_ids) -> dict[int, Space]:
    """{id: Space} with their site, in one query (run even when empty: constant budgets)."""
    ids = sorted({i for i in space_ids if i is not None})
    query = select(Space).options(joinedload(Space.site)).where(Space.id.in_(ids))
    return {space.id: space for space in db.session.scalars(query)}


def _sessions(*conditions) -> list[Session]:
    now = utcnow()
    return list(db.session.scalars(
        select(Session).where(Session.end_at >= now - timedelta(days=PAST_DAYS), *conditions)
        .order_by(Session.start_at, Session.id)))


def _session_shown(now: datetime):
    return or_(Session.status != "cancelled", Session.cancelled_at >= cancelled_since(now))


def registrations_of(user_id: int) -> list[Registration]:
    """A user's registrations in the feed window (with their session): active ones of
    sessions still on, and those cancelled (either side) within the cancelled window."""
    now = utcnow()
    cutoff = cancelled_since(now)
    return list(db.session.scalars(
        select(Registration).join(Registration.session)
        .options(joinedload(Registration.session))
        .where(Registration.user_id == user_id,
               Session.end_at >= now - timedelta(days=PAST_DAYS),
               or_(and_(Registration.status != "cancelled", _session_shown(now)),
                   Registration.cancelled_at >= cutoff))
        .order_by(Session.start_at, Registration.id)))


def personal_events(user) -> list[CalendarEvent]:
    """The user's bookings (pending TENTATIVE, approved CONFIRMED, refused/cancelled
    CANCELLED for a while) and registrations (waiting list TENTATIVE; the video link
    only once confirmed)."""
    now = utcnow()
    bookings = _bookings(Booking.requested_by_id == user.id, _shown_status(now))
    registrations = registrations_of(user.id)
    spaces = spaces_by_id(r.session.space_id for r in registrations)
    return ([sources.booking_event(booking) for booking in bookings]
            + [sources.registration_event(r, spaces) for r in registrations])


def team_events() -> list[CalendarEvent]:
    """All approved bookings and all sessions (cancelled ones for a while), no video link."""
    now = utcnow()
    bookings = _bookings(_approved_or_recently_withdrawn(now))
    sessions = _sessions(_session_shown(now))
    spaces = spaces_by_id(session.space_id for session in sessions)
    return ([sources.booking_event(booking) for booking in bookings]
            + [sources.session_event(session, spaces) for session in sessions])


def space_events(space_id: int, viewer=None) -> list[CalendarEvent]:
    """Approved bookings that occupy a space: its own and, for a zone, those of the
    whole lab (and for the whole lab, those of its zones). An agent sees others'
    bookings as "Réservé" only."""
    space = db.session.get(Space, space_id)
    if space is None:
        return []
    units = select(Space.id).where(Space.site_id == space.site_id)
    if not space.whole:
        units = units.where(or_(Space.id == space.id, Space.whole.is_(True)))
    bookings = _bookings(Booking.space_id.in_(units), _approved_or_recently_withdrawn(utcnow()))
    sees_all = viewer is not None and viewer.is_team
    return [sources.booking_event(booking, private=not sees_all and booking.requested_by_id !=
                                  getattr(viewer, "id", None))
            for booking in bookings]


def public_agenda_events() -> list[CalendarEvent]:
    """The lab's open sessions: scheduled and not started (as the public agenda page),
    plus those cancelled within the cancelled window. No personal data, no video link."""
    now = utcnow()
    sessions = _sessions(Session.start_at > now, or_(
        Session.status == "scheduled",
        and_(Session.status == "cancelled", Session.cancelled_at >= cancelled_since(now))))
    spaces = spaces_by_id(session.space_id for session in sessions)
    return [sources.session_event(session, spaces) for session in sessions]


def space_name(space_id: int) -> str:
    space = db.session.get(Space, space_id)
    return space.name if space is not None else str(space_id)


def feed_for_token(token: CalendarFeedToken) -> tuple[str, list[CalendarEvent]]:
    """(calendar name, events) of the feed a token opens."""
    if token.kind == "personal":
        return FEED_NAMES["personal"], personal_events(token.user)
    if token.kind == "team":
        return FEED_NAMES["team"], team_events()
    return (FEED_NAMES["space"].format(space=space_name(token.space_id)),
            space_events(token.space_id, token.user))
