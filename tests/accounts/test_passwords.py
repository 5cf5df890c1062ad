"""Passwords: each person sets their own; a reset goes only by a link to the account's own address."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from accounts import services
from accounts.models import ApiToken
from shelters.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW = "un-pasaporte-largo-y-nuevo"


def test_a_reset_link_goes_to_the_accounts_own_address_and_sets_a_new_password(client, caseworker_a):
    caseworker_a.email = "alice@example.org"
    caseworker_a.save()
    _api_token, token = services.token_issue(user=caseworker_a)

    response = client.post("/accounts/password_reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    saved = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})

    assert saved.status_code == 302
    caseworker_a.refresh_from_db()
    assert caseworker_a.check_password(NEW)
    assert not ApiToken.objects.filter(user=caseworker_a).exists()
    actions = list(AuditEntry.objects.filter(record_id=str(caseworker_a.pk)).values_list("action", flat=True))
    assert "reset_requested" in actions and "password_reset" in actions


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, caseworker_a):
    response = client.post("/accounts/password_reset/", {"email": "nadie@example.org"})

    assert response.status_code == 302 and response["Location"].endswith("/accounts/password_reset/done/")
    assert mail.outbox == []


def test_the_reset_pages_are_in_spanish(client):
    page = client.get("/accounts/password_reset/").content.decode()
    assert "contraseña" in page.lower()


def test_a_signed_in_person_changes_her_own_password(client, caseworker_a, password):
    client.force_login(caseworker_a)

    response = client.post(
        "/accounts/password_change/", {"old_password": password, "new_password1": NEW, "new_password2": NEW}
    )

    assert response.status_code == 302
    caseworker_a.refresh_from_db()
    assert caseworker_a.check_password(NEW)
    entry = AuditEntry.objects.get(action="password_changed")
    assert (entry.actor, entry.channel) == (caseworker_a, "web")


def test_the_sign_in_page_offers_the_reset(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert 'href="/accounts/password_reset/"' in page and "¿Olvidó su contraseña?" in page
