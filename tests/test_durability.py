"""Durability: the server is killed (SIGKILL, master and workers) in the middle of a
burst of writes; once restarted, every write it acknowledged is there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPException

from tests.live import free_port, http

WRITERS = 8


def _start(env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind",
         f"127.0.0.1:{port}", "wsgi:app"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if http("GET", f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("server did not start")


def test_every_acknowledged_write_survives_a_kill(app, create_user, cli_token, subprocess_env):
    from labapp.extensions import db

    token = cli_token(create_user("agent"))
    db.session.remove()
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    acknowledged: list[tuple[int, str]] = []
    server = _start(subprocess_env, port)

    def write(n: int) -> None:
        title = f"Projet d'endurance n°{n}"
        try:
            response = http("POST", base + "/projects", token=token, timeout=10, body={
                "title": title, "description": "Écrit pendant l'arrêt brutal du serveur.",
                "direction": "DNUM", "territory": "national"})
        except (OSError, HTTPException):  # the server died under this request
            return  # (no answer, or an answer cut short): not acknowledged
        if response.status == 201:
            acknowledged.append((response.json()["id"], title))

    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            futures = [pool.submit(write, n) for n in range(300)]
            deadline = time.monotonic() + 120
            while len(acknowledged) < 30 and time.monotonic() < deadline:
                time.sleep(0.01)
            os.killpg(server.pid, signal.SIGKILL)  # mid-burst: requests are in flight
            server.wait(10)
            for future in futures:
                future.result()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    assert 30 <= len(acknowledged) < 300, len(acknowledged)

    server = _start(subprocess_env, port)
    try:
        for project_id, title in acknowledged:
            response = http("GET", f"{base}/projects/{project_id}", token=token)
            assert response.status == 200, (project_id, response.status)
            assert response.json()["title"] == title
        assert http("GET", f"http://127.0.0.1:{port}/healthz").status == 200
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)
