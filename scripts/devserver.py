"""`make run`: the development server and, beside it, `flask tick` every minute.

Starts `flask --app wsgi run` on 127.0.0.1:$PORT (5000 by default) and runs
`flask --app wsgi tick` once at start, then every TICK_INTERVAL_SECONDS (60 by
default), one at a time: a tick that fails is reported in one line and the next one
runs as planned. When the server exits, or on Ctrl-C or SIGTERM, the running tick
and the server are stopped before the launcher exits: nothing is left behind (on
Linux the children are also told to stop if the launcher itself is killed).

Development only: in production the WSGI server and cron (or a systemd timer) do this.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.2
STOP_GRACE_SECONDS = 5.0


def log(message: str) -> None:
    print(f"[make run {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    """Linux: the child gets SIGTERM if the launcher dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def flask(*args: str, **kwargs) -> subprocess.Popen:
    preexec = _die_with_parent if sys.platform.startswith("linux") else None
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                            cwd=ROOT, preexec_fn=preexec, **kwargs)


def stop(process: subprocess.Popen | None) -> None:
    """SIGTERM, then SIGKILL after a grace period; always reaped."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def shielded():
    """Ctrl-C and SIGTERM ignored meanwhile (their handlers restored afterwards)."""
    names = [name for name in ("SIGINT", "SIGTERM") if hasattr(signal, name)]
    previous = {name: signal.signal(getattr(signal, name), signal.SIG_IGN) for name in names}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)


def report_tick(process: subprocess.Popen, output_file) -> None:
    """One line for a tick that sent mail or failed; silence otherwise."""
    output_file.seek(0)
    output = output_file.read().decode("utf-8", "replace")
    output_file.close()
    lines = [line for line in output.splitlines() if line.strip()]
    if process.returncode != 0:
        log(f"tick en échec (code {process.returncode}), le suivant passera quand même :")
        for line in lines[-10:]:
            print("    " + line, file=sys.stderr, flush=True)
        return
    for line in lines:
        if line.startswith("courriels") and any(ch in "123456789" for ch in line):
            log("tick : " + line)


def run(port: str, interval: float) -> int:
    log(f"serveur sur http://127.0.0.1:{port}, tick toutes les {interval:g} s (Ctrl-C pour arrêter)")
    server = flask("run", "--host", "127.0.0.1", "--port", port)
    tick: subprocess.Popen | None = None
    tick_output = None
    next_tick = time.monotonic()
    try:
        while server.poll() is None:
            if tick is not None and tick.poll() is not None:
                report_tick(tick, tick_output)
                tick = None
            if tick is None and time.monotonic() >= next_tick:
                next_tick = time.monotonic() + interval
                # A file, not a pipe: a long traceback never blocks the tick.
                tick_output = tempfile.TemporaryFile()
                tick = flask("tick", stdout=tick_output, stderr=subprocess.STDOUT)
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        pass
    finally:
        with shielded():  # a second Ctrl-C must not cut the clean-up short
            stop(tick)
            stop(server)
            if tick_output is not None:
                tick_output.close()
    return 0 if server.returncode in (0, -signal.SIGINT, -signal.SIGTERM) else server.returncode


def main() -> int:
    port = os.environ.get("PORT") or "5000"
    os.environ["PORT"] = port  # the default BASE_URL of the server and of the ticks
    interval = float(os.environ.get("TICK_INTERVAL_SECONDS") or 60)

    def terminate(signum, frame):
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):  # SIGHUP: the terminal closed (absent on Windows)
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), terminate)
    return run(port, interval)


if __name__ == "__main__":
    sys.exit(main())
