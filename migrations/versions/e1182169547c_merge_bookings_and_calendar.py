"""merge bookings and calendar

Revision ID: e1182169547c
Revises: 4bf1ae113438, e0e10d409225
Create Date: 2026-11-29 20:04:43.525996

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1182169547c'
down_revision = ('4bf1ae113438', 'e0e10d409225')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
