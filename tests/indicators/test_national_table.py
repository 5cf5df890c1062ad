"""The national Annex 2 table (issue 13): every shelter's stored values summed per row and month, in the shelter
table's shape (`"shelter": null`), with the same checks; API, files, admin page with a chart per indicator,
partners' suppression, and the quarterly report."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from indicators.catalogue import INDICATORS, INDICATORS_BY_KEY
from indicators.models import IndicatorValue, MonthLock, Source
from indicators.suppression import ROW_SUMS
from indicators.tables import build_annex2_table, build_national_table
from shelters.models import Shelter
from tests.factories import ShelterFactory
from tests.walls import NO_DOOR

URL = "/api/v1/annex2/"
SEED_RANGE = {"from": "2007-05", "to": "2007-12"}
SEED_SLUGS = ["alternativas-pacificas", "casa-alianza", "casa-de-las-mercedes", "ciam"]
OCTOBER = 5


def row(table, key):
    return next(row for row in table["rows"] if row["key"] == key)


def store(shelter, month, key, value, source=Source.COMPUTED):
    return IndicatorValue.objects.create(shelter=shelter, month=month, indicator=key, value=value, source=source)


def shelter_url(slug):
    return f"/api/v1/shelters/{slug}/annex2/"


# --- sums ---------------------------------------------------------------------------------------


def test_the_seed_national_table_adds_the_four_shelters_tables(imported_seed, program_staff, api_as):
    response = api_as(program_staff).get(URL, SEED_RANGE)
    assert response.status_code == 200
    national = response.json()
    assert national["shelter"] is None
    assert national["months"] == [
        "2007-05",
        "2007-06",
        "2007-07",
        "2007-08",
        "2007-09",
        "2007-10",
        "2007-11",
        "2007-12",
    ]
    tables = [api_as(program_staff).get(shelter_url(slug), SEED_RANGE).json() for slug in SEED_SLUGS]
    for national_row in national["rows"]:
        shelter_rows = [row(table, national_row["key"]) for table in tables]
        for index in range(len(national["months"])):
            present = [r["values"][index] for r in shelter_rows if r["values"][index] is not None]
            assert national_row["values"][index] == (sum(present) if present else None), national_row["key"]
            assert national_row["shelters_reporting"][index] == len(present)
        totals = [r["total"] for r in shelter_rows if r["total"] is not None]
        assert national_row["total"] == (sum(totals) if totals else None)
    # October: Casa Alianza's 164 victims served are added to the other shelters that report the row.
    october = [row(table, "victims_served")["values"][OCTOBER] for table in tables]
    assert 164 in october and sum(value is not None for value in october) >= 2
    assert row(national, "victims_served")["values"][OCTOBER] == sum(value for value in october if value is not None)
    assert national["shelters_reporting"][OCTOBER] == sum(
        any(r["values"][OCTOBER] is not None for r in table["rows"]) for table in tables
    )
    assert [r["key"] for r in national["rows"]] == [indicator.key for indicator in INDICATORS]


def test_missing_is_not_zero_and_a_partial_month_is_the_sum_of_those_reporting(program_staff, api_as):
    first, second, _third = ShelterFactory(), ShelterFactory(), ShelterFactory()
    october, november = date(2007, 10, 1), date(2007, 11, 1)
    store(first, october, "victims_served", 7)
    store(second, october, "victims_served", 5)
    store(first, november, "victims_served", 0)  # 0 is a value: nobody served
    store(second, november, "victims_served", None)  # stored as missing
    store(first, october, "services_medical", None)
    table = api_as(program_staff).get(URL, {"from": "2007-09", "to": "2007-12"}).json()

    served = row(table, "victims_served")
    assert served["values"] == [None, 12, 0, None]
    assert served["shelters_reporting"] == [0, 2, 1, 0]
    assert served["total"] == 12
    medical = row(table, "services_medical")
    assert medical["values"] == [None] * 4 and medical["total"] is None
    assert table["shelters_reporting"] == [0, 2, 1, 0]
    assert row(table, "services_legal")["values"] == [None] * 4


def test_a_shelters_imported_value_is_added_not_its_computed_one_behind_it(program_staff, api_as):
    first, second = ShelterFactory(), ShelterFactory()
    october = date(2007, 10, 1)
    store(first, october, "victims_served", 10, Source.COMPUTED)
    store(first, october, "victims_served", 14, Source.IMPORTED)
    store(second, october, "victims_served", 3, Source.COMPUTED)
    # An imported blank hides the computed value in the shelter's table: the national sum adds nothing for it.
    store(second, october, "new_victims", 2, Source.COMPUTED)
    store(second, october, "new_victims", None, Source.IMPORTED)
    table = api_as(program_staff).get(URL, {"from": "2007-10", "to": "2007-10"}).json()
    assert row(table, "victims_served")["values"] == [17]
    assert row(table, "new_victims")["values"] == [None]
    assert row(table, "new_victims")["shelters_reporting"] == [0]


@pytest.fixture
def three_shelters(db):
    return [ShelterFactory(), ShelterFactory(), ShelterFactory()]


MONTHS = [date(2007, 10, 1), date(2007, 11, 1)]
KEYS = ["victims_served", "secondary_victims_served", "total_victims_served", "services_medical"]
cell_values = st.none() | st.integers(0, 40)
# Per shelter, month and row: what is stored (nothing, computed, imported, or both).
stored_cells = st.fixed_dictionaries(
    {
        (shelter, month, key): st.tuples(
            st.sampled_from(["none", "computed", "imported", "both"]), cell_values, cell_values
        )
        for shelter in range(3)
        for month in range(len(MONTHS))
        for key in KEYS
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=stored_cells)
def test_national_sums_equal_the_shelters_tables_on_random_stored_values(three_shelters, cells):
    with transaction.atomic():
        rows = []
        for (shelter, month, key), (kind, computed, imported) in cells.items():
            if kind in ("computed", "both"):
                rows.append((shelter, month, key, computed, Source.COMPUTED))
            if kind in ("imported", "both"):
                rows.append((shelter, month, key, imported, Source.IMPORTED))
        IndicatorValue.objects.bulk_create(
            IndicatorValue(shelter=three_shelters[s], month=MONTHS[m], indicator=k, value=v, source=source)
            for s, m, k, v, source in rows
        )
        national = build_national_table(first_month=MONTHS[0], last_month=MONTHS[-1])
        tables = [
            build_annex2_table(shelter=shelter, first_month=MONTHS[0], last_month=MONTHS[-1])
            for shelter in three_shelters
        ]
        transaction.set_rollback(True)

    for key in KEYS:
        for index in range(len(MONTHS)):
            present = [row(table, key)["values"][index] for table in tables]
            present = [value for value in present if value is not None]
            assert row(national, key)["values"][index] == (sum(present) if present else None)
            assert row(national, key)["shelters_reporting"][index] == len(present)


# --- checks -------------------------------------------------------------------------------------


def test_the_national_table_is_checked_like_a_shelters(program_staff, api_as):
    first, second = ShelterFactory(), ShelterFactory()
    october = date(2007, 10, 1)
    store(first, october, "victims_served", 10)
    store(first, october, "secondary_victims_served", 2)
    store(first, october, "total_victims_served", 12)
    store(second, october, "victims_served", 5)
    store(second, october, "secondary_victims_served", 1)
    store(second, october, "total_victims_served", 9)  # 9 is not 5 + 1
    table = api_as(program_staff).get(URL, {"from": "2007-10", "to": "2007-10"}).json()
    assert row(table, "total_victims_served")["values"] == [21]
    failed = [check for check in table["checks"] if check["check"] == "total_equals_parts"]
    assert [(check["shelter"], check["month"], check["rows"][0]) for check in failed] == [
        (None, "2007-10", "total_victims_served")
    ]
    assert "21" in failed[0]["message"] and "18" in failed[0]["message"]
    assert row(table, "total_victims_served")["failing"] == [True]
    assert row(table, "services_medical")["failing"] == [False]


def test_locked_months_are_those_locked_by_every_shelter_reporting(program_staff, api_as):
    first, second, silent = ShelterFactory(), ShelterFactory(), ShelterFactory()
    october, november = date(2007, 10, 1), date(2007, 11, 1)
    for shelter in (first, second):
        store(shelter, october, "victims_served", 5)
        store(shelter, november, "victims_served", 5)
    for shelter, month in ((first, october), (second, october), (first, november), (silent, november)):
        MonthLock.objects.create(shelter=shelter, month=month)
    table = api_as(program_staff).get(URL, {"from": "2007-10", "to": "2007-11"}).json()
    assert table["locked_months"] == ["2007-10"]


# --- who reads it, and bad input ----------------------------------------------------------------


def test_shelter_staff_get_403_and_anonymous_401(imported_seed, caseworker_a, coordinator_a, api_as):
    assert api_as(caseworker_a).get(URL, SEED_RANGE).status_code == 403
    assert api_as(coordinator_a).get(URL, {**SEED_RANGE, "format": "csv"}).status_code == 403
    assert api_as(None).get(URL, SEED_RANGE).status_code == 401


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"from": "2007-13"}, "from"),
        ({"from": "2007-05", "to": "May"}, "to"),
        ({"from": "2007-12", "to": "2007-05"}, "from"),
        ({"from": "1899-12", "to": "2007-05"}, "from"),
        ({"from": "2007-05", "to": "2007-12", "format": "pdf"}, "format"),
        ({"from": "2007-05", "to": "2007-12", "lang": "fr"}, "lang"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(program_staff, api_as, params, named):
    response = api_as(program_staff).get(URL, params)
    assert response.status_code == 400
    assert named in response.json()
    assert "no-store" in response["Cache-Control"]


def test_the_default_range_runs_from_the_first_agreement_start(program_staff, api_as, settings):
    ShelterFactory(agreement_start=date(2007, 5, 1))
    ShelterFactory(agreement_start=date(2006, 11, 1))
    table = api_as(program_staff).get(URL, {"to": "2007-01"}).json()
    assert table["months"] == ["2006-11", "2006-12", "2007-01"]


# --- files --------------------------------------------------------------------------------------


def test_csv_and_xlsx_carry_the_same_table(imported_seed, program_staff, api_as):
    client = api_as(program_staff)
    table = client.get(URL, SEED_RANGE).json()
    response = client.get(URL, {**SEED_RANGE, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="annex2-national-2007-05-2007-12.csv"'
    assert "no-store" in response["Cache-Control"]
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert lines[0] == ["National table: every shelter"]
    assert lines[2] == ["", *table["months"], "TOTAL"]
    served = next(line for line in lines if line and line[0] == row(table, "victims_served")["label"])
    expected = ["" if value is None else str(value) for value in row(table, "victims_served")["values"]]
    assert served[1:] == [*expected, str(row(table, "victims_served")["total"])]

    response = client.get(URL, {**SEED_RANGE, "format": "xlsx", "lang": "es"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = [list(line) for line in workbook["Annex 2"].iter_rows(values_only=True)]
    assert sheet[0][0] == "Tabla nacional: todos los albergues"
    served = next(line for line in sheet if line[0] == INDICATORS_BY_KEY["victims_served"].label_es)
    assert served[1:9] == row(table, "victims_served")["values"]


# --- partners -----------------------------------------------------------------------------------


def test_partners_read_the_national_table_with_small_counts_hidden_and_none_derivable(
    imported_seed, partner, program_staff, api_as
):
    # One small shelter beside the seed's: its 2 new victims in October must not be worked out from the
    # national sum less the other shelters' shown cells.
    small = ShelterFactory(slug="small")
    store(small, date(2007, 10, 1), "victims_served", 2)
    store(small, date(2007, 10, 1), "new_victims", 2)
    exact = api_as(program_staff).get(URL, SEED_RANGE).json()
    national = api_as(partner).get(URL, SEED_RANGE).json()
    assert national["suppression"] == {"k": 5}
    slugs = [*SEED_SLUGS, "small"]
    shelters = {slug: api_as(partner).get(shelter_url(slug), SEED_RANGE).json() for slug in slugs}

    hidden_somewhere = 0
    for index in range(len(national["months"])):
        for national_row in national["rows"]:
            key = national_row["key"]
            shown, hidden = national_row["values"][index], national_row["suppressed"][index]
            true = row(exact, key)["values"][index]
            assert shown == (None if hidden else true)
            assert shown is None or shown == 0 or shown >= 5
            # national = sum of the shelters: never exactly one hidden cell among those with a value.
            cells = [(hidden, true is not None)] + [
                (
                    row(table, key)["suppressed"][index],
                    row(table, key)["suppressed"][index] or row(table, key)["values"][index] is not None,
                )
                for table in shelters.values()
            ]
            assert sum(flag for flag, present in cells if present) != 1, (key, national["months"][index])
            hidden_somewhere += hidden
        # Within the national table, the total rows and the origins: never exactly one hidden cell either.
        for row_sum in ROW_SUMS:
            flags = [
                row(national, key)["suppressed"][index]
                for key in row_sum
                if row(national, key)["suppressed"][index] or row(national, key)["values"][index] is not None
            ]
            assert sum(flags) != 1, (row_sum, national["months"][index])
    assert hidden_somewhere
    # The small shelter's October count is hidden in its table, and so is another cell of the national sum
    # (the national 39 less the seed's shown cells would give the 2 away otherwise).
    assert row(shelters["small"], "new_victims")["suppressed"][OCTOBER] is True
    assert row(exact, "new_victims")["values"][OCTOBER] == 39
    october = [row(national, "new_victims")["suppressed"][OCTOBER]] + [
        row(table, "new_victims")["suppressed"][OCTOBER] for table in shelters.values()
    ]
    assert sum(october) >= 2


def test_a_small_national_sum_is_hidden_and_its_files_mark_it(partner, api_as):
    first, second = ShelterFactory(), ShelterFactory()
    store(first, date(2007, 10, 1), "new_victims", 2)
    store(second, date(2007, 10, 1), "new_victims", 1)
    store(second, date(2007, 11, 1), "new_victims", 9)
    client = api_as(partner)
    table = client.get(URL, {"from": "2007-10", "to": "2007-11"}).json()
    assert row(table, "new_victims")["values"] == [None, 9]
    assert row(table, "new_victims")["suppressed"] == [True, False]
    # A hidden month hides the TOTAL too (12 less the 9 shown gives the 3).
    assert row(table, "new_victims")["total"] is None and row(table, "new_victims")["total_suppressed"] is True
    lines = list(
        csv.reader(io.StringIO(client.get(URL, {"from": "2007-10", "to": "2007-11", "format": "csv"}).content.decode()))
    )
    new_victims = next(line for line in lines if line and line[0] == row(table, "new_victims")["label"])
    assert new_victims[1:] == ["<5", "9", "<5"]
    assert lines[-1][0].startswith("Counts from 1 to 4 are shown as")


def test_program_staff_read_exact_sums(partner, program_staff, api_as):
    store(ShelterFactory(), date(2007, 10, 1), "new_victims", 2)
    table = api_as(program_staff).get(URL, {"from": "2007-10", "to": "2007-10"}).json()
    assert row(table, "new_victims")["values"] == [2] and row(table, "new_victims")["suppressed"] == [False]
    assert "suppression" not in table


# --- queries ------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["json", "csv", "xlsx"])
def test_the_query_count_is_fixed(
    imported_seed, program_staff, partner, api_as, django_assert_num_queries, file_format
):
    for shelter in Shelter.objects.all():
        store(shelter, date(2007, 12, 1), "services_legal", 6)
    # 1: the sums per row and month; 2: the shelters reporting and locked per month; program staff's no door.
    with django_assert_num_queries(2 + NO_DOOR):
        assert api_as(program_staff).get(URL, {**SEED_RANGE, "format": file_format}).status_code == 200
    # Partners: 3, every shelter's shown values in the months, to decide what is hidden.
    with django_assert_num_queries(3 + NO_DOOR):
        assert api_as(partner).get(URL, {**SEED_RANGE, "format": file_format}).status_code == 200
    # Without `from`: the first agreement start, one query more.
    with django_assert_num_queries(3 + NO_DOOR):
        assert api_as(program_staff).get(URL, {"to": "2007-12", "format": file_format}).status_code == 200


def test_the_schema_lists_the_national_table(program_staff, api_as):
    paths = api_as(program_staff).get("/api/schema/", {"format": "json"}).json()["paths"]
    parameters = {parameter["name"] for parameter in paths["/api/v1/annex2/"]["get"]["parameters"]}
    assert {"from", "to", "format", "lang"} <= parameters


# --- admin --------------------------------------------------------------------------------------

NATIONAL_PAGE = "/admin/indicators/indicatorvalue/national/"


@pytest.fixture
def staff_client(client, program_staff):
    client.force_login(program_staff)
    return client


def test_the_admin_page_is_in_spanish_with_the_checks_and_a_chart_per_indicator(imported_seed, staff_client):
    response = staff_client.get(NATIONAL_PAGE, {"start": "2007-05", "end": "2007-12"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es"' in html
    assert "Tabla nacional: todos los albergues" in html
    assert INDICATORS_BY_KEY["victims_served"].label_es in html
    assert "<h2>Verificaciones</h2>" in html
    table = response.context["table"]
    # The seed's failed origins add up into the national table's own failures, listed with their month.
    assert [check["month"] for check in table["checks"]] == [
        check["month"] for check in table["checks"] if check["month"]
    ]
    assert table["checks"] and all(f"{check['month']}: " in html for check in table["checks"])
    # One chart per indicator, each with a title and the months' numbers as text.
    assert html.count('<svg class="national-chart"') == len(INDICATORS)
    served = row(table, "victims_served")
    chart = html.split('<figure data-key="victims_served">')[1].split("</figure>")[0]
    assert '<title id="chart-victims_served-title">' in chart and "<desc" in chart
    for month, value in zip(table["months"], served["values"], strict=True):
        assert f"{month}: {'sin dato' if value is None else value}" in chart
    assert chart.count("<rect") == sum(value is not None for value in served["values"])
    assert "<script" not in html.split('<div class="national-charts">')[1]


def test_the_admin_chart_tells_a_zero_from_a_missing_month():
    from indicators.admin_national import indicator_chart

    with translation.override("en"):
        chart = indicator_chart(key="k", label="A <row>", months=["2007-10", "2007-11", "2007-12"], values=[4, 0, None])
    assert "A &lt;row&gt;" in chart and "<row>" not in chart
    assert chart.count("<rect") == 2 and 'class="zero"' in chart and 'class="bar"' in chart
    assert "2007-11: 0" in chart and "2007-12: no value" in chart
    assert ">—</text>" in chart


def test_the_admin_page_defaults_to_spanish_labels_and_follows_lang(imported_seed, staff_client):
    spanish = staff_client.get(NATIONAL_PAGE, {"start": "2007-10", "end": "2007-10"})
    assert row(spanish.context["table"], "victims_served")["label"].startswith("Número de víctimas")
    english = staff_client.get(NATIONAL_PAGE, {"start": "2007-10", "end": "2007-10", "lang": "en"})
    assert english.context["table"]["shelter_name"] == "National table: every shelter"
    # Without a query the page shows the table from the first agreement start.
    assert staff_client.get(NATIONAL_PAGE).context["table"]["months"]


def test_the_admin_page_links_and_refusals(imported_seed, staff_client, client, caseworker_a, partner):
    for page in (
        "/admin/indicators/indicatorvalue/",
        "/admin/indicators/indicatorvalue/annex2/",
        "/admin/indicators/monthreview/",
    ):
        assert f'href="{NATIONAL_PAGE}"' in staff_client.get(page).content.decode(), page
    bad = staff_client.get(NATIONAL_PAGE, {"start": "2007-13"})
    assert bad.status_code == 200 and bad.context["form"].errors["start"] and "table" not in bad.context
    for user in (caseworker_a, partner):
        client.force_login(user)
        assert client.get(NATIONAL_PAGE).status_code in (302, 403)


def test_the_admin_page_reads_in_a_fixed_number_of_queries(imported_seed, staff_client, django_assert_num_queries):
    staff_client.get(NATIONAL_PAGE)  # the session, the user and their sign-in settle on the first page
    # The session, the user and the door's settings (3); the table's sums and shelters reporting (2);
    # admin's sidebar permissions (2); the door's settings given back (1); the session saved (3).
    with django_assert_num_queries(11):
        staff_client.get(NATIONAL_PAGE, {"start": "2007-05", "end": "2007-12"})
    store(ShelterFactory(), date(2007, 10, 1), "victims_served", 9)
    with django_assert_num_queries(11):
        staff_client.get(NATIONAL_PAGE, {"start": "2007-01", "end": "2008-12"})
