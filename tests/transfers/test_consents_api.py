"""`/api/v1/consents/`: recorded per victim and purpose by the victim's shelter; nobody else sees one."""

from __future__ import annotations

import pytest

from shelters.models import AuditEntry
from tests.transfers.conftest import make_consent
from transfers.models import Consent

pytestmark = pytest.mark.django_db


def record(api_as, user, victim, **overrides):
    body = {
        "victim": str(victim.pk),
        "purpose": "transfer",
        "given_on": "2026-03-01",
        "notes": "Con su tía",
    } | overrides
    return api_as(user).post("/api/v1/consents/", body, format="json")


def test_a_caseworker_records_a_consent_and_is_named_as_recording_it(api_as, caseworker_a, case_a):
    response = record(api_as, caseworker_a, case_a, expires_on="2026-06-30")
    assert response.status_code == 201
    body = response.json()
    assert {key: body[key] for key in body if key != "id"} == {
        "victim": str(case_a.pk),
        "purpose": "transfer",
        "given_on": "2026-03-01",
        "expires_on": "2026-06-30",
        "withdrawn_on": None,
        "recorded_by": "alice",
        "notes": "Con su tía",
    }
    created = AuditEntry.objects.get(action="create", record_type="consent")
    assert created.shelter_id == case_a.shelter_id and "Con su tía" not in str(created.fields)


def test_recorded_by_cannot_be_set_by_the_client(api_as, caseworker_a, coordinator_a, case_a):
    response = record(api_as, caseworker_a, case_a, recorded_by="carla")
    assert response.json()["recorded_by"] == "alice"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"purpose": "marketing"}, "purpose"),
        ({"given_on": "2999-01-01"}, "given_on"),
        ({"given_on": "2026-03-01", "expires_on": "2026-02-01"}, "expires_on"),
        ({"withdrawn_on": "2026-02-01"}, "withdrawn_on"),
        ({"given_on": "not a date"}, "given_on"),
        ({"notes": "x" * 2001}, "notes"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_as, caseworker_a, case_a, overrides, field):
    response = record(api_as, caseworker_a, case_a, **overrides)
    assert response.status_code == 400 and field in response.json()
    assert not Consent.objects.exists()


def test_another_shelters_consents_do_not_exist_for_it(api_as, caseworker_b, case_a, transfer_consent):
    client = api_as(caseworker_b)
    assert client.get("/api/v1/consents/").json()["results"] == []
    assert client.get(f"/api/v1/consents/{transfer_consent.pk}/").status_code == 404
    assert client.patch(f"/api/v1/consents/{transfer_consent.pk}/", {"notes": "x"}, format="json").status_code == 404
    assert record(api_as, caseworker_b, case_a).status_code == 404


def test_reading_a_consent_audits_its_notes_and_a_withdrawal_stands(api_as, caseworker_a, case_a):
    consent = make_consent(case_a, notes="Con su tía")
    client = api_as(caseworker_a)
    assert client.get(f"/api/v1/consents/{consent.pk}/").json()["notes"] == "Con su tía"
    assert AuditEntry.objects.filter(action="view", record_type="consent", record_id=str(consent.pk)).exists()

    assert (
        client.patch(f"/api/v1/consents/{consent.pk}/", {"withdrawn_on": "2026-03-05"}, format="json").json()[
            "withdrawn_on"
        ]
        == "2026-03-05"
    )
    for change in ({"withdrawn_on": None}, {"withdrawn_on": "2026-03-20"}):
        response = client.patch(f"/api/v1/consents/{consent.pk}/", change, format="json")
        assert response.status_code == 400 and "withdrawn_on" in response.json()
    assert client.delete(f"/api/v1/consents/{consent.pk}/").status_code == 405
    consent.refresh_from_db()
    assert str(consent.withdrawn_on) == "2026-03-05"


@pytest.mark.parametrize("persona", ["program_staff", "partner"])
def test_program_staff_and_partners_are_refused(api_as, personas, persona, case_a):
    assert record(api_as, personas[persona], case_a).status_code == 403
