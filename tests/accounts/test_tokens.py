"""API tokens: hashed, expiring, ended by every change of credentials, revocable; partners' script keys."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, TokenKind
from shelters.models import AuditEntry, Role

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
VICTIMS = "/api/v1/victims/"
INDICATORS = "/api/v1/indicators/"


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def signed_in_token(username: str, password: str) -> str:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_the_database_holds_no_token_that_signs_in(caseworker_a, password, records_a):
    token = signed_in_token("alice", password)
    stored = ApiToken.objects.get()

    for column in (stored.digest, stored.token_key):
        assert client_with(column).get(VICTIMS).status_code == 401
    assert client_with(token).get(VICTIMS).status_code == 200


def test_an_expired_token_stops_working(caseworker_a, password, records_a):
    token = signed_in_token("alice", password)
    ApiToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))

    assert client_with(token).get(VICTIMS).status_code == 401


def test_the_lifetime_comes_from_token_ttl_hours(caseworker_a, password, settings):
    settings.TOKEN_TTL_HOURS = 2
    body = APIClient().post(TOKEN_URL, {"username": "alice", "password": password}, format="json").json()

    lifetime = ApiToken.objects.get().expiry - timezone.now()
    assert timedelta(hours=1, minutes=59) < lifetime <= timedelta(hours=2)
    assert body["expires"].startswith(str(ApiToken.objects.get().expiry.date()))


def test_delete_revokes_the_token_it_is_sent_with_and_only_that_one(caseworker_a, password, records_a):
    kept = signed_in_token("alice", password)
    revoked = signed_in_token("alice", password)

    response = client_with(revoked).delete(TOKEN_URL)

    assert response.status_code == 204
    assert client_with(revoked).get(VICTIMS).status_code == 401
    assert client_with(kept).get(VICTIMS).status_code == 200
    assert AuditEntry.objects.filter(action="token_revoked", record_id=str(caseworker_a.pk)).exists()


def test_delete_without_a_token_is_401():
    assert APIClient().delete(TOKEN_URL).status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda user, shelter_b: (user.set_password("another-long-password-1"), user.save()), id="password"
        ),
        pytest.param(
            lambda user, shelter_b: services.account_set_active(actor=None, user=user, active=False), id="deactivated"
        ),
        pytest.param(
            lambda user, shelter_b: services.role_change(actor=None, user=user, role=Role.COORDINATOR), id="role"
        ),
        pytest.param(
            lambda user, shelter_b: services.membership_add(actor=None, user=user, shelter=shelter_b),
            id="shelter added",
        ),
    ],
)
def test_a_change_of_credentials_ends_every_token_at_once(caseworker_a, password, records_a, shelter_b, change):
    token = signed_in_token("alice", password)
    assert client_with(token).get(VICTIMS).status_code == 200

    change(caseworker_a, shelter_b)

    assert client_with(token).get(VICTIMS).status_code == 401
    assert not ApiToken.objects.filter(user=caseworker_a).exists()


def test_removal_from_a_shelter_ends_every_token(caseworker_a, password, shelter_a, shelter_b, records_a):
    services.membership_add(actor=None, user=caseworker_a, shelter=shelter_b)
    token = signed_in_token("alice", password)

    services.membership_remove(actor=None, user=caseworker_a, shelter=shelter_b)

    assert client_with(token).get(VICTIMS).status_code == 401


def test_a_token_made_before_a_password_change_fails_even_if_it_was_not_deleted(caseworker_a, password, records_a):
    token = signed_in_token("alice", password)
    stored = ApiToken.objects.get()
    made_at = stored.created
    caseworker_a.set_password("another-long-password-2")
    caseworker_a.save()
    # As if the deletion had been lost: the token's row is back, but it predates the new password.
    ApiToken.objects.bulk_create([stored])
    ApiToken.objects.update(created=made_at)  # auto_now_add stamped the re-insert

    assert client_with(token).get(VICTIMS).status_code == 401


def test_a_password_change_is_audited(caseworker_a):
    caseworker_a.set_password("another-long-password-3")
    caseworker_a.save()

    entry = AuditEntry.objects.get(action="password_changed")
    assert (entry.record_type, entry.record_id, entry.shelter_id) == (
        "user",
        str(caseworker_a.pk),
        caseworker_a.memberships.get().shelter_id,
    )


def test_issue_token_prints_a_read_only_key_for_a_partner_once(partner):
    out = StringIO()
    call_command("issue_token", "paco", "--days", "30", stdout=out, stderr=StringIO())
    key = out.getvalue().strip()

    stored = ApiToken.objects.get(user=partner)
    assert stored.kind == TokenKind.SCRIPT
    assert timedelta(days=29, hours=23) < stored.expiry - timezone.now() <= timedelta(days=30)
    assert key not in (stored.digest, stored.token_key)
    client = client_with(key)
    assert client.get(INDICATORS).status_code == 200
    assert client.post("/api/v1/meetings/", {}, format="json").status_code == 403
    assert AuditEntry.objects.filter(action="token_issued", fields=["script"]).exists()


@pytest.mark.parametrize("days", ["0", "366", "-3"])
def test_issue_token_refuses_a_lifetime_out_of_range(partner, days):
    with pytest.raises(CommandError, match="between 1 and 365"):
        call_command("issue_token", "paco", "--days", days, stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("persona", ["caseworker_a", "coordinator_a", "program_staff"])
def test_issue_token_is_for_partners_only(personas, persona):
    with pytest.raises(CommandError, match="partners only"):
        call_command("issue_token", personas[persona].username, "--days", "30", stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()


def test_issue_token_names_an_unknown_user():
    with pytest.raises(CommandError, match="no user 'ghost'"):
        call_command("issue_token", "ghost", "--days", "30", stdout=StringIO(), stderr=StringIO())


def test_revoke_tokens_ends_every_key_of_the_user(partner, caseworker_a, password):
    out = StringIO()
    call_command("issue_token", "paco", "--days", "30", stdout=out, stderr=StringIO())
    key = out.getvalue().strip()
    other = signed_in_token("alice", password)

    call_command("revoke_tokens", "paco", stdout=StringIO())

    assert client_with(key).get(INDICATORS).status_code == 401
    assert client_with(other).get(VICTIMS).status_code == 200


def test_expired_tokens_are_deleted_by_the_cleanup(caseworker_a):
    services.token_issue(user=caseworker_a)
    kept, _text = services.token_issue(user=caseworker_a)
    ApiToken.objects.exclude(digest=kept.digest).update(expiry=timezone.now() - timedelta(minutes=1))

    assert services.delete_expired_tokens() == 1
    assert list(ApiToken.objects.values_list("digest", flat=True)) == [kept.digest]


def test_the_nightly_task_deletes_expired_tokens(caseworker_a):
    from accounts.tasks import delete_expired_tokens
    from proteja_site.celery import app

    services.token_issue(user=caseworker_a)
    ApiToken.objects.update(expiry=timezone.now() - timedelta(minutes=1))

    assert delete_expired_tokens.apply().get() == 1
    assert not ApiToken.objects.exists()
    assert app.conf.beat_schedule["delete-expired-tokens"]["task"] == delete_expired_tokens.name
