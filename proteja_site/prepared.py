"""Statements that PostgreSQL plans once per connection (server-side prepared), for the hot small ones.

Django sends every query with its parameters inlined (psycopg's client-side binding), so PostgreSQL plans
each one anew. For a statement run again and again with other values and a plan that does not depend on
them (Annex 2 for one shelter-month after each write: planning its sixty aggregates under row-level
security costs as much as running them), `fetch_prepared` sends it with its parameters apart, prepared:
the connection keeps the plan, and the next run only executes it. It goes through Django's cursor wrapper
like any query (execute wrappers) and is logged where queries are (DEBUG, counting in tests). SQLite, and
anything that is not PostgreSQL, runs the statement as usual.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper


def fetch_prepared(connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> list[tuple]:
    """The rows of `sql`, prepared on the server (PostgreSQL) on its first run on this connection."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    import psycopg

    class PreparedCursor(psycopg.Cursor):
        # Server-side binding (psycopg.Cursor, not Django's ClientCursor), prepared at once rather than after
        # psycopg's usual five runs: the first run of a recompute is as cheap as the next.
        def execute(self, query, params=None, *, prepare=None, binary=None):  # type: ignore[no-untyped-def]
            return super().execute(query, params, prepare=True, binary=binary)

    connection.ensure_connection()
    started = time.monotonic()
    try:
        with connection.make_cursor(PreparedCursor(connection.connection)) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        if connection.queries_logged:
            # As Django's debug cursor logs a query (which cannot read a prepared one's text back from psycopg).
            connection.queries_log.append(
                {"sql": connection.ops.compose_sql(sql, params), "time": f"{time.monotonic() - started:.3f}"}
            )
