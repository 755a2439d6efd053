"""tick runs, job failures, and stored e-mail addresses in their canonical form

Revision ID: a7c31e5d9b20
Revises: 5f1888e0e910
Create Date: 2026-12-04 17:40:00

The address policy (labapp/mail/addresses.py) stores a domain in its ASCII (IDNA)
form, lower-cased. Addresses stored before it are rewritten the same way, unless the
rewritten form would collide with another row's (an account's unique address, or a
second active registration of one person to a session): those rows are left as they
were. Local parts that are not ASCII cannot be rewritten; the outbox sets their
messages aside as failed, where admins see them.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c31e5d9b20'
down_revision = '5f1888e0e910'
branch_labels = None
depends_on = None

ADDRESS_COLUMNS = [
    ("users", "email"),
    ("session_registrations", "email"),
    ("project_contacts", "email"),
    ("survey_invitations", "email"),
    ("calendar_invitation_states", "recipient"),
]


def _canonical(address):
    """Lower-cased, domain in ASCII when it converts (labapp.mail.addresses.lookup_form,
    written out here so that this migration never changes with the app)."""
    import idna

    text = address.strip().lower()
    local, at, domain = text.rpartition("@")
    if at and domain and not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return text
    return f"{local}{at}{domain}" if at else text


def _rewrite_addresses():
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    tables = set(inspector.get_table_names())
    for table, column in ADDRESS_COLUMNS:
        if table not in tables:
            continue
        rows = bind.execute(sa.text(f'SELECT id, "{column}" FROM "{table}"')).all()
        for row_id, address in rows:
            if address is None:
                continue
            wanted = _canonical(address)
            if wanted == address:
                continue
            try:
                with bind.begin_nested():
                    bind.execute(sa.text(f'UPDATE "{table}" SET "{column}" = :a WHERE id = :i'),
                                 {"a": wanted, "i": row_id})
            except sa.exc.IntegrityError:
                pass  # the canonical form is already another row's: keep this one as it was


def upgrade():
    op.create_table(
        'tick_runs',
        sa.Column('name', sa.String(length=20), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('problems', sa.Integer(), nullable=False),
        sa.Column('report', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_tick_runs')),
    )
    op.create_table(
        'job_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job', sa.String(length=80), nullable=False),
        sa.Column('item', sa.String(length=120), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('first_failed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_failures')),
        sa.UniqueConstraint('job', 'item', name=op.f('uq_job_failures_job')),
    )
    _rewrite_addresses()


def downgrade():
    # The canonical addresses stay: they are valid addresses in the earlier schema too.
    op.drop_table('job_failures')
    op.drop_table('tick_runs')
