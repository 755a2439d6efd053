"""calendar tables: feed tokens, event revisions (SEQUENCE), feed validators

Revision ID: e0e10d409225
Revises: e412701f183c
Create Date: 2026-11-29 19:53:15.964725

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e0e10d409225'
down_revision = 'e412701f183c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_event_revisions',
    sa.Column('uid', sa.String(length=255), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('schedule_hash', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('last_modified', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('uid', name=op.f('pk_calendar_event_revisions'))
    )
    op.create_table('calendar_feed_states',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('etag', sa.String(length=80), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_calendar_feed_states'))
    )
    op.create_table('calendar_feed_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=True),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(kind = 'space') = (space_id IS NOT NULL)", name=op.f('ck_calendar_feed_tokens_space')),
    sa.CheckConstraint("kind IN ('personal', 'team', 'space')", name=op.f('ck_calendar_feed_tokens_kind')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feed_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_tokens_token_hash'))
    )
    with op.batch_alter_table('calendar_feed_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_calendar_feed_tokens_owner', ['user_id', 'kind', 'space_id'], unique=False)



def downgrade():
    with op.batch_alter_table('calendar_feed_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_calendar_feed_tokens_owner')

    op.drop_table('calendar_feed_tokens')
    op.drop_table('calendar_feed_states')
    op.drop_table('calendar_event_revisions')
