"""A bulk POST (a JSON list of up to 1,000 records) saves all or none and says which items failed."""

from __future__ import annotations

import pytest

from shelters.models import AuditEntry, LegalAction, Referral, Service
from tests.walls import API_DOOR

pytestmark = pytest.mark.django_db


def service(victim, day: int = 11, **changes) -> dict:
    return {"victim": str(victim.pk), "date": f"2007-10-{day:02d}", "category": "medical", **changes}


def test_a_list_of_services_is_saved_and_returned_in_order(api_as, caseworker_a, records_a):
    victim = records_a.open_victim
    items = [service(victim, day, notes=f"visit {day}") for day in range(2, 12)]

    response = api_as(caseworker_a).post("/api/v1/services/", items, format="json")

    assert response.status_code == 201
    body = response.json()
    assert [row["date"] for row in body] == [item["date"] for item in items]
    assert all(row["shelter"] == "shelter-a" and row["victim"] == str(victim.pk) for row in body)
    assert Service.objects.filter(victim=victim).count() == 1 + len(items)
    assert AuditEntry.objects.filter(action="create", record_type="service", channel="api").count() == len(items)


def test_one_bad_item_saves_none_and_is_named(api_as, caseworker_a, records_a):
    victim = records_a.open_victim
    items = [service(victim) for _ in range(5)]
    items[1]["category"] = "dental"  # a shape error (serializer)
    items[3]["date"] = "2007-09-01"  # a rule error (model clean): before intake

    response = api_as(caseworker_a).post("/api/v1/services/", items, format="json")

    assert response.status_code == 400
    assert set(response.json()["items"]) == {"1"}
    assert "category" in response.json()["items"]["1"]
    assert Service.objects.count() == 1


def test_rule_errors_are_named_by_item(api_as, caseworker_a, records_a):
    victim = records_a.open_victim
    items = [service(victim) for _ in range(5)]
    items[3]["date"] = "2007-09-01"
    items[4]["victim"] = str(records_a.exited_victim.pk)
    items[4]["date"] = "2007-10-25"  # after that victim's exit

    response = api_as(caseworker_a).post("/api/v1/services/", items, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "items": {
            "3": {"date": ["The service date cannot be before the victim's intake date."]},
            "4": {"date": ["The service date cannot be after the victim's exit date."]},
        }
    }
    assert Service.objects.count() == 1
    assert not AuditEntry.objects.filter(action="create").exists()


@pytest.mark.parametrize(
    ("endpoint", "model", "item"),
    [
        ("referrals", Referral, {"date": "2007-10-11", "kind": "transfer", "institution": "DIF"}),
        ("legal-actions", LegalAction, {"date": "2007-10-11", "kind": "charges_filed", "crime": "tip"}),
    ],
)
def test_referrals_and_legal_actions_take_lists_too(api_as, caseworker_a, records_a, endpoint, model, item):
    items = [{**item, "victim": str(records_a.open_victim.pk)} for _ in range(3)]

    response = api_as(caseworker_a).post(f"/api/v1/{endpoint}/", items, format="json")

    assert response.status_code == 201
    assert model.objects.count() == 1 + 3


def test_a_thousand_services_are_saved_at_once(api_as, caseworker_a, records_a):
    items = [service(records_a.open_victim, 1 + index % 20) for index in range(1000)]

    response = api_as(caseworker_a).post("/api/v1/services/", items, format="json")

    assert response.status_code == 201
    assert Service.objects.count() == 1001


def test_more_than_a_thousand_is_400_and_saves_nothing(api_as, caseworker_a, records_a):
    items = [service(records_a.open_victim) for _ in range(1001)]

    response = api_as(caseworker_a).post("/api/v1/services/", items, format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert Service.objects.count() == 1


def test_an_empty_list_is_400(api_as, caseworker_a, records_a):
    response = api_as(caseworker_a).post("/api/v1/services/", [], format="json")

    assert response.status_code == 400


def test_items_that_are_not_objects_are_named(api_as, caseworker_a, records_a):
    response = api_as(caseworker_a).post(
        "/api/v1/services/", [service(records_a.open_victim), "oops", 3], format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["items"]) == {"1", "2"}
    assert Service.objects.count() == 1


@pytest.mark.parametrize("endpoint", ["victims", "follow-ups", "trainings"])
def test_other_endpoints_take_one_record_only(api_as, caseworker_a, records_a, endpoint):
    response = api_as(caseworker_a).post(f"/api/v1/{endpoint}/", [{"date": "2007-10-11"}], format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_a_bulk_resolves_its_victims_in_one_query(api_as, caseworker_a, records_a, django_assert_num_queries):
    items = [service(records_a.open_victim if index % 2 else records_a.exited_victim, 5) for index in range(100)]
    client = api_as(caseworker_a)

    # 1 the user's shelters and their slugs, 2 the victims named, 3 SAVEPOINT, 4 locked months,
    # 5 INSERT services, 6 INSERT audit entries, 7 the recompute request (shelters.outbox), 8 RELEASE;
    # and the door (tests/walls.py)
    with django_assert_num_queries(8 + API_DOOR):
        response = client.post("/api/v1/services/", items, format="json")

    assert response.status_code == 201
