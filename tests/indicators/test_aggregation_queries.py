"""The aggregation's query count does not grow with the data, and the SQLite path (the demo) agrees."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.aggregation import compute_indicator_values
from indicators.services import recompute_indicators
from shelters.models import FollowUp, LegalAction, Referral, Service, Training, Victim
from tests.factories import ShelterFactory

FIRST, LAST = date(2007, 1, 1), date(2007, 12, 1)


def add_case_records(shelters, count: int, start: int) -> None:
    """`count` victims per shelter, each with services, a referral, a legal action and a follow-up (bulk inserts)."""
    victims = [
        Victim(
            shelter=shelter,
            case_code=f"Q-{start + n:05d}",
            tip_victim=n % 2 == 0,
            exploitation_types=["forced_labor"] if n % 2 == 0 else [],
            nationality=["MX", "GT", "US", ""][n % 4],
            intake_date=FIRST + timedelta(days=(n * 7) % 300),
            exit_date=FIRST + timedelta(days=(n * 7) % 300 + 40),
            exit_reason="reintegrated",
        )
        for shelter in shelters
        for n in range(start, start + count)
    ]
    Victim.objects.bulk_create(victims)
    Service.objects.bulk_create(
        Service(victim=v, shelter_id=v.shelter_id, date=v.intake_date + timedelta(days=d), category=category)
        for v in victims
        for d, category in ((0, "legal"), (3, "medical"), (20, "schooling"))
    )
    Referral.objects.bulk_create(
        Referral(victim=v, shelter_id=v.shelter_id, date=v.intake_date, kind="transfer", institution="DIF")
        for v in victims
    )
    LegalAction.objects.bulk_create(
        LegalAction(victim=v, shelter_id=v.shelter_id, date=v.intake_date, kind="sentence", crime="tip")
        for v in victims
    )
    FollowUp.objects.bulk_create(
        FollowUp(victim=v, shelter_id=v.shelter_id, date=v.exit_date + timedelta(days=5)) for v in victims
    )
    Training.objects.bulk_create(
        Training(
            shelter=shelter, date=FIRST + timedelta(days=start % 300), sector="private", attendees=3, institution="X"
        )
        for shelter in shelters
    )


def count_queries(function) -> int:
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries)


@pytest.mark.django_db
def test_the_query_count_stays_the_same_when_the_data_grows_tenfold(django_assert_num_queries):
    shelters = [ShelterFactory(), ShelterFactory(), ShelterFactory()]
    add_case_records(shelters, 4, start=0)

    def compute_all():
        return compute_indicator_values(first_month=FIRST, last_month=LAST)

    def compute_one():
        return compute_indicator_values(first_month=FIRST, last_month=LAST, shelter_ids=[shelters[0].pk])

    def recompute_one():
        return recompute_indicators(first_month=FIRST, last_month=LAST, shelter_id=shelters[0].pk)

    small = compute_all()
    # 1 shelters, (PostgreSQL: the statements' settings,) 2 people served and services (one statement),
    # 3 referrals, legal actions, follow-ups and trainings (one statement), (PostgreSQL: the memory reset;)
    # 4 the audit entry of counting across shelters (the aggregation path), and on PostgreSQL that path's
    # setting and, this test's transaction going on, giving it back (shelters.scopes.counting_scope).
    expected = 5 + 3 if connection.vendor == "postgresql" else 3 + 1
    with django_assert_num_queries(expected):
        compute_all()
    before = [count_queries(compute_one), count_queries(recompute_one)]

    add_case_records(shelters, 36, start=4)

    assert count_queries(compute_all) == expected
    assert [count_queries(compute_one), count_queries(recompute_one)] == before
    large = compute_all()
    assert sum(cells["services_legal"] for cells in large.values()) == 10 * sum(
        cells["services_legal"] for cells in small.values()
    )


@pytest.mark.skipif(
    os.environ.get("PROTEJA_AGGREGATION_SQLITE_RUN") == "1", reason="already the SQLite run started below"
)
def test_the_sqlite_path_agrees_with_the_definitions():
    """The demo runs on SQLite: run the hand-built, property and storing tests there too, in a subprocess."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        pytest.skip("this run is already on SQLite")
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["PROTEJA_AGGREGATION_SQLITE_RUN"] = "1"
    here = os.path.dirname(__file__)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nomigrations",
            os.path.join(here, "test_aggregation.py"),
            os.path.join(here, "test_property.py"),
            os.path.join(here, "test_aggregation_queries.py"),
            os.path.join(here, "test_tasks.py"),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert " passed" in completed.stdout


@pytest.mark.django_db
def test_the_victims_stay_index_holds_every_column_the_count_reads_of_a_victim():
    """Migration shelters 0022: the victims' (shelter, exit date) index carries every column the counting
    statement reads of a victim, so PostgreSQL can read a shelter-month's victims from the index alone. (Which
    plan it picks on a test's few rows is its own affair; the bench's is an index-only scan of it.)"""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's indexes")
    import re

    from indicators.aggregation import _people_and_services_sql_postgresql

    sql = _people_and_services_sql_postgresql(1, 1)
    victims = sql[sql.index("victims AS (") : sql.index("stay_changes AS (")]
    read = set(re.findall(r"\bv\.(\w+)", victims))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i"
            " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
            " WHERE i.indexrelid = 'victim_shelter_stay'::regclass"
        )
        indexed = {name for (name,) in cursor.fetchall()}
    assert {"shelter_id", "exit_date", "intake_date", "role", "tip_victim", "id"} <= read  # the reading is right
    assert read <= indexed, read - indexed
