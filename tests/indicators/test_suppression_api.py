"""What partners see: small counts suppressed in every Annex 2 table, file, value list and report they can fetch;
program staff and shelter staff read exact numbers."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook

from indicators.models import IndicatorValue, Source
from indicators.suppression import ROW_SUMS
from shelters.models import Shelter
from tests.walls import NO_DOOR

SEED_RANGE = {"from": "2007-05", "to": "2007-12"}
OCTOBER = 5
REPORT_URL = "/api/v1/reports/quarterly/2007-Q4/"
NOTE_START = "Counts from 1 to 4 are shown as “<5”"


def url(slug):
    return f"/api/v1/shelters/{slug}/annex2/"


def row(table, key):
    return next(row for row in table["rows"] if row["key"] == key)


def store(shelter, month, key, value, source=Source.COMPUTED):
    return IndicatorValue.objects.create(shelter=shelter, month=month, indicator=key, value=value, source=source)


def test_partners_read_casa_alianzas_small_october_counts_as_suppressed(imported_seed, partner, program_staff, api_as):
    exact = api_as(program_staff).get(url("casa-alianza"), SEED_RANGE).json()
    table = api_as(partner).get(url("casa-alianza"), SEED_RANGE).json()
    for key, value in (("tip_crime_sexual_tourism", 1), ("victims_reintegrated", 2), ("secondary_victims_served", 3)):
        assert row(exact, key)["values"][OCTOBER] == value
        assert row(table, key)["values"][OCTOBER] is None
        assert row(table, key)["suppressed"][OCTOBER] is True
        # A TOTAL over a hidden month would give it away with the other months.
        assert row(table, key)["total"] is None and row(table, key)["total_suppressed"] is True
    # Missing stays missing, marked apart: printed 1 in May, then blanks.
    sentences_other = row(table, "sentences_other")
    assert sentences_other["values"][1:] == [None] * 7
    assert sentences_other["suppressed"][1:] == [False] * 7
    assert sentences_other["suppressed"][0] is True
    # Every cell shown is exact; 164 victims served in October is hidden beside the 3 children, or
    # total_victims_served (167) would give the 3 away.
    for shown, true in zip(table["rows"], exact["rows"], strict=True):
        for value, hidden, true_value in zip(shown["values"], shown["suppressed"], true["values"], strict=True):
            assert value == (None if hidden else true_value)
    assert row(table, "victims_served")["suppressed"][OCTOBER] is True
    assert row(table, "total_victims_served")["values"][OCTOBER] == 167
    assert row(table, "services_medical")["values"] == row(exact, "services_medical")["values"]
    assert all(not any(r["suppressed"]) and not r["total_suppressed"] for r in exact["rows"])
    assert table["suppression"] == {"k": 5}


@pytest.mark.parametrize("slug", ["casa-alianza", "ciam", "alternativas-pacificas", "casa-de-las-mercedes"])
def test_no_seed_table_shows_a_small_count_or_a_sum_with_one_hidden_cell(imported_seed, partner, api_as, slug):
    table = api_as(partner).get(url(slug), SEED_RANGE).json()
    rows = {r["key"]: r for r in table["rows"]}
    for r in table["rows"]:
        for value in [*r["values"], r["total"]]:
            assert value is None or value == 0 or value >= 5
        present = [hidden or value is not None for value, hidden in zip(r["values"], r["suppressed"], strict=True)]
        hidden_months = sum(r["suppressed"])
        assert hidden_months + r["total_suppressed"] != 1 or not any(present)
    for index in range(len(table["months"])):
        for row_sum in ROW_SUMS:
            hidden = [
                rows[key]["suppressed"][index]
                for key in row_sum
                if rows[key]["values"][index] is not None or rows[key]["suppressed"][index]
            ]
            assert sum(hidden) != 1, (table["months"][index], row_sum)


def test_shelter_staff_read_their_own_exact_numbers(shelter_a, caseworker_a, partner, api_as):
    store(shelter_a, date(2007, 9, 1), "services_legal", 2)
    store(shelter_a, date(2007, 9, 1), "services_medical", 7)
    params = {"from": "2007-09", "to": "2007-09"}
    mine = api_as(caseworker_a).get(url("shelter-a"), params).json()
    assert row(mine, "services_legal")["values"] == [2]
    assert row(mine, "services_legal")["suppressed"] == [False]
    assert "suppression" not in mine
    theirs = api_as(partner).get(url("shelter-a"), params).json()
    assert row(theirs, "services_legal")["values"] == [None]
    assert row(theirs, "services_medical")["values"] == [7]


def test_the_computed_value_behind_an_imported_one_is_not_shown_to_partners(shelter_a, partner, api_as):
    store(shelter_a, date(2007, 9, 1), "services_legal", 9, Source.IMPORTED)
    store(shelter_a, date(2007, 9, 1), "services_legal", 3)
    theirs = api_as(partner).get(url("shelter-a"), {"from": "2007-09", "to": "2007-09"}).json()
    assert row(theirs, "services_legal")["values"] == [9]
    assert row(theirs, "services_legal")["computed_values"] == [None]


def test_suppression_k_is_a_setting(settings, shelter_a, partner, api_as):
    settings.SUPPRESSION_K = 2
    for key, value in (("services_legal", 1), ("services_medical", 3), ("services_social", 0)):
        store(shelter_a, date(2007, 9, 1), key, value)
    table = api_as(partner).get(url("shelter-a"), {"from": "2007-09", "to": "2007-09"}).json()
    assert row(table, "services_legal")["values"] == [None]
    assert row(table, "services_medical")["values"] == [3]
    assert table["suppression"] == {"k": 2}


def test_a_failed_check_does_not_say_a_hidden_count(shelter_a, partner, program_staff, api_as):
    for key, value in (("origin_mexican", 1), ("origin_central_american", 8), ("origin_usa", 0), ("origin_other", 0)):
        store(shelter_a, date(2007, 9, 1), key, value)
    store(shelter_a, date(2007, 9, 1), "tip_victims_served", 12)
    params = {"from": "2007-09", "to": "2007-09"}
    exact = api_as(program_staff).get(url("shelter-a"), params).json()["checks"]
    assert [check["check"] for check in exact] == ["origins_sum_to_tip_victims"]
    assert "add up to 9 but" in exact[0]["message"]
    checks = api_as(partner).get(url("shelter-a"), params).json()["checks"]
    assert [check["check"] for check in checks] == ["origins_sum_to_tip_victims"]
    assert checks[0]["message"] == "This check fails; its counts are too small to show to partners."


def test_the_table_files_mark_hidden_cells_and_say_why(imported_seed, partner, program_staff, api_as):
    text = api_as(partner).get(url("casa-alianza"), {**SEED_RANGE, "format": "csv"}).content.decode()
    lines = list(csv.reader(io.StringIO(text)))
    tourism = next(line for line in lines if line and line[0] == "Sexual Tourism")
    assert tourism[1 + OCTOBER] == "<5" and tourism[-1] == "<5"
    assert lines[-1][0].startswith(NOTE_START)
    exact = api_as(program_staff).get(url("casa-alianza"), {**SEED_RANGE, "format": "csv"}).content.decode()
    assert "<5" not in exact and "Counts from 1" not in exact

    workbook = load_workbook(
        io.BytesIO(api_as(partner).get(url("casa-alianza"), {**SEED_RANGE, "format": "xlsx"}).content)
    )
    cells = [cell for line in workbook["Annex 2"].iter_rows(values_only=True) for cell in line]
    assert "<5" in cells
    assert any(isinstance(cell, str) and cell.startswith(NOTE_START) for cell in cells)

    spanish = api_as(partner).get(url("casa-alianza"), {**SEED_RANGE, "format": "csv", "lang": "es"}).content.decode()
    assert "Los conteos de 1 a 4 se muestran como “<5”" in spanish


def test_the_value_list_hides_what_the_tables_hide(imported_seed, partner, program_staff, api_as):
    params = {"shelter": "casa-alianza", "month": "2007-10", "indicator": "tip_crime_sexual_tourism"}
    exact = api_as(program_staff).get("/api/v1/indicator-values/", params).json()["results"]
    assert [(value["value"], value["suppressed"]) for value in exact] == [(1, False)]
    theirs = api_as(partner).get("/api/v1/indicator-values/", params).json()["results"]
    assert [(value["value"], value["suppressed"]) for value in theirs] == [(None, True)]
    # Every shown value is 0, missing or at least k; a hidden one is null.
    every = api_as(partner).get("/api/v1/indicator-values/", {"page_size": 500, "month": "2007-10"}).json()["results"]
    table = api_as(partner).get(url("casa-alianza"), SEED_RANGE).json()
    for value in every:
        assert value["value"] is None or value["value"] == 0 or value["value"] >= 5
        if value["shelter"] == "casa-alianza":
            assert value["suppressed"] == row(table, value["indicator"])["suppressed"][OCTOBER]


def test_query_counts_for_partners_add_one_for_every_shelters_months(
    imported_seed, partner, program_staff, api_as, django_assert_num_queries
):
    # As program staff's (the shelter, its cells, its locked months), plus every shelter's values in the
    # months shown, from which the hidden cells are chosen; and a partner's no door (tests/walls.py).
    with django_assert_num_queries(3 + 1 + NO_DOOR):
        assert api_as(partner).get(url("casa-alianza"), SEED_RANGE).status_code == 200
    # The list's count and page, plus every shelter's values in the page's months.
    with django_assert_num_queries(2 + 1 + NO_DOOR):
        assert api_as(partner).get("/api/v1/indicator-values/", {"month": "2007-10"}).status_code == 200


@pytest.fixture
def report_seed(imported_seed):
    for shelter in Shelter.objects.all():
        shelter.agreement_start = shelter.agreement_start or date(2007, 5, 1)
        shelter.save(update_fields=["agreement_start"])


def test_the_quarterly_report_in_every_format_hides_small_counts_for_partners(
    report_seed, partner, program_staff, api_as
):
    client = api_as(partner)
    report = client.get(REPORT_URL).json()
    casa = next(table for table in report["annex2"] if table["shelter"] == "casa-alianza")
    october = casa["months"].index("2007-10")
    assert row(casa, "tip_crime_sexual_tourism")["values"][october] is None
    assert row(casa, "tip_crime_sexual_tourism")["suppressed"][october] is True
    assert report["suppression"]["note"].startswith(NOTE_START)
    exact = api_as(program_staff).get(REPORT_URL).json()
    assert "suppression" not in exact
    casa_exact = next(table for table in exact["annex2"] if table["shelter"] == "casa-alianza")
    assert row(casa_exact, "tip_crime_sexual_tourism")["values"][october] == 1

    html = client.get(REPORT_URL, {"format": "html"}).content.decode()
    assert NOTE_START.replace("<", "&lt;") in html
    assert "&lt;5" in html
    assert "Counts from 1 to 4" not in api_as(program_staff).get(REPORT_URL, {"format": "html"}).content.decode()

    document = Document(io.BytesIO(client.get(REPORT_URL, {"format": "docx"}).content))
    assert any(paragraph.text.startswith(NOTE_START) for paragraph in document.paragraphs)
    assert any(cell.text == "<5" for table in document.tables for line in table.rows for cell in line.cells)

    workbook = load_workbook(io.BytesIO(client.get(REPORT_URL, {"format": "xlsx"}).content))
    sheet = next(name for name in workbook.sheetnames if "casa-alianza" in name)
    cells = [cell for line in workbook[sheet].iter_rows(values_only=True) for cell in line]
    assert "<5" in cells and any(isinstance(cell, str) and cell.startswith(NOTE_START) for cell in cells)

    with zipfile.ZipFile(io.BytesIO(client.get(REPORT_URL, {"format": "csv"}).content)) as archive:
        text = archive.read("annex2-casa-alianza.csv").decode()
    assert "<5" in text and NOTE_START in text
