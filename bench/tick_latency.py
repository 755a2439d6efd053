"""How long API requests wait while `flask tick` works (issue 15: at most about 200 ms).

    .venv/bin/python bench/tick_latency.py --engine sqlite --invitations 400
    .venv/bin/python bench/tick_latency.py --engine postgres \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_tick

Builds a fresh database (migrations, demo data, then one tick to send what the demo
has due), adds `--invitations` confirmed public registrations (spread over sessions
of 50 seats: the next tick builds one calendar invitation and delivers one
confirmation e-mail each), starts gunicorn (2 workers x 4 threads), then runs two
client threads on loopback: a reader (GET /healthz and GET /api/v1/sessions in
turn) and a writer (an agent registers for a session, then cancels: POST then
DELETE), each pausing `--pause-ms` after each request (so that the clients do not
take the CPU the tick needs on a small machine). First without a tick (`--idle`
rounds each), then while `flask tick` runs in a subprocess, until it exits. Prints
p50/p95/max per request kind for both phases, the tick's duration and what it did.
Bounded: every loop stops after a fixed count or when the tick ends (at most
`--max-seconds`). Requests slower than 200 ms during the tick are listed with their
time inside the app (Server-Timing).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import flask, prepare_database, server_env, wait_until_up  # noqa: E402
from tests.live import free_port, http  # noqa: E402

SEATS = 50


def prepare(env: dict, invitations: int) -> dict:
    """The agent's token, the session it registers for, and the invitations due."""
    os.environ.update(env)
    from labapp import create_app
    from labapp.auth.models import User
    from labapp.auth.tokens import create_api_token
    from labapp.db_types import utcnow
    from labapp.extensions import db
    from labapp.trainings.registrations import register
    from labapp.trainings.services import create_session

    app = create_app()
    with app.app_context():
        team = User(email="bench-tick-team@interieur.gouv.fr", name="Équipe banc", role="team")
        agent = User(email="bench-tick-agent@interieur.gouv.fr", name="Agent banc", role="agent")
        db.session.add_all([team, agent])
        db.session.flush()
        _, token = create_api_token(agent, "banc tick")
        start = utcnow().replace(second=0, microsecond=0) + timedelta(days=10)

        def session(n: int, capacity: int):
            begins = start + timedelta(days=n)
            return create_session(team, title=f"Atelier banc {n}", kind="formation",
                                  start_at=begins, end_at=begins + timedelta(hours=2),
                                  capacity=capacity, location="online",
                                  video_link="https://visio.example.org/banc")

        target = session(0, 1000)
        db.session.commit()
        sessions = [session(n + 1, SEATS) for n in range((invitations + SEATS - 1) // SEATS)]
        db.session.commit()
        for n in range(invitations):
            register(None, sessions[n // SEATS].id, name=f"Personne {n}",
                     email=f"personne.banc{n}@example.org", consent=True)
            if n % SEATS == SEATS - 1:
                db.session.commit()
        db.session.commit()
        return {"token": token, "session_id": target.id}


class Client:
    """The reader and writer threads; each sample is (kind, started, milliseconds, status)."""

    def __init__(self, base: str, token: str, session_id: int, pause_ms: int):
        self.base, self.token, self.session_id = base, token, session_id
        self.pause = pause_ms / 1000
        self.samples: list[tuple[str, float, float, int]] = []
        self.app_ms: dict[int, float] = {}  # sample index -> the app's own time (Server-Timing)
        self.lock = threading.Lock()

    def _timed(self, kind: str, method: str, path: str, body=None):
        started = time.monotonic()
        try:
            result = http(method, self.base + path, body, token=self.token, timeout=120)
            status = result.status
        except OSError:
            result, status = None, 599
        elapsed = (time.monotonic() - started) * 1000
        timing = re.search(r"app;dur=([\d.]+)", (result.headers.get("Server-Timing", "")
                                                  if result is not None else ""))
        with self.lock:
            if timing:
                self.app_ms[len(self.samples)] = float(timing.group(1))
            self.samples.append((kind, started, elapsed, status))
        return result

    def read(self, rounds: int, stop: threading.Event) -> None:
        for _ in range(rounds):
            if stop.is_set():
                return
            self._timed("GET /healthz", "GET", "/healthz")
            time.sleep(self.pause)
            self._timed("GET /api/v1/sessions", "GET", "/api/v1/sessions?limit=20")
            time.sleep(self.pause)

    def write(self, rounds: int, stop: threading.Event) -> None:
        for _ in range(rounds):
            if stop.is_set():
                return
            created = self._timed("POST inscription", "POST",
                                  f"/api/v1/sessions/{self.session_id}/registrations", {})
            time.sleep(self.pause)
            if created is not None and created.status == 201:
                self._timed("DELETE inscription", "DELETE",
                            f"/api/v1/registrations/{created.json()['id']}")
                time.sleep(self.pause)

    def run(self, rounds: int, stop: threading.Event) -> None:
        threads = [threading.Thread(target=self.read, args=(rounds, stop)),
                   threading.Thread(target=self.write, args=(rounds, stop))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def summary(samples, since: float, until: float) -> dict[str, dict]:
    by_kind: dict[str, list] = {}
    for kind, started, elapsed, status in samples:
        if since <= started <= until:
            by_kind.setdefault(kind, []).append((elapsed, status))
    rows = {}
    for kind, values in sorted(by_kind.items()):
        times = sorted(v for v, _ in values)
        rows[kind] = {"n": len(times), "p50": statistics.median(times),
                      "p95": times[int(0.95 * (len(times) - 1))], "max": times[-1],
                      "errors": sum(1 for _, s in values if s >= 500)}
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--invitations", type=int, default=400)
    parser.add_argument("--idle", type=int, default=150, help="rounds of each client without a tick")
    parser.add_argument("--max-seconds", type=int, default=600)
    parser.add_argument("--pause-ms", type=int, default=50,
                        help="each client thread's pause after each request")
    parser.add_argument("--trace", action="store_true",
                        help="also list the tick's longest transactions (bench/tick_trace.py)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="labapp-tick-"))
    url = prepare_database(args.engine, args.database_url, workdir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = server_env(url, workdir, port, LOG_LEVEL="WARNING", SERVER_TIMING="1")
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "tick"], cwd=ROOT, env=env,
                   capture_output=True, text=True)
    print(f"<!-- first tick (the demo's backlog): {time.monotonic() - started:.1f} s -->")
    people = prepare(env, args.invitations)

    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind",
         f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=open(workdir / "server.log", "w"))
    try:
        wait_until_up(base)
        client = Client(base, people["token"], people["session_id"], args.pause_ms)
        client.run(5, threading.Event())  # warm-up, not counted
        client.samples.clear()
        idle_start = time.monotonic()
        client.run(args.idle, threading.Event())
        idle = summary(client.samples, idle_start, time.monotonic())

        stop = threading.Event()
        load = threading.Thread(target=client.run, args=(1_000_000, stop))
        load.start()
        time.sleep(0.5)
        tick_start = time.monotonic()
        command = ([sys.executable, str(ROOT / "bench" / "tick_trace.py")] if args.trace
                   else [sys.executable, "-m", "flask", "--app", "wsgi", "tick"])
        tick = subprocess.Popen(command,
                                cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            out, err = tick.communicate(timeout=args.max_seconds)
        finally:
            tick_end = time.monotonic()
            stop.set()
            load.join()
            if tick.poll() is None:
                tick.kill()
        during = summary(client.samples, tick_start, tick_end)
    finally:
        server.terminate()
        server.wait(10)

    print(f"{args.engine}: {args.invitations} invitations dues ; `flask tick` "
          f"{tick_end - tick_start:.1f} s (code {tick.returncode}, démarrage de Python compris)")
    print("\n".join(f"<!-- {line} -->" for line in (err or "").strip().splitlines()[-26:]))
    slow = sorted((started - tick_start, kind, elapsed, client.app_ms.get(index, -1))
                  for index, (kind, started, elapsed, _) in enumerate(client.samples)
                  if elapsed > 200 and tick_start <= started <= tick_end)
    for offset, kind, elapsed, app_ms in slow:
        print(f"<!-- over 200 ms: {kind} at t+{offset:.2f} s of the tick: {elapsed:.0f} ms "
              f"(in the app: {app_ms:.0f} ms) -->")
    print()
    print(f"| {args.engine} | phase | requêtes | p50 (ms) | p95 (ms) | max (ms) | 5xx |")
    print("|---|---|---|---|---|---|---|")
    for phase, rows in (("sans tick", idle), ("pendant le tick", during)):
        for kind, r in rows.items():
            print(f"| {kind} | {phase} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} "
                  f"| {r['max']:.1f} | {r['errors']} |")


if __name__ == "__main__":
    main()
