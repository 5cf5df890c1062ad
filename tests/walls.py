"""The tests' own code inside the second wall.

A test's body (its factories, its direct reads) runs in a scope of the door holding every shelter its
factories made, as an operator's command would; each request it makes through a client sets its own
user's shelters and gives these back when it ends, so a test proves what the request itself sees.
Rows are never made around the wall: in a test that commits (browser and worker tests), each factory
row is made in a scope of its own shelter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from django.db import connection

from shelters.scopes import ENTRIES_WITHOUT_SHELTER, every_shelter_scope, shelter_scope

_state: dict[str, object] = {"stack": None, "shelters": set()}


@contextmanager
def test_body_scope() -> Iterator[None]:
    with ExitStack() as stack:
        _state.update(stack=stack, shelters=set())
        try:
            yield
        finally:
            _state.update(stack=None, shelters=set())


def let_the_test_see(shelter_id: int = ENTRIES_WITHOUT_SHELTER) -> bool:
    """Widen the test body's scope to this shelter (and the trail's entries of none, as the operator reads
    them); False when the test commits (no scope spans it)."""
    stack, shelters = _state["stack"], _state["shelters"]
    if stack is None or not connection.in_atomic_block:
        return False
    if shelter_id not in shelters or not shelters:
        shelters.add(shelter_id)
        stack.enter_context(shelter_scope(shelters, entries_without_shelter=True))
    return True


@contextmanager
def seeing(shelter_id: int) -> Iterator[None]:
    """Make a row of this shelter: in the test body's scope, or (a test that commits) in one of its own."""
    if let_the_test_see(shelter_id):
        yield
    else:
        with shelter_scope([shelter_id]):
            yield


def past_the_wall(read):  # noqa: ANN001, ANN201
    """Read as the operator's command line would: a test that commits (browser tests) has no scope of its own."""
    with every_shelter_scope():
        return read()


# What the second wall adds to a request a test makes, its body holding a scope of its own (above):
# a request's transaction starts with nothing let through and ends taking its settings along, which in
# a test's long transaction are two queries; the one query a request pays in production is the door's
# (its user's shelters, selectors.case_shelter_ids), none for a user who sees no case record.
# tests/shelters/test_row_security.py counts that one query on a request of its own transaction.
API_DOOR = 3  # clear the test's scope (the session has no user), set the API user's shelters, give it back
PAGE_DOOR = 2  # set the session user's shelters, give the test's scope back
NO_DOOR = 2  # a user without case records: clear the test's scope, give it back
