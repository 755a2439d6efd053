"""Server-side latency of the main pages, API endpoints and feeds at scale.

    .venv/bin/python bench/run.py --engine sqlite --scale 10
    .venv/bin/python bench/run.py --engine postgres --scale 10 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Builds a fresh database (migrations, demo data, `seed-demo --scale N`), starts
gunicorn with SERVER_TIMING=1, then requests each URL sequentially and reads the
app's own time and SQL statement count from the `Server-Timing` header. Every
figure is reported next to the floor (`/healthz` on the same server) as a ratio.
Peak memory is the largest VmHWM of the gunicorn processes. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import free_port, http  # noqa: E402

PASSWORD = "bench password long"
PAGES = [  # (label, endpoint, role)
    ("Accueil", "main.index", None),
    ("Agenda public", "trainings.agenda", None),
    ("Calendrier des réservations", "bookings.calendar", "team"),
    ("Mes réservations", "bookings.mine", "agent"),
    ("Demandes à traiter", "bookings.pending", "team"),
    ("Sessions (équipe)", "trainings.sessions", "team"),
    ("Projets (équipe)", "projects.index", "team"),
    ("Mes projets", "projects.mine", "agent"),
    ("Tableau de bord des indicateurs", "indicators.dashboard", "team"),
]


def flask(env, *args) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return done.stdout


def prepare_database(engine: str, database_url: str | None, workdir: Path) -> str:
    """The URL of an empty database: a new SQLite file, or a PostgreSQL database
    dropped and created again."""
    if engine == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    url = database_url or "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
    admin = url.rsplit("/", 1)[0].replace("+psycopg", "") + "/postgres"
    name = url.rsplit("/", 1)[1]
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                   check=True)
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    return url


def server_env(url: str, workdir: Path, port: int, **extra: str) -> dict:
    """The environment of a measured server (and of its `flask` commands) on `url`."""
    return {**os.environ, "DATABASE_URL": url, "MAIL_BACKEND": "file",
            "MAIL_FILE_DIR": str(workdir / "mail"), "BASE_URL": f"http://127.0.0.1:{port}",
            "RATELIMIT_ENABLED": "0", "SECRET_KEY": "bench", **extra}


def wait_until_up(base: str) -> None:
    """Until the server at `base` answers /healthz (20 s at most)."""
    for _ in range(100):
        try:
            if http("GET", base + "/healthz", timeout=2).status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server at {base} did not start")


def timing(headers) -> tuple[float, int]:
    value = headers.get("Server-Timing", "")
    app = float(re.search(r"app;dur=([\d.]+)", value).group(1))
    sql = int(float(re.search(r'sql;desc="statements";dur=([\d.]+)', value).group(1)))
    return app, sql


def login(base: str, email: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    html = opener.open(base + "/compte/connexion").read().decode()
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"csrf_token": csrf, "email": email, "password": PASSWORD})
    opener.open(urllib.request.Request(base + "/compte/connexion", data=data.encode()))
    return opener


def measure(fetch, count: int) -> dict:
    for _ in range(3):
        fetch()
    apps, sqls = [], set()
    for _ in range(count):
        status, headers = fetch()
        if status >= 500:
            raise SystemExit(f"server error {status}")
        app, sql = timing(headers)
        apps.append(app)
        sqls.add(sql)
    apps.sort()
    return {"p50": statistics.median(apps), "p95": apps[int(0.95 * (len(apps) - 1))],
            "sql": max(sqls), "status": status}


def peak_memory_kib(pid: int) -> int:
    pids = [pid] + [int(p) for p in subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]
    peak = 0
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+)", status)
        peak = max(peak, int(match.group(1)) if match else 0)
    return peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="labapp-bench-"))
    url = prepare_database(args.engine, args.database_url, workdir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(url, workdir, port, SERVER_TIMING="1")
    started = time.monotonic()
    flask(env, "db", "upgrade")
    flask(env, "seed-demo", "--scale", str(args.scale))
    print(f"<!-- data generated in {time.monotonic() - started:.0f} s -->")
    for email, role in (("bench-team@interieur.gouv.fr", "team"),
                        ("bench-agent@interieur.gouv.fr", "agent")):
        flask(env, "users", "create", email, "--role", role, "--password", PASSWORD)
    team_token = flask(env, "tokens", "create", "bench-team@interieur.gouv.fr").strip()

    sys.path.insert(0, str(ROOT))
    os.environ.update(env)
    from labapp import create_app

    app = create_app()
    with app.test_request_context():
        from flask import url_for
        pages = [(label, url_for(endpoint), role) for label, endpoint, role in PAGES
                 if endpoint in app.view_functions]

    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind",
         f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(base)
        openers = {"team": login(base, "bench-team@interieur.gouv.fr"),
                   "agent": login(base, "bench-agent@interieur.gouv.fr"),
                   None: urllib.request.build_opener()}

        def page(path, role):
            def fetch():
                with openers[role].open(base + path) as response:
                    response.read()
                    return response.status, response.headers
            return fetch

        def api(path, headers=None):
            def fetch():
                result = http("GET", base + "/api/v1" + path, token=team_token, headers=headers)
                return result.status, result.headers
            return fetch

        year = time.localtime().tm_year
        feed_url = http("GET", base + "/api/v1/me/calendar", token=team_token).json()["https"]
        feed = http("GET", feed_url)
        etag = feed.headers.get("ETag", "")
        rows = [("Plancher : /healthz", page("/healthz", None))]
        rows += [(f"Page : {label}", page(path, role)) for label, path, role in pages]
        rows += [
            ("API : GET /spaces", api("/spaces")),
            ("API : GET /bookings (un mois)", api(f"/bookings?from={year}-03-01&to={year}-04-01")),
            ("API : GET /sessions (un an)", api(f"/sessions?from={year}-01-01&to={year + 1}-01-01")),
            ("API : GET /projects?year", api(f"/projects?year={year}")),
            ("API : GET /bookings (un mois, 100 par page)",
             api(f"/bookings?from={year}-03-01&to={year}-04-01&limit=100")),
            ("API : GET /sessions (un an, 100 par page)",
             api(f"/sessions?from={year}-01-01&to={year + 1}-01-01&limit=100")),
            ("API : GET /projects?year (100 par page)", api(f"/projects?year={year}&limit=100")),
            ("API : GET /indicators?year", api(f"/indicators?year={year}")),
            ("Flux : /agenda.ics", page("/agenda.ics", None)),
            ("Flux : personnel (200)", lambda: (lambda r: (r.status, r.headers))(
                http("GET", feed_url))),
            ("Flux : personnel (304)", lambda: (lambda r: (r.status, r.headers))(
                http("GET", feed_url, headers={"If-None-Match": etag}))),
        ]
        results = [(label, measure(fetch, args.requests)) for label, fetch in rows]
        floor = results[0][1]["p50"]
        print(f"| {args.engine}, scale {args.scale} | status | p50 (ms) | p95 (ms) "
              "| p50 / plancher | requêtes SQL |")
        print("|---|---|---|---|---|---|")
        for label, r in results:
            print(f"| {label} | {r['status']} | {r['p50']:.1f} | {r['p95']:.1f} "
                  f"| {r['p50'] / floor:.1f} | {r['sql']} |")
        print(f"\nMémoire maximale d'un processus gunicorn : {peak_memory_kib(server.pid) // 1024} Mio")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
