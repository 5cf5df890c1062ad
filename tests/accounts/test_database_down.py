"""PostgreSQL down (or restarting) is a clear 503, never a 500 trace: JSON for the API, a Spanish page for pages.

Every statement fails as it does while the server is stopped (Django's OperationalError); the chaos run
(tests/chaos/postgres_restart.py) stops a real PostgreSQL under load.
"""

from __future__ import annotations

from contextlib import ExitStack
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends import utils as db_utils
from django.test import Client
from rest_framework.test import APIClient

from accounts.services import token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down():
    """Call it to make every statement fail; the database is back before the test's own teardown runs."""

    def refused(self, *args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    with ExitStack() as stack:

        def down() -> None:
            stack.enter_context(mock.patch.object(db_utils.CursorWrapper, "execute", refused))
            stack.enter_context(mock.patch.object(db_utils.CursorWrapper, "executemany", refused))

        yield down


def test_the_api_answers_a_json_503_while_the_database_is_down(caseworker_a, database_down):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=caseworker_a)[1]}")
    database_down()

    for response in (
        client.get("/api/v1/victims/"),
        client.post("/api/v1/services/", {"category": "legal"}, format="json"),
    ):
        assert response.status_code == 503
        assert response["Content-Type"] == "application/json"
        assert response["Retry-After"] == "30"
        # The contract's language, English, for a client that asks for none (web.middleware).
        assert response.json()["detail"].startswith("The database is unavailable: try again in a minute.")
    spanish = client.get("/api/v1/victims/", HTTP_ACCEPT_LANGUAGE="es")
    assert (spanish.status_code, spanish.json()["detail"][:35]) == (503, "La base de datos no está disponible")


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/cases/"])
def test_a_page_is_a_spanish_503_while_the_database_is_down(caseworker_a, database_down, path):
    client = Client(raise_request_exception=False)
    client.force_login(caseworker_a, backend="django.contrib.auth.backends.ModelBackend")
    database_down()

    response = client.get(path)

    assert response.status_code == 503
    page = response.content.decode()
    assert "Temporalmente no disponible" in page and 'lang="es"' in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_any_other_error_is_still_a_500(caseworker_a):
    def broken(self, *args, **kwargs):
        raise RuntimeError("a bug")

    client = Client(raise_request_exception=False)
    client.force_login(caseworker_a, backend="django.contrib.auth.backends.ModelBackend")
    with mock.patch.object(db_utils.CursorWrapper, "execute", broken):
        response = client.get("/")

    assert response.status_code == 500
