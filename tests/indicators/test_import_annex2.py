"""`import_annex2`: the seed's four tables, cell by cell, as printed; its checks; idempotence; bad input."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from indicators.importers import ImportProblem, import_annex2_file, parse_annex2
from indicators.models import IndicatorValue, Source
from shelters.models import MonthLock, Shelter

# The printed labels, written out here independently of the importer's matching, per printed section.
PRINTED_SECTIONS = {
    "Number of victims that received services": "victims",
    "Follow up": "follow_up",
    "Type of TIP crimes": "crime",
    "National origin of TIP victims": "origin",
    "Number of services provided": "services",
    "Transfer of Victims": "transfer",
    "Legal Services provided": "legal",
    "Education": "education",
    "TIP sensitivity training": "training",
}
PRINTED_ROWS = {
    ("victims", "Number of victims that received services including TIP victims"): "victims_served",
    ("victims", "Number of victims that received services including Tip victims"): "victims_served",
    ("victims", "Number of secondary victims (children) that received services"): "secondary_victims_served",
    ("victims", "Number of secondary victims (children) that received services."): "secondary_victims_served",
    ("victims", "Number of TIP victims"): "tip_victims_served",
    ("victims", "Number of TIP Victims"): "tip_victims_served",
    ("victims", "<i>Total number of victims that received services</i>"): "total_victims_served",
    ("victims", "Number of new victims that received services"): "new_victims",
    ("victims", "Number of new secondary victims that received services"): "new_secondary_victims",
    ("victims", "<i>Total number of new victims that received services</i>"): "total_new_victims",
    ("victims", "Number of victims that were reintegrated into society"): "victims_reintegrated",
    ("victims", "Number of secondary victims that were reintegrated into society"): "secondary_victims_reintegrated",
    ("victims", "<i>Total number of victims that were reintegrated into society</i>"): "total_reintegrated",
    ("follow_up", "Number of cases that have received follow up once the victim has left that shelter"): (
        "follow_up_cases"
    ),
    ("crime", "Sexual Tourism"): "tip_crime_sexual_tourism",
    ("crime", "Forced Labor"): "tip_crime_forced_labor",
    ("crime", "Sexual Exploitation"): "tip_crime_sexual_exploitation",
    ("crime", "Child Labor"): "tip_crime_child_labor",
    ("crime", "Other"): "tip_crime_other",
    ("origin", "Mexican"): "origin_mexican",
    ("origin", "Central American"): "origin_central_american",
    ("origin", "USA"): "origin_usa",
    ("origin", "Other"): "origin_other",
    ("services", "Legal Advice"): "services_legal",
    ("services", "Medical"): "services_medical",
    ("services", "Mental Health"): "services_mental_health",
    ("services", "Social Services"): "services_social",
    ("transfer", "Number of victims transferred to another institution"): "victims_transferred",
    ("legal", "Number of TIPS victims that brought charges against their assailants"): "tip_victims_pressed_charges",
    ("legal", "Number of new prosecutions opened before Penal Tribunals for TIPS crimes."): "prosecutions_tip",
    ("legal", "Number of new prosecutions opened before Penal Tribunals for crimes other than TIPS."): (
        "prosecutions_other"
    ),
    ("legal", "<i>Number of prosecutions opened during the period</i>"): "prosecutions_total",
    ("legal", "Number of sentences related to TIP"): "sentences_tip",
    ("legal", "Number of sentences for crimes other than TIP"): "sentences_other",
    ("legal", "<i>Total number of sentences related to TIP victims that have received services from the shelter</i>"): (
        "sentences_total"
    ),
    (
        "education",
        "Number of victims that received technical or vocational training either through the shelter or through "
        "the transfer to another institution",
    ): "victims_vocational_training",
    (
        "education",
        "Number of victims that received elementary or high school education either through the shelter or through "
        "the transfer to another institution",
    ): "victims_schooling",
    ("education", "<i>Total number of victims receiving educational services</i>"): "victims_education_total",
    ("training", "Number of personnel from governmental institutions that received TIP sensitivity training"): (
        "personnel_trained_government"
    ),
    ("training", "Number of personnel from private institutions that received TIP sensitivity training"): (
        "personnel_trained_private"
    ),
}
PRINTED_SHELTERS = {
    "FUNDACIÓN CASA ALIANZA MÉXICO": "casa-alianza",
    "ALTERNATIVAS PACÍFICAS": "alternativas-pacificas",
    "CASA DE LAS MERCEDES": "casa-de-las-mercedes",
    "CENTRO INTEGRAL DE ATENCIÓN A LAS MUJERES (CIAM)": "ciam",
}
MONTHS_2007 = [date(2007, month, 1) for month in range(5, 13)]


def printed_tables(text):
    """{slug: {key: ([8 cells as int or None], printed TOTAL)}}, read straight from the text."""
    part = text[text.rindex("ANNEX 2:") :]
    tables: dict[str, dict[str, tuple[list[int | None], int | None]]] = {}
    slug = section = None
    for line in part.splitlines():
        if line.strip() in PRINTED_SHELTERS:
            slug = PRINTED_SHELTERS[line.strip()]
            tables[slug] = {}
            continue
        if "\t" not in line or line.startswith("2007\t"):
            continue
        label, *cells = line.split("\t")
        if not any(cell.strip() for cell in cells[:8]):
            section = next(name for prefix, name in PRINTED_SECTIONS.items() if label.startswith(prefix))
            continue
        key = PRINTED_ROWS[(section, label.strip())]
        numbers = [int(cell) if cell.strip() else None for cell in cells]
        tables[slug][key] = (numbers[:8], numbers[8])
    return tables


@pytest.fixture
def printed(seed_report):
    return printed_tables(seed_report.read_text(encoding="utf-8"))


def stored_imported():
    return {
        (slug, month, key): value
        for slug, month, key, value in IndicatorValue.objects.filter(source=Source.IMPORTED).values_list(
            "shelter__slug", "month", "indicator", "value"
        )
    }


def test_the_test_reads_four_tables_of_the_expected_sizes(printed):
    # Alternativas prints no legal and no education section; CIAM no follow-up, prosecutions, sentences.
    assert {slug: len(rows) for slug, rows in printed.items()} == {
        "casa-alianza": 37,
        "alternativas-pacificas": 27,
        "casa-de-las-mercedes": 37,
        "ciam": 30,
    }


def test_every_printed_cell_is_stored_as_printed_and_nothing_else(imported_seed, printed):
    stored = stored_imported()
    expected = {
        (slug, month, key): cells[index]
        for slug, rows in printed.items()
        for key, (cells, _total) in rows.items()
        for index, month in enumerate(MONTHS_2007)
    }
    assert stored == expected
    assert len(stored) == 8 * (37 + 27 + 37 + 30)


def test_a_printed_blank_stays_missing_not_zero(imported_seed):
    sentences_other = dict(
        IndicatorValue.objects.filter(shelter__slug="casa-alianza", indicator="sentences_other").values_list(
            "month", "value"
        )
    )
    assert sentences_other[date(2007, 5, 1)] == 1
    assert [sentences_other[month] for month in MONTHS_2007[1:]] == [None] * 7


def test_a_row_the_table_does_not_print_is_not_stored(imported_seed):
    assert not IndicatorValue.objects.filter(shelter__slug="alternativas-pacificas", indicator="sentences_tip").exists()
    assert not IndicatorValue.objects.filter(shelter__slug="ciam", indicator="follow_up_cases").exists()


def test_spot_cells_and_the_printed_totals(imported_seed, printed):
    stored = stored_imported()
    assert stored["casa-alianza", date(2007, 5, 1), "victims_served"] == 158
    assert stored["alternativas-pacificas", date(2007, 8, 1), "services_medical"] == 1838
    assert stored["casa-de-las-mercedes", date(2007, 11, 1), "origin_central_american"] == 1
    assert stored["ciam", date(2007, 12, 1), "victims_schooling"] == 51
    assert stored["ciam", date(2007, 11, 1), "personnel_trained_private"] == 42
    # The TOTAL column is not stored, but it is the sum of the stored months for every printed row.
    for slug, rows in printed.items():
        for key, (_cells, total) in rows.items():
            months_sum = sum(stored[slug, month, key] or 0 for month in MONTHS_2007)
            assert months_sum == total, (slug, key)


def test_shelters_are_created_with_agreement_numbers_and_may_2007_start(imported_seed):
    shelters = {shelter.slug: shelter for shelter in Shelter.objects.all()}
    assert shelters["casa-alianza"].agreement_number == "023-008-51-2007-004"
    assert shelters["ciam"].agreement_number == "6023-008-51-2007-001"
    assert {shelter.agreement_start for shelter in shelters.values()} == {date(2007, 5, 1)}
    assert all(table.shelter_created for table in imported_seed.tables)


def run_command(path):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_annex2", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_the_command_prints_exactly_the_three_origin_failures(seed_report):
    out, _err = run_command(seed_report)
    lines = out.splitlines()
    assert len(lines) == 3
    casa_alianza, ciam_june, ciam_july = lines
    assert "casa-alianza" in casa_alianza and "2007-11" in casa_alianza
    assert "ciam" in ciam_june and "2007-06" in ciam_june
    assert "ciam" in ciam_july and "2007-07" in ciam_july
    for line in lines:
        assert "tip_victims_served" in line and "origin_mexican" in line and "origin_other" in line


@pytest.mark.django_db
def test_a_second_run_changes_nothing(seed_report):
    first = import_annex2_file(seed_report)
    before = list(IndicatorValue.objects.order_by("id").values_list("id", "shelter_id", "month", "indicator", "value"))
    stamps = list(IndicatorValue.objects.order_by("id").values_list("updated_at", flat=True))
    shelters = Shelter.objects.count()

    out, _err = run_command(seed_report)
    second = import_annex2_file(seed_report)

    assert first.created == len(before) and first.changed
    assert (second.created, second.updated, second.unchanged) == (0, 0, len(before))
    assert not second.changed
    assert (
        list(IndicatorValue.objects.order_by("id").values_list("id", "shelter_id", "month", "indicator", "value"))
        == before
    )
    assert list(IndicatorValue.objects.order_by("id").values_list("updated_at", flat=True)) == stamps
    assert Shelter.objects.count() == shelters
    # The checks are about the file, so they are reported again.
    assert len(out.splitlines()) == 3


@pytest.mark.django_db
def test_a_changed_cell_is_updated_on_the_next_run(seed_report, tmp_path):
    import_annex2_file(seed_report)
    text = seed_report.read_text(encoding="utf-8").replace(
        "Legal Advice\t19\t13\t7\t46\t11\t7\t52\t29\t184", "Legal Advice\t20\t13\t7\t46\t11\t7\t52\t29\t185"
    )
    changed = tmp_path / "report.txt"
    changed.write_text(text, encoding="utf-8")
    result = import_annex2_file(changed)
    assert (result.created, result.updated) == (0, 1)
    value = IndicatorValue.objects.get(shelter__slug="ciam", month=date(2007, 5, 1), indicator="services_legal")
    assert value.value == 20


@pytest.mark.django_db
def test_it_does_not_change_a_locked_month(seed_report, tmp_path):
    import_annex2_file(seed_report)
    ciam = Shelter.objects.get(slug="ciam")
    MonthLock.objects.create(shelter=ciam, month=date(2007, 5, 1))
    # Unchanged cells of a locked month are fine: the seed imports again.
    import_annex2_file(seed_report)
    text = seed_report.read_text(encoding="utf-8").replace(
        "Legal Advice\t19\t13\t7\t46\t11\t7\t52\t29\t184", "Legal Advice\t20\t13\t7\t46\t11\t7\t52\t29\t185"
    )
    changed = tmp_path / "report.txt"
    changed.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="2007-05"):
        run_command(changed)
    assert IndicatorValue.objects.get(shelter=ciam, month=date(2007, 5, 1), indicator="services_legal").value == 19


@pytest.mark.django_db
def test_it_rejects_a_missing_path_with_one_line():
    with pytest.raises(CommandError) as error:
        run_command("/nonexistent/report.txt")
    assert "/nonexistent/report.txt" in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.django_db
def test_it_rejects_a_directory_and_a_binary_file(tmp_path):
    with pytest.raises(CommandError, match="not a file"):
        run_command(tmp_path)
    binary = tmp_path / "report.bin"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(CommandError, match="UTF-8"):
        run_command(binary)
    assert not IndicatorValue.objects.exists()


@pytest.mark.django_db
def test_it_rejects_a_file_without_annex_2(tmp_path):
    report = tmp_path / "report.txt"
    report.write_text("QUARTERLY REPORT\nANNEX 1: RECORD OF MEETINGS\n", encoding="utf-8")
    with pytest.raises(CommandError, match="ANNEX 2"):
        run_command(report)


@pytest.mark.django_db
def test_an_unreadable_line_is_reported_by_number_and_nothing_is_saved(seed_report, tmp_path):
    lines = seed_report.read_text(encoding="utf-8").splitlines()
    medical = next(number for number, line in enumerate(lines) if line.startswith("Medical\t596"))
    lines[medical] = "Medical\t596\tmany\t589\t598\t600\t72\t129\t144\t3307"
    unknown = next(number for number, line in enumerate(lines) if line.startswith("Forced Labor\t0\t0\t0\t0\t0\t0\t1"))
    lines[unknown] = "Forced Marriage\t0\t0\t0\t0\t0\t0\t1\t0\t1"
    report = tmp_path / "report.txt"
    report.write_text("\n".join(lines), encoding="utf-8")

    err = io.StringIO()
    with pytest.raises(CommandError, match="2 line"):
        call_command("import_annex2", str(report), stdout=io.StringIO(), stderr=err)
    reported = err.getvalue().splitlines()
    assert reported[0].startswith(f"line {medical + 1}:") and "many" in reported[0]
    assert reported[1].startswith(f"line {unknown + 1}:") and "Forced Marriage" in reported[1]
    assert not IndicatorValue.objects.exists()
    assert not Shelter.objects.exists()


def test_a_row_with_more_cells_than_the_header_is_unreadable():
    text = "ANNEX 2: X\nCASA DE LAS MERCEDES\n2007\tMay\tJune\tTOTAL\nMedical\t1\t2\t3\t4\n"
    with pytest.raises(ImportProblem) as problem:
        parse_annex2(text)
    assert problem.value.lines == ["line 4: 4 cells where the header has 3 (months and TOTAL)"]


def test_labels_are_matched_within_their_section_and_the_year_rolls_over():
    text = (
        "ANNEX 2: X\n\nSOME NEW SHELTER\nAgreement Number: 42\n"
        "2007\tNov.\tDec.\tJanuary\tTOTAL\n"
        "Type of TIP crimes committed against the victims that received services from the Shelter\t\t\t\t\n"
        "Other\t1\t\t2\t3\n"
        "National origin of TIP victims\t\t\t\t\n"
        "Other\t4\t5\t6\t15\n"
        "Legal Services provided to TIPS victims during the period\t\t\t\t\n"
        "Number of TIPS victims that brought charges against their assailants.\t0\t1\t0\t1\n"
    )
    (table,) = parse_annex2(text)
    assert table.agreement_number == "42"
    assert table.months == [date(2007, 11, 1), date(2007, 12, 1), date(2008, 1, 1)]
    assert table.values == {
        "tip_crime_other": [1, None, 2],
        "origin_other": [4, 5, 6],
        "tip_victims_pressed_charges": [0, 1, 0],
    }


@pytest.mark.django_db
def test_an_unknown_shelter_is_created_from_its_heading(tmp_path):
    report = tmp_path / "report.txt"
    report.write_text(
        "ANNEX 2: X\nREFUGIO NUEVO\nAgreement Number: 7-2008\n2008\tMarch\tApril\tTOTAL\nMedical\t3\t4\t7\n",
        encoding="utf-8",
    )
    result = import_annex2_file(report)
    shelter = Shelter.objects.get(slug="refugio-nuevo")
    assert (shelter.agreement_number, shelter.agreement_start) == ("7-2008", date(2008, 3, 1))
    assert result.tables[0].shelter_created
    assert not result.failures
    assert re.fullmatch(r"\d+", str(IndicatorValue.objects.get(shelter=shelter, month=date(2008, 4, 1)).value))
