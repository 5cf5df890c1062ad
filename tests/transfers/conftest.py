"""Three shelters: A sends, B receives, C is a third shelter that must see nothing of either."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from shelters.models import Role
from tests.factories import ShelterFactory, UserFactory, VictimFactory
from tests.walls import seeing
from transfers.models import Consent, ConsentPurpose

TRANSFER_DAY = date(2026, 3, 10)


@pytest.fixture
def client_as():
    """`client_as(user)`: a browser-like client signed in as `user`."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.fixture
def shelter_c(db):
    return ShelterFactory(slug="shelter-c", name="Shelter C")


@pytest.fixture
def caseworker_c(shelter_c):
    return UserFactory(username="cora", role=Role.CASEWORKER, shelters=[shelter_c])


@pytest.fixture
def case_a(shelter_a):
    shelter_a.last_case_number = 100
    shelter_a.save(update_fields=["last_case_number"])
    return VictimFactory(
        shelter=shelter_a,
        case_code="SA-00001",
        given_name="Guadalupe",
        family_name="Núñez",
        birth_year=1990,
        nationality="GT",
        intake_date=date(2026, 1, 10),
        tip_victim=True,
        exploitation_types=["sexual_exploitation"],
        notes="Llegó de Tapachula",
    )


def make_consent(victim, *, purpose=ConsentPurpose.TRANSFER, given_on=date(2026, 3, 1), **fields):
    with seeing(victim.shelter_id):
        return Consent.objects.create(
            victim=victim, shelter_id=victim.shelter_id, purpose=purpose, given_on=given_on, **fields
        )


@pytest.fixture
def transfer_consent(case_a, caseworker_a):
    return make_consent(case_a, recorded_by=caseworker_a)
