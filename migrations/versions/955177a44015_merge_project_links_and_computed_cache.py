"""merge project links and computed cache

Revision ID: 955177a44015
Revises: 03fac6e1a33e, 3915dacabbe5
Create Date: 2026-11-30 00:13:45.143899

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '955177a44015'
down_revision = ('03fac6e1a33e', '3915dacabbe5')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
