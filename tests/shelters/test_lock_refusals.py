"""Every refusal of a locked month is a clear message in the reader's language, never a 500, nothing half-done."""

from datetime import date

import pytest
from django.test import Client

from shelters.models import MonthLock, Service

from ..factories import ServiceFactory, VictimFactory

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def locked_service(shelter_a):
    victim = VictimFactory(shelter=shelter_a, intake_date=date(2007, 10, 2))
    service = ServiceFactory(victim=victim, date=date(2007, 10, 3), category="legal")
    MonthLock.objects.create(shelter=shelter_a, month=date(2007, 10, 1))
    return service


def test_deleting_a_record_of_a_locked_month_in_admin_is_refused_in_spanish(caseworker_a, locked_service):
    response = client_for(caseworker_a).post(
        f"/admin/shelters/service/{locked_service.pk}/delete/", {"post": "yes"}, follow=True
    )

    assert response.status_code == 200
    assert "El mes 2007-10 está bloqueado" in response.content.decode()
    assert Service.objects.filter(pk=locked_service.pk).exists()


def test_delete_selected_with_one_locked_record_deletes_none(caseworker_a, locked_service, shelter_a):
    open_month = ServiceFactory(victim=locked_service.victim, date=date(2007, 11, 5), category="social")

    response = client_for(caseworker_a).post(
        "/admin/shelters/service/",
        {"action": "delete_selected", "post": "yes", "_selected_action": [str(open_month.pk), str(locked_service.pk)]},
        follow=True,
    )

    assert response.status_code == 200
    assert "está bloqueado" in response.content.decode()
    assert Service.objects.count() == 2


def test_the_api_409_is_in_spanish_when_asked(caseworker_a, locked_service, api_as):
    client = api_as(caseworker_a)
    response = client.delete(f"/api/v1/services/{locked_service.pk}/", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 409
    assert response.json()["detail"].startswith("El mes 2007-10 está bloqueado")
    assert (
        client.delete(f"/api/v1/services/{locked_service.pk}/")
        .json()["detail"]
        .startswith("The month 2007-10 is locked")
    )
    assert Service.objects.filter(pk=locked_service.pk).exists()
