"""trainings tables: offerings, sessions, registrations

The partial unique index (one active registration per session and e-mail) is
created on both engines (sqlite_where / postgresql_where).
space_id and booking_id refer to the bookings domain (a lab session books its space).

Revision ID: abff459e3111
Revises: f02abcba2eae
Create Date: 2026-11-29 19:47:49.111271

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'abff459e3111'
down_revision = 'f02abcba2eae'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('offerings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('default_capacity', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("audience IN ('agents', 'societe_civile', 'tous')", name=op.f('ck_offerings_audience')),
    sa.CheckConstraint("kind IN ('formation', 'webinaire', 'rencontre', 'atelier')", name=op.f('ck_offerings_kind')),
    sa.CheckConstraint('default_capacity >= 1', name=op.f('ck_offerings_default_capacity_positive')),
    sa.CheckConstraint('duration_minutes >= 1', name=op.f('ck_offerings_duration_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offerings'))
    )
    op.create_table('training_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offering_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=8), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('video_link', sa.String(length=500), nullable=True),
    sa.Column('registration_opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('registration_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('trainers', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('formation', 'webinaire', 'rencontre', 'atelier')", name=op.f('ck_training_sessions_kind')),
    sa.CheckConstraint("location IN ('lab', 'online', 'other')", name=op.f('ck_training_sessions_location')),
    sa.CheckConstraint("status IN ('scheduled', 'held', 'cancelled')", name=op.f('ck_training_sessions_status')),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_training_sessions_capacity_positive')),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_training_sessions_end_after_start')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_training_sessions_booking_id_bookings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_training_sessions_space_id_spaces'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_training_sessions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['offering_id'], ['offerings.id'], name=op.f('fk_training_sessions_offering_id_offerings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions'))
    )
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_sessions_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_offering_id'), ['offering_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_space_id'), ['space_id'], unique=False)
        batch_op.create_index('ix_training_sessions_start_at', ['start_at'], unique=False)
        batch_op.create_index('ix_training_sessions_status_start_at', ['status', 'start_at'], unique=False)

    op.create_table('session_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=True),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('manage_token_hash', sa.String(length=64), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('confirmed', 'waitlisted', 'cancelled')", name=op.f('ck_session_registrations_status')),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_session_registrations_session_id_training_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_registrations_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_registrations')),
    sa.UniqueConstraint('manage_token_hash', name=op.f('uq_session_registrations_manage_token_hash'))
    )
    with op.batch_alter_table('session_registrations', schema=None) as batch_op:
        batch_op.create_index('ix_session_registrations_reminder', ['status', 'reminder_sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_registrations_session_id'), ['session_id'], unique=False)
        batch_op.create_index('ix_session_registrations_session_status', ['session_id', 'status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_registrations_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_session_registrations_active_email', ['session_id', 'email'], unique=True, sqlite_where=sa.text("status IN ('confirmed', 'waitlisted')"), postgresql_where=sa.text("status IN ('confirmed', 'waitlisted')"))



def downgrade():
    with op.batch_alter_table('session_registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_session_registrations_active_email', sqlite_where=sa.text("status IN ('confirmed', 'waitlisted')"), postgresql_where=sa.text("status IN ('confirmed', 'waitlisted')"))
        batch_op.drop_index(batch_op.f('ix_session_registrations_user_id'))
        batch_op.drop_index('ix_session_registrations_session_status')
        batch_op.drop_index(batch_op.f('ix_session_registrations_session_id'))
        batch_op.drop_index('ix_session_registrations_reminder')

    op.drop_table('session_registrations')
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_training_sessions_status_start_at')
        batch_op.drop_index('ix_training_sessions_start_at')
        batch_op.drop_index(batch_op.f('ix_training_sessions_space_id'))
        batch_op.drop_index(batch_op.f('ix_training_sessions_offering_id'))
        batch_op.drop_index(batch_op.f('ix_training_sessions_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_training_sessions_booking_id'))

    op.drop_table('training_sessions')
    op.drop_table('offerings')
