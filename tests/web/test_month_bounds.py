"""Months before 1900 on the pages: the shelter's Annex 2 page, its submit form, and admin's Annex 2 page."""

from __future__ import annotations

import pytest

from indicators.models import MonthSubmission
from shelters.models import MonthLock

pytestmark = pytest.mark.django_db

ADMIN_TABLE = "/admin/indicators/indicatorvalue/annex2/"
ERROR_ES = "Indique un mes como AAAA-MM, de 1900-01 a 9999-12."


@pytest.mark.parametrize("param", ["from", "to"])
def test_the_annex2_page_refuses_a_month_before_1900_next_to_its_field(client_as, caseworker_a, param):
    params = {"from": "2007-01", "to": "2007-12", param: "0001-01"}
    response = client_as(caseworker_a).get("/annex2/", params)

    assert response.status_code == 200
    assert response.context["table"] is None
    assert list(response.context["form"].errors) == [param]
    assert ERROR_ES in response.content.decode()
    assert "1-01" not in response.content.decode().replace("0001-01", "")


def test_a_month_before_1900_cannot_be_submitted(client_as, coordinator_a):
    response = client_as(coordinator_a).post("/annex2/submit/", {"month": "0001-01"}, follow=True)

    assert response.status_code == 200
    assert not MonthSubmission.objects.exists()


@pytest.mark.parametrize("param", ["start", "end"])
@pytest.mark.parametrize("month", ["0001-01", "1899-12"])
def test_admins_annex2_page_refuses_a_month_before_1900(client_as, program_staff, shelter_a, param, month):
    params = {"shelter": shelter_a.slug, "start": "2007-01", "end": "2007-12", param: month}
    response = client_as(program_staff).get(ADMIN_TABLE, params)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [param]
    assert response.context.get("table") is None


def test_admins_lock_form_refuses_a_month_before_1900(client_as, program_staff, shelter_a):
    response = client_as(program_staff).post(
        "/admin/shelters/monthlock/add/", {"shelter": shelter_a.pk, "month_text": "0001-01"}
    )

    assert response.status_code == 200
    assert "month_text" in response.context["adminform"].form.errors
    assert not MonthLock.objects.exists()
