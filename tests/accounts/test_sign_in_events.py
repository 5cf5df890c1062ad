"""Sign-in events in the audit trail: failed (web, API, admin), locked out, unlocked, signed in.

A failed sign-in names the account only when the username exists; what was typed is never stored.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from shelters.models import AuditEntry

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
# A password typed into the username box: it must not reach the trail.
TYPED = "Tulipan-2026!"


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def entries(action: str):
    return AuditEntry.objects.filter(action=action)


def entry_text(entry: AuditEntry) -> str:
    return f"{entry.actor_username} {entry.record_type} {entry.record_id} {entry.fields} {entry.channel}"


def web_sign_in(username: str, password: str, **extra):
    return Client().post("/accounts/login/", {"username": username, "password": password}, **extra)


def admin_sign_in(username: str, password: str):
    # The admin's own sign-in page sends to the site's, which signs in to the admin when `next` goes there.
    assert Client().get("/admin/login/").url == "/accounts/login/?next=%2Fadmin%2F"
    return Client().post("/accounts/login/", {"username": username, "password": password, "next": "/admin/"})


def api_sign_in(username: str, password: str, **extra):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json", **extra)


SIGN_INS = {"web": web_sign_in, "admin": admin_sign_in, "api": api_sign_in}


@pytest.mark.parametrize("channel", SIGN_INS)
def test_a_wrong_password_names_the_account(caseworker_a, shelter_a, channel):
    response = SIGN_INS[channel]("alice", "wrong-password")

    assert response.status_code in (200, 400)
    entry = entries("signin_failed").get()
    assert (entry.record_type, entry.record_id, entry.shelter) == ("user", str(caseworker_a.pk), shelter_a)
    assert (entry.actor, entry.actor_username, entry.fields) == (None, "", [])
    assert (entry.channel, entry.address) == (channel, "127.0.0.1")
    assert "wrong-password" not in entry_text(entry)


@pytest.mark.parametrize("channel", SIGN_INS)
def test_an_unknown_username_is_stored_as_nothing(caseworker_a, channel):
    SIGN_INS[channel](TYPED, "anything")

    entry = entries("signin_failed").get()
    assert (entry.record_type, entry.record_id, entry.fields, entry.shelter) == ("", "", [], None)
    assert (entry.actor, entry.actor_username) == (None, "")
    assert TYPED not in entry_text(entry) and "anything" not in entry_text(entry)
    assert not AuditEntry.objects.exclude(pk=entry.pk).exists()


def test_a_failed_sign_in_is_an_entry_for_each_of_the_accounts_shelters(caseworker_a, shelter_a, shelter_b):
    caseworker_a.memberships.create(shelter=shelter_b)

    web_sign_in("alice", "wrong")

    assert sorted(entries("signin_failed").values_list("shelter__slug", flat=True)) == ["shelter-a", "shelter-b"]


def test_the_address_is_the_clients(caseworker_a, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    web_sign_in("alice", "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")

    assert entries("signin_failed").get().address == "203.0.113.9"


@pytest.mark.parametrize("channel", ["web", "admin"])
def test_a_session_sign_in_is_audited(caseworker_a, password, channel):
    response = SIGN_INS[channel]("alice", password)

    assert response.status_code == 302
    entry = entries("signed_in").get()
    assert (entry.actor, entry.record_type, entry.record_id) == (caseworker_a, "user", str(caseworker_a.pk))
    assert (entry.channel, entry.address) == (channel, "127.0.0.1")
    assert not entries("signin_failed").exists()


def test_an_api_token_is_audited_as_issued_not_as_a_session(caseworker_a, password):
    assert api_sign_in("alice", password).status_code == 200

    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["token_issued"]


def test_a_lock_out_is_one_entry_and_each_failure_one_more(caseworker_a, password, settings):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [api_sign_in("alice", f"wrong-{attempt}").status_code for attempt in range(limit + 2)]
    refused = api_sign_in("alice", password)

    assert statuses == [400] * (limit - 1) + [429] * 3
    assert refused.status_code == 429
    locked = entries("locked_out").get()
    assert (locked.actor, locked.record_type, locked.record_id) == (None, "user", str(caseworker_a.pk))
    assert (locked.channel, locked.address) == ("api", "127.0.0.1")
    # Every try failed, the right password during the lock as well.
    assert entries("signin_failed").count() == limit + 3
    assert not entries("token_issued").exists()


def test_an_unknown_username_locked_out_is_stored_as_nothing(db, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        web_sign_in(TYPED, "x")

    entry = entries("locked_out").get()
    assert (entry.record_type, entry.record_id, entry.fields, entry.channel) == ("", "", [], "web")
    assert TYPED not in entry_text(entry)


def test_a_web_lock_out_is_audited_and_shows_the_page(caseworker_a, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        last = web_sign_in("alice", "wrong")

    assert last.status_code == settings.AXES_HTTP_RESPONSE_CODE
    assert entries("locked_out").get().channel == "web"
    assert web_sign_in("alice", password).status_code == settings.AXES_HTTP_RESPONSE_CODE
    assert not entries("signed_in").exists()
