"""Every list runs a fixed number of queries whatever the page size (1 or 100 rows)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shelters.models import Service
from shelters.selectors import case_shelters_read, records_visible_to
from tests.factories import (
    FollowUpFactory,
    LegalActionFactory,
    ReferralFactory,
    ServiceFactory,
    TrainingFactory,
    VictimFactory,
)
from tests.walls import API_DOOR, NO_DOOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_records(shelter_a, shelter_b):
    """100+ of each kind in shelter A (and some in B, which must cost nothing)."""
    for shelter in (shelter_a, shelter_b):
        for index in range(101 if shelter == shelter_a else 3):
            victim = VictimFactory(
                shelter=shelter,
                intake_date=date(2007, 9, 1),
                exit_date=date(2007, 10, 20),
                exit_reason="other",
                given_name=f"Nombre {index}",
            )
            ServiceFactory(victim=victim, date=date(2007, 10, 1), notes="n")
            ReferralFactory(victim=victim, date=date(2007, 10, 1), reason="r")
            LegalActionFactory(victim=victim, date=date(2007, 10, 1))
            FollowUpFactory(victim=victim, date=date(2007, 11, 1))
            TrainingFactory(shelter=shelter)


@pytest.mark.parametrize("endpoint", ["victims", "services", "referrals", "legal-actions", "follow-ups"])
@pytest.mark.parametrize("page_size", [1, 100])
def test_a_list_costs_four_queries(api_as, caseworker_a, many_records, django_assert_num_queries, endpoint, page_size):
    client = api_as(caseworker_a)

    # 1 SELECT the user's shelters' ids and slugs (so PostgreSQL can walk the date index in page order)
    # 2 COUNT of the user's shelters' rows
    # 3 SELECT the page
    # 4 INSERT the page's audit VIEW entries, in one statement; and the door (tests/walls.py)
    with django_assert_num_queries(4 + API_DOOR):
        response = client.get(f"/api/v1/{endpoint}/", {"page_size": page_size})

    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size


def test_a_list_counts_and_reads_its_page_by_the_shelters_it_read_first(api_as, caseworker_a, many_records):
    """The user's shelters are read once, from the memberships; the count and the page name them as a literal
    list (PostgreSQL counts 100,000 rows much faster so than through the memberships' subquery)."""
    client = api_as(caseworker_a)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/services/", {"page_size": 100})

    assert response.json()["count"] == 101
    reads = [query["sql"] for query in queries.captured_queries if "shelters_service" in query["sql"]]
    assert len(reads) == 2 and "COUNT(*)" in reads[0]
    shelter_id = caseworker_a.shelters.get().pk
    for sql in reads:
        assert "shelters_membership" not in sql
        assert f'"shelters_service"."shelter_id" IN ({shelter_id})' in sql


def test_shelters_read_for_one_user_never_open_another_users_records(caseworker_a, caseworker_b):
    with pytest.raises(ValueError, match="another user"):
        records_visible_to(caseworker_b, Service, shelters=case_shelters_read(caseworker_a))


@pytest.mark.parametrize("page_size", [1, 100])
def test_a_list_of_trainings_costs_three_queries(
    api_as, caseworker_a, many_records, django_assert_num_queries, page_size
):
    client = api_as(caseworker_a)

    # 1 the user's shelters (ids and slugs), 2 COUNT, 3 SELECT the page
    # (trainings hold no personal field: no audit entry); and the door (tests/walls.py)
    with django_assert_num_queries(3 + API_DOOR):
        response = client.get("/api/v1/trainings/", {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [1, 100])
def test_a_filtered_list_costs_the_same(api_as, caseworker_a, many_records, django_assert_num_queries, page_size):
    client = api_as(caseworker_a)

    # 1 the user's shelters (ids and slugs), 2 COUNT, 3 SELECT the page, 4 INSERT the audit VIEW entries;
    # and the door (tests/walls.py)
    with django_assert_num_queries(4 + API_DOOR):
        response = client.get(
            "/api/v1/victims/",
            {"page_size": page_size, "active_on": "2007-10-05", "role": "primary", "shelter": "shelter-a"},
        )

    assert len(response.json()["results"]) == page_size


def test_with_a_token_it_costs_one_more(token_client, caseworker_a, many_records, django_assert_num_queries):
    client = token_client(caseworker_a)

    # 1 the token and its user, 2 the user's shelters (ids and slugs), 3 COUNT, 4 SELECT the page,
    # 5 INSERT the audit VIEW entries; and the door (tests/walls.py)
    with django_assert_num_queries(5 + API_DOOR):
        client.get("/api/v1/services/", {"page_size": 100})


def test_shelters_list_costs_two(api_as, partner, many_records, django_assert_num_queries):
    client = api_as(partner)

    # 1 COUNT, 2 SELECT the page (shelters hold no personal data: no audit entry); and a partner's no door
    with django_assert_num_queries(2 + NO_DOOR):
        client.get("/api/v1/shelters/")


def test_one_victim_costs_two(api_as, caseworker_a, many_records, django_assert_num_queries):
    victim_id = api_as(caseworker_a).get("/api/v1/victims/", {"page_size": 1}).json()["results"][0]["id"]
    client = api_as(caseworker_a)

    # 1 SELECT the victim with its shelter, 2 INSERT the audit VIEW entry; and the door (tests/walls.py)
    with django_assert_num_queries(2 + API_DOOR):
        client.get(f"/api/v1/victims/{victim_id}/")


def test_creating_a_service_costs_a_fixed_number(api_as, caseworker_a, many_records, django_assert_num_queries):
    victim_id = api_as(caseworker_a).get("/api/v1/victims/", {"page_size": 1}).json()["results"][0]["id"]
    client = api_as(caseworker_a)

    # 1 SELECT the victim (visible to the user) with its shelter, 2 SAVEPOINT, 3 locked months,
    # 4 INSERT the service, 5 INSERT the audit entry, 6 the recompute request (shelters.outbox),
    # 7 RELEASE SAVEPOINT; and the door (tests/walls.py)
    with django_assert_num_queries(7 + API_DOOR):
        response = client.post(
            "/api/v1/services/", {"victim": victim_id, "date": "2007-10-02", "category": "social"}, format="json"
        )

    assert response.status_code == 201
