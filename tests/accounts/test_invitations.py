"""Joining by invitation: who may invite whom, one-time 72-hour links, the invitee's own password."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts import services
from accounts.models import Invitation
from accounts.services import AccessRefused
from shelters.models import AuditEntry, Membership, Role, User
from shelters.selectors import victims_visible_to

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-password-of-her-own"


def link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/join/\S+/", message.body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def join(client, link: str, username: str = "nueva", password: str = NEW_PASSWORD):
    return client.post(path_of(link), {"username": username, "password1": password, "password2": password})


def test_a_coordinator_invites_a_caseworker_who_joins_with_her_own_password(
    client, coordinator_a, shelter_a, records_a, django_capture_on_commit_callbacks
):
    client.force_login(coordinator_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/team/", {"email": "nueva@example.org", "role": "caseworker"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nueva@example.org"]
    link = link_in(mail.outbox[0])
    # The page after sending shows no link: only the invitee's mailbox has it.
    assert path_of(link) not in client.get("/team/").content.decode()

    client.logout()
    page = client.get(path_of(link))
    assert page.status_code == 200 and "Shelter A" in page.content.decode()
    joined = join(client, link)

    assert joined.status_code == 302
    user = User.objects.get(username="nueva")
    assert (user.role, user.email, user.check_password(NEW_PASSWORD)) == (Role.CASEWORKER, "nueva@example.org", True)
    assert list(user.memberships.values_list("shelter__slug", flat=True)) == ["shelter-a"]
    assert victims_visible_to(user).count() == 2
    actions = set(AuditEntry.objects.filter(shelter=shelter_a).values_list("action", flat=True))
    assert {"invited", "joined"} <= actions


def test_a_link_works_once(client, coordinator_a, shelter_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _invitation, link = services.invitation_create(
            actor=coordinator_a, email="x@example.org", role=Role.CASEWORKER, shelter=shelter_a
        )
    assert join(client, link).status_code == 302
    client.logout()

    again = join(client, link, username="otra")

    assert again.status_code == 404
    assert not User.objects.filter(username="otra").exists()


def test_a_link_ends_after_72_hours(client, coordinator_a, shelter_a):
    invitation, link = services.invitation_create(
        actor=coordinator_a, email="x@example.org", role=Role.CASEWORKER, shelter=shelter_a
    )
    assert timedelta(hours=71, minutes=59) < invitation.expires_at - timezone.now() <= timedelta(hours=72)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get(path_of(link)).status_code == 404
    assert join(client, link).status_code == 404
    assert not User.objects.filter(username="nueva").exists()


def test_a_withdrawn_link_does_not_work(client, coordinator_a, shelter_a):
    invitation, link = services.invitation_create(
        actor=coordinator_a, email="x@example.org", role=Role.CASEWORKER, shelter=shelter_a
    )
    client.force_login(coordinator_a)
    assert client.post(f"/team/invitations/{invitation.pk}/withdraw/").status_code == 302
    client.logout()

    assert join(client, link).status_code == 404


def test_the_database_holds_no_usable_link(coordinator_a, shelter_a):
    _invitation, link = services.invitation_create(
        actor=coordinator_a, email="x@example.org", role=Role.CASEWORKER, shelter=shelter_a
    )
    secret = link.rstrip("/").rsplit("/", 1)[1]
    assert secret not in str(list(Invitation.objects.values()))


def test_a_weak_password_or_a_taken_username_is_named_and_nothing_is_saved(
    client, coordinator_a, caseworker_a, shelter_a
):
    _invitation, link = services.invitation_create(
        actor=coordinator_a, email="x@example.org", role=Role.CASEWORKER, shelter=shelter_a
    )
    weak = join(client, link, password="1234")
    taken = join(client, link, username="alice")

    assert weak.status_code == 200 and weak.context["form"].errors["password1"]
    assert taken.status_code == 200 and taken.context["form"].errors["username"]
    assert Invitation.objects.get().accepted_at is None
    assert User.objects.count() == 2


@pytest.mark.parametrize(
    ("persona", "role", "with_shelter"),
    [
        ("coordinator_a", Role.PROGRAM_STAFF, False),
        ("coordinator_a", Role.PARTNER, False),
        ("caseworker_a", Role.CASEWORKER, True),
        ("program_staff", Role.CASEWORKER, True),
        ("program_staff", Role.COORDINATOR, True),
        ("partner", Role.PARTNER, False),
        ("caseworker_b", Role.CASEWORKER, True),
    ],
)
def test_nobody_invites_beyond_what_they_may_grant(personas, shelter_a, persona, role, with_shelter):
    with pytest.raises(AccessRefused):
        services.invitation_create(
            actor=personas[persona], email="x@example.org", role=role, shelter=shelter_a if with_shelter else None
        )
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("role", [Role.PROGRAM_STAFF, Role.PARTNER])
def test_program_staff_invite_program_staff_and_partners(program_staff, client, role):
    _invitation, link = services.invitation_create(actor=program_staff, email="p@example.org", role=role)
    assert join(client, link).status_code == 302

    user = User.objects.get(username="nueva")
    assert user.role == role and not user.memberships.exists()


def test_the_command_line_invites_a_shelters_first_coordinator(shelter_a, client, django_capture_on_commit_callbacks):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_user", "coord@example.org", "--role", "coordinator", "--shelter", "shelter-a", stdout=out)

    assert len(mail.outbox) == 1
    link = link_in(mail.outbox[0])
    assert link in out.getvalue()
    assert join(client, link).status_code == 302
    user = User.objects.get(username="nueva")
    assert user.role == Role.COORDINATOR
    assert Membership.objects.filter(user=user, shelter=shelter_a).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x@example.org", "--role", "coordinator"], "--shelter is required"),
        (["x@example.org", "--role", "partner", "--shelter", "shelter-a"], "not tied to a shelter"),
        (["x@example.org", "--role", "wizard"], "--role must be one of"),
        (["x@example.org", "--role", "coordinator", "--shelter", "nowhere"], "no shelter with slug nowhere"),
        (["not-an-address", "--role", "partner"], "valid email address"),
    ],
)
def test_invite_user_refuses_bad_input_in_one_line(shelter_a, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("invite_user", *args, stdout=StringIO())
    assert not Invitation.objects.exists()


def test_a_mail_server_that_fails_is_named_and_the_invitation_kept(client, coordinator_a, shelter_a, settings):
    # Nothing listens on this port: the SMTP backend cannot connect.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    client.force_login(coordinator_a)

    response = client.post("/team/", {"email": "nueva@example.org", "role": "caseworker"}, follow=True)

    assert response.status_code == 200
    assert "127.0.0.1" in response.content.decode()
    assert Invitation.objects.filter(email="nueva@example.org").exists()
