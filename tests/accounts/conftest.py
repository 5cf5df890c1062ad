"""Admin clients for the people who use the accounts admin, and a route for invitation links."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from shelters.models import Role

from ..factories import UserFactory


@pytest.fixture
def join_route(settings):
    """Invitation links need the `accounts:join` route; a stand-in serves it where the real page is not there."""
    try:
        reverse("accounts:join", args=["x"])
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.accounts.join_urls"


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
        return client

    return sign_in
