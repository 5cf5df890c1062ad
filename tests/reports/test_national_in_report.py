"""The quarterly report's Annex 2 ends with the national table (issue 13), partners' with small counts hidden as in
their national table."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from indicators.importers import import_annex2_file
from indicators.models import IndicatorValue, Source
from shelters.models import Shelter
from tests.factories import ShelterFactory

from .conftest import SEED

URL = "/api/v1/annex2/"
REPORT_URL = "/api/v1/reports/quarterly/2007-Q4/"


@pytest.fixture
def imported_seed(db):
    return import_annex2_file(SEED)


def store(shelter, month, key, value, source=Source.COMPUTED):
    return IndicatorValue.objects.create(shelter=shelter, month=month, indicator=key, value=value, source=source)


@pytest.fixture
def report_seed(imported_seed):
    for shelter in Shelter.objects.all():
        shelter.agreement_start = shelter.agreement_start or date(2007, 5, 1)
        shelter.save(update_fields=["agreement_start"])


def test_the_quarterly_report_ends_its_annex_2_with_the_national_table(report_seed, partner, program_staff, api_as):
    store(ShelterFactory(agreement_start=date(2007, 5, 1)), date(2007, 10, 1), "new_victims", 2)
    exact = api_as(program_staff).get(REPORT_URL).json()
    assert exact["annex2"][-1]["shelter"] is None
    # The shelters in the seed's order (reports.selectors.REPORT_SHELTER_ORDER), one it does not list after.
    shelters = [table["shelter"] for table in exact["annex2"][:-1]]
    assert shelters[:4] == ["casa-alianza", "alternativas-pacificas", "casa-de-las-mercedes", "ciam"]
    assert len(shelters) == 5
    national_exact = exact["annex2"][-1]
    api_exact = api_as(program_staff).get(URL, {"from": national_exact["from"], "to": "2007-12"}).json()
    assert [r["values"] for r in national_exact["rows"]] == [r["values"] for r in api_exact["rows"]]

    client = api_as(partner)
    national = client.get(REPORT_URL).json()["annex2"][-1]
    api_national = client.get(URL, {"from": national["from"], "to": "2007-12"}).json()
    # Partners' report hides the same cells as their national table (month by month, jointly with the shelters).
    assert [r["suppressed"] for r in national["rows"]] == [r["suppressed"] for r in api_national["rows"]]
    assert [r["values"] for r in national["rows"]] == [r["values"] for r in api_national["rows"]]
    assert any(any(r["suppressed"]) for r in national["rows"])

    with zipfile.ZipFile(io.BytesIO(client.get(REPORT_URL, {"format": "csv"}).content)) as archive:
        assert "annex2-national.csv" in archive.namelist()
    single = client.get(REPORT_URL, {"format": "csv", "table": "annex2-national"})
    assert single.status_code == 200
    assert single.content.decode().splitlines()[0].split(",")[-1] == "TOTAL"
    workbook = load_workbook(io.BytesIO(client.get(REPORT_URL, {"format": "xlsx"}).content))
    assert workbook.sheetnames[-1] == "Annex 2 national"
