"""The accounts admin: program staff manage program-staff and partner accounts only, never reach a
credential, never give access to case records, and every change is audited and ends the account's tokens."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core import mail
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticToken
from knox.models import AbstractAuthToken
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, Invitation
from shelters.models import AuditEntry, Membership, Role, User

from ..factories import ShelterFactory, UserFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/shelters/user/"
INVITATIONS = "/admin/accounts/invitation/"
ADMINS = ["program_staff", "superuser_with_role", "operator"]


def change_url(user):
    return f"{USERS}{user.pk}/change/"


def program_staff_form(user, **changes):
    """What the change form of `user` posts for program staff (username and e-mail are read-only to them)."""
    data = {"role": user.role, "is_active": "on" if user.is_active else "", "first_name": "", "last_name": ""}
    data.update(changes)
    return {name: value for name, value in data.items() if value != ""}


def superuser_form(user, **changes):
    data = {"username": user.username, "email": user.email, **program_staff_form(user)}
    if user.is_superuser:
        data["is_superuser"] = "on"
    data.update(changes)
    return {name: value for name, value in data.items() if value != ""}


def authenticates(text):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    return client.get("/api/v1/indicators/").status_code == 200


@pytest.fixture
def everyone(personas, superuser_with_role, operator):
    return {**personas, "superuser_with_role": superuser_with_role, "operator": operator}


# --- who is in the list ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ADMINS)
def test_the_account_list_has_no_shelter_staff(request, everyone, admin_as, persona):
    html = admin_as(everyone[persona]).get(USERS).content.decode()

    assert ">paco<" in html and ">pat<" in html
    # As a cell's text: a bare "bob" can turn up inside a random CSP nonce or CSRF token.
    for shelter_staff in ("alice", "carla", "bob"):
        assert f">{shelter_staff}<" not in html and f'"{shelter_staff}"' not in html


def test_an_account_with_a_membership_is_not_in_the_list_whatever_its_role(everyone, admin_as, shelter_a):
    odd = UserFactory(username="odd-member", role=Role.PARTNER, shelters=[shelter_a])

    client = admin_as(everyone["program_staff"])

    assert "odd-member" not in client.get(USERS).content.decode()
    assert client.get(change_url(odd)).status_code == 302


@pytest.mark.parametrize("persona", ADMINS)
@pytest.mark.parametrize("target", ["caseworker_a", "coordinator_a", "caseworker_b"])
def test_a_shelter_staff_account_cannot_be_opened(everyone, admin_as, persona, target):
    client = admin_as(everyone[persona])
    user = everyone[target]

    for url in (change_url(user), f"{USERS}{user.pk}/history/", f"{USERS}{user.pk}/delete/"):
        response = client.get(url)
        # Django admin answers an object outside the queryset by redirecting to the index; delete is 403 anyway.
        assert response.status_code in (302, 403, 404), url
        assert user.username not in response.content.decode()
    assert client.get(USERS, {"q": user.username}).content.decode().count(f">{user.username}<") == 0


@pytest.mark.parametrize("persona", ["caseworker_a", "coordinator_a", "caseworker_b"])
def test_shelter_staff_get_no_accounts_admin(everyone, admin_as, persona):
    client = admin_as(everyone[persona])

    for url in (USERS, change_url(everyone["partner"]), INVITATIONS, f"{INVITATIONS}add/"):
        assert client.get(url).status_code == 403, url
    assert client.get(f"{USERS}add/").status_code == 403
    index = client.get("/admin/").content.decode()
    assert USERS not in index and INVITATIONS not in index


# --- no shelter role, no membership --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ADMINS)
def test_the_role_field_offers_program_staff_and_partner_only(everyone, admin_as, persona):
    html = admin_as(everyone[persona]).get(change_url(everyone["partner"])).content.decode()

    options = re.findall(r'<option value="([^"]*)"', html.split('name="role"', 1)[1].split("</select>", 1)[0])
    assert options == ["program_staff", "partner"]


@pytest.mark.parametrize("persona", ADMINS)
@pytest.mark.parametrize("role", ["caseworker", "coordinator"])
def test_a_shelter_role_is_refused_and_nothing_changes(everyone, admin_as, persona, role):
    partner, actor = everyone["partner"], everyone[persona]
    form = superuser_form if actor.is_superuser else program_staff_form
    api_token, text = services.token_issue(user=partner)

    response = admin_as(actor).post(change_url(partner), form(partner, role=role, first_name="Changed"))

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    partner.refresh_from_db()
    assert (partner.role, partner.first_name) == ("partner", "")
    assert not AuditEntry.objects.filter(action="role_changed").exists()
    assert authenticates(text)


def test_no_membership_can_be_added_in_admin(everyone, admin_as, shelter_a):
    partner = everyone["partner"]
    client = admin_as(everyone["program_staff"])
    inline = {
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-shelter": str(shelter_a.pk),
        "memberships-0-user": str(partner.pk),
    }

    client.post(change_url(partner), program_staff_form(partner, **inline))
    client.post("/admin/shelters/membership/add/", {"user": partner.pk, "shelter": shelter_a.pk})

    assert not Membership.objects.filter(user=partner).exists()
    assert client.get("/admin/shelters/membership/").status_code == 404
    assert client.get("/admin/shelters/membership/add/").status_code == 404


# --- no password, no delete, no direct creation ---------------------------------------------------------------


@pytest.mark.parametrize("persona", ADMINS)
@pytest.mark.parametrize("target", ["caseworker_a", "partner", "operator", "program_staff"])
def test_no_password_can_be_set_in_admin(everyone, admin_as, password, persona, target):
    user = everyone[target]
    client = admin_as(everyone[persona])
    url = f"{USERS}{user.pk}/password/"
    new = {"password1": "a-new-password-42", "password2": "a-new-password-42", "usable_password": "true"}

    assert client.get(url).status_code == 404
    assert client.post(url, new).status_code == 404
    user.refresh_from_db()
    assert user.check_password(password)
    assert "/password/" not in client.get(change_url(everyone["partner"])).content.decode()


@pytest.mark.parametrize("persona", ADMINS)
def test_no_account_is_deleted_in_admin(everyone, admin_as, persona):
    partner = everyone["partner"]
    client = admin_as(everyone[persona])

    assert client.get(f"{USERS}{partner.pk}/delete/").status_code == 403
    assert client.post(f"{USERS}{partner.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(USERS, {"action": "delete_selected", "_selected_action": [partner.pk], "post": "yes"})
    assert User.objects.filter(pk=partner.pk).exists()


@pytest.mark.parametrize("persona", ADMINS)
def test_adding_an_account_is_replaced_by_an_invitation(everyone, admin_as, persona):
    client = admin_as(everyone[persona])

    response = client.get(f"{USERS}add/")
    posted = client.post(
        f"{USERS}add/",
        {"username": "direct", "password1": "pw-direct-12345", "password2": "pw-direct-12345", "role": "partner"},
    )

    assert response.status_code == posted.status_code == 302
    assert response["Location"] == f"{INVITATIONS}add/"
    assert not User.objects.filter(username="direct").exists()
    assert f'href="{INVITATIONS}add/"' in client.get(USERS).content.decode()


def test_program_staff_cannot_change_a_superuser_or_themselves(everyone, admin_as):
    client = admin_as(everyone["program_staff"])

    for user in (everyone["operator"], everyone["program_staff"]):
        page = client.get(change_url(user)).content.decode()
        assert 'name="role"' not in page and 'name="is_active"' not in page
        assert client.post(change_url(user), program_staff_form(user, role="partner")).status_code == 403
        user.refresh_from_db()
        assert user.is_active and user.role != "partner"


# --- role changes and deactivation, through the services ------------------------------------------------------


def test_a_role_change_in_admin_is_audited_and_ends_the_accounts_tokens(everyone, admin_as):
    partner, pat = everyone["partner"], everyone["program_staff"]
    _api_token, text = services.token_issue(user=partner)
    assert authenticates(text)

    response = admin_as(pat).post(change_url(partner), program_staff_form(partner, role="program_staff"))

    assert response.status_code == 302, response.content.decode()[:3000]
    partner.refresh_from_db()
    assert (partner.role, partner.is_staff) == ("program_staff", True)
    entry = AuditEntry.objects.get(action="role_changed")
    assert (entry.actor, entry.record_id, entry.channel, entry.fields) == (
        pat,
        str(partner.pk),
        "admin",
        ["partner->program_staff"],
    )
    assert not ApiToken.objects.filter(user=partner).exists()
    assert not authenticates(text)


def test_deactivating_in_the_form_goes_through_the_service(everyone, admin_as):
    partner = everyone["partner"]
    _api_token, text = services.token_issue(user=partner)

    response = admin_as(everyone["program_staff"]).post(change_url(partner), program_staff_form(partner, is_active=""))

    assert response.status_code == 302
    partner.refresh_from_db()
    assert not partner.is_active
    assert AuditEntry.objects.filter(action="deactivated", record_id=str(partner.pk), channel="admin").exists()
    assert not authenticates(text)


def test_the_deactivate_and_reactivate_actions(everyone, admin_as):
    partner, operator = everyone["partner"], everyone["operator"]
    client = admin_as(everyone["program_staff"])

    client.post(USERS, {"action": "deactivate_accounts", "_selected_action": [partner.pk, operator.pk]})

    partner.refresh_from_db()
    operator.refresh_from_db()
    # Program staff do not manage a superuser: the action leaves them as they were.
    assert (partner.is_active, operator.is_active) == (False, True)
    client.post(USERS, {"action": "reactivate_accounts", "_selected_action": [partner.pk]})
    partner.refresh_from_db()
    assert partner.is_active
    changes = AuditEntry.objects.exclude(action="signed_in").order_by("pk")
    assert list(changes.values_list("action", flat=True)) == ["deactivated", "reactivated"]


def test_a_superuser_gives_superuser_rights_and_permissions_audited(everyone, admin_as):
    pam = UserFactory(username="pam", role=Role.PROGRAM_STAFF)
    _api_token, text = services.token_issue(user=pam)
    permission = Permission.objects.get(codename="view_group")

    response = admin_as(everyone["operator"]).post(
        change_url(pam), superuser_form(pam, is_superuser="on", user_permissions=[permission.pk])
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    pam.refresh_from_db()
    assert pam.is_superuser and list(pam.user_permissions.all()) == [permission]
    entry = AuditEntry.objects.get(action="role_changed")
    assert entry.fields == ["is_superuser:False->True", "user_permissions"]
    assert not authenticates(text)


def test_program_staff_cannot_give_superuser_rights(everyone, admin_as):
    pam = UserFactory(username="pam", role=Role.PROGRAM_STAFF)
    client = admin_as(everyone["program_staff"])

    assert 'name="is_superuser"' not in client.get(change_url(pam)).content.decode()
    client.post(change_url(pam), program_staff_form(pam, is_superuser="on", user_permissions=["1"], groups=["1"]))

    pam.refresh_from_db()
    assert not pam.is_superuser and not pam.user_permissions.exists()


def test_privileges_are_never_given_to_shelter_staff():
    caseworker = UserFactory(username="cw", role=Role.CASEWORKER, shelters=[ShelterFactory()])
    operator = UserFactory(username="root", role="", is_superuser=True)

    with pytest.raises(services.AccessRefused):
        services.privileges_set(actor=operator, user=caseworker, is_superuser=True)

    caseworker.refresh_from_db()
    assert not caseworker.is_superuser


# --- shelters and tokens ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ADMINS)
def test_no_shelter_is_deleted_in_admin(everyone, admin_as, shelter_b, persona):
    client = admin_as(everyone[persona])
    url = f"/admin/shelters/shelter/{shelter_b.pk}/delete/"

    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    client.post("/admin/shelters/shelter/", {"action": "delete_selected", "_selected_action": [shelter_b.pk]})
    assert type(shelter_b).objects.filter(pk=shelter_b.pk).exists()


def test_no_token_or_second_factor_model_has_an_admin():
    registered = list(admin.site._registry)

    assert not admin.site.is_registered(ApiToken)
    for model in registered:
        assert not issubclass(model, (AbstractAuthToken, Device, StaticToken)), model


# --- invitations ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ADMINS)
def test_an_invitation_from_admin_sends_one_email_and_never_shows_the_link(
    everyone, admin_as, django_capture_on_commit_callbacks, persona
):
    client = admin_as(everyone[persona])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{INVITATIONS}add/", {"email": "new.partner@example.org", "role": "partner"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.partner@example.org"]
    link = re.search(r"\S*/accounts/join/\S+", message.body).group(0)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "new.partner@example.org",
        "partner",
        everyone[persona],
    )
    assert AuditEntry.objects.filter(action="invited", channel="admin", record_id=str(invitation.pk)).exists()
    listing = client.get(response["Location"]).content.decode()
    assert "new.partner@example.org" in listing
    secret = link.rstrip("/").rsplit("/", 1)[1]
    for page in (listing, client.get(f"{INVITATIONS}{invitation.pk}/change/").content.decode()):
        assert secret not in page and invitation.secret_hash not in page and "/accounts/join/" not in page


@pytest.mark.parametrize("role", ["caseworker", "coordinator", "nonsense"])
def test_an_invitation_with_a_shelter_role_is_refused(everyone, admin_as, shelter_a, role):
    client = admin_as(everyone["program_staff"])

    response = client.post(f"{INVITATIONS}add/", {"email": "x@example.org", "role": role, "shelter": shelter_a.pk})

    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_program_staff_list_and_withdraw_program_invitations_only(everyone, admin_as, shelter_a):
    pat = everyone["program_staff"]
    pending, _link = services.invitation_create(actor=pat, email="pending@example.org", role="partner")
    accepted, _link = services.invitation_create(actor=pat, email="accepted@example.org", role="program_staff")
    Invitation.objects.filter(pk=accepted.pk).update(accepted_at=accepted.created_at)
    shelter_invite, _link = services.invitation_create(
        actor=everyone["coordinator_a"], email="shelter.staff@example.org", role="caseworker", shelter=shelter_a
    )
    client = admin_as(pat)

    listing = client.get(INVITATIONS).content.decode()
    assert "pending@example.org" in listing and "accepted@example.org" in listing
    assert "shelter.staff@example.org" not in listing
    assert client.get(f"{INVITATIONS}{shelter_invite.pk}/change/").status_code == 302

    selected = [pending.pk, accepted.pk, shelter_invite.pk]
    client.post(INVITATIONS, {"action": "withdraw_invitations", "_selected_action": selected})

    pending.refresh_from_db()
    accepted.refresh_from_db()
    shelter_invite.refresh_from_db()
    assert pending.revoked_at is not None
    assert accepted.revoked_at is None and shelter_invite.revoked_at is None
    assert AuditEntry.objects.filter(action="invite_revoked", record_id=str(pending.pk), actor=pat).count() == 1
    assert client.post(f"{INVITATIONS}{pending.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Invitation.objects.filter(pk=pending.pk).exists()


# --- Spanish ----------------------------------------------------------------------------------------------------


def test_the_accounts_admin_speaks_spanish_and_english(everyone, admin_as):
    client = admin_as(everyone["program_staff"])

    spanish = client.get(USERS, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get(USERS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Invitar a alguien" in spanish and "Desactivar las cuentas seleccionadas" in spanish
    assert "Invite someone" in english and "Deactivate the selected accounts" in english

    sent = client.post(
        f"{INVITATIONS}add/", {"email": "es@example.org", "role": "partner"}, HTTP_ACCEPT_LANGUAGE="es", follow=True
    ).content.decode()
    assert "Invitación enviada a es@example.org" in sent
    assert "Retirar las invitaciones seleccionadas" in sent
