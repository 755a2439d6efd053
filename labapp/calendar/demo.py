"""Demo calendar state: the invitations the demo's history called for were sent.

The demo's bookings and registrations were made before the seed, so their Outlook
invitations went out then. This seeder runs last and records, through the invitation
job's own comparison, what each recipient holds (`CalendarInvitationState`) for every
item the seeding created or changed; the messages it queues are history (marked sent,
see labapp.demo). The job's next run finds nothing to send for them. The sync cursor is
left alone: a fresh database's first tick still looks back a day, and finds those
items already held.
"""

from __future__ import annotations

from labapp.calendar.jobs import FIRST_RUN_LOOKBACK, booking_wants, registration_wants, send_differences
from labapp.db_types import utcnow
from labapp.demo import current_seed, demo_seeder


@demo_seeder("calendar", order=95)
def seed_calendar_invitations() -> None:
    now = utcnow()
    run = current_seed()
    since = run.started_at if run is not None else now - FIRST_RUN_LOOKBACK
    send_differences(booking_wants(since, now) + registration_wants(since, now), now)
