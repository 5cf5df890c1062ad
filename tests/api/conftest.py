"""Fixtures for the REST API tests: one set of case records in shelter A and one in shelter B."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import (
    FollowUpFactory,
    LegalActionFactory,
    ReferralFactory,
    ServiceFactory,
    TrainingFactory,
    VictimFactory,
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Django's default hasher costs most of a second per persona; these tests are about the API."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle and lockout counters live in the cache: each test starts from none."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class ShelterRecords:
    """One shelter's case records, by endpoint name; `open_victim` has services, `exited_victim` a follow-up."""

    open_victim: object
    exited_victim: object
    by_endpoint: dict[str, list] = field(default_factory=dict)


def make_records(shelter) -> ShelterRecords:
    open_victim = VictimFactory(shelter=shelter, intake_date=date(2007, 10, 1), given_name="Rosa", notes="Confidential")
    exited_victim = VictimFactory(
        shelter=shelter, intake_date=date(2007, 9, 1), exit_date=date(2007, 10, 20), exit_reason="reintegrated"
    )
    records = ShelterRecords(open_victim=open_victim, exited_victim=exited_victim)
    records.by_endpoint = {
        "victims": [open_victim, exited_victim],
        "services": [ServiceFactory(victim=open_victim, date=date(2007, 10, 5), notes="Consulta")],
        "referrals": [ReferralFactory(victim=open_victim, date=date(2007, 10, 6))],
        "legal-actions": [LegalActionFactory(victim=open_victim, date=date(2007, 10, 7))],
        "follow-ups": [FollowUpFactory(victim=exited_victim, date=date(2007, 11, 5))],
        "trainings": [TrainingFactory(shelter=shelter)],
    }
    return records


@pytest.fixture
def records_a(shelter_a):
    return make_records(shelter_a)


@pytest.fixture
def records_b(shelter_b):
    return make_records(shelter_b)


@pytest.fixture
def token_client():
    """`token_client(user)`: a client that signs every request with the user's API token."""
    from accounts.services import token_issue

    def make(user):
        client = APIClient()
        _api_token, token = token_issue(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make
