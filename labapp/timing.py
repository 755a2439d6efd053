"""Optional `Server-Timing` header (SERVER_TIMING=1): the app's own time per request
and the number of SQL statements it ran, for benchmarks read from outside."""

from __future__ import annotations

import time

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

_LISTENING = False


def _count_statement(conn, cursor, statement, parameters, context, executemany):
    if has_request_context() and "request_started" in g and not statement.lstrip().upper(
    ).startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
        g.sql_statements = g.get("sql_statements", 0) + 1


def install_server_timing(app: Flask) -> None:
    global _LISTENING
    if not app.config.get("SERVER_TIMING"):
        return
    if not _LISTENING:
        event.listen(Engine, "before_cursor_execute", _count_statement)
        _LISTENING = True

    @app.before_request
    def _start():
        g.request_started = time.perf_counter()

    @app.after_request
    def _header(response):
        started = g.get("request_started")
        if started is not None:
            elapsed = (time.perf_counter() - started) * 1000
            response.headers["Server-Timing"] = (
                f'app;dur={elapsed:.2f}, sql;desc="statements";dur={g.get("sql_statements", 0)}')
        return response
