"""Authentication: the token endpoint, session login for the browsable API, throttles and lockouts."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.throttling import AddressScopedRateThrottle

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def test_a_token_is_issued_for_the_right_password_and_signs_requests(caseworker_a, password, records_a):
    client = APIClient()

    response = client.post(TOKEN_URL, {"username": "alice", "password": password}, format="json")

    assert response.status_code == 200
    body = response.json()
    token = body["token"]
    stored = ApiToken.objects.get(user=caseworker_a)
    # Only a digest is stored: the token itself cannot be read back from the database.
    assert token not in (stored.digest, stored.token_key) and stored.digest != token
    assert stored.expiry.isoformat() == body["expires"]
    assert timezone.timedelta(hours=9, minutes=59) < stored.expiry - timezone.now() <= timezone.timedelta(hours=10)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/victims/").status_code == 200


def test_each_sign_in_gets_its_own_token(caseworker_a, password):
    first = APIClient().post(TOKEN_URL, {"username": "alice", "password": password}, format="json")
    second = APIClient().post(TOKEN_URL, {"username": "alice", "password": password}, format="json")

    assert first.json()["token"] != second.json()["token"]
    assert ApiToken.objects.filter(user=caseworker_a).count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"username": "alice", "password": "wrong"},
        {"username": "nobody", "password": "wrong"},
    ],
)
def test_wrong_credentials_get_no_token(caseworker_a, body):
    response = APIClient().post(TOKEN_URL, body, format="json")

    assert response.status_code == 400
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(("body", "field"), [({"password": "x"}, "username"), ({"username": "alice"}, "password")])
def test_missing_fields_are_named(caseworker_a, body, field):
    response = APIClient().post(TOKEN_URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_an_inactive_user_gets_no_token(caseworker_a, password):
    caseworker_a.is_active = False
    caseworker_a.save()

    response = APIClient().post(TOKEN_URL, {"username": "alice", "password": password}, format="json")

    assert response.status_code == 400


def test_repeated_failures_lock_the_account_even_for_the_right_password(caseworker_a, password, settings):
    client = APIClient()
    statuses = [
        client.post(TOKEN_URL, {"username": "alice", "password": f"wrong-{attempt}"}, format="json").status_code
        for attempt in range(settings.AXES_FAILURE_LIMIT)
    ]

    locked = client.post(TOKEN_URL, {"username": "alice", "password": password}, format="json")

    assert statuses[:-1] == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    assert locked.status_code == 429
    assert "locked" in locked.json()["detail"]
    assert not ApiToken.objects.exists()


def test_token_requests_are_throttled(caseworker_a, password):
    # The rate is read once, into the throttle class, from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"].
    rates = AddressScopedRateThrottle.THROTTLE_RATES
    AddressScopedRateThrottle.THROTTLE_RATES = {**rates, "token": "3/min"}
    try:
        client = APIClient()
        statuses = [
            client.post(TOKEN_URL, {"username": "alice", "password": password}, format="json").status_code
            for _ in range(4)
        ]
    finally:
        AddressScopedRateThrottle.THROTTLE_RATES = rates

    assert statuses == [200, 200, 200, 429]


def test_a_bad_token_is_401(records_a):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get("/api/v1/victims/")

    assert response.status_code == 401


def test_anonymous_is_told_how_to_authenticate(records_a):
    response = APIClient().get("/api/v1/services/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_session_login_works_for_the_browsable_api(caseworker_a, password, records_a):
    client = APIClient()
    signed_in = client.post("/accounts/login/", {"username": "alice", "password": password})
    assert signed_in.status_code == 302

    response = client.get("/api/v1/victims/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]


def test_a_token_of_program_staff_still_sees_no_case_record(program_staff, token_client, records_a):
    assert token_client(program_staff).get("/api/v1/victims/").status_code == 403


def test_the_browsable_api_offers_a_session_login_page(caseworker_a, password, records_a):
    client = APIClient()

    # DRF's own sign-in page would ask for no second factor's code: it sends to the site's, keeping `next`.
    page = client.get("/api/auth/login/?next=/api/v1/victims/", follow=True)
    signed_in = client.post("/accounts/login/", {"username": "alice", "password": password, "next": "/api/v1/victims/"})

    assert page.redirect_chain == [("/accounts/login/?next=%2Fapi%2Fv1%2Fvictims%2F", 302)]
    assert page.status_code == 200
    assert signed_in.status_code == 302 and signed_in["Location"] == "/api/v1/victims/"
    assert client.get("/api/v1/victims/", HTTP_ACCEPT="application/json").status_code == 200
