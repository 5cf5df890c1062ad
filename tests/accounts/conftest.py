"""Admin clients for the people who use the accounts admin, and the API tests' record fixtures."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user

from shelters.models import Role
from tests.api.conftest import records_a, records_b, token_client  # noqa: F401  (the API tests' fixtures)

from ..factories import UserFactory


@pytest.fixture
def superuser_with_role(db):
    """A superuser who is also program staff."""
    return UserFactory(username="sandra", role=Role.PROGRAM_STAFF, is_superuser=True)


@pytest.fixture
def operator(db):
    """A role-less superuser: the operator's own admin account."""
    return UserFactory(username="root", role="", is_superuser=True)


@pytest.fixture
def admin_as():
    """`admin_as(user)`: a browser signed in as `user` (Django's test client)."""

    def sign_in(user):
        client = Client()
        client.force_login(user)
        # An account with a second factor gives its code at sign-in: the session is marked verified, as
        # django_otp.login does, so that admin is reached (the second factor has its own tests).
        device = next(devices_for_user(user, confirmed=True), None)
        if device is not None:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client

    return sign_in
