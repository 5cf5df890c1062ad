"""The coordinator's team page: the only web page that gives or takes access to a shelter's case records."""

from __future__ import annotations

import pytest

from accounts import services
from accounts.models import ApiToken
from shelters.models import AuditEntry, Membership, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["caseworker_a", "program_staff", "partner", "caseworker_b"])
def test_only_coordinators_open_the_team_page(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get("/team/").status_code == 403


def test_the_team_page_lists_the_shelters_people_and_their_account_events(
    client, coordinator_a, caseworker_a, caseworker_b
):
    services.role_change(actor=coordinator_a, user=caseworker_a, role=Role.COORDINATOR)
    client.force_login(coordinator_a)

    page = client.get("/team/").content.decode()

    assert "alice" in page and "carla" in page
    assert "bob" not in page  # another shelter's caseworker
    assert "Rol cambiado" in page or "Role changed" in page
    assert client.get("/team/")["Cache-Control"].startswith("max-age=0")


def test_a_coordinator_makes_a_caseworker_coordinator_and_back(client, coordinator_a, caseworker_a):
    _api_token, token = services.token_issue(user=caseworker_a)
    client.force_login(coordinator_a)

    client.post(f"/team/members/{caseworker_a.pk}/", {"action": "coordinator"})
    caseworker_a.refresh_from_db()
    assert caseworker_a.role == Role.COORDINATOR
    assert not ApiToken.objects.filter(user=caseworker_a).exists()

    client.post(f"/team/members/{caseworker_a.pk}/", {"action": "caseworker"})
    caseworker_a.refresh_from_db()
    assert caseworker_a.role == Role.CASEWORKER
    assert AuditEntry.objects.filter(action="role_changed", actor=coordinator_a).count() == 2


def test_a_coordinator_removes_someone_from_the_shelter(client, coordinator_a, caseworker_a, shelter_a):
    client.force_login(coordinator_a)

    client.post(f"/team/members/{caseworker_a.pk}/", {"action": "remove"})

    assert not Membership.objects.filter(user=caseworker_a).exists()
    entry = AuditEntry.objects.get(action="member_removed")
    assert (entry.actor, entry.shelter, entry.record_id) == (coordinator_a, shelter_a, str(caseworker_a.pk))


def test_a_coordinator_deactivates_and_reactivates_a_caseworker(client, coordinator_a, caseworker_a):
    client.force_login(coordinator_a)

    client.post(f"/team/members/{caseworker_a.pk}/", {"action": "deactivate"})
    caseworker_a.refresh_from_db()
    assert not caseworker_a.is_active
    client.post(f"/team/members/{caseworker_a.pk}/", {"action": "reactivate"})
    caseworker_a.refresh_from_db()
    assert caseworker_a.is_active


def test_another_shelters_member_is_404(client, coordinator_a, caseworker_b):
    client.force_login(coordinator_a)

    assert client.post(f"/team/members/{caseworker_b.pk}/", {"action": "remove"}).status_code == 404
    assert Membership.objects.filter(user=caseworker_b).exists()


def test_a_coordinator_cannot_change_someone_who_also_works_elsewhere(client, coordinator_a, shelter_a, shelter_b):
    both = UserFactory(username="ambas", role=Role.CASEWORKER, shelters=[shelter_a, shelter_b])
    client.force_login(coordinator_a)

    client.post(f"/team/members/{both.pk}/", {"action": "coordinator"})
    client.post(f"/team/members/{both.pk}/", {"action": "deactivate"})

    both.refresh_from_db()
    assert (both.role, both.is_active) == (Role.CASEWORKER, True)
    # Taking away access to her own shelter is still hers to do.
    client.post(f"/team/members/{both.pk}/", {"action": "remove"})
    assert list(both.memberships.values_list("shelter", flat=True)) == [shelter_b.pk]


def test_a_coordinator_cannot_change_herself(client, coordinator_a):
    client.force_login(coordinator_a)

    client.post(f"/team/members/{coordinator_a.pk}/", {"action": "caseworker"})
    client.post(f"/team/members/{coordinator_a.pk}/", {"action": "remove"})

    coordinator_a.refresh_from_db()
    assert coordinator_a.role == Role.COORDINATOR and coordinator_a.memberships.exists()


def test_an_invitation_form_error_is_named_in_spanish(client, coordinator_a):
    client.force_login(coordinator_a)

    response = client.post("/team/", {"email": "no-es-correo", "role": "caseworker"})

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert "correo" in response.content.decode()


def test_program_staff_cannot_be_pulled_into_a_shelter_by_a_coordinator(
    coordinator_a, program_staff, shelter_a, partner
):
    for account in (program_staff, partner):
        with pytest.raises(services.AccessRefused):
            services.membership_add(actor=coordinator_a, user=account, shelter=shelter_a)
        with pytest.raises(services.AccessRefused):
            services.role_change(actor=coordinator_a, user=account, role=Role.CASEWORKER)
    assert not Membership.objects.filter(user__in=[program_staff, partner]).exists()
