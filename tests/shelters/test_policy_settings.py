"""What the row-level security policies read, and the index that counts a shelter's services.

The policies call four functions (shelters migrations 0008 and 0021) that turn the settings only the door
writes into shelter ids. Each setting is tried here as a session would leave it, and as a client could never
write it but a bug might (spaces, a stray comma, never set at all): whatever is not a clean list lets nothing
through. The policies' effect on rows is tests/shelters/test_row_security.py.
"""

from __future__ import annotations

import json

import pytest
from django.db import DataError, connection, transaction

from shelters.models import Service
from tests.factories import ServiceFactory, ShelterFactory, VictimFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"),
]


FUNCTIONS = (
    "proteja_door_single_shelter_id()",
    "proteja_door_shelter_ids()",
    "proteja_counted_shelter_ids()",
    "proteja_counts_every_shelter()",
)
READ = f"SELECT {', '.join(FUNCTIONS)}"
NOTHING_THROUGH = (None, None, None, False)


def read_settings(door: str, counted: str) -> tuple:
    """The four functions' results with these settings, set for one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('proteja.shelter_ids', %s, true), set_config('proteja.counted_shelter_ids', %s, true)",
            [door, counted],
        )
        cursor.execute(READ)
        return cursor.fetchone()


@pytest.fixture
def fresh_session():
    """A connection of its own, as the application's role, on which no door was ever written."""
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        yield raw
    finally:
        raw.close()


@pytest.mark.parametrize(
    ("door", "counted", "expected"),
    [
        ("", "", NOTHING_THROUGH),
        ("5", "", (5, [5], None, False)),
        ("5,7", "", (None, [5, 7], None, False)),
        ("", "9", (None, None, [9], False)),
        ("", "3,9", (None, None, [3, 9], False)),
        ("", "*", (None, None, None, True)),
        ("5", "*", (5, [5], None, True)),
    ],
)
def test_the_policies_read_the_door_and_the_counted_shelters(door, counted, expected):
    assert read_settings(door, counted) == expected


def test_a_setting_that_is_not_a_list_of_ids_fails_the_statement():
    # Only shelters.scopes writes these, from integers; anything else is a bug, and it must not pass rows.
    assert read_settings("5 ", "")[0] is None
    with pytest.raises(DataError):
        read_settings("5,x", "")


def test_a_session_that_never_set_them_lets_nothing_through(fresh_session):
    with fresh_session.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('proteja.shelter_ids', true), current_setting('proteja.counted_shelter_ids', true)"
        )
        assert cursor.fetchone() == (None, None)
        cursor.execute(READ)
        assert cursor.fetchone() == NOTHING_THROUGH


def test_a_setting_ends_with_its_transaction(fresh_session):
    with fresh_session.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('proteja.shelter_ids', '5', true), set_config('proteja.counted_shelter_ids', '*', true)"
        )
        cursor.execute(READ)
        assert cursor.fetchone() == (5, [5], None, True)
        fresh_session.commit()
        cursor.execute(READ)
        assert cursor.fetchone() == NOTHING_THROUGH


def test_the_functions_are_compiled_once_not_inlined_into_every_plan():
    """PL/pgSQL (migration 0021): a SQL function's text was parsed again while planning each statement on a
    table behind a policy. The speed is the API benchmark's; this keeps a later migration from undoing it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname, l.lanname, p.provolatile, p.proparallel, p.prosecdef FROM pg_proc p"
            " JOIN pg_language l ON l.oid = p.prolang WHERE p.proname = ANY (%s) ORDER BY 1",
            [[name.removesuffix("()") for name in FUNCTIONS]],
        )
        rows = cursor.fetchall()
    assert rows == [(name, "plpgsql", "s", "s", False) for name in sorted(f.removesuffix("()") for f in FUNCTIONS)]


def test_counting_a_shelters_services_reads_the_narrow_index():
    """Every page of the services' list counts the shelter's services: the plain index on the shelter is a
    fraction of service_shelter_date's size (which also holds each service's date, category and victim),
    so PostgreSQL counts from it when it reads an index at all (it may scan the table when the shelter
    holds most of it)."""
    shelter = ShelterFactory()
    victim = VictimFactory(shelter=shelter)
    # Enough services for the two indexes to differ in size (a few pages against dozens).
    template = ServiceFactory(shelter=shelter, victim=victim)
    Service.objects.bulk_create(
        Service(shelter=shelter, victim=victim, date=template.date, category=template.category) for _ in range(2999)
    )
    sql, params = Service.objects.filter(shelter_id__in=[shelter.pk]).order_by().values("pk").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('proteja.shelter_ids', %s, true)", [str(shelter.pk)])
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT count(*) FROM ({sql}) counted", params)
        plan = json.dumps(cursor.fetchone()[0])
        cursor.execute(f"SELECT count(*) FROM ({sql}) counted", params)
        assert cursor.fetchone()[0] == 3000
    assert '"Index Name": "service_shelter"' in plan, plan
