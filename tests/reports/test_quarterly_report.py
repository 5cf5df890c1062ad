"""The quarterly report: figures from the meetings, Annex 1 as in the seed, Annex 2, the files, access, queries."""

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook

from indicators.models import IndicatorValue
from meetings.models import Component, Meeting
from meetings.selectors import Quarter
from reports import exports
from reports.api import DocxRenderer
from reports.demo import load_demo_cost_share, load_demo_report
from reports.selectors import default_report_number, quarterly_report_data
from shelters.models import Shelter
from shelters.seed import ensure_seed_shelters

pytestmark = pytest.mark.django_db

Q4 = Quarter(2007, 4)
URL = "/api/v1/reports/quarterly/2007-Q4/"


@pytest.fixture
def seed_report(seed_meetings):
    """The seed's meetings, its four shelters with the illustrative cost share, and one imported Annex 2 cell."""
    ensure_seed_shelters()
    load_demo_cost_share()
    IndicatorValue.objects.create(
        shelter=Shelter.objects.get(slug="casa-alianza"),
        month=date(2007, 10, 1),
        indicator="victims_served",
        value=164,
        source="imported",
    )
    return quarterly_report_data(quarter=Q4, number=7)


def test_summary_figures_are_sums_over_the_meetings(seed_report):
    meetings = list(Meeting.objects.filter(start_date__range=(date(2007, 10, 1), date(2007, 12, 31))))
    for row in seed_report["summary"]["components"]:
        mine = [meeting for meeting in meetings if meeting.component == row["component"]]
        split = [meeting for meeting in mine if meeting.participants_male is not None]
        assert row["meetings"] == len(mine)
        assert row["participants"] == sum(meeting.participants_total or 0 for meeting in mine)
        assert row["male"] == sum(meeting.participants_male for meeting in split)
        assert row["female"] == sum(meeting.participants_female for meeting in split)
        assert row["participants_with_sex_split"] == sum(meeting.participants_total for meeting in split)
    totals = seed_report["summary"]["totals"]
    assert totals["meetings"] == 57
    assert totals["participants"] == sum(meeting.participants_total or 0 for meeting in meetings)
    states = {meeting.state for meeting in meetings if meeting.state}
    assert seed_report["summary"]["states_reached"] == len(states)
    assert [row["state"] for row in seed_report["summary"]["states"]] == sorted(states)


def test_the_seed_quarter_cost_share_total(seed_report):
    cost_share = seed_report["cost_share"]
    assert cost_share["total_cost_share_usd"] == Decimal("103873.03")
    assert len(cost_share["shelters"]) == 4
    assert cost_share["all_within_match"] is True


def test_cover_and_default_number(seed_report):
    assert seed_report["heading"] == "QUARTERLY REPORT NO. 7"
    assert seed_report["period"] == "OCTOBER — DECEMBER 2007"
    assert default_report_number(Q4) == 7
    assert default_report_number(Quarter(2008, 1)) == 8


def test_annex1_is_laid_out_as_in_the_seed(seed_report):
    tables = seed_report["annex1"]
    assert [len(table["rows"]) for table in tables] == [25, 13, 5, 14]
    assert tables[0]["title"] == "TABLE 1 – PROTEJA TIP Meetings: Public Awareness Component"
    first = tables[0]["rows"][0]
    assert (first["date"], first["state"]) == ("2-Oct.", "Mexico City, D.F.")
    assert first["organizations"].startswith("National Commission of Human Rights (CNDH) and UNAM")
    dates = [row["date"] for row in tables[0]["rows"]]
    assert "24 and 26-Oct." in dates and "16-17-Oct." in dates
    assert [row["date"] for row in tables[1]["rows"]][7] == "14-16-Nov."
    assert "Queretaro" in [row["state"] for row in tables[0]["rows"]]
    assert {row["subheading"] for row in tables[3]["rows"]} == {
        "Seminars on Trafficking in Persons Offered by PROTEJA and Research Efforts"
    }


def test_annex2_runs_from_the_agreement_start_to_the_quarters_end(seed_report):
    tables = {table["shelter"]: table for table in seed_report["annex2"]}
    # The national table (`"shelter": None`) last, after the shelters it adds up.
    assert set(tables) == {"casa-alianza", "alternativas-pacificas", "casa-de-las-mercedes", "ciam", None}
    assert seed_report["annex2"][-1]["shelter"] is None
    assert tables[None]["months"][0] == "2007-05"
    casa = tables["casa-alianza"]
    assert casa["months"] == ["2007-05", "2007-06", "2007-07", "2007-08", "2007-09", "2007-10", "2007-11", "2007-12"]
    served = next(row for row in casa["rows"] if row["key"] == "victims_served")
    assert served["values"] == [None, None, None, None, None, 164, None, None]


def test_the_report_takes_a_fixed_number_of_queries(seed_meetings, django_assert_num_queries, shelter_a):
    # 1 title page, 1 narrative, 1 cost share per shelter (two subqueries), 2 meeting summary (per
    # component; states), 1 Annex 1 rows, 1 shelters with an agreement, then per shelter (one here) the
    # Annex 2 table's 2: stored values and locked months; the national table's 2: sums, shelters reporting; and
    # the legislation and networks sections' 4: federal laws, states, meetings per state (the map), networks.
    with django_assert_num_queries(15):
        quarterly_report_data(quarter=Q4, number=7)
    Meeting.objects.bulk_create(
        Meeting(component=Component.NETWORKS, start_date=date(2007, 12, 1), end_date=date(2007, 12, 1), topic=f"m{n}")
        for n in range(200)
    )
    with django_assert_num_queries(15):
        report = quarterly_report_data(quarter=Q4, number=7)
    assert report["summary"]["totals"]["meetings"] == 257


def test_the_workbook_reads_back(seed_report):
    workbook = load_workbook(io.BytesIO(exports.report_xlsx(seed_report)))
    assert workbook.sheetnames[:9] == [
        "Cover", "Sections", "Summary", "States", "Cost share", "Table 1", "Table 2", "Table 3", "Table 4"
    ]  # fmt: skip
    assert "Annex 2 casa-alianza" in workbook.sheetnames
    table1 = [list(row) for row in workbook["Table 1"].iter_rows(values_only=True)]
    assert table1[1] == ["Date", "Participant Organization or Government Representative", "Topic/Activity", "State"]
    assert table1[2][0] == "2-Oct." and table1[2][3] == "Mexico City, D.F."
    assert len(table1) == 2 + 25
    table4 = [list(row) for row in workbook["Table 4"].iter_rows(values_only=True)]
    assert table4[2][0] == "Seminars on Trafficking in Persons Offered by PROTEJA and Research Efforts"
    assert len(table4) == 2 + 1 + 14

    summary = [list(row) for row in workbook["Summary"].iter_rows(values_only=True)]
    total_row = next(row for row in summary if row[0] == "Total")
    assert total_row[1] == 57 and isinstance(total_row[2], int)
    assert total_row[2] == seed_report["summary"]["totals"]["participants"]

    cost = [list(row) for row in workbook["Cost share"].iter_rows(values_only=True)]
    total = next(row for row in cost if row[0] == "Total")
    assert isinstance(total[1], (int, float)) and Decimal(str(total[1])) == Decimal("103873.03")

    annex2 = [list(row) for row in workbook["Annex 2 casa-alianza"].iter_rows(values_only=True)]
    served = next(row for row in annex2 if row[0] == "Number of victims that received services including TIP victims")
    assert served[6] == 164 and served[1] is None and served[-1] == 164
    assert annex2[2][0] == "2007" and annex2[2][1] == "May"


def test_the_word_document_reads_back(seed_report):
    document = Document(io.BytesIO(exports.report_docx(seed_report)))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "QUARTERLY REPORT NO. 7" in text and "OCTOBER — DECEMBER 2007" in text
    annex1 = [table for table in document.tables if table.rows[0].cells[0].text == "Date" and len(table.columns) == 4]
    assert [len(table.rows) - 1 for table in annex1] == [25, 13, 5, 15]  # Table 4: 14 rows and its subheading
    row = [cell.text for cell in annex1[0].rows[15].cells]
    assert row[0] == "24 and 26-Oct." and row[1] == "Office of the Attorney General" and row[3] == "Mexico City, D.F."
    cost = next(table for table in document.tables if table.rows[0].cells[0].text == "Shelter")
    assert [cell.text for cell in cost.rows[-1].cells][:2] == ["Total", "103,873.03"]
    assert annex1[3].rows[1].cells[0].text.startswith("Seminars on Trafficking")


def test_the_csv_files(seed_report):
    archive = zipfile.ZipFile(io.BytesIO(exports.report_csv_zip(seed_report)))
    assert {"summary.csv", "cost_share.csv", "table1.csv", "table4.csv", "annex2-casa-alianza.csv"} <= set(
        archive.namelist()
    )
    rows = list(csv.reader(io.StringIO(archive.read("table2.csv").decode("utf-8"))))
    assert rows[0] == ["subheading", "Date", "Participant Organization or Government Representative",
                       "Topic/Activity", "State"]  # fmt: skip
    assert len(rows) == 14 and rows[8][1] == "14-16-Nov." and rows[8][4] == "Sonora"
    cost = list(csv.reader(io.StringIO(archive.read("cost_share.csv").decode("utf-8"))))
    assert cost[-1][:2] == ["Total", "103873.03"]


def test_the_printable_page(seed_report):
    html = exports.report_html(seed_report)
    assert "@media print" in html and "@page" in html
    assert "24 and 26-Oct." in html and "Mexico City, D.F." in html
    assert "103,873.03" in html
    assert "Fundación Casa Alianza México" in html


def test_partners_and_program_staff_get_every_format(api_as, partner, program_staff, seed_report):
    client = api_as(partner)
    json_report = client.get(URL, {"number": "7"})
    assert json_report.status_code == 200
    assert json_report.json()["cost_share"]["total_cost_share_usd"] == "103873.03"
    assert json_report.json()["heading"] == "QUARTERLY REPORT NO. 7"
    html = client.get(URL, {"format": "html"})
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    docx = api_as(program_staff).get(URL, {"format": "docx", "number": "7"})
    assert docx.status_code == 200 and docx["Content-Type"] == DocxRenderer.media_type
    assert "proteja-quarterly-report-7-2007-Q4.docx" in docx["Content-Disposition"]
    Document(io.BytesIO(docx.content))
    xlsx = client.get(URL, {"format": "xlsx"})
    assert load_workbook(io.BytesIO(xlsx.content))["Table 3"].max_row == 2 + 5
    zipped = client.get(URL, {"format": "csv"})
    assert zipped["Content-Type"] == "application/zip"
    one = client.get(URL, {"format": "csv", "table": "table3"})
    assert one.status_code == 200 and one.content.decode().count("\r\n") == 6


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (URL, {"number": "seven"}, "number"),
        (URL, {"number": "0"}, "number"),
        (URL, {"format": "csv", "table": "table9"}, "table"),
        ("/api/v1/reports/quarterly/2007-Q5/", {}, "quarter"),
        ("/api/v1/reports/quarterly/Q4-2007/", {"format": "docx"}, "quarter"),
    ],
)
def test_bad_report_requests_answer_400(api_as, partner, url, params, field):
    response = api_as(partner).get(url, params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("persona", ["caseworker_a", "coordinator_a", "caseworker_b"])
def test_shelter_staff_get_no_report(api_as, personas, persona):
    assert api_as(personas[persona]).get(URL).status_code == 403
    assert api_as(personas[persona]).get(URL, {"format": "docx"}).status_code == 403


def test_anonymous_gets_401_as_json(api_as):
    response = api_as(None).get(URL, {"format": "xlsx"})
    assert response.status_code == 401
    assert "detail" in response.json()


def test_program_staff_get_it_from_admin(client, program_staff, caseworker_a):
    client.force_login(program_staff)
    page = client.get("/admin/reports/costsharecontribution/quarterly-report/", {"quarter": "2007-Q4", "number": 7})
    assert page.status_code == 200
    assert b"/api/v1/reports/quarterly/2007-Q4/?format=docx&amp;number=7" in page.content
    bad = client.get(
        "/admin/reports/costsharecontribution/quarterly-report/", {"quarter": "2007"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 200 and b"YYYY-QN" in bad.content
    client.force_login(caseworker_a)
    assert client.get("/admin/reports/costsharecontribution/quarterly-report/").status_code == 403


def test_the_demo_loads_the_seed_quarter_once(db):
    ensure_seed_shelters()
    first = load_demo_report()
    assert "57 meetings loaded" in first and "narrative: 6 sections loaded" in first
    second = load_demo_report()
    assert "0 meetings loaded (57 already there); narrative: 0 sections loaded; cost share: 0 records" in second
    report = quarterly_report_data(quarter=Q4)
    assert report["cost_share"]["total_cost_share_usd"] == Decimal("103873.03")
    assert report["number"] == 7


def test_annex2_leaves_out_rows_never_reported_as_the_seed_does(seed_report):
    casa = next(table for table in seed_report["annex2"] if table["shelter"] == "casa-alianza")
    layout = exports.annex2_layout(casa)
    assert [line["label"] for line in layout["lines"]] == [
        "Number of victims that received services",
        "Number of victims that received services including TIP victims",
    ]
    mercedes = next(table for table in seed_report["annex2"] if table["shelter"] == "casa-de-las-mercedes")
    assert exports.annex2_layout(mercedes)["lines"] == []
