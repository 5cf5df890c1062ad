"""GET /api/v1/shelters/{slug}/annex2/: the table in JSON, CSV and XLSX, per role, in English and Spanish."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from indicators.catalogue import INDICATOR_KEYS, INDICATORS_BY_KEY
from indicators.models import IndicatorValue, Source
from indicators.services import recompute_indicators
from indicators.tables import build_annex2_table
from shelters.models import MonthLock, Shelter
from tests.factories import ServiceFactory, VictimFactory
from tests.walls import API_DOOR, NO_DOOR

SEED_RANGE = {"from": "2007-05", "to": "2007-12"}


def url(slug):
    return f"/api/v1/shelters/{slug}/annex2/"


def row(table, key):
    return next(row for row in table["rows"] if row["key"] == key)


def store(shelter, month, key, value, source=Source.IMPORTED):
    return IndicatorValue.objects.create(shelter=shelter, month=month, indicator=key, value=value, source=source)


@pytest.fixture
def seed_staff(imported_seed, program_staff):
    return program_staff


def test_the_seed_table_in_json(seed_staff, api_as):
    response = api_as(seed_staff).get(url("casa-alianza"), SEED_RANGE)
    assert response.status_code == 200
    table = response.json()
    assert table["shelter"] == "casa-alianza"
    assert table["months"] == ["2007-05", "2007-06", "2007-07", "2007-08", "2007-09", "2007-10", "2007-11", "2007-12"]
    assert [r["key"] for r in table["rows"]] == INDICATOR_KEYS
    served = row(table, "victims_served")
    assert served["values"] == [158, 152, 199, 188, 180, 164, 170, 175]
    assert served["total"] == 1386
    assert served["section"] == "victims_served"
    assert (served["is_total"], row(table, "prosecutions_total")["is_total"]) == (False, True)
    assert served["label"] == "Number of victims that received services including TIP victims"
    assert served["sources"] == ["imported"] * 8
    # Printed 1 then blanks: the blanks stay missing and TOTAL is the sum of what is there.
    sentences_other = row(table, "sentences_other")
    assert sentences_other["values"] == [1, None, None, None, None, None, None, None]
    assert sentences_other["total"] == 1
    # A legacy table cannot give distinct people.
    assert served["distinct_total"] is None
    assert [(c["shelter"], c["month"], c["check"]) for c in table["checks"]] == [
        ("casa-alianza", "2007-11", "origins_sum_to_tip_victims")
    ]
    assert row(table, "origin_other")["failing"][6] is True
    assert row(table, "origin_other")["failing"][5] is False


def test_a_row_never_printed_is_missing_everywhere_with_a_missing_total(seed_staff, api_as):
    table = api_as(seed_staff).get(url("alternativas-pacificas"), SEED_RANGE).json()
    sentences = row(table, "sentences_tip")
    assert sentences["values"] == [None] * 8
    assert sentences["total"] is None


def test_the_seed_checks_fail_for_ciam_in_june_and_july(seed_staff, api_as):
    table = api_as(seed_staff).get(url("ciam"), SEED_RANGE).json()
    assert [(c["month"], c["rows"][-1]) for c in table["checks"]] == [
        ("2007-06", "tip_victims_served"),
        ("2007-07", "tip_victims_served"),
    ]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("caseworker_a", 200),
        ("coordinator_a", 200),
        ("caseworker_b", 404),
        ("program_staff", 200),
        ("partner", 200),
        ("anonymous", 401),
    ],
)
@pytest.mark.parametrize("file_format", ["json", "csv", "xlsx"])
def test_who_may_read_shelter_a_table(personas, shelter_a, api_as, persona, status, file_format):
    store(shelter_a, date(2007, 5, 1), "services_medical", 9)
    response = api_as(personas[persona]).get(url("shelter-a"), {**SEED_RANGE, "format": file_format})
    assert response.status_code == status
    if status != 200:
        # Errors are JSON whatever format was asked for, and say nothing of the table.
        assert response["Content-Type"].startswith("application/json")
        assert "services_medical" not in response.content.decode()


def test_an_unknown_shelter_is_404(program_staff, api_as):
    assert api_as(program_staff).get(url("nowhere")).status_code == 404


def test_the_csv_is_the_donor_layout(seed_staff, api_as):
    response = api_as(seed_staff).get(url("casa-alianza"), {**SEED_RANGE, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="annex2-casa-alianza-2007-05-2007-12.csv"' in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert lines[0] == ["Fundación Casa Alianza México, I.A.P."]
    assert lines[1] == ["Agreement Number: 023-008-51-2007-004"]
    header = lines[3]
    assert header == [
        "",
        "2007-05",
        "2007-06",
        "2007-07",
        "2007-08",
        "2007-09",
        "2007-10",
        "2007-11",
        "2007-12",
        "TOTAL",
    ]
    by_label = {line[0]: line[1:] for line in lines[4:] if line}
    assert by_label["Number of victims that received services including TIP victims"] == [
        "158",
        "152",
        "199",
        "188",
        "180",
        "164",
        "170",
        "175",
        "1386",
    ]
    assert by_label["Number of sentences for crimes other than TIP"] == ["1", "", "", "", "", "", "", "", "1"]
    # Section headings stand on their own line, in table order, before their rows.
    labels = [line[0] for line in lines[4:] if line]
    assert labels.index("National origin of TIP victims") < labels.index("Mexican")
    assert labels.count("Other") == 2


def test_the_xlsx_holds_the_same_table(seed_staff, api_as):
    response = api_as(seed_staff).get(url("ciam"), {**SEED_RANGE, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Annex 2"]
    lines = [list(line) for line in sheet.iter_rows(values_only=True)]
    assert lines[3][-1] == "TOTAL"
    by_label = {line[0]: line[1:] for line in lines[4:] if line and line[0]}
    assert by_label["Medical"] == [841, 954, 701, 825, 0, 1526, 804, 676, 6327]
    assert by_label["Number of cases that have received follow up once the victim has left that shelter"] == [None] * 9
    json_table = api_as(seed_staff).get(url("ciam"), SEED_RANGE).json()
    for table_row in json_table["rows"]:
        assert (
            by_label[table_row["label"]] == [*table_row["values"], table_row["total"]] or table_row["label"] == "Other"
        )
    checks = [list(line) for line in workbook["Checks"].iter_rows(values_only=True)]
    assert [line[1] for line in checks[1:]] == ["2007-06", "2007-07"]


def test_labels_in_spanish_by_accept_language(seed_staff, api_as):
    client = api_as(seed_staff)
    table = client.get(url("ciam"), SEED_RANGE, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5").json()
    assert row(table, "victims_served")["label"] == INDICATORS_BY_KEY["victims_served"].label_es
    assert row(table, "origin_mexican")["section_label"] == "Origen nacional de las víctimas de trata"
    english = client.get(url("ciam"), SEED_RANGE, HTTP_ACCEPT_LANGUAGE="fr, en;q=0.8, es;q=0.5").json()
    assert row(english, "victims_served")["label"] == INDICATORS_BY_KEY["victims_served"].label_en


def test_labels_by_lang_parameter_win_over_the_header(seed_staff, api_as):
    client = api_as(seed_staff)
    spanish = client.get(url("ciam"), {**SEED_RANGE, "lang": "es"}).json()
    assert row(spanish, "services_legal")["label"] == "Asesoría legal"
    assert client.get(url("ciam"), {**SEED_RANGE, "lang": "es-MX"}).json()["language"] == "es"
    english = client.get(url("ciam"), {**SEED_RANGE, "lang": "en"}, HTTP_ACCEPT_LANGUAGE="es").json()
    assert row(english, "services_legal")["label"] == "Legal Advice"
    csv_text = client.get(url("ciam"), {**SEED_RANGE, "lang": "es", "format": "csv"}).content.decode("utf-8")
    assert "Asesoría legal,19,13,7,46,11,7,52,29,184" in csv_text
    assert "Número de convenio: 6023-008-51-2007-001" in csv_text


def test_english_without_any_language_asked(seed_staff, api_as):
    table = api_as(seed_staff).get(url("ciam"), SEED_RANGE).json()
    assert row(table, "services_legal")["label"] == "Legal Advice"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2007-13"}, "from"),
        ({"from": "2007-5"}, "from"),
        ({"to": "December"}, "to"),
        ({"from": "2007-12", "to": "2007-05"}, "from"),
        ({"lang": "fr"}, "lang"),
        ({"format": "pdf"}, "format"),
        ({"from": "1900-01", "to": "2007-01"}, "from"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(program_staff, shelter_a, api_as, params, field):
    response = api_as(program_staff).get(url("shelter-a"), params)
    assert response.status_code == 400
    assert field in response.json()


def test_default_range_is_agreement_start_to_the_current_month(program_staff, shelter_a, api_as):
    table = api_as(program_staff).get(url("shelter-a")).json()
    assert table["months"][0] == "2007-05"
    assert table["months"][-1] == f"{timezone.localdate():%Y-%m}"


def test_imported_is_shown_and_a_different_computed_value_flagged(program_staff, shelter_a, api_as):
    may, june, july = date(2007, 5, 1), date(2007, 6, 1), date(2007, 7, 1)
    store(shelter_a, may, "services_legal", 5, Source.IMPORTED)
    store(shelter_a, may, "services_legal", 7, Source.COMPUTED)
    store(shelter_a, june, "services_legal", 3, Source.IMPORTED)
    store(shelter_a, june, "services_legal", 3, Source.COMPUTED)
    store(shelter_a, july, "services_legal", 0, Source.COMPUTED)
    table = api_as(program_staff).get(url("shelter-a"), {"from": "2007-05", "to": "2007-08"}).json()
    legal = row(table, "services_legal")
    assert legal["values"] == [5, 3, 0, None]
    assert legal["sources"] == ["imported", "imported", "computed", None]
    assert legal["differs"] == [True, False, False, False]
    assert legal["computed_values"] == [7, 3, 0, None]
    assert legal["total"] == 8


def test_locked_months_are_listed(program_staff, shelter_a, api_as):
    MonthLock.objects.create(shelter=shelter_a, month=date(2007, 6, 1))
    table = api_as(program_staff).get(url("shelter-a"), {"from": "2007-05", "to": "2007-08"}).json()
    assert table["locked_months"] == ["2007-06"]


def test_distinct_people_over_the_period_beside_the_sum_of_months(program_staff, shelter_a, api_as):
    # One victim open from September to November with a legal service in each month; another only in October.
    long_stay = VictimFactory(
        shelter=shelter_a, intake_date=date(2007, 9, 3), exit_date=date(2007, 11, 20), exit_reason="reintegrated"
    )
    VictimFactory(
        shelter=shelter_a, intake_date=date(2007, 10, 10), exit_date=date(2007, 10, 30), exit_reason="transferred"
    )
    for day in (date(2007, 9, 4), date(2007, 10, 4), date(2007, 11, 4)):
        ServiceFactory(victim=long_stay, date=day, category="legal")
    recompute_indicators(first_month=date(2007, 9, 1), last_month=date(2007, 11, 1), shelter_id=shelter_a.pk)

    table = api_as(program_staff).get(url("shelter-a"), {"from": "2007-09", "to": "2007-11"}).json()
    served = row(table, "victims_served")
    assert served["values"] == [1, 2, 1]
    assert served["total"] == 4
    assert served["distinct_total"] == 2
    assert row(table, "new_victims")["distinct_total"] == 2
    assert row(table, "victims_reintegrated")["distinct_total"] == 1
    # Events have no distinct count.
    legal = row(table, "services_legal")
    assert (legal["total"], legal["distinct_total"]) == (3, None)


def test_build_annex2_table_is_callable_directly(imported_seed):
    ciam = Shelter.objects.get(slug="ciam")
    table = build_annex2_table(shelter=ciam, first_month=date(2007, 12, 1), last_month=date(2007, 12, 1), language="es")
    assert table["months"] == ["2007-12"]
    assert row(table, "victims_served")["values"] == [15]
    assert row(table, "victims_served")["label"] == INDICATORS_BY_KEY["victims_served"].label_es


def test_query_count_is_fixed_for_the_table(seed_staff, api_as, django_assert_num_queries):
    client = api_as(seed_staff)
    # 1: the shelter; 2: its stored cells in the range; 3: its locked months (no computed cell: no distinct
    # count); and program staff's no door (tests/walls.py).
    with django_assert_num_queries(3 + NO_DOOR):
        assert client.get(url("casa-alianza"), SEED_RANGE).status_code == 200
    with django_assert_num_queries(3 + NO_DOOR):
        assert (
            client.get(url("casa-alianza"), {"from": "2007-01", "to": "2008-12", "format": "xlsx"}).status_code == 200
        )


def test_query_count_with_computed_cells_adds_the_distinct_count(
    program_staff, caseworker_a, shelter_a, api_as, django_assert_num_queries
):
    VictimFactory(shelter=shelter_a, intake_date=date(2007, 9, 3))
    recompute_indicators(first_month=date(2007, 9, 1), last_month=date(2007, 12, 1), shelter_id=shelter_a.pk)
    # 1: the shelter (for shelter staff, among their memberships as a subquery); 2: stored cells;
    # 3: locked months; 4: distinct people over the period, through the aggregation path for one shelter
    # (its setting, and giving it back: 2); and the door (tests/walls.py).
    for user in (program_staff, caseworker_a):
        with django_assert_num_queries(4 + 2 + (API_DOOR if user == caseworker_a else NO_DOOR)):
            response = api_as(user).get(url("shelter-a"), {"from": "2007-09", "to": "2007-12"})
        assert row(response.json(), "victims_served")["distinct_total"] == 1


def test_no_distinct_total_beside_an_imported_month(program_staff, shelter_a, api_as):
    # October and November imported from a legacy table, December computed from one victim's record.
    VictimFactory(shelter=shelter_a, intake_date=date(2007, 12, 3))
    recompute_indicators(first_month=date(2007, 12, 1), last_month=date(2007, 12, 1), shelter_id=shelter_a.pk)
    store(shelter_a, date(2007, 10, 1), "victims_served", 164, Source.IMPORTED)
    store(shelter_a, date(2007, 11, 1), "victims_served", 170, Source.IMPORTED)

    table = api_as(program_staff).get(url("shelter-a"), {"from": "2007-10", "to": "2007-12"}).json()

    served = row(table, "victims_served")
    assert served["values"] == [164, 170, 1]
    # Records cannot tell who the legacy months counted, so no distinct count is claimed for the row.
    assert served["distinct_total"] is None
    # A row shown only from records keeps its distinct count.
    assert row(table, "new_victims")["values"] == [None, None, 1]
    assert row(table, "new_victims")["distinct_total"] == 1
