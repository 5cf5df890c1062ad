"""Nothing typed is lost: the search posts then redirects (its text in the session, never in a URL), every error
at once in a summary, and a form sent after the session ended comes back filled after signing in again."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from shelters.models import AuditAction, AuditEntry, Victim
from tests.web.test_pages import victim_post

pytestmark = pytest.mark.django_db


def test_a_search_posts_then_redirects_and_its_text_never_goes_in_the_url(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    response = client.post("/cases/", {"q": "Guadalupe", "status": "all", "assigned": "all"})
    assert response.status_code == 302
    assert "Guadalupe" not in response["Location"] and "guadalupe" not in response["Location"].lower()
    results = client.get(response["Location"])
    assert [victim.case_code for victim in results.context["rows"]] == ["SA-00001"]
    assert results.context["form"]["q"].value() == "Guadalupe"
    # The list reached from the menu is the list, not the last search.
    assert client.get("/cases/").context["query"] == ""


def test_a_search_refused_for_its_length_says_so_on_the_page(client_as, caseworker_a):
    response = client_as(caseworker_a).post("/cases/", {"q": "x" * 101})
    assert response.status_code == 200
    assert "q" in response.context["form"].errors


def _end_the_session(client) -> None:
    """As 30 minutes without activity do: the session's row stays (until clearsessions) but no longer loads."""
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )


def test_a_form_sent_after_the_session_ended_comes_back_filled_after_signing_in(client_as, caseworker_a, password):
    client = client_as(caseworker_a)
    _end_the_session(client)
    response = client.post("/cases/new/", victim_post(**{"victim-notes": "llegó de noche"}))
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/cases/new/"
    assert not Victim.objects.exists()
    # Kept encrypted in the session: neither the name nor the notes are in its stored data.
    stored = "".join(Session.objects.values_list("session_data", flat=True))
    assert "Guadalupe" not in stored and "noche" not in stored
    client.post("/accounts/login/", {"username": "alice", "password": password})
    page = client.get("/cases/new/")
    restored = dict(page.wsgi_request.restored_form)
    assert restored["victim-given_name"] == ["Guadalupe"] and restored["victim-notes"] == ["llegó de noche"]
    assert "csrfmiddlewaretoken" not in restored
    # Once: the next visit is a blank form.
    assert client.get("/cases/new/").wsgi_request.__dict__.get("restored_form") is None


def test_a_kept_form_never_goes_to_another_person_signing_in(client_as, caseworker_a, coordinator_a, password):
    client = client_as(caseworker_a)
    _end_the_session(client)
    client.post("/cases/new/", victim_post())
    client.post("/accounts/login/", {"username": "carla", "password": password})
    page = client.get("/cases/new/")
    assert page.wsgi_request.__dict__.get("restored_form") is None
    assert "restored-form" not in page.content.decode()  # ("Guadalupe" is also a country of the list)


def test_the_exit_form_tells_every_error_at_once_and_saves_nothing(client_as, caseworker_a, case_a):
    before = AuditEntry.objects.filter(action=AuditAction.CHANGE).count()
    # No reason, and a date before the intake (2026-01-10): both errors on the first send.
    response = client_as(caseworker_a).post(f"/cases/{case_a.pk}/exit/", {"exit_date": "2026-01-01"})
    errors = response.context["form"].errors
    assert errors["exit_reason"] == ["Este campo es requerido."]
    assert errors["exit_date"] == ["La fecha de egreso no puede ser anterior a la de ingreso."]
    case_a.refresh_from_db()
    assert case_a.exit_date is None and case_a.exit_reason == ""
    assert AuditEntry.objects.filter(action=AuditAction.CHANGE).count() == before
