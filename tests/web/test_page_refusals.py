"""A case page refused (another shelter's case, no such case, a role without case records) is an audit entry."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from shelters.models import AuditEntry, Service, Victim
from tests.refusals import minute_total

pytestmark = pytest.mark.django_db

CASE_PAGES = ["", "exit/", "services/new/", "referrals/new/", "children/new/"]


def the_refusal() -> AuditEntry:
    entry = AuditEntry.objects.get(action="refused")
    text = f"{entry.actor_username} {entry.record_type} {entry.record_id} {entry.fields} {entry.channel}"
    assert "Guadalupe" not in text and "Núñez" not in text and "SA-00001" not in text
    return entry


@pytest.mark.parametrize("page", CASE_PAGES)
def test_another_shelters_case_page_is_a_404_entry(client_as, caseworker_b, case_a, page):
    response = client_as(caseworker_b).get(f"/cases/{case_a.pk}/{page}")

    assert response.status_code == 404
    entry = the_refusal()
    assert (entry.actor, entry.record_type, entry.record_id) == (caseworker_b, "victim", str(case_a.pk))
    assert (entry.fields, entry.channel, entry.address) == (["404"], "web", "127.0.0.1")


def test_refused_writes_into_another_shelters_case_save_nothing(client_as, caseworker_b, case_a):
    client = client_as(caseworker_b)

    statuses = [
        client.post(f"/cases/{case_a.pk}/services/new/", {"category": "legal", "date": "2026-02-01"}).status_code,
        client.post(f"/cases/{case_a.pk}/exit/", {"exit_date": "2026-02-01", "exit_reason": "other"}).status_code,
        client.post(f"/cases/{case_a.pk}/children/new/", {"intake_date": "2026-01-10", "sex": "male"}).status_code,
    ]

    assert statuses == [404, 404, 404]
    assert not Service.objects.exists()
    assert Victim.objects.get().exit_date is None
    assert the_refusal().repeats == 1
    assert minute_total() == 3


def test_a_case_that_does_not_exist_is_a_404_entry(client_as, caseworker_a, case_a):
    missing = uuid.uuid4()

    assert client_as(caseworker_a).get(f"/cases/{missing}/").status_code == 404
    assert the_refusal().record_id == str(missing)


@pytest.mark.parametrize("persona", ["program_staff", "partner"])
def test_a_role_without_case_records_is_a_403_entry(client_as, personas, case_a, persona):
    response = client_as(personas[persona]).get(f"/cases/{case_a.pk}/")

    assert response.status_code == 403
    entry = the_refusal()
    assert (entry.actor, entry.record_type, entry.record_id, entry.fields) == (
        personas[persona],
        "victim",
        str(case_a.pk),
        ["403"],
    )


def test_the_case_list_and_trainings_refused_to_program_staff_are_entries(client_as, program_staff, case_a):
    client = client_as(program_staff)

    assert client.get("/cases/").status_code == 403
    assert client.get("/trainings/").status_code == 403
    assert client.get("/annex2/").status_code == 403

    # One entry for the minute (the first refusal, the case list), counting both case-record pages;
    # Annex 2 shows totals, no case record: not counted.
    entry = the_refusal()
    assert (entry.record_type, entry.record_id, minute_total()) == ("victim", "", 2)


def test_own_case_pages_write_no_refusal(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)

    for page in CASE_PAGES:
        assert client.get(f"/cases/{case_a.pk}/{page}").status_code == 200, page
    assert not AuditEntry.objects.filter(action="refused").exists()


def test_an_anonymous_visitor_is_sent_to_sign_in_without_an_entry(case_a):
    # Not a refusal of the record: a session that timed out sends its owner back through the sign-in page.
    response = Client().get(f"/cases/{case_a.pk}/")

    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="refused").exists()
