"""The whole quarterly report: narrative sections (seed import, API, admin), the donor's layout in every
format (title page, contents, sections in the seed's order ahead of the annexes, shelters in the seed's order,
failed checks with their month, frozen panes), the report in Spanish, the admin's preview, 2007-T4."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest
from django.conf import settings
from docx import Document
from openpyxl import load_workbook

from indicators.importers import import_annex2_file
from meetings.selectors import Quarter
from reports import exports
from reports.demo import load_seed_narrative, seed_narrative
from reports.models import QuarterlyNarrative, QuarterlyReportCover
from reports.selectors import SECTION_ORDER, quarterly_report_data
from shelters.models import AuditEntry, Shelter

pytestmark = pytest.mark.django_db

SEED = settings.BASE_DIR / "seed" / "proteja-quarterly-report-2007-q4.txt"
Q4 = Quarter(2007, 4)
SECTIONS_URL = "/api/v1/reports/quarterly/2007-Q4/sections/"
REPORT_URL = "/api/v1/reports/quarterly/2007-Q4/"
ADMIN_PAGE = "/admin/reports/costsharecontribution/quarterly-report/"
SEED_TITLES = [
    "INTRODUCTION",
    "RAISING PUBLIC AWARENESS REGARDING HUMAN TRAFFICKING AT THE LOCAL AND NATIONAL LEVELS",
    "ANTI-TRAFFICKING LEGISLATION TECHNICAL ASSISTANCE",
    "STRENGTHENING LOCAL SHELTERS TO OFFER GREATER SERVICES",
    "ANTI-TIP NETWORKS AND TASK FORCES",
    "CONCLUSION",
]
SEED_SHELTER_ORDER = [
    "Fundación Casa Alianza México, I.A.P.",
    "Alternativas Pacíficas, A.C.",
    "Casa de las Mercedes, I.A.P.",
    "Centro Integral de Atención a las Mujeres (CIAM) Cancún, A.C.",
]


@pytest.fixture
def full_seed(db):
    """The seed's Annex 2 tables (with its three failed checks), its narrative and title page, and a shelter
    the seed does not list (named to sort first alphabetically)."""
    import_annex2_file(SEED)
    load_seed_narrative()
    Shelter.objects.create(slug="aardvark", name="Aardvark Shelter", agreement_start=date(2007, 9, 1))


def _positions(text: str, needles: list[str]) -> list[int]:
    positions = [text.find(needle) for needle in needles]
    assert -1 not in positions, [needle for needle, at in zip(needles, positions, strict=True) if at == -1]
    return positions


def _checks(report: dict) -> dict[str, list[dict]]:
    return {table["shelter"]: table["checks"] for table in report["annex2"]}


# --- the seed's narrative -----------------------------------------------------------------------------


def test_the_seed_narrative_is_read_as_the_report_prints_it():
    sections = seed_narrative(SEED.read_text(encoding="utf-8"))
    assert list(sections) == SECTION_ORDER
    assert sections["introduction"].startswith("This Quarterly Report summarizes the activities conducted")
    assert sections["conclusion"].rstrip().endswith("institutions to achieve its vital goals.")
    awareness = sections["public_awareness"]
    # A photo caption is left out; a paragraph cut by a page end is one paragraph again; no ** marks.
    assert "Secretary of Public Security Training" not in awareness
    assert "Training Shelter Staff" not in sections["shelters"]
    assert "Chihuahua, Coahuila, Guerrero" in awareness
    assert "that effectively address their needs" in awareness
    assert "**" not in sections["introduction"] and "- Raising public awareness of" in sections["introduction"]
    assert "USD $103,873.03" in sections["shelters"]
    # Annex 1 is not narrative.
    assert "TABLE 1" not in sections["conclusion"]


def test_the_seed_import_is_the_example_and_runs_once():
    assert load_seed_narrative() == 6
    stored = QuarterlyNarrative.objects.filter(quarter="2007-Q4")
    assert sorted(stored.values_list("section", flat=True)) == sorted(SECTION_ORDER)
    assert all(row.text_en and not row.text_es for row in stored)
    assert QuarterlyReportCover.objects.get(quarter="2007-Q4").submitted_on == date(2008, 2, 29)
    assert AuditEntry.objects.filter(record_type="quarterlynarrative", channel="demo").count() == 6

    edited = stored.get(section="conclusion")
    edited.text_en = "Edited after the import."
    edited.save()
    assert load_seed_narrative() == 0
    assert QuarterlyNarrative.objects.get(quarter="2007-Q4", section="conclusion").text_en == "Edited after the import."
    assert AuditEntry.objects.filter(record_type="quarterlynarrative", channel="demo").count() == 6


# --- the API ------------------------------------------------------------------------------------------


def test_program_staff_read_every_section_in_the_seeds_order(api_as, program_staff, django_assert_num_queries):
    load_seed_narrative()
    client = api_as(program_staff)
    # The request's row-level security settings (set, then reset), and one query for every section.
    with django_assert_num_queries(3):
        body = client.get(SECTIONS_URL, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["quarter"] == "2007-Q4"
    assert [section["section"] for section in body["sections"]] == SECTION_ORDER
    assert [section["title"] for section in body["sections"]] == SEED_TITLES
    assert body["sections"][0]["text_en"].startswith("This Quarterly Report")
    assert body["sections"][0]["text_es"] == ""
    # A quarter with nothing written: every section, empty (missing, not made up).
    empty = client.get("/api/v1/reports/quarterly/2008-Q1/sections/").json()
    assert [section["text_en"] for section in empty["sections"]] == [""] * 6


def test_program_staff_write_sections_audited(api_as, program_staff):
    client = api_as(program_staff)
    response = client.patch(
        "/api/v1/reports/quarterly/2007-T4/sections/",
        {"introduction": {"text_es": "Este informe trimestral resume…"}, "conclusion": {"text_en": "In short."}},
        format="json",
    )
    assert response.status_code == 200, response.content
    sections = {section["section"]: section for section in response.json()["sections"]}
    assert response.json()["quarter"] == "2007-Q4"
    assert sections["introduction"]["text_es"] == "Este informe trimestral resume…"
    assert sections["introduction"]["updated_by"] == program_staff.username
    assert sections["conclusion"]["text_en"] == "In short."
    row = QuarterlyNarrative.objects.get(quarter="2007-Q4", section="introduction")
    entry = AuditEntry.objects.get(record_type="quarterlynarrative", record_id=str(row.pk))
    assert entry.actor_id == program_staff.pk and entry.channel == "api" and entry.fields == ["text_es"]

    # Writing one language leaves the other as it was.
    client.patch(SECTIONS_URL, {"introduction": {"text_en": "This report…"}}, format="json")
    row.refresh_from_db()
    assert (row.text_es, row.text_en) == ("Este informe trimestral resume…", "This report…")


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"summary": {"text_en": "x"}}, "summary"),
        ({"introduction": {"text_en": "x"}, "annexes": {"text_en": "y"}}, "annexes"),
        ({"introduction": {"text_fr": "x"}}, "introduction"),
        ({"introduction": {"text_en": 7}}, "introduction"),
        ({"introduction": "just text"}, "introduction"),
    ],
)
def test_a_bad_section_is_a_400_naming_it_and_nothing_is_written(api_as, program_staff, body, named):
    response = api_as(program_staff).patch(SECTIONS_URL, body, format="json")
    assert response.status_code == 400
    assert named in response.json()
    assert not QuarterlyNarrative.objects.exists()


@pytest.mark.parametrize("persona", ["partner", "caseworker_a", "coordinator_a", "caseworker_b"])
def test_only_program_staff_see_or_write_sections(api_as, personas, persona):
    client = api_as(personas[persona])
    assert client.get(SECTIONS_URL).status_code == 403
    assert client.patch(SECTIONS_URL, {"introduction": {"text_en": "x"}}, format="json").status_code == 403
    assert api_as(None).get(SECTIONS_URL).status_code == 401
    assert not QuarterlyNarrative.objects.exists()


# --- the report in every format -----------------------------------------------------------------------


def test_the_data_orders_shelters_as_the_seed_and_sections_ahead_of_the_annexes(full_seed):
    report = quarterly_report_data(quarter=Q4, number=7)
    shelters = [table["shelter_name"] for table in report["annex2"][:-1]]
    assert shelters == [*SEED_SHELTER_ORDER, "Aardvark Shelter"]
    # The national table ends Annex 2.
    assert report["annex2"][-1]["shelter"] is None
    assert [section["key"] for section in report["sections"]] == SECTION_ORDER
    titles = [entry["title"] for entry in report["contents"]]
    assert titles[:6] == SEED_TITLES
    assert titles.index("ANNEX 1: RECORD OF MEETINGS") > 5
    assert titles[-6:-1] == [*SEED_SHELTER_ORDER, "Aardvark Shelter"]
    assert report["cover"]["submitted"] == "SUBMITTED FEBRUARY 29, 2008"


def test_the_printable_page_carries_everything_in_the_donors_order(full_seed):
    report = quarterly_report_data(quarter=Q4, number=7)
    html = exports.report_html(report)
    cover = [
        "MEXICO TIP SHELTER PROJECT",
        "QUARTERLY REPORT NO. 7",
        "OCTOBER — DECEMBER 2007",
        "ASSOCIATE COOPERATIVE AGREEMENT NO. 523-A-00-06-00012-00",
        "UNDER LEADER AWARD NO. HFP-A-00-03-00020-00, AED REFERENCE NO. 3253-08",
        "SUBMITTED FEBRUARY 29, 2008",
        "This report was produced for review by the US Agency for International Development (USAID).",
        "The views expressed do not necessarily reflect the views of USAID or the US Government.",
        ">CONTENTS<",
    ]
    assert _positions(html, cover) == sorted(_positions(html, cover))
    body = html[html.index('id="section-introduction"') :]
    order = [f"<h2>{title}</h2>" for title in SEED_TITLES] + [
        "ANNEX 1: RECORD OF MEETINGS</h2>",
        "ANNEX 2: NUMBER OF BENEFICIARIES SERVED BY LOCAL PARTNERS</h2>",
        *[f"<h3>{name}</h3>" for name in [*SEED_SHELTER_ORDER, "Aardvark Shelter"]],
    ]
    assert _positions(body, order) == sorted(_positions(body, order))
    assert "PROTEJA educated more than 1200 individuals" in body
    # Each failed check, in the table's words, beside its month.
    ciam = html[html.index('id="annex2-ciam"') : html.index('id="annex2-aardvark"')]
    for check in _checks(report)["ciam"]:
        assert check["message"] in ciam
    assert '<td class="date">June 2007</td>' in ciam and '<td class="date">July 2007</td>' in ciam
    casa = html[html.index('id="annex2-casa-alianza"') : html.index('id="annex2-alternativas-pacificas"')]
    assert '<td class="date">November 2007</td>' in casa
    assert _checks(report)["casa-alianza"][0]["message"] in casa


def test_the_print_css_leaves_no_heading_alone_at_a_page_end(full_seed):
    html = exports.report_html(quarterly_report_data(quarter=Q4, number=7))
    print_css = html[html.index("@media print") :]
    assert "break-after: avoid" in print_css
    # The annex's heading is inside the first shelter's block, which does not start a page of its own:
    # only a shelter after another one does.
    assert ".annex2-shelter + .annex2-shelter { break-before: page" in print_css
    assert ".annex2-shelter { page-break-before: always; }" not in print_css
    annex2 = html[html.index('<section class="annex annex2"') :]
    assert annex2.index('<div class="annex2-shelter"') < annex2.index("ANNEX 2: NUMBER OF BENEFICIARIES")


def test_the_word_document_in_the_donors_layout(full_seed):
    report = quarterly_report_data(quarter=Q4, number=7)
    document = Document(io.BytesIO(exports.report_docx(report)))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    text = "\n".join(paragraphs)
    assert paragraphs[:3] == ["MEXICO TIP SHELTER PROJECT", "QUARTERLY REPORT NO. 7", "OCTOBER — DECEMBER 2007"]
    assert "ASSOCIATE COOPERATIVE AGREEMENT NO. 523-A-00-06-00012-00" in paragraphs
    assert "SUBMITTED FEBRUARY 29, 2008" in paragraphs
    assert "The views expressed do not necessarily reflect the views of USAID" in text
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "CONTENTS",
        *SEED_TITLES,
        "SUMMARY OF THE QUARTER IN FIGURES",
        "ANNEX 1: RECORD OF MEETINGS",
        "ANNEX 2: NUMBER OF BENEFICIARIES SERVED BY LOCAL PARTNERS",
    ]
    shelters = [p.text for p in document.paragraphs if p.style.name == "Heading 2"][-6:-1]
    assert shelters == [name.upper() for name in [*SEED_SHELTER_ORDER, "Aardvark Shelter"]]
    # The contents lists the sections before the annexes, the shelters in the seed's order.
    first_section = paragraphs.index("INTRODUCTION", paragraphs.index("CONTENTS") + 2)
    contents = [entry for entry in paragraphs[paragraphs.index("CONTENTS") + 1 : first_section] if entry]
    assert contents[:6] == SEED_TITLES and contents[-6:-1] == [*SEED_SHELTER_ORDER, "Aardvark Shelter"]
    assert "PROTEJA educated more than 1200 individuals" in text
    # The failed checks, as a table of month and message, after their shelter's table.
    check_tables = [table for table in document.tables if table.rows[0].cells[0].text == "Month"]
    rows = [[cell.text for cell in row.cells] for table in check_tables for row in table.rows[1:]]
    expected = [
        ["November 2007", _checks(report)["casa-alianza"][0]["message"]],
        *[
            [month, check["message"]]
            for month, check in zip(["June 2007", "July 2007"], _checks(report)["ciam"], strict=True)
        ],
    ]
    # The shelters' three, then the national table's own (the shelters' sums fail where theirs do).
    assert rows[:3] == expected
    national = sorted(_checks(report)[None], key=lambda check: check["month"] or "")
    assert [row[1] for row in rows[3:]] == [check["message"] for check in national]
    # Annex 2 tables keep the seed's figures and repeat their header row on each page.
    casa = next(table for table in document.tables if table.rows[0].cells[1].text == "May")
    assert casa.rows[0]._tr.trPr is not None and "tblHeader" in casa.rows[0]._tr.trPr.xml


def test_the_workbook_has_frozen_headers_and_the_sections(full_seed):
    report = quarterly_report_data(quarter=Q4, number=7)
    workbook = load_workbook(io.BytesIO(exports.report_xlsx(report)))
    assert workbook.sheetnames[:2] == ["Cover", "Sections"]
    assert [name for name in workbook.sheetnames if name.startswith("Annex 2")] == [
        "Annex 2 casa-alianza", "Annex 2 alternativas-pacificas", "Annex 2 casa-de-las-mercedes",
        "Annex 2 ciam", "Annex 2 aardvark", "Annex 2 national",
    ]  # fmt: skip
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes, sheet.title
    assert workbook["Annex 2 ciam"].freeze_panes == "B4"
    cover = [row[0] for row in workbook["Cover"].iter_rows(values_only=True)]
    assert (
        "SUBMITTED FEBRUARY 29, 2008" in cover and "ASSOCIATE COOPERATIVE AGREEMENT NO. 523-A-00-06-00012-00" in cover
    )
    section_titles = [row[0] for row in workbook["Sections"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert section_titles == SEED_TITLES
    ciam = [list(row) for row in workbook["Annex 2 ciam"].iter_rows(values_only=True)]
    header = ciam.index(["Month", "Check that fails", *[None] * (len(ciam[0]) - 2)])
    assert [row[:2] for row in ciam[header + 1 : header + 3]] == [
        ["June 2007", _checks(report)["ciam"][0]["message"]],
        ["July 2007", _checks(report)["ciam"][1]["message"]],
    ]


def test_the_csv_files_carry_the_cover_sections_and_checks(full_seed):
    report = quarterly_report_data(quarter=Q4, number=7)
    archive = zipfile.ZipFile(io.BytesIO(exports.report_csv_zip(report)))
    names = archive.namelist()
    assert names[:3] == ["cover.csv", "contents.csv", "sections.csv"]
    slugs = ["casa-alianza", "alternativas-pacificas", "casa-de-las-mercedes", "ciam", "aardvark", "national"]
    assert names[-6:] == [f"annex2-{slug}.csv" for slug in slugs]

    def read(name: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))

    assert ["SUBMITTED FEBRUARY 29, 2008"] in read("cover.csv")
    sections = read("sections.csv")
    keys = list(dict.fromkeys(row[0] for row in sections[1:]))
    assert keys == SECTION_ORDER
    casa = read("annex2-casa-alianza.csv")
    assert ["November 2007", _checks(report)["casa-alianza"][0]["message"]] in casa
    assert read("annex2-alternativas-pacificas.csv")[-1] != ["Month", "Check that fails"]


def test_a_section_not_written_says_so_and_one_in_the_other_language_is_shown(full_seed):
    QuarterlyNarrative.objects.filter(section="networks").delete()
    report = quarterly_report_data(quarter=Q4, number=7, language="es")
    networks = next(section for section in report["sections"] if section["key"] == "networks")
    assert networks["blocks"] == []
    introduction = report["sections"][0]
    assert introduction["text_language"] == "en" and introduction["text"].startswith("This Quarterly Report")
    html = exports.report_html(report)
    assert 'id="section-introduction" lang="en"' in html
    assert "Aún no redactado para este trimestre." in html


def test_the_report_in_spanish(full_seed, api_as, program_staff):
    QuarterlyNarrative.objects.filter(section="introduction").update(text_es="Este informe trimestral resume.")
    # The page in the reader's language; a browser asks for Spanish (a program asking for none gets English,
    # the API's language).
    html = api_as(program_staff).get(REPORT_URL, {"format": "html", "number": 7}, HTTP_ACCEPT_LANGUAGE="es")
    assert html["Content-Language"] == "es"
    html = html.content.decode()
    assert '<html lang="es">' in html
    assert "<h2>INTRODUCCIÓN</h2>" in html and "Este informe trimestral resume." in html
    assert "OCTUBRE — DICIEMBRE 2007" in html and "ENTREGADO EL 29 DE FEBRERO DE 2008" in html
    assert "ANEXO 1: REGISTRO DE REUNIONES" in html
    assert '<td class="date">junio de 2007</td>' in html
    # The way back to admin's report page, the quarter filled in.
    assert f'href="{ADMIN_PAGE}?quarter=2007-Q4&amp;lang=es&amp;number=7"' in html
    # The donor's files stay English unless asked.
    docx = api_as(program_staff).get(REPORT_URL, {"format": "docx", "number": 7})
    assert Document(io.BytesIO(docx.content)).paragraphs[0].text == "MEXICO TIP SHELTER PROJECT"
    spanish = api_as(program_staff).get(REPORT_URL, {"format": "docx", "number": 7, "lang": "es"})
    headings = [p.text for p in Document(io.BytesIO(spanish.content)).paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["CONTENIDO", "INTRODUCCIÓN"]
    english = api_as(program_staff).get(REPORT_URL, {"format": "html", "lang": "en"}).content.decode()
    assert "<h2>INTRODUCTION</h2>" in english and '<html lang="en">' in english
    assert api_as(program_staff).get(REPORT_URL, {"format": "html", "lang": "fr"}).status_code == 400


def test_partners_get_the_sections_in_their_version_with_a_way_home(full_seed, api_as, partner):
    html = api_as(partner).get(REPORT_URL, {"format": "html", "lang": "en"}).content.decode()
    assert "<h2>INTRODUCTION</h2>" in html and "suppression-note" in html
    assert "/admin/" not in html and 'href="/"' in html


# --- admin --------------------------------------------------------------------------------------------


def test_admin_previews_the_report_before_its_download_buttons(full_seed, client, program_staff):
    client.force_login(program_staff)
    html = client.get(ADMIN_PAGE, {"quarter": "2007-T4", "number": 7}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    preview = html.index('class="report-preview"')
    downloads = html.index('class="report-downloads"')
    assert preview < downloads
    assert "<h2>INTRODUCCIÓN</h2>" in html[preview:downloads]
    assert "ENTREGADO EL 29 DE FEBRERO DE 2008" in html[preview:downloads]
    assert "/api/v1/reports/quarterly/2007-Q4/?format=docx&amp;number=7&amp;lang=en" in html
    assert "/api/v1/reports/quarterly/2007-Q4/?format=html&amp;number=7&amp;lang=es" in html
    spanish_files = client.get(ADMIN_PAGE, {"quarter": "2007-Q4", "number": 7, "lang": "es"}).content.decode()
    assert "format=xlsx&amp;number=7&amp;lang=es" in spanish_files


def test_program_staff_write_a_section_in_admin_audited(client, program_staff):
    client.force_login(program_staff)
    response = client.post(
        "/admin/reports/quarterlynarrative/add/",
        {"quarter": "2008-T1", "section": "legislation", "text_es": "La ley federal…", "text_en": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = QuarterlyNarrative.objects.get()
    assert (row.quarter, row.section, row.text_es, row.updated_by) == (
        "2008-Q1",
        "legislation",
        "La ley federal…",
        program_staff,
    )
    assert AuditEntry.objects.filter(record_type="quarterlynarrative", record_id=str(row.pk), channel="admin").exists()
    change = client.post(
        f"/admin/reports/quarterlynarrative/{row.pk}/change/", {"text_es": "Otra.", "text_en": "Other."}
    )
    assert change.status_code == 302
    row.refresh_from_db()
    assert (row.quarter, row.text_es, row.text_en) == ("2008-Q1", "Otra.", "Other.")
    listing = client.get("/admin/reports/quarterlynarrative/")
    assert listing.status_code == 200


def test_the_sections_list_in_admin_takes_a_fixed_number_of_queries(client, program_staff, django_assert_num_queries):
    client.force_login(program_staff)
    load_seed_narrative()
    page = "/admin/reports/quarterlynarrative/"
    client.get(page)
    with django_assert_num_queries(13) as first:
        assert client.get(page).status_code == 200
    for quarter in ("2008-Q1", "2008-Q2"):
        for section in SECTION_ORDER:
            QuarterlyNarrative.objects.create(quarter=quarter, section=section, text_es="x", updated_by=program_staff)
    with django_assert_num_queries(len(first)):
        html = client.get(page).content.decode()
    assert html.count('class="field-section"') == 18


@pytest.mark.parametrize("persona", ["coordinator_a", "caseworker_a"])
def test_shelter_staff_see_no_sections_in_admin(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get("/admin/reports/quarterlynarrative/").status_code == 403
    assert client.get("/admin/reports/quarterlyreportcover/").status_code == 403


def test_a_quarter_is_read_as_2007_t4_too():
    assert Quarter.parse("2007-T4") == Quarter.parse("2007-Q4") == Quarter(2007, 4)
    assert Quarter.parse("2007-t1") == Quarter(2007, 1)
    with pytest.raises(ValueError):
        Quarter.parse("2007-X4")
