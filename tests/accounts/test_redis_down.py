"""Redis down never blocks a sign-in: the token throttle lets requests through (with a warning), and the
pages a caseworker opens first touch no cache. django-axes counts failures in PostgreSQL, so lock-outs hold.

Three ways Redis can be down: nothing listens at its address; a server that worked is killed mid-test;
a server that accepts connections but never answers (hung), which the cache's one-second timeouts cut short.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import threading
import time
from contextlib import closing

import pytest
import redis
from django.test import Client
from rest_framework.test import APIClient

from proteja_site.settings import redis_cache
from shelters.models import Service
from tests.factories import VictimFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def use_cache_at(settings, url: str) -> None:
    settings.CACHES = {"default": redis_cache(url)}


@pytest.fixture
def redis_unreachable(settings):
    """The cache points at a port where nothing listens."""
    use_cache_at(settings, f"redis://127.0.0.1:{free_port()}/0")


@pytest.fixture
def redis_server(settings):
    """A real redis-server of this test's own, on a free port; `.kill()` stops it (never the machine's Redis)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--daemonize", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        use_cache_at(settings, f"redis://127.0.0.1:{port}/0")
        process.client = client
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def redis_hung(settings):
    """A server that accepts connections and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        # Without the cache's timeouts a read would wait for ever: after 8 seconds the connections are
        # dropped, so that such a test fails (too slow) instead of hanging the suite.
        listener.settimeout(0.1)
        started = time.monotonic()
        while not stop.is_set():
            if time.monotonic() - started > 8:
                for connection in accepted:
                    connection.close()
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    use_cache_at(settings, f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
    yield
    stop.set()
    thread.join(timeout=2)
    for connection in accepted:
        connection.close()
    listener.close()


def get_token(password: str) -> tuple[int, dict]:
    response = APIClient().post(TOKEN_URL, {"username": "alice", "password": password}, format="json")
    return response.status_code, response.json()


def assert_the_caseworker_signs_in_on_the_web_and_works(password: str) -> None:
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    signed_in = client.post("/accounts/login/", {"username": "alice", "password": password})
    assert signed_in.status_code == 302, signed_in.content.decode()[:500]
    home = client.get("/")
    assert home.status_code == 200
    cases = client.get("/cases/?assigned=all")
    assert cases.status_code == 200
    assert "SA-00001" in cases.content.decode()


@pytest.fixture
def a_case(shelter_a):
    return VictimFactory(shelter=shelter_a, case_code="SA-00001")


def test_a_token_is_issued_with_redis_unreachable(caseworker_a, password, redis_unreachable, caplog):
    with caplog.at_level(logging.WARNING, logger="accounts.throttling"):
        status, body = get_token(password)

    assert status == 200 and body["token"]
    assert "Throttle token skipped: the cache is unreachable" in caplog.text


def test_web_sign_in_home_and_case_list_work_with_redis_unreachable(caseworker_a, password, a_case, redis_unreachable):
    assert_the_caseworker_signs_in_on_the_web_and_works(password)


def test_admin_sign_in_works_with_redis_unreachable(caseworker_a, password, redis_unreachable):
    client = Client()
    response = client.post("/accounts/login/", {"username": "alice", "password": password, "next": "/admin/"})

    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_lock_out_holds_with_redis_unreachable(caseworker_a, password, settings, redis_unreachable):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        get_token(f"wrong-{attempt}")

    assert get_token(password)[0] == 429


def test_redis_killed_mid_test_does_not_stop_sign_in(caseworker_a, password, a_case, redis_server, caplog):
    assert get_token(password)[0] == 200
    # The throttle counted on this server while it ran.
    assert any(b"throttle_token" in key for key in redis_server.client.keys("*"))
    assert "Throttle token skipped" not in caplog.text

    redis_server.kill()
    redis_server.wait(timeout=10)

    with caplog.at_level(logging.WARNING, logger="accounts.throttling"):
        status, body = get_token(password)
    assert status == 200 and body["token"]
    assert "Throttle token skipped" in caplog.text
    assert_the_caseworker_signs_in_on_the_web_and_works(password)


def test_a_hung_redis_holds_a_sign_in_up_for_about_a_second(caseworker_a, password, a_case, redis_hung, caplog):
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="accounts.throttling"):
        status, _body = get_token(password)
    elapsed = time.monotonic() - started

    assert status == 200
    assert "Throttle token skipped: the cache is unreachable (TimeoutError)" in caplog.text
    assert 0.9 < elapsed < 3
    assert_the_caseworker_signs_in_on_the_web_and_works(password)


@pytest.fixture
def broker_unreachable():
    """Celery on a real (non-eager) broker where nothing listens, as in production with Redis down; the
    app's configuration and its pool of broker connections are given back afterwards."""
    from kombu import pools

    from proteja_site.celery import app

    def forget_connections() -> None:
        # Celery keeps a connection pool (app.pool) and a producer pool (app.amqp, from kombu's global pools):
        # neither may keep pointing at the broker of another test.
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        pools.reset()

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "broker_transport_options")}
    forget_connections()
    app.conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{free_port()}/0")
    app.conf.broker_transport_options = {**saved["broker_transport_options"], "socket_connect_timeout": 0.5}
    try:
        yield app
    finally:
        forget_connections()
        app.conf.update(saved)


def test_a_case_record_write_with_redis_down_answers_201_and_is_recomputed_when_redis_returns(
    api_as, caseworker_a, a_case, redis_unreachable, broker_unreachable, django_capture_on_commit_callbacks, caplog
):
    """The request is in PostgreSQL (the outbox); the nudge fails quickly and is logged; the beat's drain, a
    minute on, recomputes the month with nobody running a command (tests/chaos does it with a real beat)."""
    from indicators import tasks
    from indicators.models import IndicatorValue
    from shelters.models import RecomputeRequest

    body = {"victim": str(a_case.pk), "date": str(a_case.intake_date), "category": "legal"}
    started = time.monotonic()
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        response = api_as(caseworker_a).post("/api/v1/services/", body, format="json")
    elapsed = time.monotonic() - started

    assert response.status_code == 201
    assert elapsed < 5
    assert Service.objects.filter(pk=response.json()["id"]).exists()
    assert "Recompute nudge for shelter" in caplog.text
    month = a_case.intake_date.replace(day=1)
    assert set(RecomputeRequest.objects.values_list("shelter_id", "month")) == {(a_case.shelter_id, month)}
    assert not IndicatorValue.objects.exists()

    # Redis is back: the beat's every-minute task.
    tasks.drain_recompute_requests.apply(throw=True)
    value = IndicatorValue.objects.get(shelter=a_case.shelter, month=month, indicator="services_legal")
    assert value.value == 1
    assert not RecomputeRequest.objects.exists()


def test_a_service_logged_on_the_case_page_with_redis_down_is_saved(
    caseworker_a, a_case, redis_unreachable, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(caseworker_a, backend="django.contrib.auth.backends.ModelBackend")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/cases/{a_case.pk}/services/new/", {"category": "legal", "date": str(a_case.intake_date)}
        )

    assert response.status_code == 302
    assert Service.objects.filter(victim=a_case).exists()
