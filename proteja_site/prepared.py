"""Statements that PostgreSQL plans once per connection (server-side prepared), for the hot small ones.

Django sends every query with its parameters inlined (psycopg's client-side binding), so PostgreSQL plans
each one anew. For a statement run again and again with other values and a plan that does not depend on
them (Annex 2 for one shelter-month after each write: planning its sixty aggregates under row-level
security costs as much as running them), `fetch_prepared` sends it with its parameters apart, prepared:
the connection keeps the plan, and the next run only executes it. Its text must hold no value that
changes from run to run (each text is a statement of its own). It goes through Django's cursor wrapper
like any query (execute wrappers, database errors) and is logged where queries are (DEBUG, counting in
tests). With prepared statements off (`DATABASE_PREPARED_STATEMENTS=false`), SQLite, or anything that is
not PostgreSQL, the statement runs as usual.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import psycopg
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger("django.db.backends")


class PreparedCursor(psycopg.Cursor):
    # Server-side binding (psycopg.Cursor, not Django's ClientCursor), prepared at once rather than after
    # psycopg's usual five runs: the first run of a recompute is as cheap as the next.
    def execute(self, query, params=None, *, prepare=None, binary=None):  # type: ignore[no-untyped-def]
        return super().execute(query, params, prepare=True, binary=binary)


def prepares(connection: BaseDatabaseWrapper) -> bool:
    """Whether `fetch_prepared` prepares on this connection (PostgreSQL, prepared statements on)."""
    options = connection.settings_dict.get("OPTIONS") or {}
    return connection.vendor == "postgresql" and options.get("prepare_threshold") is not None


def fetch_prepared(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> list[tuple]:
    """The rows of `sql`, prepared on the server (PostgreSQL) on its first run on this connection."""
    if not prepares(connection):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    # What connection.cursor() does before it makes a cursor.
    connection.validate_thread_sharing()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    started = time.monotonic()
    try:
        with connection.make_cursor(PreparedCursor(connection.connection)) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        if connection.queries_logged:
            _log(connection, sql, params, time.monotonic() - started)


def fetch_prepared_together(
    connection: BaseDatabaseWrapper, statements: Sequence[tuple[str, Sequence[Any]]]
) -> list[list[tuple]]:
    """The rows of each statement, prepared as `fetch_prepared` prepares them, all sent at once.

    In psycopg's pipeline mode the statements go to the server together and their rows come back together:
    one round trip for all, where each took its own (a third of a millisecond each on the 2-core server).
    The server still runs them one after another, in order (under READ COMMITTED, each on a snapshot of
    its own). An error in any of them is raised as Django's database error, as from `fetch_prepared`.
    Without prepared statements, or for a single statement, each runs as `fetch_prepared` runs it.
    """
    if not prepares(connection) or len(statements) < 2 or not psycopg.Pipeline.is_supported():
        return [fetch_prepared(connection, sql, params) for sql, params in statements]
    connection.validate_thread_sharing()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    started = time.monotonic()
    try:
        with connection.wrap_database_errors:
            cursors = [connection.make_cursor(PreparedCursor(connection.connection)) for _statement in statements]
            try:
                with connection.connection.pipeline():
                    for cursor, (sql, params) in zip(cursors, statements, strict=True):
                        cursor.execute(sql, params)
                # The pipeline has ended: every statement's rows have come back.
                return [cursor.fetchall() for cursor in cursors]
            finally:
                for cursor in cursors:
                    cursor.close()
    finally:
        if connection.queries_logged:
            duration = (time.monotonic() - started) / len(statements)
            for sql, params in statements:
                _log(connection, sql, params, duration)


def _log(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any], duration: float) -> None:
    """As Django's debug cursor logs a query (it cannot read a prepared one's text back from psycopg)."""
    try:
        text = connection.ops.compose_sql(sql, params)
    except Exception:  # noqa: BLE001 - the log line must never hide the statement's own outcome
        text = sql
    connection.queries_log.append({"sql": text, "time": f"{duration:.3f}"})
    logger.debug(
        "(%.3f) %s; args=%s; alias=%s",
        duration,
        text,
        params,
        connection.alias,
        extra={"duration": duration, "sql": text, "params": params, "alias": connection.alias},
    )
