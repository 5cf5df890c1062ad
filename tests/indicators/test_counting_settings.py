"""The settings PostgreSQL counts Annex 2 with, for the counting statements alone (indicators.aggregation).

Every shelter's count runs with ANNEX2_PARALLEL_WORKERS parallel workers at most (a full recompute must leave
the API a core); some shelters' count (a request's, a write's recompute) keeps the session's own; and what the
caller had set is what it has again once the count is done.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from indicators import aggregation
from indicators.aggregation import compute_indicator_values
from shelters.scopes import counting_scope
from tests.factories import ShelterFactory
from tests.indicators.test_aggregation_queries import FIRST, LAST, add_case_records

pytestmark = pytest.mark.django_db


def setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def parallel_workers() -> str:
    return setting("max_parallel_workers_per_gather")


def read_while_counting(monkeypatch, name: str) -> list[str]:
    """The value of setting `name` as each count's services are read (PostgreSQL only), in order."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's settings")
    seen: list[str] = []
    counted = aggregation._people_and_services

    def reading(*args, **kwargs):
        seen.append(setting(name))
        return counted(*args, **kwargs)

    monkeypatch.setattr(aggregation, "_people_and_services", reading)
    return seen


@pytest.fixture
def workers_while_counting(monkeypatch):
    """The statements' max_parallel_workers_per_gather, read as each count's services are read."""
    return read_while_counting(monkeypatch, "max_parallel_workers_per_gather")


@pytest.mark.parametrize("workers", [0, 1, 3])
def test_every_shelter_is_counted_with_the_workers_set(settings, workers_while_counting, workers):
    settings.ANNEX2_PARALLEL_WORKERS = workers
    shelter = ShelterFactory()
    add_case_records([shelter], 3, 0)
    before = parallel_workers()

    values = compute_indicator_values(first_month=FIRST, last_month=LAST)

    assert workers_while_counting == [str(workers)]
    assert parallel_workers() == before
    assert values[shelter.pk, FIRST]["victims_served"] > 0


def test_some_shelters_keep_the_sessions_workers(settings, workers_while_counting):
    settings.ANNEX2_PARALLEL_WORKERS = 7
    shelter = ShelterFactory()
    add_case_records([shelter], 3, 0)
    before = parallel_workers()

    compute_indicator_values(first_month=FIRST, last_month=LAST, shelter_ids=[shelter.pk])

    assert workers_while_counting == [before]
    assert parallel_workers() == before


def test_the_callers_own_values_are_given_back(settings, workers_while_counting):
    settings.ANNEX2_PARALLEL_WORKERS = 3
    shelter = ShelterFactory()
    add_case_records([shelter], 3, 0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL work_mem = '5MB'")

        compute_indicator_values(first_month=FIRST, last_month=LAST)

        assert workers_while_counting == ["3"]
        cursor.execute("SELECT current_setting('max_parallel_workers_per_gather'), current_setting('work_mem')")
        assert cursor.fetchone() == ("0", "5MB")


def test_the_application_sessions_start_without_jit_and_with_generic_plans():
    """Set when each connection starts (settings.py), so that some shelters' counts need no statement for them."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's settings")
    # A connection opened now with the application's parameters, as any request's or task's.
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        settings = raw.execute("SELECT current_setting('jit'), current_setting('plan_cache_mode')").fetchone()
    finally:
        raw.close()
    assert settings == ("off", "force_generic_plan")


def test_some_shelters_counts_write_no_setting():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's settings")
    shelter = ShelterFactory()
    add_case_records([shelter], 3, 0)
    with CaptureQueriesContext(connection) as queries:
        compute_indicator_values(first_month=FIRST, last_month=LAST, shelter_ids=[shelter.pk])
    # The shelters, the scope's setting and, this test's transaction going on, giving it back; the two counts.
    assert [query["sql"].lstrip()[:14] for query in queries] == [
        "SELECT set_con",
        'SELECT "shelte',
        "WITH months (p",
        "SELECT r.shelt",
        "SELECT set_con",
    ]
    assert not any("work_mem" in query["sql"] or "'jit'" in query["sql"] for query in queries)


def test_a_long_range_of_some_shelters_is_counted_with_the_memory_of_every_shelters(monkeypatch):
    seen = read_while_counting(monkeypatch, "work_mem")
    shelter = ShelterFactory()
    add_case_records([shelter], 3, 0)
    before = setting("work_mem")

    compute_indicator_values(first_month=FIRST, last_month=LAST, shelter_ids=[shelter.pk])  # twelve months
    compute_indicator_values(first_month=FIRST, last_month=date(2008, 1, 1), shelter_ids=[shelter.pk])

    assert seen == [before, aggregation.AGGREGATION_WORK_MEM]
    assert setting("work_mem") == before


def test_without_prepared_statements_some_shelters_are_counted_without_jit_by_their_own_setting(monkeypatch):
    """Behind a pooler (prepared statements off) the session has no startup options: the count sets JIT off."""
    seen = read_while_counting(monkeypatch, "jit")
    monkeypatch.setattr(aggregation, "prepares", lambda _connection: False)
    shelter = ShelterFactory()
    add_case_records([shelter], 3, 0)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")

    compute_indicator_values(first_month=FIRST, last_month=LAST, shelter_ids=[shelter.pk])

    assert seen == ["off"]
    assert setting("jit") == "on"


def test_counting_known_shelters_outside_a_counting_scope_is_refused_rather_than_all_zeros():
    shelter = ShelterFactory()
    add_case_records([shelter], 3, 0)

    def count():
        return aggregation.count_indicator_values(
            first_month=FIRST, last_month=LAST, shelter_ids=[shelter.pk], every_shelter=False
        )

    if connection.vendor != "postgresql":
        assert count()[shelter.pk, FIRST]["victims_served"] > 0  # no second wall to hide the records
        return
    with pytest.raises(RuntimeError, match="counting scope"):
        count()
    # A scope of another shelter, or of one shelter for a count of every shelter, lets none of them through.
    other = ShelterFactory()
    with counting_scope([other.pk], purpose="test"), pytest.raises(RuntimeError, match="counting scope"):
        count()
    with counting_scope([shelter.pk], purpose="test"), pytest.raises(RuntimeError, match="counting scope"):
        aggregation.count_indicator_values(
            first_month=FIRST, last_month=LAST, shelter_ids=[shelter.pk], every_shelter=True
        )
    with counting_scope([shelter.pk], purpose="test"):
        assert count()[shelter.pk, FIRST]["victims_served"] > 0
    with counting_scope([other.pk, shelter.pk], purpose="test"):
        assert count()[shelter.pk, FIRST]["victims_served"] > 0
