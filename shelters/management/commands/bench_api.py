"""`make bench-api`: the REST API under load, on gunicorn and PostgreSQL.

Builds (once; `--rebuild` to start over) a shelter with 5,000 victims and 100,000
services by bulk_create, starts gunicorn, and drives four operations with 16
concurrent clients for a bounded time each, printing requests per second and
p50/p95 latency: get a victim, list services (a page of 100), create a service,
bulk-create 100 services. Rows the run writes (services, audit entries) are
deleted afterwards, so runs stay comparable. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from proteja_site.database_roles import as_owner

BENCH_SHELTER = "bench-shelter"
BENCH_USER = "bench-caseworker"
# As docker-compose.yml configures the production PostgreSQL server.
BENCH_RANDOM_PAGE_COST = 1.1
CATEGORIES = ["legal", "medical", "mental_health", "social", "vocational_training", "schooling"]
# Operation name -> (target requests per second, or records per second for the bulk), p95 limit in ms.
TARGETS = {
    "get a victim": (250, 250),
    "list services (page of 100)": (80, 250),
    "create a service": (120, 250),
    "bulk-create 100 services": (800, 250),
}


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0


class Command(BaseCommand):
    help = "Benchmark the REST API on gunicorn and PostgreSQL (5,000 victims, 100,000 services, 16 clients)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--victims", type=int, default=5000)
        parser.add_argument("--services", type=int, default=100_000)
        parser.add_argument("--clients", type=int, default=16)
        parser.add_argument("--seconds", type=float, default=15.0, help="How long each operation is driven.")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes.")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--rebuild", action="store_true", help="Drop the benchmark data and build it anew.")
        parser.add_argument(
            "--only", default="", help="Comma-separated operation numbers to run (1 get, 2 list, 3 create, 4 bulk)."
        )
        parser.add_argument(
            "--during-rebuild",
            action="store_true",
            help="Drive the API while full Annex 2 recomputes of the national dataset run one after another on the "
            "same server (bench_indicators --rebuild-for, database BENCH_REBUILD_DATABASE_URL, default "
            "proteja_bench, loaded once by make bench-indicators). Alone, it drives 'get a victim' only.",
        )

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        if connection.vendor != "postgresql":
            raise CommandError("bench_api measures PostgreSQL: set DATABASE_URL to a dedicated database.")
        if settings.DEBUG:
            raise CommandError("Run with DEBUG=false: DEBUG keeps every query in memory and skews the figures.")
        # Building and cleaning the dataset is the operator's work, as the owner (MIGRATION_DATABASE_URL);
        # gunicorn serves as the application's role (DATABASE_URL), under row-level security.
        with as_owner(connection):
            ensure_database()
            call_command("migrate", verbosity=0, interactive=False)
            token, victims = self.dataset(options["victims"], options["services"], options["rebuild"])
            vacuum_case_tables()
        started_at = timezone.now()
        if options["during_rebuild"] and not options["only"]:
            options["only"] = "1"
        server = start_gunicorn(options["port"], options["workers"])
        rebuild = start_rebuild(options) if options["during_rebuild"] else None
        try:
            results = self.drive(token, victims, options)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            if rebuild is not None:
                self.stdout.write(f"  beside: {stop_rebuild(rebuild)}")
            with as_owner(connection):
                cleanup(started_at)
        self.report(results, options)

    def dataset(self, victim_count: int, service_count: int, rebuild: bool) -> tuple[str, list[tuple[str, date]]]:
        from accounts.services import token_issue
        from shelters.models import Membership, Role, Service, Shelter, User, Victim

        shelter = Shelter.objects.filter(slug=BENCH_SHELTER).first()
        if shelter and (rebuild or Victim.objects.filter(shelter=shelter).count() != victim_count):
            Service.objects.filter(shelter=shelter).delete()
            Victim.objects.filter(shelter=shelter).delete()
        if shelter is None:
            shelter = Shelter.objects.create(slug=BENCH_SHELTER, name="Bench Shelter", state="CMX")
        user, _created = User.objects.get_or_create(username=BENCH_USER, defaults={"role": Role.CASEWORKER})
        Membership.objects.get_or_create(user=user, shelter=shelter)
        _api_token, token = token_issue(user=user, channel="bench")

        if not Victim.objects.filter(shelter=shelter).exists():
            self.stdout.write(f"Building {victim_count:,} victims and {service_count:,} services...")
            build_dataset(shelter, victim_count, service_count)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        victims = [
            (str(pk), intake) for pk, intake in Victim.objects.filter(shelter=shelter).values_list("id", "intake_date")
        ]
        return token, victims

    def drive(self, token: str, victims: list[tuple[str, date]], options: dict) -> dict[str, Outcome]:
        port, clients, seconds = options["port"], options["clients"], options["seconds"]
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

        def service_body(rng: random.Random) -> dict:
            victim_id, intake = rng.choice(victims)
            return {
                "victim": victim_id,
                "date": (intake + timedelta(days=rng.randint(0, 60))).isoformat(),
                "category": rng.choice(CATEGORIES),
                "notes": "Seguimiento de la atención",
            }

        operations = {
            "get a victim": lambda rng: ("GET", f"/api/v1/victims/{rng.choice(victims)[0]}/", None),
            # The first pages, as a caseworker browses: deep OFFSETs are not the common case.
            "list services (page of 100)": lambda rng: (
                "GET",
                f"/api/v1/services/?page_size=100&page={rng.randint(1, 10)}",
                None,
            ),
            "create a service": lambda rng: ("POST", "/api/v1/services/", service_body(rng)),
            "bulk-create 100 services": lambda rng: (
                "POST",
                "/api/v1/services/",
                [service_body(rng) for _ in range(100)],
            ),
        }
        chosen = {int(number) for number in options["only"].split(",") if number.strip()}
        results = {}
        for number, (name, make_request) in enumerate(operations.items(), start=1):
            if chosen and number not in chosen:
                continue
            run_load(port, headers, make_request, clients=clients, seconds=2.0)  # warm up workers and caches
            results[name] = run_load(port, headers, make_request, clients=clients, seconds=seconds)
            outcome = results[name]
            self.stdout.write(f"  {name}: {len(outcome.latencies)} requests in {outcome.elapsed:.1f}s")
        return results

    def report(self, results: dict[str, Outcome], options: dict) -> None:
        self.stdout.write("")
        self.stdout.write(
            f"{options['clients']} concurrent clients, {options['seconds']:.0f}s per operation, "
            f"gunicorn {options['workers']} workers, {os.cpu_count()} CPUs"
        )
        header = f"{'operation':<30} {'req/s':>8} {'rec/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}  target"
        self.stdout.write(header)
        self.stdout.write("-" * (len(header) + 24))
        missed = []
        for name, outcome in results.items():
            rate = len(outcome.latencies) / outcome.elapsed if outcome.elapsed else 0.0
            records = rate * (100 if name.startswith("bulk") else 1)
            ordered = sorted(outcome.latencies) or [0.0]
            p50 = statistics.median(ordered) * 1000
            p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000
            errors = sum(outcome.errors.values())
            target_rate, target_p95 = TARGETS[name]
            measured = records if name.startswith("bulk") else rate
            unit = "rec/s" if name.startswith("bulk") else "req/s"
            met = measured >= target_rate and p95 < target_p95 and not errors
            if not met:
                missed.append(name)
            self.stdout.write(
                f"{name:<30} {rate:>8.1f} {records:>8.0f} {p50:>8.1f} {p95:>8.1f} {errors:>7}  "
                f">= {target_rate} {unit}, p95 < {target_p95} ms: {'met' if met else 'MISSED'}"
            )
            if outcome.errors:
                self.stdout.write(f"    error statuses: {outcome.errors}")
        self.stdout.write("")
        self.stdout.write(
            f"Note: {options['clients']} clients each waiting for their answer make mean latency about "
            f"{options['clients']} / (requests per second), whatever the server does (Little's law)."
        )
        self.stdout.write("All targets met." if not missed else f"Targets missed: {', '.join(missed)}.")


def ensure_database() -> None:
    """Create the benchmark database if it is missing (connecting to the server's `postgres` database)."""
    import psycopg

    params = connection.settings_dict
    conninfo = {
        "host": params.get("HOST") or None,
        "port": params.get("PORT") or None,
        "user": params.get("USER") or None,
        "password": params.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in conninfo.items() if v}) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [params["NAME"]]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{params["NAME"]}"')
        # The planner setting docker-compose gives the production server (SSD: random reads are cheap).
        admin.execute(f'ALTER DATABASE "{params["NAME"]}" SET random_page_cost = {BENCH_RANDOM_PAGE_COST}')


def build_dataset(shelter, victim_count: int, service_count: int) -> None:  # type: ignore[no-untyped-def]
    """5,000 victims over five years, a fifth of them gone; services dated within each stay."""
    from shelters.models import ExitReason, Service, Victim

    rng = random.Random(2007)
    first_intake = date(2020, 1, 1)
    victims = []
    for number in range(1, victim_count + 1):
        intake = first_intake + timedelta(days=rng.randint(0, 5 * 365))
        exited = rng.random() < 0.2
        tip = rng.random() < 0.4
        victims.append(
            Victim(
                shelter=shelter,
                case_code=f"BS-{number:05d}",
                sex=rng.choice(["female", "male", "other", "unknown"]),
                birth_year=rng.randint(1960, 2015),
                nationality=rng.choice(["MX", "GT", "HN", "SV", ""]),
                tip_victim=tip,
                exploitation_types=[rng.choice(["forced_labor", "sexual_exploitation"])] if tip else [],
                intake_date=intake,
                exit_date=intake + timedelta(days=200) if exited else None,
                exit_reason=ExitReason.REINTEGRATED if exited else "",
                given_name=f"Nombre {number}",
                family_name=f"Apellido {number}",
                notes="Ingresó con su familia" if rng.random() < 0.3 else None,
            )
        )
    Victim.objects.bulk_create(victims, batch_size=2000)
    shelter.last_case_number = victim_count
    shelter.save(update_fields=["last_case_number"])

    batch = []
    for _index in range(service_count):
        victim = rng.choice(victims)
        stay = ((victim.exit_date or victim.intake_date + timedelta(days=300)) - victim.intake_date).days
        batch.append(
            Service(
                shelter=shelter,
                victim=victim,
                date=victim.intake_date + timedelta(days=rng.randint(0, stay)),
                category=rng.choice(CATEGORIES),
                notes="Atención brindada" if rng.random() < 0.3 else None,
            )
        )
        if len(batch) == 5000:
            Service.objects.bulk_create(batch)
            batch = []
    Service.objects.bulk_create(batch)


def vacuum_case_tables() -> None:
    """Clear the dead rows that earlier runs' deletions left, as autovacuum does on a live server.

    Otherwise each run inherits tens of thousands of dead services and audit
    entries, counting a page's total reads them all, and runs stop being comparable.
    The two queues too (entries to seal, shelter-months to recompute): each row is
    deleted soon after it is written, and a server without autovacuum (this
    machine's) kept 75,000 dead ones for every seal to read past.
    """
    from shelters.models import AuditEntry, AuditUnsealed, RecomputeRequest, Service

    with connection.cursor() as cursor:
        for model in (Service, AuditEntry, AuditUnsealed, RecomputeRequest):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "proteja_site.wsgi:application",
        "--config",
        str(settings.BASE_DIR / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=os.environ.copy())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            probe.request("GET", "/api/v1/shelters/")
            probe.getresponse().read()
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise CommandError(f"gunicorn did not answer on 127.0.0.1:{port}")


def start_rebuild(options: dict) -> subprocess.Popen:
    """Full recomputes of the national dataset, one after another, for longer than the drive lasts."""
    operations = len([number for number in options["only"].split(",") if number.strip()]) or 4
    seconds = (options["seconds"] + 2.0) * operations + 60
    env = os.environ.copy()
    env["PYTHONUNBUFFERED"] = "1"  # its lines as they are written: the first says the dataset is there
    env["DATABASE_URL"] = os.environ.get(
        "BENCH_REBUILD_DATABASE_URL", "postgres://proteja_app@127.0.0.1:5432/proteja_bench"
    )
    env["MIGRATION_DATABASE_URL"] = os.environ.get(
        "BENCH_REBUILD_MIGRATION_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/proteja_bench"
    )
    rebuild = subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_indicators", "--rebuild-for", str(seconds)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # The first recompute is under way once the command has checked the dataset.
    assert rebuild.stdout is not None
    for line in rebuild.stdout:
        if "Reusing the dataset" in line:
            time.sleep(1.0)
            return rebuild
    rebuild.wait()
    raise CommandError("The rebuild did not start (bench_indicators --rebuild-for needs the dataset loaded).")


def stop_rebuild(rebuild: subprocess.Popen) -> str:
    """Stop the rebuild loop; say how many full recomputes finished while the API was driven."""
    rebuild.send_signal(signal.SIGINT)
    try:
        output, _ = rebuild.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        rebuild.kill()
        output, _ = rebuild.communicate()
    lines = [line for line in (output or "").splitlines() if "full recomputes finished" in line]
    return lines[-1] if lines else "the rebuild loop was stopped"


def run_load(port: int, headers: dict, make_request, *, clients: int, seconds: float) -> Outcome:  # type: ignore[no-untyped-def]
    """`clients` threads, each sending one request after another until the time is up."""
    outcome = Outcome()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        latencies: list[float] = []
        errors: dict[int, int] = {}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            method, path, body = make_request(rng)
            payload = json.dumps(body).encode() if body is not None else None
            started = time.perf_counter()
            try:
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                status = 599
            latencies.append(time.perf_counter() - started)
            if status >= 300:
                errors[status] = errors.get(status, 0) + 1
        conn.close()
        with lock:
            outcome.latencies.extend(latencies)
            for status, count in errors.items():
                outcome.errors[status] = outcome.errors.get(status, 0) + count

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.elapsed = time.monotonic() - began
    return outcome


def cleanup(started_at) -> None:  # type: ignore[no-untyped-def]
    """Delete what the run wrote, and the recompute tasks it queued, so the next run starts alike."""
    from shelters.models import AuditEntry, AuditUnsealed, Service

    Service.objects.filter(shelter__slug=BENCH_SHELTER, created_at__gte=started_at).delete()
    with transaction.atomic(), connection.cursor() as cursor:
        # The trail is append-only: the owner deletes the run's entries past the trigger, the documented way,
        # which the benchmark's own database may afford (its chain then shows the entries as missing).
        cursor.execute("SET LOCAL proteja.rewrite_trail = 'operator'")
        entries = AuditEntry.objects.filter(shelter__slug=BENCH_SHELTER, at__gte=started_at)
        AuditUnsealed.objects.filter(entry_id__in=entries.values("pk")).delete()
        entries.delete()
    vacuum_case_tables()
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        from proteja_site.celery import app

        app.control.purge()
