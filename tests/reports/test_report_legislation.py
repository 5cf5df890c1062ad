"""The report's legislation and networks sections carry the states' laws (the federal law first), the tile map
of Mexico with the quarter's meetings, and the networks, in every format and in the report's language."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook

from legislation.models import Network, State, TipLawStatus
from legislation.seed import load_seed_legislation
from meetings.selectors import Quarter
from reports import exports
from reports.selectors import quarterly_report_data

pytestmark = pytest.mark.django_db

Q4 = Quarter(2007, 4)


@pytest.fixture
def laws(seed_meetings):
    load_seed_legislation()


def section(report, key):
    return next(entry for entry in report["sections"] if entry["key"] == key)


def test_the_legislation_section_lists_the_laws_that_moved_and_draws_the_map(laws):
    legislation = section(quarterly_report_data(quarter=Q4, number=7), "legislation")
    table, drawing = legislation["parts"]

    rows = {row[0]: row for row in table["rows"]}
    assert table["rows"][0][0] == "Federal"
    assert rows["Chihuahua"][1] == "Approved" and rows["Zacatecas"][1] == "Approved"
    # A state whose law has not moved is not listed (the map shows all 32).
    assert State.objects.filter(tip_law_status=TipLawStatus.NONE, tip_law_name="", notes="").exists()
    assert len(rows) - 1 == State.objects.exclude(tip_law_status=TipLawStatus.NONE, tip_law_name="", notes="").count()
    assert drawing["html"].count('class="tile ') == 32
    assert "Approved: 3" in drawing["text"]


def test_the_networks_section_lists_those_established_by_the_quarters_end(laws):
    networks = section(quarterly_report_data(quarter=Q4, number=7), "networks")["parts"][0]
    names = [row[0] for row in networks["rows"]]

    assert len(names) == Network.objects.exclude(established_on__gt=Q4.last_day).count() > 0
    assert any("Coahuila" in name for name in names)
    earlier = section(quarterly_report_data(quarter=Quarter(2007, 1), number=4), "networks")["parts"][0]
    assert len(earlier["rows"]) < len(names)


def test_every_format_carries_the_laws(laws):
    report = quarterly_report_data(quarter=Q4, number=7)

    html = exports.report_html(report)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="tile-map"' in html and "Chihuahua" in html
    document = Document(io.BytesIO(exports.report_docx(report)))
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert {"Chihuahua", "Approved"} <= cells
    workbook = load_workbook(io.BytesIO(exports.report_xlsx(report)))
    sections = [value for row in workbook["Sections"].iter_rows(values_only=True) for value in row]
    assert "Chihuahua" in sections
    with zipfile.ZipFile(io.BytesIO(exports.report_csv_zip(report))) as archive:
        assert "Chihuahua" in archive.read(next(n for n in archive.namelist() if "sections" in n)).decode()


def test_in_spanish(laws):
    legislation = section(quarterly_report_data(quarter=Q4, number=7, language="es"), "legislation")
    rows = {row[0]: row for row in legislation["parts"][0]["rows"]}

    assert rows["Chihuahua"][1] == "Aprobada"
    columns = legislation["parts"][0]["columns"]
    assert columns == ["Estado", "Situación", "Ley", "Fecha", "Elementos del Protocolo de Palermo"]
    assert legislation["parts"][0]["rows"][0][0] == "Federal"
