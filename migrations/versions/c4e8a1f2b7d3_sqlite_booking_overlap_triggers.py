"""SQLite: triggers that refuse overlapping booking occupancy (PostgreSQL has its
exclusion constraint since 4bf1ae113438)

An approved booking writes one `booking_occupancies` row per unit it occupies (a
zone occupies itself; the whole lab occupies itself and every zone of its site),
so "no two rows of one unit overlap" refuses an overlapping approved booking,
whole lab against zones included. PostgreSQL's exclusion constraint says so; SQLite
has no EXCLUDE, so two triggers say the same, on INSERT (a booking approved, or moved:
its rows are rewritten) and on UPDATE of a row's unit or times. Both raise an
error naming `ex_booking_occupancies_no_overlap`, the constraint's name, which the
application turns into the same 409 on both engines. Instants are compared with
julianday(), whatever the text form of the stored datetimes; the rows looked at are
first narrowed through an index on (unit_id, end_at) to those ending after a day
before the new start (a text bound, with a day of slack for any text form), so an
insert costs a few index reads rather than a scan of the unit's whole history
(5,000 rows of one unit: 27 s with a scan, 0.08 s with the index).

A later batch migration of `booking_occupancies` on SQLite rebuilds the table and
drops these triggers: it must create them again (see `create_triggers`).

Revision ID: c4e8a1f2b7d3
Revises: c4d8e2f61a37
Create Date: 2026-12-04 17:20:00
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4e8a1f2b7d3'
down_revision = 'c4d8e2f61a37'
branch_labels = None
depends_on = None

OVERLAP = """
    EXISTS (SELECT 1 FROM booking_occupancies AS other
            WHERE other.unit_id = NEW.unit_id{other_row}
              AND other.end_at > datetime(NEW.start_at, '-1 day')
              AND julianday(other.start_at) < julianday(NEW.end_at)
              AND julianday(other.end_at) > julianday(NEW.start_at))
"""
RAISE = "SELECT RAISE(ABORT, 'ex_booking_occupancies_no_overlap: overlapping booking occupancy');"


def create_triggers() -> None:
    op.execute(
        "CREATE TRIGGER tr_booking_occupancies_no_overlap_insert "
        "BEFORE INSERT ON booking_occupancies FOR EACH ROW "
        f"WHEN {OVERLAP.format(other_row='')} BEGIN {RAISE} END"
    )
    op.execute(
        "CREATE TRIGGER tr_booking_occupancies_no_overlap_update "
        "BEFORE UPDATE OF unit_id, start_at, end_at ON booking_occupancies FOR EACH ROW "
        f"WHEN {OVERLAP.format(other_row=' AND other.id <> OLD.id')} BEGIN {RAISE} END"
    )


def upgrade():
    # Both engines: the model declares the index (the triggers' lookup on SQLite, a unit's
    # rows ending after a time on either).
    op.create_index("ix_booking_occupancies_unit_end", "booking_occupancies", ["unit_id", "end_at"])
    if op.get_bind().dialect.name == "sqlite":
        create_triggers()


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS tr_booking_occupancies_no_overlap_update")
        op.execute("DROP TRIGGER IF EXISTS tr_booking_occupancies_no_overlap_insert")
    op.drop_index("ix_booking_occupancies_unit_end", table_name="booking_occupancies")
