"""Locking a month that holds only the donor's imported table shows no drift: the issue saw "ahora 0" in every
cell, because the drift compared the imported month with values computed from no case record. Nothing is
computed before a shelter's first month of case records, so such a month has nothing to drift from."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache

from shelters.models import MonthLock, Shelter

from ..factories import VictimFactory

pytestmark = pytest.mark.django_db

TABLE_URL = "/admin/indicators/indicatorvalue/annex2/"
OCTOBER, JANUARY = date(2007, 10, 1), date(2008, 1, 1)


@pytest.fixture(autouse=True)
def no_pending_markers():
    cache.clear()


@pytest.fixture
def staff_client(client, program_staff):
    client.force_login(program_staff)
    return client


def lock_in_admin(staff_client, shelter, month):
    response = staff_client.post(
        "/admin/shelters/monthlock/add/", {"shelter": shelter.pk, "month_text": f"{month:%Y-%m}"}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    return MonthLock.objects.get(shelter=shelter, month=month)


@pytest.mark.parametrize("records_from", [None, JANUARY], ids=["no case records", "records from 2008-01"])
def test_an_imported_month_locked_in_admin_shows_no_drift(imported_seed, staff_client, records_from):
    ciam = Shelter.objects.get(slug="ciam")
    if records_from:
        VictimFactory(shelter=ciam, intake_date=date(2008, 1, 15))
        Shelter.objects.filter(pk=ciam.pk).update(first_records_month=records_from)
    lock = lock_in_admin(staff_client, ciam, OCTOBER)

    table = staff_client.get(
        TABLE_URL, {"shelter": "ciam", "start": "2007-10", "end": "2007-10"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    html = table.content.decode()

    assert table.context["drift"] == {"2007-10": []}
    assert 'class="drift"' not in html and "ahora 0" not in html
    # The imported values are shown as imported, the blanks as blanks.
    assert "imported" in html and "Bloqueado" in html
    page = staff_client.get(f"/admin/shelters/monthlock/{lock.pk}/change/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Sin diferencias: los valores guardados son los que dan hoy los expedientes." in page.content.decode()


def test_a_month_with_case_records_locked_in_admin_does_show_its_drift(imported_seed, staff_client):
    # The control: where records are kept and nothing was stored, what they give now is drift.
    ciam = Shelter.objects.get(slug="ciam")
    VictimFactory(shelter=ciam, intake_date=date(2008, 1, 15))
    Shelter.objects.filter(pk=ciam.pk).update(first_records_month=JANUARY)
    lock_in_admin(staff_client, ciam, JANUARY)

    table = staff_client.get(
        TABLE_URL, {"shelter": "ciam", "start": "2008-01", "end": "2008-01"}, HTTP_ACCEPT_LANGUAGE="es"
    )

    drift = table.context["drift"]["2008-01"]
    assert {"indicator": "victims_served", "stored": None, "current": 1} in drift
    assert 'class="drift"' in table.content.decode() and "ahora 1" in table.content.decode()
