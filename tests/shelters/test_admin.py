"""What each persona sees in Django admin."""

import pytest
from django.test import Client

from shelters.models import AuditEntry

from ..factories import ServiceFactory, VictimFactory

pytestmark = pytest.mark.django_db

CASE_RECORD_PAGES = ["victim", "service", "referral", "legalaction", "followup", "training"]


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def records(shelter_a, shelter_b):
    return {
        "victim_a": VictimFactory(shelter=shelter_a, case_code="SA-00001"),
        "victim_b": VictimFactory(shelter=shelter_b, case_code="SB-00001"),
    }


def test_a_caseworker_sees_only_their_shelters_victims(caseworker_a, records):
    response = client_for(caseworker_a).get("/admin/shelters/victim/")

    assert response.status_code == 200
    assert b"SA-00001" in response.content
    assert b"SB-00001" not in response.content


def test_another_shelters_victim_is_not_found_in_admin(caseworker_b, records):
    response = client_for(caseworker_b).get(f"/admin/shelters/victim/{records['victim_a'].pk}/change/")

    # Django admin redirects a missing object to the index with a message, never showing it.
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="view").count() == 0


def test_opening_a_victim_in_admin_is_an_audited_view(caseworker_a, records):
    response = client_for(caseworker_a).get(f"/admin/shelters/victim/{records['victim_a'].pk}/change/")

    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="view")
    assert (entry.actor, entry.record_id, entry.channel) == (caseworker_a, str(records["victim_a"].pk), "admin")


def test_a_coordinator_sees_their_shelters_records_and_audit_trail(coordinator_a, records, caseworker_a):
    ServiceFactory(victim=records["victim_a"])
    client = client_for(coordinator_a)
    client_for(caseworker_a).get(f"/admin/shelters/victim/{records['victim_a'].pk}/change/")

    assert b"SA-00001" in client.get("/admin/shelters/victim/").content
    trail = client.get("/admin/shelters/auditentry/")
    assert trail.status_code == 200
    assert str(records["victim_a"].pk).encode() in trail.content


def test_nobody_can_add_change_or_delete_audit_entries(coordinator_a, records, caseworker_a):
    client_for(caseworker_a).get(f"/admin/shelters/victim/{records['victim_a'].pk}/change/")
    # (force_login's sign-in is an entry too)
    entry = AuditEntry.objects.get(action="view")
    client = client_for(coordinator_a)

    assert client.get("/admin/shelters/auditentry/add/").status_code == 403
    assert client.post(f"/admin/shelters/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/shelters/auditentry/{entry.pk}/change/", {"action": "create"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, action="view").exists()


def test_a_caseworker_cannot_read_the_audit_trail(caseworker_a):
    assert client_for(caseworker_a).get("/admin/shelters/auditentry/").status_code == 403


@pytest.mark.parametrize("page", CASE_RECORD_PAGES)
def test_program_staff_see_no_case_record_page(program_staff, records, page):
    client = client_for(program_staff)

    assert client.get(f"/admin/shelters/{page}/").status_code == 403
    index = client.get("/admin/").content.decode()
    assert f"/admin/shelters/{page}/" not in index


def test_program_staff_cannot_open_a_victim_by_its_id(program_staff, records):
    response = client_for(program_staff).get(f"/admin/shelters/victim/{records['victim_a'].pk}/change/")

    assert response.status_code in (302, 403)
    assert b"SA-00001" not in response.content


def test_program_staff_manage_shelters_and_accounts_and_memberships_have_no_admin(program_staff):
    client = client_for(program_staff)

    for page in ("shelter", "user"):
        assert client.get(f"/admin/shelters/{page}/").status_code == 200
    # Access to a shelter's case records is given by its coordinators only, never in admin.
    assert client.get("/admin/shelters/membership/").status_code == 404


def test_program_staff_cannot_delete_a_shelter(program_staff, records, shelter_a):
    client = client_for(program_staff)

    assert client.get(f"/admin/shelters/shelter/{shelter_a.pk}/delete/").status_code == 403
    assert client.post(f"/admin/shelters/shelter/{shelter_a.pk}/delete/", {"post": "yes"}).status_code == 403
    assert type(shelter_a).objects.filter(pk=shelter_a.pk).exists()


@pytest.mark.parametrize("persona", ["caseworker_a", "coordinator_a", "caseworker_b"])
def test_shelter_staff_cannot_manage_shelters_or_users(request, persona):
    client = client_for(request.getfixturevalue(persona))

    for page in ("shelter", "user"):
        assert client.get(f"/admin/shelters/{page}/").status_code == 403
    assert client.get("/admin/shelters/membership/").status_code == 404


def test_a_partner_cannot_use_admin(partner):
    client = Client()
    client.force_login(partner)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_caseworker_adds_a_victim_in_admin_through_the_services(caseworker_a, shelter_a):
    response = client_for(caseworker_a).post(
        "/admin/shelters/victim/add/",
        {
            "role": "primary",
            "sex": "female",
            "intake_date": "2007-10-02",
            "exploitation_types": [],
            "given_name": "Rosa",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(action="create")
    assert (entry.channel, entry.shelter) == ("admin", shelter_a)


def test_a_write_into_a_locked_month_is_refused_in_admin_with_a_clear_error(caseworker_a, records, shelter_a):
    from shelters.models import MonthLock, Service

    MonthLock.objects.create(shelter=shelter_a, month=records["victim_a"].intake_date.replace(day=1))

    response = client_for(caseworker_a).post(
        "/admin/shelters/service/add/",
        {
            "victim": str(records["victim_a"].pk),
            "date": records["victim_a"].intake_date.isoformat(),
            "category": "legal",
        },
        follow=True,
    )

    page = response.content.decode()
    # In the reader's language (admin opens in Spanish), on the form itself, with what was typed kept.
    assert "está bloqueado" in page
    assert 'value="legal" selected' in page
    assert f'value="{records["victim_a"].intake_date.isoformat()}"' in page
    assert not Service.objects.exists()
