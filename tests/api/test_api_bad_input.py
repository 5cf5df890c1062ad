"""Bad input of every kind is a 400 naming the field, and nothing is saved; never a 500.

One row per rule of api-v1.md: each starts from a valid body and breaks one thing.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from shelters.models import AuditEntry, MonthLock, Service, Shelter, Victim
from tests.api.bodies import CASE_RECORD_MODELS, VICTIM_RECORD_ENDPOINTS, victim_record_body
from tests.factories import ShelterFactory

pytestmark = pytest.mark.django_db

MODELS = {**CASE_RECORD_MODELS, "shelters": Shelter}
TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()
NEXT_YEAR = timezone.localdate().year + 1


def valid_body(endpoint: str, records) -> dict:
    if endpoint == "shelters":
        return {"slug": "casa-nueva", "name": "Casa Nueva", "state": "ROO", "agreement_start": "2007-05"}
    if endpoint in VICTIM_RECORD_ENDPOINTS:
        return victim_record_body(endpoint, records)
    return {
        "victims": {
            "intake_date": "2007-10-10",
            "sex": "female",
            "role": "primary",
            "tip_victim": True,
            "exploitation_types": ["sexual_exploitation"],
            "nationality": "GT",
            "birth_year": 1990,
            "given_name": "Ana",
        },
        "trainings": {"date": "2007-10-11", "institution": "PGR", "sector": "government", "attendees": 5},
    }[endpoint]


DROP = object()

# (endpoint, changes to the valid body, the field the 400 must name)
RULES = [
    # Victims
    ("victims", {"intake_date": DROP}, "intake_date"),
    ("victims", {"intake_date": TOMORROW}, "intake_date"),
    ("victims", {"intake_date": "1899-12-31"}, "intake_date"),
    ("victims", {"intake_date": "10/10/2007"}, "intake_date"),
    ("victims", {"intake_date": 20071010}, "intake_date"),
    ("victims", {"intake_date": "2007-02-30"}, "intake_date"),
    ("victims", {"role": "tertiary"}, "role"),
    ("victims", {"sex": "f"}, "sex"),
    ("victims", {"sex": None}, "sex"),
    ("victims", {"birth_year": NEXT_YEAR}, "birth_year"),
    ("victims", {"birth_year": 1850}, "birth_year"),
    ("victims", {"birth_year": "nineteen ninety"}, "birth_year"),
    ("victims", {"birth_year": 10**12}, "birth_year"),
    ("victims", {"nationality": "XX"}, "nationality"),
    ("victims", {"nationality": "GTM"}, "nationality"),
    ("victims", {"tip_victim": "perhaps"}, "tip_victim"),
    ("victims", {"exploitation_types": []}, "exploitation_types"),
    ("victims", {"tip_victim": False}, "exploitation_types"),
    ("victims", {"exploitation_types": ["slavery"]}, "exploitation_types"),
    ("victims", {"exploitation_types": "forced_labor"}, "exploitation_types"),
    ("victims", {"exploitation_types": ["forced_labor", "forced_labor"]}, "exploitation_types"),
    ("victims", {"exit_date": "2007-10-01"}, "exit_date"),  # before intake (and no reason)
    ("victims", {"exit_date": "2007-10-12"}, "exit_reason"),  # an exit needs its reason
    ("victims", {"exit_reason": "reintegrated"}, "exit_date"),  # a reason needs an exit
    ("victims", {"exit_date": TOMORROW, "exit_reason": "other"}, "exit_date"),
    ("victims", {"exit_date": "2007-10-12", "exit_reason": "escaped"}, "exit_reason"),
    ("victims", {"role": "secondary", "tip_victim": False, "exploitation_types": []}, "primary_victim"),
    ("victims", {"role": "secondary", "primary_victim": "{open_victim}"}, "tip_victim"),
    ("victims", {"primary_victim": "{open_victim}"}, "primary_victim"),  # a primary victim links to nobody
    ("victims", {"role": "secondary", "primary_victim": "not-a-uuid"}, "primary_victim"),
    ("victims", {"given_name": "x" * 101}, "given_name"),
    ("victims", {"family_name": "x" * 101}, "family_name"),
    ("victims", {"notes": "x" * 5001}, "notes"),
    ("victims", {"given_name": ["Ana"]}, "given_name"),
    ("victims", {"notes": "nul \x00 byte"}, "notes"),
    ("victims", {"shelter": ""}, "shelter"),
    ("victims", {"shelter": 7}, "shelter"),
    # Services
    ("services", {"date": "2007-09-30"}, "date"),  # before intake
    ("services", {"victim": "{exited_victim}", "date": "2007-10-21"}, "date"),  # after exit
    ("services", {"date": TOMORROW}, "date"),
    ("services", {"date": "0001-01-01"}, "date"),
    ("services", {"date": DROP}, "date"),
    ("services", {"category": "dental"}, "category"),
    ("services", {"category": DROP}, "category"),
    ("services", {"victim": DROP}, "victim"),
    ("services", {"victim": "123"}, "victim"),
    ("services", {"victim": 123}, "victim"),
    ("services", {"notes": "x" * 5001}, "notes"),
    # Referrals
    ("referrals", {"kind": "transport"}, "kind"),
    ("referrals", {"institution": DROP}, "institution"),
    ("referrals", {"institution": ""}, "institution"),
    ("referrals", {"institution": "x" * 201}, "institution"),
    ("referrals", {"reason": "x" * 2001}, "reason"),
    ("referrals", {"date": "1899-01-01"}, "date"),
    # Legal actions
    ("legal-actions", {"kind": "appeal"}, "kind"),
    ("legal-actions", {"crime": "fraud"}, "crime"),
    ("legal-actions", {"crime": DROP}, "crime"),
    ("legal-actions", {"reference": "x" * 101}, "reference"),
    ("legal-actions", {"date": TOMORROW}, "date"),
    # Follow-ups
    ("follow-ups", {"victim": "{open_victim}"}, "victim"),  # has not left the shelter
    ("follow-ups", {"date": "2007-10-20"}, "date"),  # on the exit day
    ("follow-ups", {"date": "2007-10-01"}, "date"),  # before exit
    ("follow-ups", {"date": TOMORROW}, "date"),
    ("follow-ups", {"method": "x" * 101}, "method"),
    # Trainings
    ("trainings", {"attendees": 0}, "attendees"),
    ("trainings", {"attendees": -3}, "attendees"),
    ("trainings", {"attendees": "many"}, "attendees"),
    ("trainings", {"attendees": 2.5}, "attendees"),
    ("trainings", {"sector": "academic"}, "sector"),
    ("trainings", {"institution": DROP}, "institution"),
    ("trainings", {"date": TOMORROW}, "date"),
    ("trainings", {"topic": "x" * 301}, "topic"),
    # Shelters (program staff)
    ("shelters", {"state": "MX-ROO"}, "state"),
    ("shelters", {"state": "TEX"}, "state"),
    ("shelters", {"agreement_start": "2007-05-03"}, "agreement_start"),
    ("shelters", {"agreement_start": "2007-13"}, "agreement_start"),
    ("shelters", {"agreement_start": "1899-12"}, "agreement_start"),
    ("shelters", {"slug": "shelter-a"}, "slug"),  # taken
    ("shelters", {"slug": "casa nueva!"}, "slug"),
    ("shelters", {"slug": "x" * 51}, "slug"),
    ("shelters", {"name": DROP}, "name"),
]


def apply(body: dict, changes: dict, records) -> dict:
    body = dict(body)
    for name, value in changes.items():
        if value is DROP:
            body.pop(name, None)
        elif isinstance(value, str) and value.startswith("{"):
            body[name] = str(getattr(records, value.strip("{}")).pk)
        else:
            body[name] = value
    return body


@pytest.mark.parametrize(("endpoint", "changes", "field"), RULES, ids=lambda value: str(value)[:40])
def test_bad_input_is_400_naming_the_field_and_saves_nothing(
    api_as, caseworker_a, program_staff, records_a, endpoint, changes, field
):
    user = program_staff if endpoint == "shelters" else caseworker_a
    body = apply(valid_body(endpoint, records_a), changes, records_a)
    model = MODELS[endpoint]
    count_before, audit_before = model.objects.count(), AuditEntry.objects.count()

    response = api_as(user).post(f"/api/v1/{endpoint}/", body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert all(isinstance(message, str) and message for message in response.json()[field])
    assert model.objects.count() == count_before
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize("endpoint", ["victims", "services", "referrals", "legal-actions", "follow-ups", "trainings"])
def test_the_valid_bodies_above_are_accepted(api_as, caseworker_a, records_a, endpoint):
    """The rows above fail because of their one change, not because the base body is bad."""
    response = api_as(caseworker_a).post(f"/api/v1/{endpoint}/", valid_body(endpoint, records_a), format="json")

    assert response.status_code == 201, response.content


def test_the_valid_shelter_body_is_accepted(api_as, program_staff, shelter_a):
    response = api_as(program_staff).post("/api/v1/shelters/", valid_body("shelters", None), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["agreement_start"] == "2007-05"
    assert Shelter.objects.get(slug="casa-nueva").agreement_start == date(2007, 5, 1)


@pytest.mark.parametrize("endpoint", ["victims", "services", "trainings"])
@pytest.mark.parametrize("payload", [b"{not json", b'{"date": "2007-10-11",}', b"\xff\xfe", b""])
def test_malformed_json_is_400(api_as, caseworker_a, records_a, endpoint, payload):
    count_before = MODELS[endpoint].objects.count()

    response = api_as(caseworker_a).post(f"/api/v1/{endpoint}/", payload, content_type="application/json")

    assert response.status_code == 400
    assert MODELS[endpoint].objects.count() == count_before


@pytest.mark.parametrize("payload", ["just a string", 42, None, [1, 2]])
def test_a_body_that_is_not_a_record_is_400(api_as, caseworker_a, records_a, payload):
    response = api_as(caseworker_a).post("/api/v1/victims/", payload, format="json")

    assert response.status_code == 400
    assert Victim.objects.count() == 2


def test_a_changed_record_is_checked_by_the_same_rules(api_as, caseworker_a, records_a):
    """PATCH goes through the same validation: an exit before the services logged is refused."""
    victim = records_a.open_victim

    response = api_as(caseworker_a).patch(
        f"/api/v1/victims/{victim.pk}/", {"exit_date": "2007-10-02", "exit_reason": "other"}, format="json"
    )

    assert response.status_code == 400
    assert "exit_date" in response.json()
    victim.refresh_from_db()
    assert victim.exit_date is None


def test_removing_an_exit_with_follow_ups_is_400(api_as, caseworker_a, records_a):
    victim = records_a.exited_victim

    response = api_as(caseworker_a).patch(
        f"/api/v1/victims/{victim.pk}/", {"exit_date": None, "exit_reason": ""}, format="json"
    )

    assert response.status_code == 400
    assert "exit_date" in response.json()


def test_shelter_is_required_for_a_user_of_two_shelters(api_as, caseworker_a, records_a):
    caseworker_a.shelters.add(ShelterFactory(slug="shelter-c"))

    response = api_as(caseworker_a).post("/api/v1/victims/", {"intake_date": "2007-10-10"}, format="json")

    assert response.status_code == 400
    assert "shelter" in response.json()


def test_shelter_may_be_left_out_by_a_user_of_one_shelter(api_as, caseworker_a, shelter_a):
    response = api_as(caseworker_a).post("/api/v1/victims/", {"intake_date": "2007-10-10"}, format="json")

    assert response.status_code == 201
    assert response.json()["shelter"] == "shelter-a"
    assert response.json()["case_code"].startswith("SA-")


def test_case_code_is_read_only(api_as, caseworker_a, shelter_a):
    response = api_as(caseworker_a).post(
        "/api/v1/victims/", {"intake_date": "2007-10-10", "case_code": "HACK-1"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["case_code"] != "HACK-1"


def test_a_victim_does_not_move_to_another_shelter(api_as, caseworker_a, records_a):
    other = ShelterFactory(slug="shelter-c")
    caseworker_a.shelters.add(other)

    response = api_as(caseworker_a).patch(
        f"/api/v1/victims/{records_a.open_victim.pk}/", {"shelter": "shelter-c"}, format="json"
    )

    assert response.status_code == 400
    assert "shelter" in response.json()


def test_a_secondary_victim_cannot_link_to_a_secondary_victim(api_as, caseworker_a, records_a):
    first = api_as(caseworker_a).post(
        "/api/v1/victims/",
        {"role": "secondary", "primary_victim": str(records_a.open_victim.pk), "intake_date": "2007-10-02"},
        format="json",
    )
    assert first.status_code == 201

    second = api_as(caseworker_a).post(
        "/api/v1/victims/",
        {"role": "secondary", "primary_victim": first.json()["id"], "intake_date": "2007-10-02"},
        format="json",
    )

    assert second.status_code == 400
    assert "primary_victim" in second.json()


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "yesterday"},
        {"date_to": "2007-13-01"},
        {"victim": "not-a-uuid"},
        {"category": "dental"},
        {"ordering": "notes"},
        {"shelter": "x" * 51},
    ],
)
def test_a_bad_filter_is_400_naming_it(api_as, caseworker_a, records_a, params):
    response = api_as(caseworker_a).get("/api/v1/services/", params)

    assert response.status_code == 400
    assert set(params) <= set(response.json())


@pytest.mark.parametrize(
    "params", [{"role": "tertiary"}, {"tip_victim": "perhaps"}, {"active_on": "2007-10"}, {"sex": "f"}]
)
def test_a_bad_victim_filter_is_400_naming_it(api_as, caseworker_a, records_a, params):
    response = api_as(caseworker_a).get("/api/v1/victims/", params)

    assert response.status_code == 400
    assert set(params) <= set(response.json())


@pytest.mark.parametrize(
    ("endpoint", "month"),
    [("services", "2007-10"), ("victims", "2007-10"), ("trainings", "2007-10"), ("follow-ups", "2007-12")],
)
def test_writing_into_a_locked_month_is_409_naming_it(api_as, caseworker_a, records_a, shelter_a, endpoint, month):
    year, number = (int(part) for part in month.split("-"))
    MonthLock.objects.create(shelter=shelter_a, month=date(year, number, 1))
    count_before = MODELS[endpoint].objects.count()

    response = api_as(caseworker_a).post(f"/api/v1/{endpoint}/", valid_body(endpoint, records_a), format="json")

    assert response.status_code == 409
    assert month in response.json()["detail"]
    assert MODELS[endpoint].objects.count() == count_before


def test_deleting_a_record_of_a_locked_month_is_409(api_as, caseworker_a, records_a, shelter_a):
    MonthLock.objects.create(shelter=shelter_a, month=date(2007, 10, 1))
    service = records_a.by_endpoint["services"][0]

    response = api_as(caseworker_a).delete(f"/api/v1/services/{service.pk}/")

    assert response.status_code == 409
    assert Service.objects.filter(pk=service.pk).exists()


def test_deleting_a_primary_victim_with_secondary_victims_is_400(api_as, caseworker_a, records_a):
    api_as(caseworker_a).post(
        "/api/v1/victims/",
        {"role": "secondary", "primary_victim": str(records_a.open_victim.pk), "intake_date": "2007-10-02"},
        format="json",
    )

    response = api_as(caseworker_a).delete(f"/api/v1/victims/{records_a.open_victim.pk}/")

    assert response.status_code == 400
    assert "primary_victim" in response.json()
    assert Victim.objects.filter(pk=records_a.open_victim.pk).exists()


def test_an_unknown_id_in_the_path_is_404(api_as, caseworker_a, records_a):
    assert api_as(caseworker_a).get("/api/v1/services/not-a-uuid/").status_code == 404
    assert api_as(caseworker_a).get("/api/v1/services/00000000-0000-0000-0000-000000000000/").status_code == 404
