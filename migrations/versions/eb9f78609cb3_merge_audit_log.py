"""merge audit log

Revision ID: eb9f78609cb3
Revises: 1d945bec2294, 955177a44015
Create Date: 2026-11-30 00:31:13.534439

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'eb9f78609cb3'
down_revision = ('1d945bec2294', '955177a44015')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
