"""The Annex 2 admin: program staff's table page (marks, drift, sparklines), lock and unlock actions."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from indicators.admin import sparkline
from indicators.models import IndicatorValue, MonthSubmission, Source
from indicators.services import recompute_indicators
from shelters.models import AuditEntry, MonthLock, Role
from tests.factories import UserFactory, VictimFactory

TABLE_URL = "/admin/indicators/indicatorvalue/annex2/"


@pytest.fixture
def staff_client(client, program_staff):
    client.force_login(program_staff)
    return client


def test_program_staff_see_the_seed_table_with_failing_cells_and_sparklines(imported_seed, staff_client):
    MonthLock.objects.create(shelter=imported_seed.tables[3].shelter, month=date(2007, 12, 1))
    response = staff_client.get(TABLE_URL, {"shelter": "ciam", "start": "2007-05", "end": "2007-12"})
    assert response.status_code == 200
    html = response.content.decode()
    # In the reader's language (Spanish by default) when no language is asked for.
    assert "Número de víctimas que recibieron servicios, incluidas las víctimas de trata" in html
    assert "<svg" in html and "<polyline" in html
    assert "failing" in html and "imported" in html
    # Each month's lock state in words in its header.
    assert 'data-month="2007-12">2007-12<span class="lock-state is-locked">Bloqueado</span>' in html
    assert '<th scope="col" class="month" data-month="2007-11">2007-11<span class="lock-state is-open">Abierto' in html
    # The two origin failures are listed with month and rows.
    assert "ciam 2007-06" in html and "ciam 2007-07" in html
    # No JavaScript from anywhere.
    assert '<script src="http' not in html


def test_the_table_page_shows_the_drift_of_a_locked_month(shelter_a, staff_client):
    october = date(2007, 10, 1)
    VictimFactory(shelter=shelter_a, intake_date=date(2007, 10, 3))
    recompute_indicators(first_month=october, last_month=october, shelter_id=shelter_a.pk)
    MonthLock.objects.create(shelter=shelter_a, month=october)
    VictimFactory(shelter=shelter_a, intake_date=date(2007, 9, 12))
    response = staff_client.get(TABLE_URL, {"shelter": "shelter-a", "start": "2007-09", "end": "2007-10"})
    drift = response.context["drift"]["2007-10"]
    assert {"indicator": "victims_served", "stored": 1, "current": 2} in drift
    assert 'class="drift"' in response.content.decode()


def test_a_bad_month_on_the_page_is_a_form_error(shelter_a, staff_client):
    response = staff_client.get(TABLE_URL, {"shelter": "shelter-a", "start": "2007-13"})
    assert response.status_code == 200
    assert response.context["form"].errors["start"]
    assert "lines" not in response.context


@pytest.mark.parametrize("persona", ["caseworker_a", "coordinator_a"])
def test_shelter_staff_do_not_get_the_page(personas, shelter_a, client, persona):
    client.force_login(personas[persona])
    response = client.get(TABLE_URL, {"shelter": "shelter-a"})
    assert response.status_code == 403
    assert client.get(reverse("admin:shelters_monthlock_changelist")).status_code == 403


def test_lock_through_the_admin_add_form_and_unlock_by_action(shelter_a, program_staff, staff_client):
    response = staff_client.post(
        reverse("admin:shelters_monthlock_add"), {"shelter": shelter_a.pk, "month_text": "2007-10"}
    )
    assert response.status_code == 302
    lock = MonthLock.objects.get()
    assert (lock.month, lock.locked_by) == (date(2007, 10, 1), program_staff)

    response = staff_client.post(
        reverse("admin:shelters_monthlock_changelist"),
        {"action": "unlock_months", "_selected_action": [lock.pk], "reason": "A correction"},
    )
    assert response.status_code == 302
    assert not MonthLock.objects.exists()
    written = AuditEntry.objects.exclude(action="signed_in").order_by("id")  # force_login's sign-in is one too
    # The lock made, the lock removed, and the month returned to the shelter with the reason.
    assert list(written.values_list("action", "record_type")) == [
        ("create", "monthlock"),
        ("delete", "monthlock"),
        ("change", "monthsubmission"),
    ]


def test_a_bad_month_in_the_add_form_saves_nothing(shelter_a, staff_client):
    response = staff_client.post(
        reverse("admin:shelters_monthlock_add"), {"shelter": shelter_a.pk, "month_text": "October"}
    )
    assert response.status_code == 200
    assert not MonthLock.objects.exists()


def test_submitted_months_are_locked_by_action(shelter_a, coordinator_a, staff_client):
    submission = MonthSubmission.objects.create(shelter=shelter_a, month=date(2007, 11, 1), submitted_by=coordinator_a)
    changelist = reverse("admin:indicators_monthsubmission_changelist")
    assert staff_client.get(changelist).status_code == 200
    staff_client.post(changelist, {"action": "lock_months", "_selected_action": [submission.pk]})
    assert MonthLock.objects.filter(shelter=shelter_a, month=date(2007, 11, 1)).exists()


def test_values_are_read_only_in_the_admin(shelter_a, staff_client):
    value = IndicatorValue.objects.create(
        shelter=shelter_a, month=date(2007, 5, 1), indicator="services_legal", value=3, source=Source.IMPORTED
    )
    assert staff_client.get(reverse("admin:indicators_indicatorvalue_changelist")).status_code == 200
    url = reverse("admin:indicators_indicatorvalue_change", args=[value.pk])
    staff_client.post(url, {"value": 99})
    value.refresh_from_db()
    assert value.value == 3
    assert staff_client.get(reverse("admin:indicators_indicatorvalue_add")).status_code == 403


def test_a_partner_without_admin_access_is_sent_to_sign_in(shelter_a, client):
    partner = UserFactory(username="paula", role=Role.PARTNER, is_staff=False)
    client.force_login(partner)
    assert client.get(TABLE_URL, {"shelter": "shelter-a"}).status_code == 302


def test_sparkline_breaks_at_missing_months_and_scales_to_the_highest():
    svg = str(sparkline([0, 10, None, 5, 5], width=100, height=24))
    assert svg.count("<polyline") == 2
    assert 'points="0.0,22.0 25.0,2.0"' in svg
    assert sparkline([None, None]) == ""


def test_a_locks_page_shows_its_drift(shelter_a, staff_client):
    october = date(2007, 10, 1)
    VictimFactory(shelter=shelter_a, intake_date=date(2007, 10, 3))
    lock = MonthLock.objects.create(shelter=shelter_a, month=october)
    # Locked before any recompute stored the month: every row the records give is drift.
    response = staff_client.get(reverse("admin:shelters_monthlock_change", args=[lock.pk]))
    assert response.status_code == 200
    label = "Número de víctimas que recibieron servicios, incluidas las víctimas de trata"
    assert f"<td>{label}</td><td>—</td><td>1</td>" in response.content.decode()


def test_the_table_opens_in_the_readers_language_and_says_so(imported_seed, staff_client):
    params = {"shelter": "ciam", "start": "2007-05", "end": "2007-12"}

    spanish = staff_client.get(TABLE_URL, params, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = staff_client.get(TABLE_URL, params, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Número de víctimas de trata" in spanish and '<option value="es" selected>Español</option>' in spanish
    assert "Number of TIP victims" in english and '<option value="en" selected>English</option>' in english
