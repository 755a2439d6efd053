"""merge projects/surveys and indicators

Revision ID: 68dc251c93c5
Revises: 167cf315bee0, f02abcba2eae
Create Date: 2026-11-29 20:20:54.888997

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '68dc251c93c5'
down_revision = ('167cf315bee0', 'f02abcba2eae')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
