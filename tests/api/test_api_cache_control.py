"""Every API answer, personal data or not, success or refusal, is sent with Cache-Control: no-store."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

CASE_ENDPOINTS = ["victims", "services", "referrals", "legal-actions", "follow-ups", "trainings"]


def assert_no_store(response):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, (response.request["PATH_INFO"], response.get("Cache-Control"))


@pytest.mark.parametrize("endpoint", CASE_ENDPOINTS)
def test_case_records_are_not_stored(api_as, caseworker_a, records_a, endpoint):
    client = api_as(caseworker_a)
    record = records_a.by_endpoint[endpoint][0]

    for response in [
        client.get(f"/api/v1/{endpoint}/"),
        client.get(f"/api/v1/{endpoint}/{record.pk}/"),
        client.patch(f"/api/v1/{endpoint}/{record.pk}/", {}, format="json"),
    ]:
        assert response.status_code == 200
        assert_no_store(response)


@pytest.mark.parametrize("endpoint", CASE_ENDPOINTS)
def test_refusals_of_case_records_are_not_stored_either(api_as, caseworker_b, partner, records_a, endpoint):
    record = records_a.by_endpoint[endpoint][0]
    answers = [
        api_as(caseworker_b).get(f"/api/v1/{endpoint}/{record.pk}/"),
        api_as(partner).get(f"/api/v1/{endpoint}/"),
        api_as(None).get(f"/api/v1/{endpoint}/"),
    ]

    assert [answer.status_code for answer in answers] == [404, 403, 401]
    for answer in answers:
        assert_no_store(answer)


def test_the_token_is_not_stored(caseworker_a):
    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")

    assert response.status_code == 200 and "token" in response.json()
    assert_no_store(response)


def test_every_list_and_table_of_the_schema_is_not_stored(api_as, caseworker_a, program_staff, partner, records_a):
    paths = api_as(program_staff).get("/api/schema/", {"format": "json"}).json()["paths"]
    plain = [path for path in paths if "{" not in path]
    assert len(plain) > 10

    for user in (caseworker_a, program_staff, partner):
        client = api_as(user)
        for path in plain:
            assert_no_store(client.get(path))
    annex2 = api_as(partner).get(f"/api/v1/shelters/{records_a.open_victim.shelter.slug}/annex2/", {"format": "xlsx"})
    assert annex2.status_code == 200
    assert_no_store(annex2)


def test_an_unknown_api_url_and_the_docs_are_not_stored(api_as, partner):
    assert_no_store(api_as(partner).get("/api/v1/no-such-thing/"))
    assert_no_store(api_as(partner).get("/api/docs/"))
