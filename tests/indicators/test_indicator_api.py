"""GET /api/v1/indicators/ and /api/v1/indicator-values/: fields, filters, isolation, query counts."""

from __future__ import annotations

from datetime import date

import pytest

from indicators.catalogue import INDICATOR_KEYS, INDICATORS_BY_KEY
from indicators.models import IndicatorValue, Source
from shelters.models import MonthLock
from tests.walls import API_DOOR, NO_DOOR

VALUES_URL = "/api/v1/indicator-values/"


@pytest.mark.parametrize("persona", ["caseworker_a", "coordinator_a", "program_staff", "partner"])
def test_every_role_reads_the_catalogue(personas, api_as, persona):
    response = api_as(personas[persona]).get("/api/v1/indicators/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(INDICATOR_KEYS)
    assert [entry["key"] for entry in body["results"]] == INDICATOR_KEYS
    first = body["results"][0]
    assert {key: first[key] for key in ("key", "section", "label_en", "label_es", "order")} == {
        "key": "victims_served",
        "section": "victims_served",
        "label_en": INDICATORS_BY_KEY["victims_served"].label_en,
        "label_es": INDICATORS_BY_KEY["victims_served"].label_es,
        "order": 1,
    }
    assert [entry["order"] for entry in body["results"]] == list(range(1, len(INDICATOR_KEYS) + 1))


def test_the_catalogue_needs_a_sign_in(api_as):
    assert api_as(None).get("/api/v1/indicators/").status_code == 401
    assert api_as(None).get(VALUES_URL).status_code == 401


def test_one_indicator_by_key(partner, api_as):
    client = api_as(partner)
    assert client.get("/api/v1/indicators/prosecutions_total/").json()["parts"] == [
        "prosecutions_tip",
        "prosecutions_other",
    ]
    assert client.get("/api/v1/indicators/nothing/").status_code == 404


@pytest.fixture
def values(shelter_a, shelter_b):
    rows = [
        (shelter_a, date(2007, 5, 1), "services_legal", 4, Source.IMPORTED),
        (shelter_a, date(2007, 5, 1), "services_legal", 6, Source.COMPUTED),
        (shelter_a, date(2007, 6, 1), "sentences_other", None, Source.IMPORTED),
        (shelter_a, date(2007, 7, 1), "victims_served", 0, Source.COMPUTED),
        (shelter_b, date(2007, 6, 1), "services_legal", 9, Source.IMPORTED),
    ]
    MonthLock.objects.create(shelter=shelter_a, month=date(2007, 6, 1))
    return [
        IndicatorValue.objects.create(shelter=shelter, month=month, indicator=key, value=value, source=source)
        for shelter, month, key, value, source in rows
    ]


def listed(client, **params):
    response = client.get(VALUES_URL, params)
    assert response.status_code == 200, response.json()
    return [
        (row["shelter"], row["month"], row["indicator"], row["value"], row["source"])
        for row in response.json()["results"]
    ]


def test_the_fields_of_a_value(values, program_staff, api_as):
    results = api_as(program_staff).get(VALUES_URL, {"month": "2007-06", "shelter": "shelter-a"}).json()["results"]
    assert len(results) == 1
    assert {key: results[0][key] for key in ("shelter", "month", "indicator", "value", "source", "locked")} == {
        "shelter": "shelter-a",
        "month": "2007-06",
        "indicator": "sentences_other",
        "value": None,
        "source": "imported",
        "locked": True,
    }


def test_program_staff_and_partners_see_every_shelter(values, program_staff, partner, api_as):
    assert len(listed(api_as(program_staff))) == 5
    # Partners read the value the table shows, not the computed one behind an imported one; and 4 is small.
    assert listed(api_as(partner)) == [
        ("shelter-a", "2007-05", "services_legal", None, "imported"),
        ("shelter-a", "2007-06", "sentences_other", None, "imported"),
        ("shelter-a", "2007-07", "victims_served", 0, "computed"),
        ("shelter-b", "2007-06", "services_legal", 9, "imported"),
    ]


def test_shelter_staff_see_their_own_shelters_only(values, caseworker_a, caseworker_b, api_as):
    assert {row[0] for row in listed(api_as(caseworker_a))} == {"shelter-a"}
    assert len(listed(api_as(caseworker_a))) == 4
    assert listed(api_as(caseworker_b)) == [("shelter-b", "2007-06", "services_legal", 9, "imported")]
    # Naming another shelter lists nothing of it.
    assert listed(api_as(caseworker_b), shelter="shelter-a") == []


def test_filters(values, program_staff, api_as):
    client = api_as(program_staff)
    assert listed(client, shelter="shelter-b") == [("shelter-b", "2007-06", "services_legal", 9, "imported")]
    assert len(listed(client, indicator="services_legal")) == 3
    assert listed(client, indicator="services_legal", source="computed") == [
        ("shelter-a", "2007-05", "services_legal", 6, "computed")
    ]
    assert {row[1] for row in listed(client, month_from="2007-06")} == {"2007-06", "2007-07"}
    assert {row[1] for row in listed(client, month_to="2007-06")} == {"2007-05", "2007-06"}
    assert [row[2] for row in listed(client, month_from="2007-06", month_to="2007-06", shelter="shelter-a")] == [
        "sentences_other"
    ]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"shelter": "nowhere"}, "shelter"),
        ({"indicator": "victims"}, "indicator"),
        ({"source": "typed"}, "source"),
        ({"month_from": "2007-13"}, "month_from"),
        ({"month_to": "2007/06"}, "month_to"),
        ({"month_from": "2007-08", "month_to": "2007-06"}, "month_to"),
        ({"page_size": "x", "month": "May"}, "month"),
    ],
)
def test_bad_filters_are_a_400_naming_them(values, program_staff, api_as, params, name):
    response = api_as(program_staff).get(VALUES_URL, params)
    assert response.status_code == 400
    assert name in response.json()


def test_pages(values, program_staff, api_as):
    body = api_as(program_staff).get(VALUES_URL, {"page_size": 2}).json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["next"]


def test_query_count_is_fixed(shelter_a, shelter_b, program_staff, caseworker_a, api_as, django_assert_num_queries):
    IndicatorValue.objects.bulk_create(
        IndicatorValue(shelter=shelter, month=date(2007, month, 1), indicator=key, value=month, source=Source.IMPORTED)
        for shelter in (shelter_a, shelter_b)
        for month in range(5, 13)
        for key in INDICATOR_KEYS[:10]
    )
    MonthLock.objects.create(shelter=shelter_a, month=date(2007, 6, 1))
    for user in (program_staff, caseworker_a):
        # 1: count; 2: the page, its shelters joined and its locks as an EXISTS column; and the door
        # (tests/walls.py: shelter staff's values are those of their shelters).
        with django_assert_num_queries(2 + (API_DOOR if user == caseworker_a else NO_DOOR)):
            response = api_as(user).get(VALUES_URL, {"page_size": 500})
        assert response.status_code == 200
    assert sum(row["locked"] for row in response.json()["results"]) == 10
    # A choice filter adds no query; the catalogue is code, not a table.
    with django_assert_num_queries(2 + NO_DOOR):
        assert api_as(program_staff).get(VALUES_URL, {"source": "imported"}).status_code == 200
    with django_assert_num_queries(0 + NO_DOOR):
        assert api_as(program_staff).get("/api/v1/indicators/").status_code == 200
