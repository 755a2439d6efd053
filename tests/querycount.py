"""Count SQL statements, to assert constant query budgets per page and endpoint."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from labapp.extensions import db


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_queries():
    """with count_queries() as counter: ...; counter.count (BEGIN/COMMIT excluded)."""
    counter = QueryCounter()
    engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                      "RELEASE")):
            counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)
