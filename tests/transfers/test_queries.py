"""The consent and transfer lists, and the transfers page, run a fixed number of queries whatever their size."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import VictimFactory
from tests.transfers.conftest import make_consent
from tests.walls import API_DOOR, PAGE_DOOR, seeing
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(shelter_a, shelter_b, caseworker_a):
    """30 cases of A with a consent each, 30 transfers from A to B and 30 from B to A."""
    for index in range(30):
        for sender, receiver in ((shelter_a, shelter_b), (shelter_b, shelter_a)):
            victim = VictimFactory(shelter=sender, intake_date=date(2026, 1, 5))
            consent = make_consent(victim, notes="con su tía", recorded_by=caseworker_a)
            with seeing(sender.pk):
                Transfer.objects.create(
                    victim=victim,
                    shelter=sender,
                    to_shelter=receiver,
                    date=date(2026, 3, 1),
                    reason=f"motivo {index}",
                    share=["sex"],
                    consent=consent,
                )


@pytest.mark.parametrize("page_size", [1, 100])
def test_the_consent_list_costs_four_queries(api_as, caseworker_a, many, django_assert_num_queries, page_size):
    # 1 the user's shelters' ids and slugs, 2 COUNT, 3 the page (with who recorded each), 4 the audit INSERT;
    # and the door (tests/walls.py)
    with django_assert_num_queries(4 + API_DOOR):
        response = api_as(caseworker_a).get("/api/v1/consents/", {"page_size": page_size})
    assert len(response.json()["results"]) == min(page_size, 30)


@pytest.mark.parametrize("page_size", [1, 100])
def test_the_transfer_list_costs_four_queries(api_as, caseworker_a, many, django_assert_num_queries, page_size):
    # 1 COUNT of both sides' transfers, 2 the page with both shelters, 3 the reader's shelters (which side
    # they are on), 4 the audit INSERT of the reasons shown; and the door
    with django_assert_num_queries(4 + API_DOOR):
        response = api_as(caseworker_a).get("/api/v1/transfers/", {"page_size": page_size})
    assert len(response.json()["results"]) == min(page_size, 60)


def test_the_transfers_page_costs_a_fixed_number_of_queries(client_as, caseworker_a, many, django_assert_num_queries):
    client = client_as(caseworker_a)
    # session, user, the user's shelters, incoming with their senders, outgoing with their receivers and cases,
    # the audit INSERT of the reasons shown, session save (savepoint, update, release); and the door
    with django_assert_num_queries(9 + PAGE_DOOR):
        response = client.get("/transfers/")
    assert response.content.decode().count("motivo ") == 60
