"""Fault tests that kill things: `make chaos` (part of `make test`). Each scenario prints what it checked.

Everything runs on parts of its own, never the machine's: a PostgreSQL cluster in a temporary directory
(initdb, pg_ctl) on CHAOS_PG_PORT, a redis-server on CHAOS_REDIS_PORT, real Celery workers and beat
(subprocesses), gunicorn for the API. Scenarios:

1. Redis stopped mid-burst of case-record writes and brought back (empty: its queued messages are lost):
   every write is saved at once, and the values catch up with nobody running a command (the beat's drain).
2. `kill -9` of a worker in the middle of a full `aggregate_indicators`: the task is redone within the
   visibility timeout (short here: CELERY_VISIBILITY_TIMEOUT), and the command finishes; `kill -9` of a
   prefork pool process: redone at once (reject_on_worker_lost).
3. PostgreSQL restarted (stopped as if it crashed) under API load: no write acknowledged (201) is lost,
   clients get 503 while it is down, never a 500.
4. Two full recomputes at once store what one stores.

    python tests/chaos/run.py [scenario number ...]
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, suppress
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_PORT = int(os.environ.get("CHAOS_PG_PORT", "5499"))
REDIS_PORT = int(os.environ.get("CHAOS_REDIS_PORT", "6391"))
HTTP_PORT = int(os.environ.get("CHAOS_HTTP_PORT", "8391"))
VISIBILITY_TIMEOUT = 6
DRAIN_SECONDS = 3
DATABASE = "proteja_chaos"
OCT = date(2007, 10, 1)

ENV = {
    **os.environ,
    "DEBUG": "false",
    "SECRET_KEY": "chaos-only-secret-key-not-for-production-0123456789abcdef",
    "FIELD_ENCRYPTION_KEY": "chaos-only-field-encryption-key",
    "BLIND_INDEX_KEY": "chaos-only-blind-index-key",
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DATABASE_URL": f"postgres://proteja_app@127.0.0.1:{PG_PORT}/{DATABASE}",
    "MIGRATION_DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG_PORT}/{DATABASE}",
    "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    "CELERY_RESULT_BACKEND": f"redis://127.0.0.1:{REDIS_PORT}/1",
    "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "RECOMPUTE_DRAIN_SECONDS": str(DRAIN_SECONDS),
}
ENV.pop("CACHE_URL", None)
failures: list[str] = []


def say(text: str) -> None:
    print(text, flush=True)


def check(condition: bool, text: str) -> None:
    say(("CHECKED  " if condition else "FAILED   ") + text)
    if not condition:
        failures.append(text)


def wait_for(predicate, timeout: float, step: float = 0.2) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(Exception):
            if predicate():
                return True
        time.sleep(step)
    return False


# --- The parts: PostgreSQL, Redis, workers, the web server ---------------------------------------------------


def as_postgres(command: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class Cluster:
    def __init__(self, directory: Path) -> None:
        self.data = directory / "pgdata"
        self.log = directory / "postgres.log"
        self.socket_dir = directory
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(directory, owner.pw_uid, owner.pw_gid)
        subprocess.run(
            as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = f"-p {PG_PORT} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c max_connections=60"
        subprocess.run(
            as_postgres(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
        )


class Redis:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=REDIS_PORT, socket_connect_timeout=0.2)
        if not wait_for(client.ping, 10, 0.05):
            raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def start_process(name: str, command: list[str], directory: Path, **env: str) -> subprocess.Popen:
    log = (directory / f"{name}.log").open("a")
    return subprocess.Popen(command, cwd=ROOT, env={**ENV, **env}, stdout=log, stderr=subprocess.STDOUT)


def stop_process(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def worker(directory: Path, name: str, *, app: str = "proteja_site", pool: str = "solo") -> subprocess.Popen:
    return start_process(
        name,
        [PY, "-m", "celery", "-A", app, "worker", f"--pool={pool}", "--concurrency=1", "--loglevel=INFO"]
        + ["--without-heartbeat", "--without-gossip", "--without-mingle", "-n", f"{name}@%h"],
        directory,
        CHAOS_STARTS_FILE=str(directory / "starts.txt"),
        CHAOS_TASK_SECONDS="2",
    )


def beat(directory: Path) -> subprocess.Popen:
    return start_process(
        "beat",
        [PY, "-m", "celery", "-A", "proteja_site", "beat", "--loglevel=INFO", "-s", str(directory / "beat-schedule")],
        directory,
    )


def manage(*args: str, check_ok: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout
    )
    if check_ok and completed.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed


# --- Django in this process (as the operator's command line: every shelter's scope) --------------------------


def django_setup() -> None:
    os.environ.update(ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proteja_site.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fresh_connection() -> None:
    from django.db import connections

    for connection in connections.all():
        connection.close()


def make_shelter_with_a_case(slug: str):  # noqa: ANN201
    from django.db import transaction

    from shelters.scopes import every_shelter_scope
    from tests.factories import ShelterFactory, UserFactory, VictimFactory

    with transaction.atomic(), every_shelter_scope():
        shelter = ShelterFactory(slug=slug)
    with transaction.atomic(), every_shelter_scope():
        victim = VictimFactory(
            shelter=shelter, intake_date=date(2007, 10, 1), exit_date=date(2007, 10, 31), exit_reason="other"
        )
        user = UserFactory(username=f"{slug}-worker", shelters=[shelter])
    return shelter, victim, user


def write_service(victim) -> None:  # noqa: ANN001
    from django.db import transaction

    from shelters import services
    from shelters.models import Service
    from shelters.scopes import every_shelter_scope

    with transaction.atomic(), every_shelter_scope():
        services.record_create(
            actor=None, model=Service, data={"victim": victim, "date": date(2007, 10, 15), "category": "legal"}
        )


def stored_value(shelter_id: int, indicator: str, month: date = OCT) -> int | None:
    from indicators.models import IndicatorValue

    row = IndicatorValue.objects.filter(shelter_id=shelter_id, month=month, indicator=indicator, source="computed")
    return row.values_list("value", flat=True).first()


def requests_left(shelter_id: int) -> int:
    from shelters.models import RecomputeRequest
    from shelters.scopes import every_shelter_scope

    with every_shelter_scope():
        return RecomputeRequest.objects.filter(shelter_id=shelter_id).count()


# --- The scenarios -----------------------------------------------------------------------------------------


def redis_stopped_mid_burst(directory: Path, redis: Redis) -> None:
    say("\n1. Redis stopped in the middle of a burst of writes, then brought back (empty)")
    shelter, victim, _user = make_shelter_with_a_case("burst")
    processes = [worker(directory, "burst-worker"), beat(directory)]
    try:
        slowest = 0.0
        for index in range(30):
            if index == 10:
                redis.kill()
                say("         Redis killed after 10 writes")
            if index == 20:
                redis.start()
                say("         Redis started again (its queued messages are gone) after 20 writes")
            started = time.monotonic()
            write_service(victim)
            slowest = max(slowest, time.monotonic() - started)
        from shelters.models import Service
        from shelters.scopes import every_shelter_scope

        with every_shelter_scope():
            saved = Service.objects.filter(victim=victim).count()
        check(saved == 30, f"{saved} of 30 writes saved, 10 of them with Redis down (no error raised to the writer)")
        check(slowest < 3, f"the slowest write took {slowest:.2f} s (under 3 s with Redis down)")
        back = time.monotonic()
        caught_up = wait_for(lambda: stored_value(shelter.pk, "services_legal") == 30, 60, 0.5)
        check(
            caught_up,
            f"the stored value caught up (services_legal = 30) {time.monotonic() - back:.1f} s after the last "
            f"write, with nobody running a command (beat drains every {DRAIN_SECONDS} s here, 60 s in production)",
        )
        check(requests_left(shelter.pk) == 0, "the outbox is empty afterwards")
    finally:
        for process in processes:
            stop_process(process)


def starts(directory: Path) -> list[list[str]]:
    path = directory / "starts.txt"
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


def worker_killed_mid_rebuild(directory: Path) -> None:
    say(f"\n2. kill -9 of a worker during a full aggregate_indicators (visibility timeout {VISIBILITY_TIMEOUT} s)")
    for slug in ("rebuild-a", "rebuild-b"):
        make_shelter_with_a_case(slug)
    (directory / "starts.txt").unlink(missing_ok=True)
    first = worker(directory, "doomed-worker", app="tests.chaos.slow_worker")
    command = start_process("aggregate", [PY, "manage.py", "aggregate_indicators", "--timeout", "120"], directory)
    second = None
    try:
        began = wait_for(lambda: len(starts(directory)) >= 1 or command.poll() is not None, 60)
        check(began and len(starts(directory)) >= 1, "the worker started a shelter's recompute")
        killed_task = starts(directory)[0][1]
        first.kill()
        first.wait(timeout=10)
        killed_at = time.monotonic()
        say(f"         worker killed with SIGKILL during task {killed_task[:8]}")
        second = worker(directory, "second-worker", app="tests.chaos.slow_worker")
        redone = wait_for(lambda: killed_task in [row[1] for row in starts(directory)[1:]], 60, 0.2)
        took = time.monotonic() - killed_at
        check(
            redone and took < VISIBILITY_TIMEOUT + 10,
            f"the killed task was redone by another worker {took:.1f} s after the kill (visibility timeout "
            f"{VISIBILITY_TIMEOUT} s here, {600} s in production; Redis's default was an hour)",
        )
        finished = command.wait(timeout=120) == 0
        log = (directory / "aggregate.log").read_text()
        check(finished and "month(s) stored" in log, "aggregate_indicators waited and finished (exit 0)")
    finally:
        stop_process(command)
        stop_process(first)
        stop_process(second)

    say("   kill -9 of the prefork pool process during a recompute")
    (directory / "starts.txt").unlink(missing_ok=True)
    pool = worker(directory, "pool-worker", app="tests.chaos.slow_worker", pool="prefork")
    try:
        from indicators.tasks import recompute_shelter_months
        from shelters.models import Shelter

        shelter = Shelter.objects.order_by("id").first()
        result = recompute_shelter_months.delay(shelter.pk, "2007-10-01", "2007-12-01")
        check(wait_for(lambda: len(starts(directory)) >= 1, 60), "the pool process started the recompute")
        child = int(starts(directory)[0][2])
        os.kill(child, signal.SIGKILL)
        killed_at = time.time()
        outcome = result.get(timeout=60)
        again = [row for row in starts(directory) if row[1] == result.id]
        took = float(again[-1][3]) - killed_at if len(again) >= 2 else float("inf")
        check(
            len(again) >= 2 and took < VISIBILITY_TIMEOUT and outcome["months_stored"] == 3,
            f"the task whose pool process was killed started again {took:.1f} s after the kill, before any "
            "visibility timeout (reject_on_worker_lost gives it back at once), and stored its 3 months",
        )
    finally:
        stop_process(pool)


def postgres_restarted_under_load(cluster: Cluster, directory: Path, seconds: float = 12) -> None:
    say("\n3. PostgreSQL stopped (as if it crashed) and started again under API load")
    from accounts.services import token_issue

    shelter, victim, user = make_shelter_with_a_case("restart")
    token = token_issue(user=user)[1]
    fresh_connection()
    server = start_process(
        "gunicorn",
        [PY, "-m", "gunicorn", "proteja_site.wsgi", "-b", f"127.0.0.1:{HTTP_PORT}", "-w", "2", "--threads", "4"]
        + ["--timeout", "30", "--graceful-timeout", "5"],
        directory,
    )
    url = f"http://127.0.0.1:{HTTP_PORT}/api/v1/services/"
    body = json.dumps({"victim": str(victim.pk), "date": "2007-10-20", "category": "medical"}).encode()
    acknowledged: list[str] = []
    phase = ["before"]
    statuses: dict[str, dict[str, int]] = {"before": {}, "down": {}, "after": {}}
    lock = threading.Lock()
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            request = urllib.request.Request(
                url,
                data=body,
                method="POST",
                headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=20) as response:
                    status, payload = response.status, json.loads(response.read())
            except urllib.error.HTTPError as error:
                status, payload = error.code, None
            except OSError as error:
                status, payload = type(error).__name__, None
            with lock:
                counts = statuses[phase[0]]
                counts[str(status)] = counts.get(str(status), 0) + 1
                if status == 201:
                    acknowledged.append(payload["id"])
            time.sleep(0.02)

    def http_up() -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{HTTP_PORT}/api/v1/", timeout=2)  # noqa: S310
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    if not wait_for(http_up, 60, 0.3):
        raise RuntimeError("gunicorn did not start")
    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(seconds / 3)
        phase[0] = "down"
        cluster.stop("immediate")
        say("         PostgreSQL stopped (immediate: no clean shutdown)")
        time.sleep(seconds / 3)
        cluster.start()
        phase[0] = "after"
        say("         PostgreSQL started again")
        time.sleep(seconds / 3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        stop_process(server)
    fresh_connection()
    from shelters.models import Service
    from shelters.scopes import every_shelter_scope

    with every_shelter_scope():
        saved = set(Service.objects.filter(pk__in=acknowledged).values_list("pk", flat=True))
    say(f"         answers by phase: {statuses}")
    check(set(statuses["before"]) == {"201"}, "before the stop every write answered 201")
    check(
        len(acknowledged) > 0 and len(saved) == len(acknowledged),
        f"every acknowledged write is stored: {len(saved)} of {len(acknowledged)} (201) after the restart",
    )
    down_503 = statuses["down"].get("503", 0)
    # A write that had committed as the server went down is a 201; every other answer is a 503.
    check(
        down_503 > 0 and set(statuses["down"]) <= {"503", "201"},
        f"while PostgreSQL was going and was down clients got 503 ({down_503}) or, committed first, 201",
    )
    check(all("500" not in counts for counts in statuses.values()), "no answer was a 500")
    check(statuses["after"].get("201", 0) > 0, "the API answered 201 again after the restart")


def two_full_recomputes_at_once(directory: Path) -> None:
    say("\n4. Two full recomputes at once")
    from indicators.models import IndicatorValue

    def snapshot() -> dict:
        return {
            (row.shelter_id, row.month, row.indicator): row.value
            for row in IndicatorValue.objects.filter(source="computed")
        }

    fresh_connection()
    runs = [
        subprocess.Popen(
            [PY, "manage.py", "aggregate_indicators", "--sync"],
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    codes = [run.wait(timeout=300) for run in runs]
    together = snapshot()
    manage("aggregate_indicators", "--sync")
    alone = snapshot()
    check(codes == [0, 0], "both runs finished (exit 0)")
    check(
        together == alone and len(alone) > 0, f"the two runs at once stored what one run stores ({len(alone)} values)"
    )


def main(selected: set[int]) -> int:
    for tool in ("redis-server", str(PG_BIN / "initdb")):
        if shutil.which(tool) is None:
            say(f"SKIPPED  the fault tests need {tool}")
            return 0
    started = time.monotonic()
    with ExitStack() as stack:
        directory = Path(tempfile.mkdtemp(prefix="proteja-chaos-"))
        stack.callback(shutil.rmtree, directory, ignore_errors=True)
        cluster = Cluster(directory)
        cluster.start()
        stack.callback(cluster.stop, "immediate")
        redis = Redis(directory)
        redis.start()
        stack.callback(redis.kill)
        subprocess.run(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", DATABASE], check=True
        )
        manage("create_application_role")
        manage("migrate", "--noinput", "-v", "0")
        say(f"Own PostgreSQL on port {PG_PORT} and Redis on {REDIS_PORT} ready in {time.monotonic() - started:.0f} s")
        django_setup()
        try:
            if not selected or 1 in selected:
                redis_stopped_mid_burst(directory, redis)
            if not selected or 2 in selected:
                worker_killed_mid_rebuild(directory)
            if not selected or 3 in selected:
                postgres_restarted_under_load(cluster, directory)
            if not selected or 4 in selected:
                two_full_recomputes_at_once(directory)
        except Exception:
            for log in sorted(directory.glob("*.log")):
                say(f"--- {log.name} (last lines)\n" + "\n".join(log.read_text().splitlines()[-15:]))
            raise
        finally:
            fresh_connection()
    say(f"\nFault tests: {len(failures)} failed, in {time.monotonic() - started:.0f} s")
    for failure in failures:
        say(f"  FAILED {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main({int(arg) for arg in sys.argv[1:]}))
