"""Annex 2 for some shelters runs prepared statements (proteja_site.prepared): planned once per connection,
logged like any query, and counting exactly what the statements for every shelter count."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from indicators.aggregation import compute_indicator_values
from proteja_site.prepared import fetch_prepared, fetch_prepared_together
from shelters.scopes import shelter_scope
from tests.factories import ShelterFactory
from tests.indicators.test_aggregation_queries import FIRST, add_case_records

pytestmark = pytest.mark.django_db

# Seven months: a statement text no other test prepares on this connection.
LAST = date(2007, 7, 1)


def prepared_counting_statements() -> dict[str, int]:
    """Prepared statements that count by month position, with how often each ran on its generic plan."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans FROM pg_prepared_statements WHERE statement LIKE '%%width_bucket%%'"
        )
        return dict(cursor.fetchall())


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")


def test_some_shelters_are_counted_by_statements_prepared_once(postgresql_only):
    shelters = [ShelterFactory(), ShelterFactory()]
    add_case_records(shelters, 5, start=0)
    before = prepared_counting_statements()

    every_shelter = compute_indicator_values(first_month=FIRST, last_month=LAST)
    # Every shelter's statements are planned for their dates: nothing prepared.
    assert prepared_counting_statements() == before

    one = compute_indicator_values(first_month=FIRST, last_month=LAST, shelter_ids=[shelters[0].pk])
    first_run = prepared_counting_statements()
    new = {statement: runs for statement, runs in first_run.items() if statement not in before}
    # The services' statement and the records' statement, each run on the one plan made for every shelter.
    assert len(new) == 2
    assert set(new.values()) == {1}

    with CaptureQueriesContext(connection) as queries:
        again = compute_indicator_values(first_month=FIRST, last_month=LAST, shelter_ids=[shelters[1].pk])
    second_run = prepared_counting_statements()
    # Another shelter: the same two statements and plans, run again, nothing prepared anew.
    assert second_run.keys() == first_run.keys()
    assert {statement: second_run[statement] for statement in new} == {statement: 2 for statement in new}
    # Logged with their values, as Django logs any query.
    logged = [query["sql"] for query in queries if "width_bucket" in query["sql"]]
    assert len(logged) == 2
    assert all(f"IN ({shelters[1].pk})" in sql for sql in logged)

    for shelter, counted in ((shelters[0], one), (shelters[1], again)):
        assert counted == {cell: counts for cell, counts in every_shelter.items() if cell[0] == shelter.pk}
        assert sum(counts["victims_schooling"] for counts in counted.values()) == 5

    # Another range of seven months: the same two statements again (no month is written into their text).
    later = compute_indicator_values(
        first_month=date(2007, 3, 1), last_month=date(2007, 9, 1), shelter_ids=[shelters[0].pk]
    )
    assert prepared_counting_statements().keys() == first_run.keys()
    every_later = compute_indicator_values(first_month=date(2007, 3, 1), last_month=date(2007, 9, 1))
    assert later == {cell: counts for cell, counts in every_later.items() if cell[0] == shelters[0].pk}


def test_a_prepared_plan_follows_the_door_it_runs_under(postgresql_only):
    """The one plan made for every shelter reads the door's setting when it runs, not when it was made."""
    seen, unseen = ShelterFactory(), ShelterFactory()
    add_case_records([seen], 2, start=0)
    add_case_records([unseen], 3, start=10)
    count = "SELECT count(*) FROM shelters_victim WHERE shelter_id IN (%s, %s)"
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)")
    with shelter_scope([seen.pk]):
        assert fetch_prepared(connection, count, [seen.pk, unseen.pk]) == [(2,)]
    with shelter_scope([unseen.pk]):
        assert fetch_prepared(connection, count, [seen.pk, unseen.pk]) == [(3,)]
    with shelter_scope([]):
        assert fetch_prepared(connection, count, [seen.pk, unseen.pk]) == [(0,)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["SELECT count(*) FROM shelters_victim WHERE shelter_id IN ($1, $2)"],
        )
        assert cursor.fetchall() == [(3, 0)]  # one generic plan, run three times


def test_with_prepared_statements_off_the_statements_run_as_any_other(postgresql_only):
    shelter = ShelterFactory()
    add_case_records([shelter], 2, start=0)
    options = connection.settings_dict["OPTIONS"]
    saved = options.pop("prepare_threshold", None)
    try:
        before = prepared_counting_statements()
        counted = compute_indicator_values(first_month=FIRST, last_month=LAST, shelter_ids=[shelter.pk])
        assert prepared_counting_statements() == before
    finally:
        options["prepare_threshold"] = saved
    assert sum(counts["victims_schooling"] for counts in counted.values()) == 2


def test_statements_sent_together_come_back_each_with_its_rows(postgresql_only):
    seen = ShelterFactory()
    add_case_records([seen], 2, start=0)
    count = "SELECT count(*) FROM shelters_victim WHERE shelter_id = %s"
    with shelter_scope([seen.pk]), CaptureQueriesContext(connection) as queries:
        rows = fetch_prepared_together(connection, [(count, [seen.pk]), ("SELECT %s::int + 1", [41])])
    assert rows == [[(2,)], [(42,)]]
    # Logged as any query, each with its values.
    assert [query["sql"] for query in queries] == [count % seen.pk, "SELECT 41::int + 1"]


def test_an_error_in_statements_sent_together_is_djangos_and_the_connection_goes_on(postgresql_only):
    with pytest.raises(DataError), transaction.atomic():
        fetch_prepared_together(connection, [("SELECT 1", []), ("SELECT 1 / %s", [0])])
    # The pipeline ended with the error: the connection runs the next statements as usual.
    assert fetch_prepared_together(connection, [("SELECT 1", []), ("SELECT 2", [])]) == [[(1,)], [(2,)]]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 3")
        assert cursor.fetchone() == (3,)
