"""Admin pages for a case record the user may not see ("doesn't exist", or 403) are audited refusals."""

import uuid

import pytest
from django.test import Client

from shelters.models import AuditEntry, Service, Victim
from tests.refusals import minute_total

from ..factories import ServiceFactory, VictimFactory

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def victim_a(shelter_a):
    return VictimFactory(shelter=shelter_a, case_code="SA-00001", given_name="Guadalupe")


def the_refusal() -> AuditEntry:
    entry = AuditEntry.objects.get(action="refused")
    text = f"{entry.actor_username} {entry.record_type} {entry.record_id} {entry.fields} {entry.channel}"
    assert "Guadalupe" not in text and "SA-00001" not in text
    return entry


@pytest.mark.parametrize("page", ["change", "delete", "history"])
def test_another_shelters_record_is_a_404_entry(caseworker_b, victim_a, page):
    response = client_for(caseworker_b).get(f"/admin/shelters/victim/{victim_a.pk}/{page}/")

    # Admin answers "doesn't exist" with a redirect to its index: refused all the same.
    assert response.status_code == 302
    entry = the_refusal()
    assert (entry.actor, entry.record_type, entry.record_id) == (caseworker_b, "victim", str(victim_a.pk))
    assert (entry.fields, entry.channel) == (["404"], "admin")


def test_a_refused_admin_change_or_delete_saves_nothing(caseworker_b, victim_a):
    service = ServiceFactory(victim=victim_a, notes="n")
    client = client_for(caseworker_b)

    client.post(f"/admin/shelters/service/{service.pk}/change/", {"category": "legal", "date": "2007-10-05"})
    client.post(f"/admin/shelters/service/{service.pk}/delete/", {"post": "yes"})

    assert Service.objects.filter(pk=service.pk).values_list("category", flat=True).get() == service.category
    assert Victim.objects.filter(pk=victim_a.pk).exists()
    assert not AuditEntry.objects.filter(action__in=["change", "delete"]).exists()
    entry = the_refusal()
    assert (entry.record_type, entry.record_id, minute_total()) == ("service", str(service.pk), 2)


def test_a_malformed_admin_id_keeps_nothing_typed(caseworker_a, victim_a):
    response = client_for(caseworker_a).get("/admin/shelters/victim/Guadalupe/change/")

    assert response.status_code == 302
    entry = the_refusal()
    assert (entry.record_type, entry.record_id) == ("victim", "")


def test_no_such_record_is_a_404_entry(caseworker_a, victim_a):
    missing = uuid.uuid4()

    client_for(caseworker_a).get(f"/admin/shelters/victim/{missing}/change/")

    assert the_refusal().record_id == str(missing)


@pytest.mark.parametrize("page", ["change", "delete"])
def test_program_staff_opening_a_case_record_is_a_403_entry(program_staff, victim_a, page):
    response = client_for(program_staff).get(f"/admin/shelters/victim/{victim_a.pk}/{page}/")

    assert response.status_code == 403
    entry = the_refusal()
    assert (entry.actor, entry.record_id, entry.fields, entry.channel) == (
        program_staff,
        str(victim_a.pk),
        ["403"],
        "admin",
    )


def test_program_staff_listing_case_records_is_a_403_entry(program_staff, victim_a):
    assert client_for(program_staff).get("/admin/shelters/service/").status_code == 403
    entry = the_refusal()
    assert (entry.record_type, entry.record_id) == ("service", "")


def test_own_records_write_no_refusal(caseworker_a, victim_a):
    client = client_for(caseworker_a)

    for page in ("change", "delete", "history"):
        assert client.get(f"/admin/shelters/victim/{victim_a.pk}/{page}/").status_code == 200
    assert client.get("/admin/shelters/victim/").status_code == 200
    assert not AuditEntry.objects.filter(action="refused").exists()
