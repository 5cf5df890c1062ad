"""Input at the edges of what PostgreSQL and the calendar accept: never a 500."""

from __future__ import annotations

import pytest

from shelters.models import Training, Victim

from ..factories import TrainingFactory, VictimFactory

pytestmark = pytest.mark.django_db

NUL = "a\u0000b"


@pytest.mark.parametrize("slug", [NUL, "\u0000"])
def test_a_nul_byte_in_a_shelter_slug_names_no_shelter(caseworker_a, api_as, slug):
    client = api_as(caseworker_a)

    training = client.post(
        "/api/v1/trainings/",
        {"shelter": slug, "date": "2007-10-05", "institution": "X", "sector": "government", "attendees": 3},
        format="json",
    )
    victim = client.post("/api/v1/victims/", {"shelter": slug, "intake_date": "2007-10-05"}, format="json")

    assert (training.status_code, victim.status_code) == (404, 404)
    assert not Training.objects.exists()
    assert not Victim.objects.exists()


def test_a_nul_byte_when_moving_a_record_to_a_shelter_changes_nothing(shelter_a, caseworker_a, api_as):
    victim = VictimFactory(shelter=shelter_a)
    training = TrainingFactory(shelter=shelter_a)
    client = api_as(caseworker_a)

    assert client.patch(f"/api/v1/victims/{victim.pk}/", {"shelter": NUL}, format="json").status_code in (400, 404)
    assert client.patch(f"/api/v1/trainings/{training.pk}/", {"shelter": NUL}, format="json").status_code in (400, 404)
    training.refresh_from_db()
    assert training.shelter == shelter_a


@pytest.mark.parametrize("persona", ["caseworker_a", "program_staff", "partner"])
def test_a_nul_byte_in_a_shelter_url_is_not_found(request, api_as, persona):
    response = api_as(request.getfixturevalue(persona)).get("/api/v1/shelters/a%00b/")

    assert response.status_code == 404


@pytest.mark.parametrize("quarter", ["9999-Q4", "2999-Q1"])
def test_a_report_for_a_quarter_not_yet_begun_is_refused(program_staff, api_as, quarter):
    response = api_as(program_staff).get(f"/api/v1/reports/quarterly/{quarter}/", {"format": "xlsx"})

    assert response.status_code == 400
    assert "quarter" in response.json()


def test_the_distinct_count_reaches_the_last_month_the_calendar_holds(shelter_a):
    from datetime import date

    from indicators.selectors import distinct_people_over_period, month_bounds

    assert month_bounds(date(9999, 11, 1), date(9999, 12, 1)) == (date(9999, 11, 1), date(9999, 12, 31))
    assert (
        distinct_people_over_period(
            shelter_id=shelter_a.pk, first_month=date(9999, 12, 1), last_month=date(9999, 12, 1)
        )["victims_served"]
        == 0
    )
