"""Months and quarters before 1900 are refused with 400 naming the parameter, wherever the API takes one."""

from __future__ import annotations

import pytest

from indicators.models import MonthSubmission
from shelters.models import MonthLock

from ..factories import ShelterFactory

pytestmark = pytest.mark.django_db

TOO_EARLY = ["0001-01", "1899-12", "0000-01"]


@pytest.mark.parametrize("month", TOO_EARLY)
@pytest.mark.parametrize("param", ["from", "to"])
def test_an_annex2_table_month_before_1900_is_400_naming_it(program_staff, shelter_a, api_as, param, month):
    other = {"from": "2007-01", "to": "2007-12"}
    response = api_as(program_staff).get(f"/api/v1/shelters/{shelter_a.slug}/annex2/", {**other, param: month})

    assert response.status_code == 400
    assert list(response.json()) == [param]
    assert "1900-01" in response.json()[param][0]


def test_the_first_month_1900_is_a_month(program_staff, shelter_a, api_as):
    response = api_as(program_staff).get(
        f"/api/v1/shelters/{shelter_a.slug}/annex2/", {"from": "1900-01", "to": "1900-03"}
    )

    assert response.status_code == 200
    assert response.json()["months"][0] != "1-01"


@pytest.mark.parametrize("month", TOO_EARLY)
def test_locking_a_month_before_1900_is_400_naming_it(program_staff, shelter_a, api_as, month):
    client = api_as(program_staff)
    url = f"/api/v1/shelters/{shelter_a.slug}/months/{month}/lock/"

    answers = [client.post(url), client.get(url), client.delete(url)]

    assert [answer.status_code for answer in answers] == [400, 400, 400]
    assert all(list(answer.json()) == ["month"] for answer in answers)
    assert not MonthLock.objects.exists()


@pytest.mark.parametrize("month", TOO_EARLY)
def test_submitting_a_month_before_1900_is_400_naming_it(coordinator_a, shelter_a, api_as, month):
    response = api_as(coordinator_a).post(f"/api/v1/shelters/{shelter_a.slug}/months/{month}/submit/")

    assert response.status_code == 400
    assert list(response.json()) == ["month"]
    assert not MonthSubmission.objects.exists()


@pytest.mark.parametrize("param", ["month", "month_from", "month_to"])
@pytest.mark.parametrize("month", TOO_EARLY)
def test_an_indicator_value_month_filter_before_1900_is_400_naming_it(partner, api_as, param, month):
    response = api_as(partner).get("/api/v1/indicator-values/", {param: month})

    assert response.status_code == 400
    assert list(response.json()) == [param]


def test_a_shelter_agreement_start_before_1900_is_400_naming_it(program_staff, api_as):
    client = api_as(program_staff)
    body = {"slug": "old", "name": "Old", "city": "X", "state": "CMX", "agreement_number": "1"}

    response = client.post("/api/v1/shelters/", {**body, "agreement_start": "0001-01"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["agreement_start"]


def test_a_shelter_month_of_1900_is_kept_as_written(program_staff, api_as):
    ShelterFactory(slug="kept")
    response = api_as(program_staff).patch("/api/v1/shelters/kept/", {"agreement_start": "1900-01"}, format="json")

    assert response.status_code == 200
    assert response.json()["agreement_start"] == "1900-01"


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("partner", "/api/v1/meetings/?quarter=0001-Q1"),
        ("partner", "/api/v1/meetings/?quarter=1899-Q4"),
        ("program_staff", "/api/v1/cost-share-contributions/?quarter=0001-Q1"),
        ("program_staff", "/api/v1/disbursements/?quarter=0001-Q1"),
        ("program_staff", "/api/v1/cost-share/0001-Q1/"),
        ("partner", "/api/v1/reports/quarterly/0001-Q1/"),
        ("partner", "/api/v1/reports/quarterly/1899-Q4/?format=csv"),
    ],
)
def test_a_quarter_before_1900_is_400_naming_it(request, api_as, persona, url):
    response = api_as(request.getfixturevalue(persona)).get(url)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert list(response.json()) == ["quarter"]


def test_the_schema_says_the_months_it_takes(program_staff, api_as):
    import re

    schema = api_as(program_staff).get("/api/schema/", {"format": "json"}).json()
    pattern = schema["components"]["schemas"]["Shelter"]["properties"]["agreement_start"]["pattern"]

    assert [bool(re.match(pattern, month)) for month in ["1900-01", "2007-10", "9999-12"]] == [True, True, True]
    assert [bool(re.match(pattern, month)) for month in ["0001-01", "1899-12", "2007-13"]] == [False, False, False]


def test_the_lock_and_submit_services_refuse_a_month_before_1900(program_staff, coordinator_a, shelter_a):
    from datetime import date

    from django.core.exceptions import ValidationError

    from indicators import locks

    with pytest.raises(ValidationError) as locked:
        locks.month_lock(actor=program_staff, shelter=shelter_a, month=date(1, 1, 1))
    with pytest.raises(ValidationError):
        locks.month_submit(actor=coordinator_a, shelter=shelter_a, month=date(1899, 12, 1))

    assert "month" in locked.value.message_dict
    assert not MonthLock.objects.exists() and not MonthSubmission.objects.exists()
