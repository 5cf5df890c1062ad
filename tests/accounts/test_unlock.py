"""Unlocking an account locked by django-axes: the service (who may) and `manage.py unlock_user`."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.utils import translation
from rest_framework.test import APIClient

from accounts.services import AccessRefused, account_unlock
from shelters.models import AuditEntry

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def sign_in(username: str, password: str, address: str = "127.0.0.1") -> int:
    body = {"username": username, "password": password}
    return APIClient().post(TOKEN_URL, body, format="json", REMOTE_ADDR=address).status_code


@pytest.fixture
def locked_alice(caseworker_a, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in("alice", f"wrong-{attempt}")
    return caseworker_a


def test_the_coordinator_unlocks_their_caseworker(locked_alice, coordinator_a, password):
    assert sign_in("alice", password) == 429

    cleared = account_unlock(actor=coordinator_a, user=locked_alice, channel="web", address="192.0.2.4")

    assert cleared >= 1
    assert not AccessAttempt.objects.filter(username="alice").exists()
    entry = AuditEntry.objects.get(action="unlocked")
    assert (entry.actor, entry.record_type, entry.record_id) == (coordinator_a, "user", str(locked_alice.pk))
    assert (entry.channel, entry.address, entry.shelter) == ("web", "192.0.2.4", locked_alice.memberships.get().shelter)
    assert sign_in("alice", password) == 200


@pytest.mark.parametrize("persona", ["caseworker_b", "program_staff", "caseworker_a"])
def test_who_may_not_manage_the_account_may_not_unlock_it(locked_alice, personas, password, persona):
    with pytest.raises(AccessRefused):
        account_unlock(actor=personas[persona], user=locked_alice)

    assert AccessAttempt.objects.filter(username="alice").exists()
    assert not AuditEntry.objects.filter(action="unlocked").exists()
    assert sign_in("alice", password) == 429


def test_the_refusal_is_in_the_readers_language(locked_alice, caseworker_b):
    with translation.override("es"), pytest.raises(AccessRefused, match="No puede desbloquear esta cuenta."):
        account_unlock(actor=caseworker_b, user=locked_alice)


def test_unlocking_an_account_that_is_not_locked_writes_nothing(caseworker_a, coordinator_a):
    assert account_unlock(actor=coordinator_a, user=caseworker_a) == 0
    assert not AuditEntry.objects.filter(action="unlocked").exists()


def test_the_command_unlocks_from_every_address(locked_alice, password, capsys):
    AccessAttempt.objects.filter(username="alice").update(ip_address="198.51.100.1")

    call_command("unlock_user", "alice")

    assert "Unlocked alice" in capsys.readouterr().out
    entry = AuditEntry.objects.get(action="unlocked")
    assert (entry.actor, entry.channel) == (None, "command")
    assert sign_in("alice", password, address="203.0.113.50") == 200


def test_the_command_says_when_there_was_nothing_to_unlock(caseworker_a, capsys):
    call_command("unlock_user", "alice")

    assert "alice was not locked" in capsys.readouterr().out


def test_the_command_refuses_an_unknown_user_in_one_line_with_a_non_zero_exit(db, capsys):
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        call_command("unlock_user", "ghost")

    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "unlock_user", "ghost"]).execute()
    assert exit_.value.code != 0
    assert capsys.readouterr().err.strip().splitlines() == ["CommandError: no user named 'ghost'"]
