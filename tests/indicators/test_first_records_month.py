"""Annex 2 is computed only from a shelter's first month of case records on: imported months keep their blanks."""

from datetime import date
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command

from indicators.models import IndicatorValue, Source
from shelters import services
from shelters.models import Shelter

from ..factories import ShelterFactory, VictimFactory

pytestmark = pytest.mark.django_db

OCT, NOV, DEC = date(2007, 10, 1), date(2007, 11, 1), date(2007, 12, 1)


@pytest.fixture(autouse=True)
def no_pending_markers():
    cache.clear()


def victim_data(intake: date) -> dict:
    return {"intake_date": intake, "sex": "female", "role": "primary"}


def first_month(shelter: Shelter) -> date | None:
    return Shelter.objects.values_list("first_records_month", flat=True).get(pk=shelter.pk)


def test_the_first_record_sets_the_month_and_an_earlier_one_lowers_it(shelter_a, caseworker_a):
    assert first_month(shelter_a) is None

    services.victim_create(actor=caseworker_a, shelter=shelter_a, data=victim_data(date(2007, 11, 20)))
    assert first_month(shelter_a) == NOV

    services.victim_create(actor=caseworker_a, shelter=shelter_a, data=victim_data(date(2007, 12, 3)))
    assert first_month(shelter_a) == NOV

    services.victim_create(actor=caseworker_a, shelter=shelter_a, data=victim_data(date(2007, 10, 9)))
    assert first_month(shelter_a) == OCT


def test_a_full_aggregation_leaves_the_imported_months_before_the_records_blank(db):
    shelter = ShelterFactory(slug="casa", agreement_start=date(2007, 5, 1), first_records_month=DEC)
    VictimFactory(shelter=shelter, intake_date=date(2007, 12, 4))
    # The donor's table for October: one row given, the rest left blank (missing, not 0).
    IndicatorValue.objects.create(shelter=shelter, month=OCT, indicator="victims_served", value=3, source="imported")
    # A computed 0 from an earlier run, before the first month of records: dropped.
    IndicatorValue.objects.create(shelter=shelter, month=NOV, indicator="new_victims", value=0, source="computed")

    out = StringIO()
    call_command("aggregate_indicators", "--sync", stdout=out)

    computed = set(
        IndicatorValue.objects.filter(shelter=shelter, source=Source.COMPUTED).values_list("month", flat=True)
    )
    assert OCT not in computed and NOV not in computed
    assert DEC in computed
    assert list(IndicatorValue.objects.filter(shelter=shelter, month=OCT).values_list("indicator", "value")) == [
        ("victims_served", 3)
    ]


def test_program_staff_can_set_the_first_month_in_admin(program_staff, shelter_a, client):
    client.force_login(program_staff)
    page = client.get(f"/admin/shelters/shelter/{shelter_a.pk}/change/").content.decode()
    assert 'name="first_records_month"' in page
