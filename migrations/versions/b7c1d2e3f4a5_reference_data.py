"""reference data: the Beauvau lab, its spaces and the contract's targets

A fresh installation must be usable without the demo data: the lab and its
bookable spaces exist, and the contract's targets (4 then 8 projects, 9 then 11
trainings, 80 % then 90 % satisfaction) are recorded, editable by the team.
Rows are added only when their table is empty.

Revision ID: b7c1d2e3f4a5
Revises: 52f404947f28
Create Date: 2026-11-29 20:40:00

"""
from datetime import UTC, datetime, time

import sqlalchemy as sa
from alembic import op

revision = 'b7c1d2e3f4a5'
down_revision = '52f404947f28'
branch_labels = None
depends_on = None

sites = sa.table('sites', sa.column('id', sa.Integer), sa.column('name', sa.String),
                 sa.column('address', sa.String), sa.column('area_m2', sa.Integer),
                 sa.column('buffer_minutes', sa.Integer),
                 sa.column('min_duration_minutes', sa.Integer),
                 sa.column('max_duration_minutes', sa.Integer),
                 sa.column('horizon_days', sa.Integer))
opening_hours = sa.table('site_opening_hours', sa.column('site_id', sa.Integer),
                         sa.column('weekday', sa.Integer), sa.column('opens_at', sa.Time),
                         sa.column('closes_at', sa.Time))
spaces = sa.table('spaces', sa.column('site_id', sa.Integer), sa.column('name', sa.String),
                  sa.column('capacity', sa.Integer), sa.column('equipment', sa.Text),
                  sa.column('description', sa.Text), sa.column('whole', sa.Boolean),
                  sa.column('active', sa.Boolean))
targets = sa.table('indicator_targets', sa.column('year', sa.Integer),
                   sa.column('code', sa.String), sa.column('value', sa.Float),
                   sa.column('updated_at', sa.DateTime(timezone=True)))

SPACES = [
    ("Lab entier", 60, True, "Vidéoprojecteur, sonorisation, mobilier modulable, paperboards",
     "Tout l'espace collaboratif (environ 100 m²) : événements, séminaires, grands ateliers."),
    ("Espace plénier", 40, False, "Écran interactif, tables mobiles, murs inscriptibles",
     "La zone ouverte pour les plénières, restitutions et ateliers en sous-groupes."),
    ("Salle de remue-méninges (DRH)", 15, False,
     "Post-it, tableau blanc, coussins, jeux de cartes idéation",
     "Salle de la DRH pour le remue-méninges, le coaching collectif et les formations "
     "inter-services."),
    ("Coin incubateur SYMBI'Ose (DEPAFI)", 8, False, "Poste de visioconférence, table haute",
     "Le coin de l'incubateur SYMBI'Ose de la DEPAFI (innovations de développement durable)."),
]
TARGETS = [
    (2022, "projets_accompagnes", 4), (2023, "projets_accompagnes", 8),
    (2022, "formations_dispensees", 9), (2023, "formations_dispensees", 11),
    (2022, "taux_satisfaction", 0.8), (2023, "taux_satisfaction", 0.9),
]


def _empty(conn, table: str) -> bool:
    return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0


def upgrade():
    conn = op.get_bind()
    if _empty(conn, "sites"):
        conn.execute(sites.insert().values(
            name="Lab Minnov", address="Place Beauvau, 75008 Paris", area_m2=100,
            buffer_minutes=0, min_duration_minutes=15, max_duration_minutes=720,
            horizon_days=365))
        site_id = conn.execute(sa.text("SELECT min(id) FROM sites")).scalar()
        conn.execute(opening_hours.insert(), [
            {"site_id": site_id, "weekday": d, "opens_at": time(8), "closes_at": time(20)}
            for d in range(5)])
        conn.execute(spaces.insert(), [
            {"site_id": site_id, "name": n, "capacity": c, "whole": w, "equipment": e,
             "description": d, "active": True} for n, c, w, e, d in SPACES])
    if _empty(conn, "indicator_targets"):
        now = datetime.now(UTC)
        conn.execute(targets.insert(), [
            {"year": y, "code": c, "value": v, "updated_at": now} for y, c, v in TARGETS])


def downgrade():
    # Reference data stays: it may have been edited and used since.
    pass
