import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from labapp import MIGRATIONS_DIR, create_app
from labapp.extensions import db
from tests import dbsetup


def _round_trip(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "api_tokens", "outbox_messages"} <= tables
        assert set(db.metadata.tables) <= tables
        # A fresh installation is usable: the lab, its spaces and the contract targets.
        from labapp.bookings.models import Space
        from labapp.indicators.services import targets_by_year

        spaces = db.session.scalars(select(Space).order_by(Space.id)).all()
        assert [s.whole for s in spaces] == [True, False, False, False]
        assert targets_by_year([2023])[(2023, "projets_accompagnes")] == 8
        db.session.rollback()
        downgrade(directory=str(MIGRATIONS_DIR), revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=str(MIGRATIONS_DIR))
        db.session.remove()
        db.engine.dispose()


def test_migrations_up_and_down_on_sqlite(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'm.db'}")


@pytest.mark.skipif(not dbsetup.PG_URL, reason=dbsetup.PG_REASON)
def test_migrations_up_and_down_on_postgres():
    _round_trip(dbsetup.scratch_postgres_database("migrations"))


def test_sqlite_batch_migrations_keep_the_rows_of_referencing_tables(tmp_path):
    """Recreating `bookings` (batch mode) used to drop it with foreign keys on, which
    deleted every booking event and occupancy (ON DELETE CASCADE)."""
    from sqlalchemy import text

    from labapp.demo import seed_demo

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'd.db'}", "TESTING": True})
    with app.app_context():
        # Seeded at head (the models may have columns later than eb9f78609cb3), then taken
        # back to eb9f78609cb3, the revision before the bookings foreign key.
        upgrade(directory=str(MIGRATIONS_DIR))
        seed_demo()
        db.session.commit()
        db.session.remove()
        downgrade(directory=str(MIGRATIONS_DIR), revision="eb9f78609cb3")
        db.session.execute(text("UPDATE bookings SET project_id = 999999 WHERE id = "
                                "(SELECT min(id) FROM bookings)"))  # a project that is gone
        db.session.commit()
        tables = ["users", "bookings", "booking_events", "booking_occupancies", "training_sessions",
                  "project_journal_entries"]

        def counts():
            return {t: db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables}

        before = counts()
        db.session.remove()
        upgrade(directory=str(MIGRATIONS_DIR))
        assert counts() == before and before["booking_events"] > 0
        assert db.session.scalar(text("SELECT count(*) FROM bookings WHERE project_id = 999999")) == 0
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1  # back on
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not dbsetup.PG_URL, reason=dbsetup.PG_REASON))])
def test_stored_addresses_are_rewritten_in_their_canonical_form(tmp_path, engine):
    """a7c31e5d9b20: a Unicode domain becomes ASCII (IDNA), lower-cased; a rewrite that would
    collide with another account's address leaves that row as it was."""
    from sqlalchemy import insert

    from labapp.auth.models import User

    url = (f"sqlite:///{tmp_path / 'a.db'}" if engine == "sqlite"
           else dbsetup.scratch_postgres_database("addresses"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="5f1888e0e910")
        for email in ("Lou@Exémple.fr", "zoe@xn--exmple-cva.fr", "zoe@exémple.fr",
                      "andré@example.org", "paul@example.org"):
            db.session.execute(insert(User.__table__).values(email=email, name="x", role="agent"))
        db.session.commit()
        db.session.remove()
        upgrade(directory=str(MIGRATIONS_DIR))
        emails = db.session.scalars(select(User.email).order_by(User.id)).all()
        assert emails == ["lou@xn--exmple-cva.fr", "zoe@xn--exmple-cva.fr", "zoe@exémple.fr",
                          "andré@example.org", "paul@example.org"]
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not dbsetup.PG_URL, reason=dbsetup.PG_REASON))])
def test_models_and_migrations_agree(tmp_path, engine):
    """What `flask db check` asks: at head, autogenerate finds nothing to add or remove."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = (f"sqlite:///{tmp_path / 'c.db'}" if engine == "sqlite"
           else dbsetup.scratch_postgres_database("check"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        db.engine.dispose()
