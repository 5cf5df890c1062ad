"""Every refused request for a case record is an audit entry: who, what (type and id) and when, never a name."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone
from rest_framework.test import APIClient

from shelters.models import AuditEntry, Service, Training, Victim
from tests.api.bodies import CASE_RECORD_MODELS, VICTIM_RECORD_ENDPOINTS, victim_record_body
from tests.refusals import minute_total, minute_totals

pytestmark = pytest.mark.django_db

ENDPOINTS = list(CASE_RECORD_MODELS)
# What the shelters' records hold that no audit entry may (records_b's victim is "Rosa", its notes "Confidential").
NAMES = ("Rosa", "Confidential", "Consulta")


def refusals():
    return AuditEntry.objects.filter(action="refused")


def assert_holds_no_name(entry: AuditEntry) -> None:
    text = " ".join(
        str(value) for value in (entry.actor_username, entry.record_type, entry.record_id, entry.fields, entry.channel)
    )
    for name in NAMES:
        assert name not in text


def the_refusal() -> AuditEntry:
    entry = refusals().get()
    assert_holds_no_name(entry)
    return entry


@pytest.fixture
def frozen_minute(monkeypatch):
    """Time stands still at mid-minute: entries that coalesce per minute cannot straddle two."""
    now = timezone.now().replace(second=30, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_reading_another_shelters_record_is_a_refusal_entry(api_as, caseworker_b, records_a, records_b, endpoint):
    record = records_a.by_endpoint[endpoint][0]

    response = api_as(caseworker_b).get(f"/api/v1/{endpoint}/{record.pk}/")

    assert response.status_code == 404
    entry = the_refusal()
    assert (entry.actor, entry.actor_username) == (caseworker_b, "bob")
    assert (entry.record_type, entry.record_id) == (CASE_RECORD_MODELS[endpoint]._meta.model_name, str(record.pk))
    assert (entry.fields, entry.channel, entry.address, entry.repeats) == (["404"], "api", "127.0.0.1", 1)
    assert timezone.now() - entry.at < timedelta(minutes=1)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_refused_change_or_delete_saves_nothing_and_is_audited(api_as, caseworker_b, records_a, endpoint):
    record = records_a.by_endpoint[endpoint][0]
    model = CASE_RECORD_MODELS[endpoint]
    before = model.objects.filter(pk=record.pk).values().get()
    client = api_as(caseworker_b)

    patched = client.patch(f"/api/v1/{endpoint}/{record.pk}/", {"notes": "x", "attendees": 3}, format="json")
    deleted = client.delete(f"/api/v1/{endpoint}/{record.pk}/")

    assert (patched.status_code, deleted.status_code) == (404, 404)
    assert model.objects.filter(pk=record.pk).values().get() == before
    assert not AuditEntry.objects.exclude(action="refused").exists()
    entry = the_refusal()
    assert (entry.record_id, minute_total()) == (str(record.pk), 2)


@pytest.mark.parametrize("endpoint", VICTIM_RECORD_ENDPOINTS)
def test_naming_another_shelters_victim_as_the_link_is_a_refusal_of_that_victim(
    api_as, caseworker_a, records_a, records_b, endpoint
):
    model = CASE_RECORD_MODELS[endpoint]
    count = model.objects.count()
    body = victim_record_body(endpoint, records_b)

    response = api_as(caseworker_a).post(f"/api/v1/{endpoint}/", body, format="json")

    assert response.status_code == 404
    assert model.objects.count() == count
    entry = the_refusal()
    assert (entry.actor, entry.record_type, entry.record_id) == (caseworker_a, "victim", body["victim"])


def test_a_bulk_naming_another_shelters_victim_saves_nothing_and_is_audited(api_as, caseworker_a, records_a, records_b):
    items = [victim_record_body("services", records_a) for _ in range(3)] + [victim_record_body("services", records_b)]
    count = Service.objects.count()

    response = api_as(caseworker_a).post("/api/v1/services/", items, format="json")

    assert response.status_code == 404
    assert Service.objects.count() == count
    assert not AuditEntry.objects.filter(action="create").exists()
    entry = the_refusal()
    assert (entry.record_type, entry.record_id) == ("victim", str(records_b.open_victim.pk))


def test_a_secondary_victim_of_another_shelters_primary_is_a_refusal(api_as, caseworker_a, records_b):
    primary = records_b.open_victim
    body = {"role": "secondary", "primary_victim": str(primary.pk), "intake_date": "2007-10-02"}

    response = api_as(caseworker_a).post("/api/v1/victims/", body, format="json")

    assert response.status_code == 404
    assert not Victim.objects.filter(primary_victim=primary).exists()
    entry = the_refusal()
    assert (entry.record_type, entry.record_id) == ("victim", str(primary.pk))


@pytest.mark.parametrize("endpoint", ["victims", "trainings"])
def test_naming_another_shelter_is_a_refusal_of_that_shelter_by_id(
    api_as, caseworker_a, shelter_a, shelter_b, endpoint
):
    body = {
        "victims": {"shelter": "shelter-b", "intake_date": "2007-10-10", "sex": "female"},
        "trainings": {
            "shelter": "shelter-b",
            "date": "2007-10-11",
            "institution": "PGR",
            "sector": "government",
            "attendees": 5,
        },
    }[endpoint]

    response = api_as(caseworker_a).post(f"/api/v1/{endpoint}/", body, format="json")

    assert response.status_code == 404
    assert not Victim.objects.exists() and not Training.objects.exists()
    entry = the_refusal()
    assert (entry.record_type, entry.record_id) == ("shelter", str(shelter_b.pk))


def test_a_shelter_slug_that_names_no_shelter_is_not_kept(api_as, caseworker_a, shelter_a):
    # A slug is typed by the client: it could be anything, a name included.
    body = {"shelter": "Rosa", "intake_date": "2007-10-10", "sex": "female"}

    response = api_as(caseworker_a).post("/api/v1/victims/", body, format="json")

    assert response.status_code == 404
    entry = the_refusal()
    assert (entry.record_type, entry.record_id) == ("shelter", "")


@pytest.mark.parametrize("persona", ["program_staff", "partner"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_role_that_may_not_use_case_records_is_a_403_entry(api_as, personas, records_a, persona, endpoint):
    record = records_a.by_endpoint[endpoint][0]
    client = api_as(personas[persona])

    listed = client.get(f"/api/v1/{endpoint}/")
    read = client.get(f"/api/v1/{endpoint}/{record.pk}/")

    assert (listed.status_code, read.status_code) == (403, 403)
    entry = the_refusal()
    assert (entry.actor, entry.fields, entry.channel, entry.repeats) == (personas[persona], ["403"], "api", 1)
    assert minute_total() == 2
    # The entry is the first of the minute's refusals: the list, which names no record.
    assert (entry.record_type, entry.record_id) == (CASE_RECORD_MODELS[endpoint]._meta.model_name, "")


def test_a_403_names_the_record_asked_for(api_as, program_staff, records_a):
    victim = records_a.open_victim

    response = api_as(program_staff).delete(f"/api/v1/victims/{victim.pk}/")

    assert response.status_code == 403
    assert Victim.objects.filter(pk=victim.pk).exists()
    assert the_refusal().record_id == str(victim.pk)


def test_an_anonymous_request_is_a_401_entry_by_address(records_a):
    victim = records_a.open_victim

    response = APIClient().get(f"/api/v1/victims/{victim.pk}/", REMOTE_ADDR="198.51.100.7")

    assert response.status_code == 401
    entry = the_refusal()
    assert (entry.actor, entry.actor_username, entry.address) == (None, "", "198.51.100.7")
    assert (entry.record_type, entry.record_id, entry.fields) == ("victim", str(victim.pk), ["401"])


def test_a_bad_token_is_a_401_entry(records_a):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.post("/api/v1/services/", victim_record_body("services", records_a), format="json")

    assert response.status_code == 401
    assert not Service.objects.filter(date="2007-10-11").exists()
    entry = the_refusal()
    assert (entry.actor, entry.record_type, entry.fields) == (None, "service", ["401"])


@pytest.mark.parametrize(
    "asked",
    ["Rosa", "Rosa%20Mart%C3%ADnez", "%00", "x" * 2000, "12345678-1234-5678-1234-56781234567Z"],
    ids=["a-name", "a-full-name", "nul", "long", "almost-a-uuid"],
)
def test_a_malformed_id_is_a_404_entry_that_keeps_nothing_typed(api_as, caseworker_a, records_a, asked):
    response = api_as(caseworker_a).get(f"/api/v1/victims/{asked}/")

    assert response.status_code == 404
    entry = the_refusal()
    assert (entry.record_type, entry.record_id) == ("victim", "")


def test_an_id_of_no_record_is_kept(api_as, caseworker_a, records_a):
    missing = "00000000-0000-4000-8000-000000000000"

    assert api_as(caseworker_a).get(f"/api/v1/services/{missing}/").status_code == 404
    assert the_refusal().record_id == missing


def test_200_refusals_in_a_minute_by_one_actor_are_four_entries(api_as, caseworker_b, records_a, frozen_minute):
    client = api_as(caseworker_b)
    urls = [
        f"/api/v1/{endpoint}/{record.pk}/" for endpoint, records in records_a.by_endpoint.items() for record in records
    ]

    statuses = {client.get(urls[index % len(urls)]).status_code for index in range(200)}

    assert statuses == {404}
    # The 1st, 10th and 100th refusals while the minute runs; its total once it is over.
    entries = refusals().order_by("id")
    assert [(entry.actor, entry.repeats, entry.at) for entry in entries] == [
        (caseworker_b, count, frozen_minute) for count in (1, 10, 100)
    ]
    assert minute_total() == 200
    assert list(refusals().order_by("id").values_list("repeats", flat=True)) == [1, 10, 100, 200]
    for entry in refusals():
        assert_holds_no_name(entry)


def test_anonymous_refusals_coalesce_per_address(records_a, frozen_minute):
    url = f"/api/v1/victims/{records_a.open_victim.pk}/"
    for _ in range(150):
        APIClient().get(url, REMOTE_ADDR="198.51.100.7")
    for _ in range(50):
        APIClient().get(url, REMOTE_ADDR="198.51.100.8")

    assert minute_totals() == {("", "198.51.100.7"): 150, ("", "198.51.100.8"): 50}


def test_a_new_minute_starts_a_new_entry(api_as, caseworker_b, records_a, monkeypatch):
    url = f"/api/v1/victims/{records_a.open_victim.pk}/"
    start = timezone.now().replace(second=30, microsecond=0)
    client = api_as(caseworker_b)
    for minute in range(3):
        monkeypatch.setattr(timezone, "now", lambda minute=minute: start + timedelta(minutes=minute))
        client.get(url)
        client.get(url)

    assert list(refusals().order_by("at").values_list("repeats", flat=True)) == [1, 1, 1]
    minute_totals()
    assert list(refusals().order_by("at").values_list("repeats", flat=True)) == [1, 2, 1, 2, 1, 2]


def test_a_failed_audit_write_leaves_the_404_a_404(api_as, caseworker_b, records_a, monkeypatch, caplog):
    def broken(**kwargs):
        raise DatabaseError("the audit table is unwritable")

    monkeypatch.setattr("shelters.refusals.audit_refusal", broken)

    with caplog.at_level(logging.ERROR, logger="shelters.refusals"):
        response = api_as(caseworker_b).get(f"/api/v1/victims/{records_a.open_victim.pk}/")
        again = api_as(caseworker_b).get("/api/v1/victims/not-an-id/")

    assert (response.status_code, again.status_code) == (404, 404)
    assert "Could not audit a refused request" in caplog.text


def test_a_successful_request_writes_no_refusal(api_as, caseworker_a, records_a):
    client = api_as(caseworker_a)

    assert client.get("/api/v1/victims/").status_code == 200
    assert client.get(f"/api/v1/victims/{records_a.open_victim.pk}/").status_code == 200
    assert client.get("/api/v1/services/", {"page": 99}).status_code == 404  # past the last page: no record asked for
    assert not refusals().exists()
