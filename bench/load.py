"""Load test: 50 concurrent users on mixed journeys for 2 minutes, against gunicorn
and PostgreSQL (or SQLite), with locust in headless mode.

    .venv/bin/pip install locust
    .venv/bin/python bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/load

Builds a fresh database (migrations, demo data, `seed-demo --scale N`), creates
agents and team members with API tokens and feed URLs, starts gunicorn with
gunicorn.conf.py, runs bench/locustfile.py and prints a Markdown table per
request kind (count, failures, p50, p95, throughput) with the totals. Exits
non-zero when any request failed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import flask, prepare_database, server_env, wait_until_up  # noqa: E402
from tests.live import free_port  # noqa: E402


def create_people(env: dict, agents: int, team: int) -> dict:
    """Accounts, API tokens and personal feed URLs, plus the ids the journeys use."""
    os.environ.update(env)
    from sqlalchemy import select

    from labapp import create_app
    from labapp.auth.models import User
    from labapp.auth.tokens import create_api_token
    from labapp.bookings.models import Space
    from labapp.calendar.services import feed_token, feed_urls
    from labapp.db_types import utcnow
    from labapp.extensions import db
    from labapp.trainings.models import Session

    app = create_app()
    people: dict = {"agents": [], "team": []}
    with app.app_context():
        for kind, count, role in (("agents", agents, "agent"), ("team", team, "team")):
            for n in range(count):
                user = User(email=f"charge-{role}-{n}@interieur.gouv.fr", name=f"Charge {n}",
                            role=role)
                db.session.add(user)
                db.session.flush()
                _, secret = create_api_token(user, "Test de charge")
                url = feed_urls(feed_token(user))["https"]
                people[kind].append({"token": secret, "feed": "/" + url.split("/", 3)[3]})
        people["sessions"] = db.session.scalars(
            select(Session.id).where(Session.status == "scheduled", Session.start_at > utcnow())
            .order_by(Session.start_at).limit(40)).all()
        people["spaces"] = db.session.scalars(select(Space.id).order_by(Space.id).limit(4)).all()
        db.session.commit()
    return people


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", default="2m")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="labapp-load-"))
    url = prepare_database(args.engine, args.database_url, workdir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(url, workdir, port, GUNICORN_BIND=f"127.0.0.1:{port}",
                     GUNICORN_ACCESSLOG=str(workdir / "access.log"), LOG_LEVEL="WARNING")
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    if args.scale:
        flask(env, "seed-demo", "--scale", str(args.scale))
    people = create_people(env, agents=40, team=5)
    users_file = workdir / "users.json"
    users_file.write_text(json.dumps(people), encoding="utf-8")

    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=open(workdir / "server.log", "w"))
    try:
        wait_until_up(base)
        done = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
             "--headless", "-u", str(args.users), "-r", "10", "-t", args.duration,
             "--host", base, "--csv", str(workdir / "load"), "--only-summary"],
            cwd=ROOT, env={**env, "LOAD_USERS_FILE": str(users_file)},
            capture_output=True, text=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    stats = list(csv.DictReader(open(workdir / "load_stats.csv", encoding="utf-8")))
    workers = os.environ.get("GUNICORN_WORKERS", "2 × cœurs + 1")
    print(f"| {args.engine}, scale {args.scale}, {args.users} utilisateurs, {args.duration}, "
          f"gunicorn {workers} workers | requêtes | échecs | p50 (ms) | p95 (ms) | req/s |")
    print("|---|---|---|---|---|---|")
    for row in stats:
        print(f"| {row['Type']} {row['Name']} | {row['Request Count']} | {row['Failure Count']} "
              f"| {row['50%']} | {row['95%']} | {float(row['Requests/s']):.1f} |")
    server_errors = (workdir / "server.log").read_text(errors="replace").count("Traceback")
    print(f"\nTracebacks in the server log: {server_errors}")
    failures = sum(int(row["Failure Count"]) for row in stats if row["Name"] == "Aggregated")
    if failures or server_errors:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
