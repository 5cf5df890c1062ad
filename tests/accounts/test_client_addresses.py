"""Throttles, lock-outs and the trail count the client's real address, as TRUSTED_PROXY_COUNT allows.

With no trusted proxy (the default) X-Forwarded-For is ignored: rotating it dodges nothing. With one,
the right-most address (the one the proxy appended) is the client; what the client wrote left of it is not.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from accounts.addresses import axes_client_address, client_address
from accounts.throttling import AddressScopedRateThrottle
from shelters.models import AuditEntry

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PROXY = "10.0.0.1"


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token_rate():
    """The token throttle at 3 a minute (the rate is read once, into the class)."""
    rates = AddressScopedRateThrottle.THROTTLE_RATES
    AddressScopedRateThrottle.THROTTLE_RATES = {**rates, "token": "3/min"}
    yield 3
    AddressScopedRateThrottle.THROTTLE_RATES = rates


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def sign_in(username: str, password: str, *, remote: str = "127.0.0.1", forwarded: str | None = None) -> int:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json", **extra).status_code


# --- The address itself -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", PROXY),
        (0, None, PROXY),
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "1.1.1.1, 203.0.113.5", "203.0.113.5"),
        (1, None, PROXY),
        (1, "not-an-address", PROXY),
        (2, "1.1.1.1, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        (2, "203.0.113.5", "203.0.113.5"),
    ],
)
def test_client_address(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    extra = {"REMOTE_ADDR": PROXY} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {})
    request = RequestFactory().get("/", **extra)

    assert client_address(request) == expected
    assert axes_client_address(request) == expected


def test_axes_reads_the_same_address(settings):
    assert settings.AXES_CLIENT_IP_CALLABLE == "accounts.addresses.axes_client_address"
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT


# --- The token throttle -----------------------------------------------------------------------------------------


def test_rotating_x_forwarded_for_does_not_dodge_the_token_throttle(caseworker_a, password, token_rate):
    statuses = [sign_in("alice", password, forwarded=f"203.0.113.{attempt}") for attempt in range(token_rate + 2)]

    assert statuses == [200] * token_rate + [429, 429]


def test_behind_a_proxy_two_clients_are_counted_apart(caseworker_a, password, token_rate, behind_one_proxy):
    first = [sign_in("alice", password, remote=PROXY, forwarded="203.0.113.5") for _ in range(token_rate + 1)]
    second = [sign_in("alice", password, remote=PROXY, forwarded="203.0.113.6") for _ in range(token_rate + 1)]

    assert first == second == [200] * token_rate + [429]


def test_behind_a_proxy_a_forged_left_part_is_ignored(caseworker_a, password, token_rate, behind_one_proxy):
    statuses = [
        sign_in("alice", password, remote=PROXY, forwarded=f"198.51.100.{attempt}, 203.0.113.5")
        for attempt in range(token_rate + 1)
    ]

    assert statuses == [200] * token_rate + [429]


# --- The lock-out -----------------------------------------------------------------------------------------------


def test_rotating_x_forwarded_for_does_not_dodge_the_lock_out(caseworker_a, password, settings):
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(limit):
        sign_in("alice", "wrong", forwarded=f"203.0.113.{attempt}")

    assert sign_in("alice", password, forwarded="198.51.100.200") == 429


def test_a_lock_out_holds_from_another_address(caseworker_a, password, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in("alice", "wrong", remote=f"198.51.100.{attempt}")

    assert sign_in("alice", password, remote="203.0.113.77") == 429
    # ...and on the web sign-in page too.
    page = Client(REMOTE_ADDR="203.0.113.78").post("/accounts/login/", {"username": "alice", "password": password})
    assert page.status_code == settings.AXES_HTTP_RESPONSE_CODE


def test_failures_from_many_addresses_add_up_to_a_lock_out(caseworker_a, password, settings, behind_one_proxy):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [sign_in("alice", "wrong", remote=PROXY, forwarded=f"203.0.113.{attempt}") for attempt in range(limit)]

    assert statuses == [400] * (limit - 1) + [429]
    assert sign_in("alice", password, remote=PROXY, forwarded="203.0.113.200") == 429


def test_axes_and_the_trail_record_the_clients_address_behind_a_proxy(caseworker_a, behind_one_proxy):
    sign_in("alice", "wrong", remote=PROXY, forwarded="1.1.1.1, 203.0.113.5")

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.5"]
    assert AuditEntry.objects.get(action="signin_failed").address == "203.0.113.5"


def test_by_default_axes_and_the_trail_ignore_x_forwarded_for(caseworker_a):
    sign_in("alice", "wrong", remote=PROXY, forwarded="203.0.113.5")

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [PROXY]
    assert AuditEntry.objects.get(action="signin_failed").address == PROXY


def test_a_refusal_records_the_clients_address_behind_a_proxy(shelter_a, behind_one_proxy):
    APIClient().get("/api/v1/victims/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5")

    assert AuditEntry.objects.get(action="refused").address == "203.0.113.5"
