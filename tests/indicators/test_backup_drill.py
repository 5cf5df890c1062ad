"""`make backup-drill` (manage.py backup_drill): dump, restore into a fresh database, check the copy.

The rows are committed (pg_dump reads what other sessions see): made inside each shelter's scope.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pytest
from django.conf import settings
from django.db import connection

from indicators.models import IndicatorValue, MonthStatus, MonthSubmission
from indicators.review import approved_snapshot
from tests.factories import ShelterFactory, VictimFactory
from tests.indicators.test_celery_worker import test_database_url

OCT = date(2007, 10, 1)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the drill dumps PostgreSQL"),
    pytest.mark.skipif(not os.environ.get("MIGRATION_DATABASE_URL"), reason="the drill dumps as the owner"),
]


@pytest.fixture
def approved_month():
    shelter = ShelterFactory()
    # Made in its shelter's scope by the factory (tests/walls.py).
    VictimFactory(shelter=shelter, intake_date=OCT, given_name="María", family_name="López", notes="Puebla")
    IndicatorValue.objects.create(shelter=shelter, month=OCT, indicator="victims_served", value=4, source="computed")
    values, digest = approved_snapshot(shelter_id=shelter.pk, month=OCT)
    return MonthSubmission.objects.create(
        shelter=shelter, month=OCT, status=MonthStatus.APPROVED, approved_values=values, approved_hash=digest
    )


def drill(**env: str) -> subprocess.CompletedProcess:
    """`manage.py backup_drill` as `make backup-drill` runs it, in a process of its own, on the test database."""
    database = settings.DATABASES["default"]
    return subprocess.run(
        [sys.executable, "manage.py", "backup_drill"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "MIGRATION_DATABASE_URL": os.environ["MIGRATION_DATABASE_URL"].rsplit("/", 1)[0] + "/" + database["NAME"],
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_drill_restores_a_copy_whose_approved_hashes_match_and_personal_data_decrypts(approved_month):
    completed = drill()
    output = completed.stdout

    assert completed.returncode == 0, output + completed.stderr
    assert "CHECKED 1 of 1 approved month(s): their values in the copy hash to the hash kept at approval" in output
    assert "CHECKED 3 encrypted personal value(s) in the copy decrypt with FIELD_ENCRYPTION_KEY (0 do not)" in output
    assert "CHECKED every decrypted value reads as in the original" in output
    assert output.rstrip().endswith("Backup drill passed.")
    # The copy is dropped.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE %s", [f"{connection.settings_dict['NAME']}_drill_%"]
        )
        assert cursor.fetchone()[0] == 0


def test_the_drill_fails_when_an_approved_months_values_no_longer_hash_to_its_hash(approved_month):
    IndicatorValue.objects.filter(shelter=approved_month.shelter).update(value=5)

    completed = drill()

    assert completed.returncode != 0
    assert "FAILED  0 of 1 approved month(s)" in completed.stdout
    assert "The backup drill failed 1 check(s)" in completed.stderr


def test_the_drill_fails_when_the_key_cannot_decrypt_the_personal_data(approved_month):
    completed = drill(FIELD_ENCRYPTION_KEY="another-field-encryption-key")

    assert completed.returncode != 0
    assert "FAILED  0 encrypted personal value(s) in the copy decrypt with FIELD_ENCRYPTION_KEY (3 do not)" in (
        completed.stdout
    )
