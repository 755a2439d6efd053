"""What stands in the way of a slot: the conflict check behind the live preview and the API.

Nothing is stored. The answer depends on who asks: the team and a booking's own
requester see its title; anyone else sees only the space, the times and « Occupé »
(an agent never learns what another agent booked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from labapp.auth.models import User
from labapp.bookings.models import Booking, Space
from labapp.bookings.rules import paris_day_of
from labapp.bookings.services import find_conflicts, validate_slot
from labapp.bookings.site_services import closure_on, get_space
from labapp.errors import ValidationFailed

HIDDEN_TITLE = "Occupé"


@dataclass
class BusyPeriod:
    """An approved booking in the way, as the asker may see it (`booking_id` None when hidden)."""

    space: Space
    start: datetime
    end: datetime
    title: str
    booking_id: int | None


@dataclass
class SlotCheck:
    """The answer for [start, end) in `space`: rules broken (by field), closure, conflicts."""

    space: Space
    start: datetime
    end: datetime
    errors: dict[str, list[str]] = field(default_factory=dict)
    closure: str | None = None
    conflicts: list[BusyPeriod] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return not self.errors and not self.conflicts


def may_see(actor: User, booking: Booking) -> bool:
    """Whether `actor` may see what a booking is about (team, or its requester)."""
    return actor.is_team or booking.requested_by_id == actor.id


def check_slot(actor: User, space_id: int, start: datetime, end: datetime,
               attendees: int | None = None, now: datetime | None = None) -> SlotCheck:
    """Check a slot as a request would be checked (same rules, same overlap query), without
    storing anything. Only an unknown space raises (422 on `space_id`); broken rules come
    back in `errors` by field, approved bookings in the way in `conflicts`."""
    space = get_space(space_id)
    check = SlotCheck(space, start, end)
    try:
        validate_slot(space, start, end, attendees if attendees is not None else 1, now=now)
    except ValidationFailed as error:
        check.errors = error.errors or {"start": [error.message]}
    if end <= start:
        return check
    day = paris_day_of(start, end)
    if day is not None:
        check.closure = closure_on(space.site, day)
    check.conflicts = [
        BusyPeriod(b.space, b.start_at, b.end_at, b.title if may_see(actor, b) else HIDDEN_TITLE,
                   b.id if may_see(actor, b) else None)
        for b in find_conflicts(space, start, end)
    ]
    return check
