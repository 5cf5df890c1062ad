"""The door's second half: which shelters' rows PostgreSQL lets through, set per transaction.

`shelters.selectors` decides in Python what a user may see; the row-level security policies of
migration 0005 decide it again in the database, from two settings that only this module writes:

- `proteja.shelter_ids`: the shelters whose case records (and audit entries) this transaction may
  read and write (the door: a request's user, an operator's command);
- `proteja.counted_shelter_ids`: the shelters whose case records it may read, never write, to count
  them (the aggregation path: Annex 2, drift, the distinct-people column).

Unset or empty means nothing: a query outside every scope sees no case record and changes none.
Both are `set_config(..., true)` (SET LOCAL), so they end with the transaction: a scope opens one
when none is open, and a scope nested in a longer transaction (a test's, a command's) gives the
previous values back when it ends, so what comes after sees what it would have seen without it.
Each connection remembers the values it set, so entering a scope that changes nothing costs nothing.

Counting across shelters (every shelter, or several) is refused inside a web request, and each such
scope is an audit entry: the nightly recompute, `aggregate_indicators` and `bench_indicators` take it;
a page or an API answer counts one shelter at most.
"""

from __future__ import annotations

import contextvars
from collections.abc import Collection, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from .models import SHELTER_ROLES

DOOR_SETTING = "proteja.shelter_ids"
COUNTING_SETTING = "proteja.counted_shelter_ids"
# A web request's statements run without parallel workers: on a server busy with requests, workers started
# for one request's count (PostgreSQL plans them for 100,000 rows) take the cores the other requests need,
# and the statement itself came out slower (the page count: 29-34 ms with workers, 21-28 ms without).
# Only the session door of a request sets it (`_write` with session=True), and its end gives the server's
# value back (RESET, in the statement that clears the door); Annex 2's batches (Celery, commands) never
# open a request's door, so they keep their parallel plans.
PARALLEL_SETTING = "max_parallel_workers_per_gather"

# Set by ShelterScopeMiddleware for the length of a web request (pages, admin, API).
_in_web_request: contextvars.ContextVar[bool] = contextvars.ContextVar("proteja_in_web_request", default=False)


class CrossShelterCountingRefused(RuntimeError):
    """Counting several shelters' case records was asked for inside a web request."""


@dataclass(frozen=True)
class _Values:
    door: str = ""
    counting: str = ""
    # Whose shelters `door` holds, when a user's: a request's door is set once per user.
    door_user_id: int | None = None


_NOTHING = _Values()

# SQL giving a setting's value: a literal, every shelter, or a user's memberships (in the same statement).
_Sql = tuple[str, tuple]
_EVERY_SHELTER: _Sql = ("coalesce((SELECT string_agg(id::text, ',' ORDER BY id) FROM shelters_shelter), '')", ())


def _literal(text: str) -> _Sql:
    return ("%s", (text,))


def _memberships(user_id: int) -> _Sql:
    return (
        "coalesce((SELECT string_agg(shelter_id::text, ',' ORDER BY shelter_id)"
        " FROM shelters_membership WHERE user_id = %s), '')",
        (user_id,),
    )


def _has_row_security(connection) -> bool:  # noqa: ANN001
    # The engine rather than `vendor`, which the tests of the demo's SQLite paths patch on a PostgreSQL connection.
    return connection.settings_dict["ENGINE"] == "django.db.backends.postgresql"


def _values(connection) -> _Values:  # noqa: ANN001
    return getattr(connection, "proteja_scope_values", _NOTHING)


def _as_text(shelter_ids: Collection[int]) -> str:
    return ",".join(str(int(pk)) for pk in sorted(set(shelter_ids)))


def _write(
    connection,  # noqa: ANN001
    door: _Sql,
    counting: _Sql,
    door_user_id: int | None = None,
    *,
    session: bool = False,
) -> None:
    """The only statement that writes the settings: both, in one small query.

    Local to the transaction (SET LOCAL), unless `session`: a web request outside any transaction
    (`web_request_scope`), which clears them for the session when it ends, whatever happens.
    """
    local = "false" if session else "true"
    # A web request's statements run serial (PARALLEL_SETTING): set with its door, in the same statement.
    web_request = f", set_config('{PARALLEL_SETTING}', '0', false)" if session else ""
    if session:
        # Marked before the statement runs: whatever becomes of it, the request's end clears the session.
        connection.proteja_session_settings_written = True
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT set_config('{DOOR_SETTING}', {door[0]}, {local}),"
            f" set_config('{COUNTING_SETTING}', {counting[0]}, {local}){web_request}",
            [*door[1], *counting[1]],
        )
        door_value, counting_value, *_parallel = cursor.fetchone()
    connection.proteja_scope_values = _Values(door_value or "", counting_value or "", door_user_id)


def _write_values(connection, values: _Values, *, session: bool = False) -> None:  # noqa: ANN001
    _write(connection, _literal(values.door), _literal(values.counting), values.door_user_id, session=session)


@contextmanager
def _scope(door: _Sql | None, counting: _Sql | None, *, using: str, open_transaction: bool = True) -> Iterator[None]:
    """Run the block with these settings (None: as they are), then give the previous ones back."""
    connection = connections[using]
    if not _has_row_security(connection):
        # SQLite (the demo) has no row-level security: the Python door is the only wall there.
        yield
        return
    with ExitStack() as stack:
        outermost = not connection.in_atomic_block
        if outermost and not open_transaction:
            # Nothing to let through, and no transaction to hold it: outside one, nothing is let through.
            yield
            return
        if outermost:
            # SET LOCAL lasts as long as the transaction: without one it would end with its own statement.
            stack.enter_context(transaction.atomic(using=using))
        previous = _values(connection)
        keeps_door = door is None
        door = door or _literal(previous.door)
        counting = counting or _literal(previous.counting)
        literal = door[0] == counting[0] == "%s"
        if not (literal and (door[1][0], counting[1][0]) == (previous.door, previous.counting)):
            _write(connection, door, counting, previous.door_user_id if keeps_door else None)
        try:
            yield
        except BaseException:
            _give_back(connection, previous, outermost=outermost, quietly=True)
            raise
        _give_back(connection, previous, outermost=outermost, quietly=False)


def _give_back(connection, previous: _Values, *, outermost: bool, quietly: bool) -> None:  # noqa: ANN001
    if outermost or _values(connection) == previous or connection.needs_rollback or not connection.in_atomic_block:
        # The transaction this scope opened ends with it, and the settings with it; so does a failed one
        # (which runs no query more) or one that has already ended.
        connection.proteja_scope_values = previous
        return
    try:
        _write_values(connection, previous)
    except DatabaseError:
        connection.proteja_scope_values = previous
        if not quietly:
            raise


# In the counting setting, every shelter (those created while the count runs included).
EVERY_SHELTER_COUNTED = "*"

# In the door, 0 stands for the audit entries that name no shelter (account events of program staff and
# partners, refusals, failed sign-ins): only the operator's whole-trail reads hold it.
ENTRIES_WITHOUT_SHELTER = 0


def shelter_scope(
    shelter_ids: Collection[int], *, entries_without_shelter: bool = False, using: str = DEFAULT_DB_ALIAS
) -> contextmanager:
    """Read and write the case records of these shelters (an operator's command, a test's factories);
    `entries_without_shelter` also reads the trail's entries that name none."""
    ids = {*shelter_ids, *([ENTRIES_WITHOUT_SHELTER] if entries_without_shelter else [])}
    return _scope(_literal(_as_text(ids)), _literal(""), using=using)


def no_shelter_scope(*, using: str = DEFAULT_DB_ALIAS) -> contextmanager:
    """See and change no case record, whatever an enclosing scope allowed."""
    return _scope(_literal(""), _literal(""), using=using)


def every_shelter_scope(*, using: str = DEFAULT_DB_ALIAS) -> contextmanager:
    """The operator's command line (load_demo, seeds, imports): every shelter that exists when it starts."""
    return _scope(_EVERY_SHELTER, _literal(""), using=using)


@contextmanager
def web_request_scope(user, *, may_open_door: bool, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:  # noqa: ANN001
    """A web request: its (session) user's shelters, or none; `open_door_for` changes the user (API tokens).

    A request that starts outside a transaction (every request in production) holds its door in the
    database session, not in a transaction of its own: its writes are real transactions (not savepoints
    of one the length of the request) and its reads plain statements, as without the second wall. The
    session's settings are cleared when the request ends, whatever happened in it (`_end_session_door`):
    a connection kept for the next request (CONN_MAX_AGE) never carries this user's shelters to it, and
    one whose clearing fails is closed. The same statements switch parallel query off for the request
    and give it back (PARALLEL_SETTING). A request inside a longer transaction (a test's) sets them for
    that transaction and gives the previous ones back, as any nested scope.
    """
    token = _in_web_request.set(True)
    connection = connections[using]
    try:
        if _has_row_security(connection) and not connection.in_atomic_block:
            _end_session_door(connection)  # nothing can be left over; if it were, it goes before anything runs
            connection.proteja_session_door = True
            try:
                open_door_for(user, using=using)
                yield
            finally:
                _end_session_door(connection)
        else:
            with _scope(None, None, using=using, open_transaction=may_open_door or can_see_case_records(user)):
                open_door_for(user, using=using)
                yield
    finally:
        _in_web_request.reset(token)


def _end_session_door(connection) -> None:  # noqa: ANN001
    """Clear the settings a request wrote for its database session; close the connection if that fails."""
    connection.proteja_session_door = False
    if getattr(connection, "proteja_session_settings_written", False):
        try:
            if connection.in_atomic_block or connection.connection is None:
                # A transaction left open by the request (or a lost connection): nothing of it is kept.
                raise DatabaseError("the request's connection is not in a state to be cleared")
            with connection.cursor() as cursor:
                # One round trip: no parameters, so both statements go in one simple query.
                cursor.execute(
                    f"SELECT set_config('{DOOR_SETTING}', '', false), set_config('{COUNTING_SETTING}', '', false);"
                    f" RESET {PARALLEL_SETTING}"
                )
        except Exception:  # noqa: BLE001 - any failure: the session must not be reused
            connection.close()
        connection.proteja_session_settings_written = False
    connection.proteja_scope_values = _NOTHING


def open_door_for(user, *, using: str = DEFAULT_DB_ALIAS) -> None:  # noqa: ANN001
    """Inside a web request: let the database show `user`'s shelters (one query, once per user and request).

    Called by the middleware for the session's user, and by `selectors.case_shelter_ids` for the user the
    API authenticated inside its view (a token), which the middleware could not know. In a request that
    holds its door in the database session, a door first opened inside a transaction that then rolls back
    is closed again by PostgreSQL (the request sees nothing more: closed, never open to another).
    """
    connection = connections[using]
    if not _in_web_request.get() or not _has_row_security(connection):
        return
    session = getattr(connection, "proteja_session_door", False)
    if not session and not connection.in_atomic_block:
        return
    current = _values(connection)
    if not can_see_case_records(user):
        if current != _NOTHING:
            _write_values(connection, _NOTHING, session=session)
        return
    if current.door_user_id != user.pk:
        _write(connection, _memberships(user.pk), _literal(""), user.pk, session=session)


@contextmanager
def counting_scope(
    shelter_ids: Collection[int] | None, *, purpose: str, using: str = DEFAULT_DB_ALIAS
) -> Iterator[None]:
    """Read, never write, the case records of these shelters (None: every shelter) to count them.

    Across shelters, this is refused inside a web request and audited (`purpose` says which job);
    one shelter (its table's distinct column, a locked month's drift) a request may count.
    The door of the enclosing scope stays as it was.
    """
    across = shelter_ids is None or len(set(shelter_ids)) > 1
    if across and _in_web_request.get():
        raise CrossShelterCountingRefused(f"Counting across shelters ({purpose}) is not done in a web request.")
    # Every shelter is '*' (the policies test it once per statement, not a list of ids on each row).
    counting = _literal(EVERY_SHELTER_COUNTED if shelter_ids is None else _as_text(shelter_ids))
    with _scope(None, counting, using=using):
        if across:
            from .audit import audit_aggregation

            audit_aggregation(purpose=purpose, shelter_ids=shelter_ids)
        yield


def counts_now(shelter_ids: Collection[int] | None, *, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the connection's counting scope lets a count read these shelters' records (None: every
    shelter's), so that a count run now sees them rather than none. Always, without row-level security
    (SQLite)."""
    connection = connections[using]
    if not _has_row_security(connection):
        return True
    counting = _values(connection).counting
    if counting == EVERY_SHELTER_COUNTED:
        return True
    if shelter_ids is None or not counting:
        return False
    return {int(pk) for pk in shelter_ids} <= {int(part) for part in counting.split(",")}


def can_see_case_records(user) -> bool:  # noqa: ANN001
    """Only shelter staff see case records (selectors.can_see_case_records says the same)."""
    return bool(user.is_authenticated and user.is_active and user.role in SHELTER_ROLES)


def in_web_request() -> bool:
    return _in_web_request.get()
