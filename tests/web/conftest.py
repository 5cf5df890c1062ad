"""Fixtures for the web pages: signed-in clients and a case of shelter A with a name."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from tests.factories import VictimFactory


@pytest.fixture
def client_as():
    """`client_as(user)`: a browser-like client signed in as `user` (CSRF checks on when asked)."""

    def make(user, *, enforce_csrf_checks: bool = False) -> Client:
        client = Client(enforce_csrf_checks=enforce_csrf_checks)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.fixture
def case_a(shelter_a):
    # Case codes the tests write by hand stay clear of those the services generate.
    shelter_a.last_case_number = 100
    shelter_a.save(update_fields=["last_case_number"])
    return VictimFactory(
        shelter=shelter_a,
        case_code="SA-00001",
        given_name="Guadalupe",
        family_name="Núñez",
        intake_date=date(2026, 1, 10),
        tip_victim=True,
        exploitation_types=["sexual_exploitation"],
    )
