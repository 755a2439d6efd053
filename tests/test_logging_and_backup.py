import logging
import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from labapp.auth.models import User
from labapp.extensions import db
from labapp.logging_setup import JsonFormatter, SecretRedactor, redact


@pytest.mark.parametrize("text", [
    "GET /calendrier/abcdefghijklmnopqrstuvwxyz012345.ics HTTP/1.1",
    "GET /avis/abcdefghijklmnopqrstuvwxyz012345 HTTP/1.1",
    "GET /compte/mot-de-passe/abcdefghijklmnopqrstuvwxyz012345 HTTP/1.1",
    "GET /x?token=abcdefghijklmnop HTTP/1.1",
    "Authorization: Bearer lm_abcdefghijklmnopqrstuvwxyz",
])
def test_secrets_are_masked(text):
    assert "abcdefghijklmnop" not in redact(text)
    assert "[masqué]" in redact(text)


def test_redactor_masks_formatted_arguments_and_json_logs():
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1,
                               '%(r)s %(s)s', ({"r": "GET /avis/" + "s" * 43, "s": "200"},), None)
    assert SecretRedactor().filter(record) is True
    line = JsonFormatter().format(record)
    assert "s" * 20 not in line and '"level": "INFO"' in line


def test_backup_then_restore_finds_every_row(app, runner, create_user, tmp_path, engine_name,
                                             database_url):
    for _ in range(5):
        create_user("agent")
    expected = db.session.scalar(select(func.count()).select_from(User))
    dest = tmp_path / "backup.dump"
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    assert dest.stat().st_size > 0
    if engine_name == "sqlite":
        restored = sqlite3.connect(dest)
        assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert restored.execute("SELECT count(*) FROM users").fetchone()[0] == expected
        restored.close()
    else:
        from sqlalchemy import create_engine, text

        from tests import dbsetup

        target = dbsetup.scratch_postgres_database("restore")
        libpq = target.replace("postgresql+psycopg://", "postgresql://")
        subprocess.run(["pg_restore", "--no-owner", "--dbname", libpq, str(dest)], check=True)
        engine = create_engine(target)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() == expected
        engine.dispose()


def test_cli_backup_of_a_live_sqlite_database_in_a_subprocess(app, subprocess_env, tmp_path,
                                                              engine_name, create_user):
    if engine_name != "sqlite":
        pytest.skip("covered for PostgreSQL by the pg_dump round trip")
    create_user("agent")
    db.session.remove()
    dest = tmp_path / "live.db"
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "backup", str(dest)],
                          env=subprocess_env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    copy = sqlite3.connect(dest)
    assert copy.execute("SELECT count(*) FROM users").fetchone()[0] == 1
    copy.close()


def test_server_timing_header_counts_sql_statements(app_config):
    from labapp import create_app

    app = create_app({**app_config, "SERVER_TIMING": True})
    with app.app_context():
        response = app.test_client().get("/healthz")
        timing = response.headers["Server-Timing"]
        assert timing.startswith("app;dur=") and 'sql;desc="statements";dur=1' in timing
        db.session.remove()
        db.engine.dispose()
