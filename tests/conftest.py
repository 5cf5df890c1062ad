"""Personas and shared fixtures.

Alice is a caseworker of shelter A, Carla its coordinator; Bob is a caseworker
of shelter B and must see nothing of A; Pat is program staff; Paco is a partner.
"""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from django.db import connection
from rest_framework.test import APIClient

from proteja_site.database_roles import as_owner
from shelters.models import Role

from .factories import PASSWORD, ShelterFactory, UserFactory
from .walls import let_the_test_see, test_body_scope

_as_owner = ExitStack()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """The test database is created and migrated by its owner (MIGRATION_DATABASE_URL)..."""
    _as_owner.enter_context(as_owner(connection))
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """...and the tests run as the application's role (DATABASE_URL), so row-level security holds for every
    query they make; the owner drops the database at the end."""
    _as_owner.close()
    yield
    _as_owner.enter_context(as_owner(connection))


@pytest.fixture(autouse=True)
def _test_body_sees_its_shelters(request):
    """The test's own code (factories, direct reads) sees the shelters its factories made and the trail
    as the operator does; each request it makes sets its own user's shelters and gives these back when
    it ends (tests/walls.py)."""
    with test_body_scope():
        if "db" in request.fixturenames:
            request.getfixturevalue("db")
        let_the_test_see()
        yield


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Production serves hashed static files from `collectstatic`'s manifest; tests do not run collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def seal_after_every_commit(settings):
    """A test reads the trail right after its write: each commit seals (tests/shelters/test_audit_chain.py
    tests the production interval)."""
    settings.AUDIT_SEAL_INTERVAL_SECONDS = 0


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing a password the production way takes most of a second; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def second_factor_only_where_tested(request, settings):
    """Tests run with DEBUG off, where REQUIRE_2FA defaults to on; only tests marked `two_factor` keep it.

    Tests of pages, admin and API sign in program staff and coordinators without a device: what they test is
    not the second factor, which tests/accounts/test_two_factor.py tests with it on. Accounts that have a
    device still must give its code with REQUIRE_2FA off.
    """
    settings.REQUIRE_2FA = request.node.get_closest_marker("two_factor") is not None


@pytest.fixture
def shelter_a(db):
    return ShelterFactory(slug="shelter-a", name="Shelter A")


@pytest.fixture
def shelter_b(db):
    return ShelterFactory(slug="shelter-b", name="Shelter B")


@pytest.fixture
def caseworker_a(shelter_a):
    return UserFactory(username="alice", role=Role.CASEWORKER, shelters=[shelter_a])


@pytest.fixture
def coordinator_a(shelter_a):
    return UserFactory(username="carla", role=Role.COORDINATOR, shelters=[shelter_a])


@pytest.fixture
def caseworker_b(shelter_b):
    return UserFactory(username="bob", role=Role.CASEWORKER, shelters=[shelter_b])


@pytest.fixture
def program_staff(db):
    return UserFactory(username="pat", role=Role.PROGRAM_STAFF)


@pytest.fixture
def partner(db):
    return UserFactory(username="paco", role=Role.PARTNER, is_staff=False)


@pytest.fixture
def personas(caseworker_a, coordinator_a, caseworker_b, program_staff, partner):
    return {
        "caseworker_a": caseworker_a,
        "coordinator_a": coordinator_a,
        "caseworker_b": caseworker_b,
        "program_staff": program_staff,
        "partner": partner,
        "anonymous": None,
    }


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def api_as(api_client):
    """`api_as(user)`: an API client authenticated as `user` (None: anonymous)."""

    def login(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return login


@pytest.fixture
def password():
    return PASSWORD
