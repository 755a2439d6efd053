"""merge trainings

Revision ID: 52f404947f28
Revises: 68dc251c93c5, abff459e3111
Create Date: 2026-11-29 20:33:57.731783

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '52f404947f28'
down_revision = ('68dc251c93c5', 'abff459e3111')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
