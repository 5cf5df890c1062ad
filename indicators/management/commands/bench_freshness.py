"""How long after a case-record write its Annex 2 value is fresh, with a real Celery worker on Redis.

    bench_freshness [--writes N] [--start-worker]

Each write is a service saved through `shelters.services` (as the API saves it) in a shelter of the
benchmark's own; the clock starts when the write has committed and stops when the stored value of
`services_legal` for its month has changed (polled every 20 ms). Needs CELERY_BROKER_URL (a real broker);
--start-worker starts a worker (solo pool) for the run and stops it afterwards. Target: at most 5 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from indicators.models import IndicatorValue, Source
from indicators.services import COALESCE_SECONDS
from shelters import services
from shelters.models import Service, Shelter, Victim
from shelters.scopes import every_shelter_scope

MONTH = date(2007, 10, 1)
TARGET_SECONDS = 5.0


class Command(BaseCommand):
    help = "Measure seconds from a case-record write to its fresh Annex 2 value, with a real worker on Redis."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--writes", type=int, default=10, help="writes to time (default 10)")
        parser.add_argument("--start-worker", action="store_true", help="start a Celery worker for the run")
        parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for one value (default 60)")

    def handle(self, *args: object, **options: object) -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("Set CELERY_BROKER_URL: the benchmark measures a real worker on Redis.")
        worker = self._start_worker() if options["start_worker"] else None
        try:
            shelter, victim = self._shelter()
            took = [
                self._one_write(shelter, victim, index + 1, options["timeout"]) for index in range(options["writes"])
            ]
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
        ordered = sorted(took)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        self.stdout.write(
            f"Fresh values after a write ({len(took)} writes, coalescing countdown {COALESCE_SECONDS} s): "
            f"median {statistics.median(took):.2f} s, p95 {p95:.2f} s, max {max(took):.2f} s "
            f"(target <= {TARGET_SECONDS:.0f} s: {'met' if max(took) <= TARGET_SECONDS else 'NOT met'})"
        )

    def _start_worker(self) -> subprocess.Popen:
        from proteja_site.celery import app

        name = f"bench-freshness-{uuid.uuid4().hex[:8]}"
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "proteja_site", "worker", "--pool=solo", "--loglevel=WARNING"]
            + ["--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"{name}@%h"],
            cwd=settings.BASE_DIR,
            env=os.environ.copy(),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise CommandError("The Celery worker exited at start.")
            if app.control.ping(destination=[f"{name}@{os.uname().nodename}"], timeout=0.5):
                self.stdout.write(f"Worker {name} started")
                return worker
        worker.terminate()
        raise CommandError("The Celery worker did not answer within 60 s.")

    def _shelter(self) -> tuple[Shelter, Victim]:
        slug = f"bench-freshness-{uuid.uuid4().hex[:8]}"
        with transaction.atomic(), every_shelter_scope():
            shelter = Shelter.objects.create(
                slug=slug, name=slug, city="Ciudad de México", state="CMX", agreement_number=slug[-12:]
            )
        with transaction.atomic(), every_shelter_scope():
            victim = services.victim_create(
                actor=None,
                shelter=shelter,
                data={"intake_date": MONTH, "exit_date": date(2007, 10, 31), "exit_reason": "other", "sex": "female"},
            )
        return shelter, victim

    def _stored(self, shelter: Shelter) -> int | None:
        rows = IndicatorValue.objects.filter(
            shelter=shelter, month=MONTH, indicator="services_legal", source=Source.COMPUTED
        )
        return rows.values_list("value", flat=True).first()

    def _one_write(self, shelter: Shelter, victim: Victim, expected: int, timeout: float) -> float:
        with transaction.atomic(), every_shelter_scope():
            services.record_create(
                actor=None, model=Service, data={"victim": victim, "date": date(2007, 10, 15), "category": "legal"}
            )
        committed = time.monotonic()
        while self._stored(shelter) != expected:
            if time.monotonic() - committed > timeout:
                raise CommandError(f"Write {expected}: no fresh value after {timeout:.0f} s (is a worker running?)")
            time.sleep(0.02)
        took = time.monotonic() - committed
        self.stdout.write(f"write {expected}: fresh after {took:.2f} s")
        return took
