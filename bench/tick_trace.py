"""`flask tick` that reports, on exit, its writing transactions that lasted longest (on
SQLite, how long each held the write lock; deferred reads are left out) with the job
that ran them and their first and last statements: `bench/tick_latency.py --trace`
runs the tick through it.

    cd <repo> && DATABASE_URL=... .venv/bin/python bench/tick_trace.py
"""
import atexit
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

held = []


def job_name():
    try:
        from labapp.tick import _CURRENT
        outcome = _CURRENT.get()
        return outcome.name if outcome else "-"
    except Exception:
        return "?"


@event.listens_for(Engine, "begin")
def _b(conn):
    conn.info["t0"] = time.monotonic()
    conn.info["first"] = None
    conn.info["n"] = 0


@event.listens_for(Engine, "before_cursor_execute")
def _s(conn, cursor, statement, *a):
    if conn.info.get("first") is None:
        conn.info["first"] = " ".join(statement.split())[:90]
    conn.info["n"] = conn.info.get("n", 0) + 1
    conn.info["last"] = " ".join(statement.split())[:90]


def _end(conn):
    from labapp.extensions import DEFERRED

    if "t0" in conn.info and not conn.info.get(DEFERRED):  # deferred reads hold no lock
        held.append((time.monotonic() - conn.info.pop("t0"), job_name(), conn.info.get("n"),
                     conn.info.get("first"), conn.info.get("last")))


event.listen(Engine, "commit", _end)
event.listen(Engine, "rollback", _end)


@atexit.register
def _report():
    held.sort(reverse=True)
    print(f"TRACE {len(held)} writing transactions, total {sum(h[0] for h in held):.2f} s",
          file=sys.stderr)
    for d, job, n, first, last in held[:12]:
        print(f"TRACE {d * 1000:8.0f} ms job={job} statements={n} first={first!r} last={last!r}",
              file=sys.stderr)


from flask.cli import main  # noqa: E402

sys.argv = ["flask", "--app", "wsgi", "tick"]
main()
