"""bookings project foreign key: a booking's project must exist (SET NULL when the
project goes); ids that name no project are cleared first.

Revision ID: e42d77c4854a
Revises: eb9f78609cb3
Create Date: 2026-11-30 02:26:48.033908

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e42d77c4854a'
down_revision = 'eb9f78609cb3'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE bookings SET project_id = NULL WHERE project_id IS NOT NULL "
               "AND project_id NOT IN (SELECT id FROM projects)")
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_bookings_project_id_projects'), 'projects', ['project_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bookings_project_id_projects'), type_='foreignkey')

