"""verified addresses: users.email_verified_at, and the purpose of e-mailed account links

Revision ID: c4d8e2f61a37
Revises: a7c31e5d9b20
Create Date: 2026-12-04 18:05:00

Accounts that exist already are taken as verified (at their creation): they were made
by admins, the demo or sign-ups of the time, and locking them out would stop the lab.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c4d8e2f61a37'
down_revision = 'a7c31e5d9b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET email_verified_at = created_at")
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=10), server_default='reset',
                                      nullable=False))
        batch_op.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.drop_column('password_hash')
        batch_op.drop_column('purpose')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
