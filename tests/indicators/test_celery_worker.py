"""A real Celery worker on the local Redis broker (not eager mode) runs a queued recompute.

The worker is a subprocess reading the pytest test database, so the data is
committed (transactional_db). It listens on a queue of its own and is always
stopped at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery import Celery
from django.conf import settings

from indicators.models import IndicatorValue, Source
from tests.factories import ServiceFactory, ShelterFactory, VictimFactory

BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "")
PROJECT_DIR = Path(settings.BASE_DIR)

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not BROKER_URL, reason="TEST_CELERY_BROKER_URL is not set (make test sets it)"),
]


def test_database_url() -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the worker test needs PostgreSQL: a subprocess cannot see an in-memory SQLite test database")
    credentials = quote(database["USER"] or "")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"])
    return f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


@pytest.fixture
def worker_queue(transactional_db, tmp_path):
    """A worker on its own queue, reading the test database; stopped whatever happens."""
    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(f"the broker {BROKER_URL} does not answer ({exc}): start Redis (redis-server) first")
    queue = f"test-indicators-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_RESULT_BACKEND": BROKER_URL,
        "DATABASE_URL": test_database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "proteja_site",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=PROJECT_DIR,
        env=env,
        # A file, not a pipe: a worker that logs a lot must never block on a full pipe.
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    client = Celery("proteja_test_client", broker=BROKER_URL, backend=BROKER_URL)
    try:
        yield client, queue, worker, tmp_path / "worker.log"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        with client.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)
        client.close()


def test_a_real_worker_stores_the_recomputed_values(worker_queue):
    client, queue, worker, log = worker_queue
    shelter = ShelterFactory()
    victim = VictimFactory(shelter=shelter, intake_date=date(2007, 10, 2))
    ServiceFactory(victim=victim, date=date(2007, 10, 3), category="mental_health")
    ServiceFactory(victim=victim, date=date(2007, 10, 4), category="mental_health")

    result = client.send_task(
        "indicators.tasks.recompute_shelter_months", args=(shelter.pk, "2007-10-01", "2007-11-01"), queue=queue
    )

    deadline = time.monotonic() + 90
    values = {}
    while time.monotonic() < deadline and len(values) < 2 and worker.poll() is None:
        values = dict(
            IndicatorValue.objects.filter(
                shelter=shelter, source=Source.COMPUTED, indicator="services_mental_health"
            ).values_list("month", "value")
        )
        time.sleep(0.5)
    if len(values) < 2:
        pytest.fail(f"the worker stored nothing within 90 s; its output:\n{log.read_text()[-3000:]}")

    assert values == {date(2007, 10, 1): 2, date(2007, 11, 1): 0}
    assert result.get(timeout=30)["months_stored"] == 2
