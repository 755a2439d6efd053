"""Query plans of the slowest statements behind the main pages, on a database
already filled by `seed-demo --scale N` (see bench/README.md).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/explain.py --email team@example.org --password '...' [--top 6]

Requests each page once with the computed-figures cache emptied (so the
indicators are computed), times every SQL statement, and prints the plan
(PostgreSQL: EXPLAIN ANALYZE; SQLite: EXPLAIN QUERY PLAN) of the slowest ones.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["/agenda", "/reservations/", "/reservations/demandes", "/equipe/sessions", "/projets/",
         "/indicateurs/", "/api/v1/bookings?from={year}-03-01&to={year}-04-01",
         "/api/v1/sessions?from={year}-01-01&to={year_next}-01-01"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--top", type=int, default=6)
    args = parser.parse_args()

    from sqlalchemy import event

    from labapp import create_app
    from labapp.cache import CachedFigure
    from labapp.extensions import db

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    timings: list[tuple[float, str, str, object]] = []
    page_now = ["(connexion)"]
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):
            conn.info["started"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("SELECT"):
                timings.append((time.perf_counter() - conn.info["started"], page_now[0],
                                statement, parameters))

        db.session.execute(CachedFigure.__table__.delete())
        db.session.commit()
        client = app.test_client()
        client.post("/compte/connexion", data={"email": args.email, "password": args.password})
        year = time.localtime().tm_year
        token = None
        for page in PAGES:
            path = page.format(year=year, year_next=year + 1)
            page_now[0] = path
            headers = {}
            if path.startswith("/api/"):
                if token is None:
                    from labapp.auth.services import find_user_by_email
                    from labapp.auth.tokens import create_api_token

                    _, token = create_api_token(find_user_by_email(args.email), "explain")
                    db.session.commit()
                headers = {"Authorization": f"Bearer {token}"}
            status = client.get(path, headers=headers).status_code
            print(f"<!-- {path}: {status} -->")
        timings.sort(key=lambda row: row[0], reverse=True)
        event.remove(engine, "before_cursor_execute", _before)
        event.remove(engine, "after_cursor_execute", _after)
        postgres = engine.dialect.name == "postgresql"
        for elapsed, path, statement, parameters in timings[: args.top]:
            shown = " ".join(statement.split())[:600]
            print(f"\n### {path} — {elapsed * 1000:.1f} ms\n\n```sql\n{shown}\n```\n")
            prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if postgres else "EXPLAIN QUERY PLAN "
            with engine.connect() as conn:
                rows = conn.exec_driver_sql(prefix + statement, parameters).all()
            print("```\n" + "\n".join(" | ".join(str(v) for v in row) for row in rows) + "\n```")
        db.session.rollback()


if __name__ == "__main__":
    main()
