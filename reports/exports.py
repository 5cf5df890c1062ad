"""The quarterly report as files: a printable HTML page, Word (.docx), Excel (.xlsx) and CSV.

Each takes the plain data of `selectors.quarterly_report_data` and lays it out; none
reads the database. Numbers stay numbers in the workbook (money as Decimal with a
two-decimal format), and blanks stay blank (missing is not zero).
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from indicators.tables import table_lines

MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
MONTH_NAMES_ES = [
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
]  # fmt: skip

# Marked for the catalogue; each format says them in the report's language (`report["language"]`).
SUMMARY_COLUMNS = [
    gettext_noop("Component"),
    gettext_noop("Meetings"),
    gettext_noop("People reached"),
    gettext_noop("Of whom counted by sex"),
    gettext_noop("Male"),
    gettext_noop("Female"),
]
COST_SHARE_COLUMNS = [
    gettext_noop("Shelter"),
    gettext_noop("Cost share (USD)"),
    gettext_noop("PROTEJA disbursed (USD)"),
    gettext_noop("50% match limit (USD)"),
    gettext_noop("Within the 50% match"),
]
CHECK_COLUMNS = [gettext_noop("Month"), gettext_noop("Check that fails")]
CSV_TABLES = ["cover", "contents", "sections", "summary", "states", "cost_share", "table1", "table2", "table3",
              "table4", "annex2"]  # fmt: skip


def _words(words: list[str]) -> list[str]:
    return [gettext(word) for word in words]


def filename(report: dict[str, Any], extension: str) -> str:
    return f"proteja-quarterly-report-{report['number']}-{report['quarter']}.{extension}"


# --- shared layouts -----------------------------------------------------------------------------


def _language(report: dict[str, Any]) -> str:
    return report.get("language", "en")


def summary_rows(report: dict[str, Any]) -> list[list[Any]]:
    summary = report["summary"]
    rows = [
        [gettext("%(label)s (Table %(table)d)") % {"label": row["label"], "table": row["table"]}, row["meetings"],
         row["participants"], row["participants_with_sex_split"], row["male"], row["female"]]
        for row in summary["components"]
    ]  # fmt: skip
    totals = summary["totals"]
    rows.append(
        [gettext("Total"), totals["meetings"], totals["participants"], totals["participants_with_sex_split"],
         totals["male"], totals["female"]]
    )  # fmt: skip
    return rows


def state_rows(report: dict[str, Any]) -> list[list[Any]]:
    return [[row["state"], row["name"], row["meetings"]] for row in report["summary"]["states"]]


def _yes_no(value: bool) -> str:
    return gettext("yes") if value else gettext("no")


def cost_share_rows(report: dict[str, Any]) -> list[list[Any]]:
    cost_share = report["cost_share"]
    rows: list[list[Any]] = [
        [row["shelter_name"], row["cost_share_usd"], row["disbursed_usd"], row["match_limit_usd"],
         _yes_no(row["within_match"])]
        for row in cost_share["shelters"]
    ]  # fmt: skip
    rows.append(
        [gettext("Total"), cost_share["total_cost_share_usd"], cost_share["total_disbursed_usd"], None,
         _yes_no(cost_share["all_within_match"])]
    )  # fmt: skip
    return rows


def cover_lines(report: dict[str, Any]) -> list[str]:
    """The title page, line by line, as the seed's."""
    cover = report["cover"]
    return [cover["title"], cover["heading"], cover["period"], *cover["agreement_lines"], cover["submitted"],
            *cover["disclaimer"]]  # fmt: skip


def annex1_rows(table: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """("subheading", [text]) where a subheading starts, then ("row", [date, organizations, topic, state])."""
    lines: list[tuple[str, list[str]]] = []
    current = ""
    for row in table["rows"]:
        if row["subheading"] and row["subheading"] != current:
            lines.append(("subheading", [row["subheading"]]))
        current = row["subheading"]
        lines.append(("row", [row["date"], row["organizations"], row["topic"], row["state"]]))
    return lines


def _month_name(month: date, language: str) -> str:
    return (MONTH_NAMES_ES if language == "es" else MONTH_NAMES)[month.month - 1]


def month_headings(months: list[str], language: str = "en") -> tuple[str, list[str]]:
    """The corner and month headings of an Annex 2 table: "2007" and "May", "June"... as the seed
    prints them; over several years each month carries its year."""
    parsed = [date(int(month[:4]), int(month[5:7]), 1) for month in months]
    years = sorted({month.year for month in parsed})
    if len(years) <= 1:
        names = [_month_name(month, language).capitalize() for month in parsed]
        return (str(years[0]) if years else ""), names
    return f"{years[0]}–{years[-1]}", [
        f"{_month_name(month, language).capitalize()[:3]}. {month.year}" for month in parsed
    ]


def check_month(month: str | None, language: str) -> str:
    """A failed check's month in words: "October 2007" / "octubre de 2007"; the whole period for TOTAL."""
    if not month:
        return gettext("The whole period (TOTAL)")
    parsed = date(int(month[:4]), int(month[5:7]), 1)
    if language == "es":
        return f"{_month_name(parsed, 'es')} de {parsed.year}"
    return f"{_month_name(parsed, 'en')} {parsed.year}"


def annex2_layout(table: dict[str, Any], language: str = "en") -> dict[str, Any]:
    corner, months = month_headings(table["months"], language)
    lines = []
    for kind, cells, row in table_lines(table):
        if kind == "section":
            lines.append({"kind": "section", "label": cells[0]})
        elif kind == "row":
            lines.append(
                {
                    "kind": "row",
                    "label": cells[0],
                    "values": cells[1:-1],
                    "total": cells[-1],
                    "is_total": bool(row and row["key"].startswith("total_")),
                }
            )
    # As the seed does, a row with no value in any month is left out, and a section with no row left.
    shown: list[dict[str, Any]] = []
    for line in lines:
        if line["kind"] == "row" and all(value is None for value in line["values"]):
            continue
        if shown and shown[-1]["kind"] == "section" and line["kind"] == "section":
            shown.pop()
        shown.append(line)
    if shown and shown[-1]["kind"] == "section":
        shown.pop()
    # The checks as the table carries them (its own language: `CheckFailure.as_dict()["message"]`), each
    # with its month in words; a check over the whole period last.
    checks = sorted(table.get("checks", []), key=lambda check: (check.get("month") is None, check.get("month") or ""))
    return {
        "shelter": table["shelter"] or "national",
        "name": table.get("shelter_name") or table.get("title") or table["shelter"] or "",
        "agreement_number": table.get("agreement_number") or "",
        "year_label": corner,
        "months": months,
        "width": len(months) + 2,
        "lines": shown,
        "checks": [
            {"month": check_month(check.get("month"), language), "message": check["message"]} for check in checks
        ],  # fmt: skip
    }


def annex2_rows(layout: dict[str, Any]) -> list[list[Any]]:
    """A laid-out Annex 2 table's header and lines as rows of cells (a section: its label alone)."""
    rows: list[list[Any]] = [[layout["year_label"], *layout["months"], gettext("TOTAL")]]
    for line in layout["lines"]:
        if line["kind"] == "section":
            rows.append([line["label"]])
        else:
            rows.append([line["label"], *line["values"], line["total"]])
    return rows


def section_paragraphs(section: dict[str, Any]) -> list[tuple[str, str]]:
    """A section's blocks as (kind, text) lines for the files: "subheading", "paragraph", or "item"
    (a list's items, numbered ones keeping their number)."""
    lines: list[tuple[str, str]] = []
    for block in section["blocks"]:
        if block["kind"] in ("subheading", "paragraph"):
            lines.append((block["kind"], block["text"]))
        elif block["kind"] == "list":
            lines += [("item", f"• {item}") for item in block["items"]]
        else:
            lines += [("item", f"{number}. {item}") for number, item in enumerate(block["items"], start=1)]
    if not lines:
        lines.append(("missing", gettext("Not written yet for this quarter.")))
    return lines


def part_rows(part: dict[str, Any]) -> list[list[Any]]:
    """What another app adds to a section (`selectors.SECTION_PARTS`) as rows for the files."""
    if part["kind"] == "table":
        return [list(part["columns"]), *[list(row) for row in part["rows"]]]
    return [[part.get("text", "")]]


def _layouts(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [annex2_layout(table, _language(report)) for table in report["annex2"]]


# --- HTML ---------------------------------------------------------------------------------------


def report_context(report: dict[str, Any]) -> dict[str, Any]:
    """What the page's body (reports/_report_body.html) needs: also the admin's preview."""
    contents: list[dict[str, Any]] = []
    for entry in report["contents"]:
        if entry["level"] == 1 or not contents:
            contents.append({**entry, "children": []})
        else:
            contents[-1]["children"].append(entry)
    with translation.override(_language(report)):
        return {"report": report, "annex2_tables": _layouts(report), "contents": contents}


def report_html(report: dict[str, Any], *, csp_nonce: str | None = None, back_url: str | None = None) -> str:
    """The printable page in the report's language; served by the site, its <style> carries the answer's CSP
    nonce (saved to a file, the page needs none); `back_url`, a way back to where the reader came from."""
    with translation.override(_language(report)):
        return render_to_string(
            "reports/quarterly_report.html",
            {**report_context(report), "csp_nonce": csp_nonce, "back_url": back_url},
        )


# --- Word ---------------------------------------------------------------------------------------


def report_docx(report: dict[str, Any]) -> bytes:
    with translation.override(_language(report)):
        return _report_docx(report)


def _report_docx(report: dict[str, Any]) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = f"{report['title']} – {report['heading']}"
    document.core_properties.language = _language(report)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.styles["Normal"].font.name = "Times New Roman"
    document.styles["Normal"].font.size = Pt(10)

    # The title page, as the seed's.
    cover = report["cover"]
    for text, size in [(cover["title"], 16), (cover["heading"], 14), (cover["period"], 14)]:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold = True
        run.font.size = Pt(size)
    for text in [*cover["agreement_lines"], cover["submitted"]]:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(text).bold = True
    disclaimer = document.add_paragraph()
    disclaimer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    disclaimer.add_run(" ".join(cover["disclaimer"])).italic = True
    disclaimer.add_run().add_break(WD_BREAK.PAGE)

    document.add_heading(gettext("CONTENTS"), level=1)
    for entry in report["contents"]:
        paragraph = document.add_paragraph(entry["title"])
        paragraph.paragraph_format.left_indent = Pt(18 * (entry["level"] - 1))
    document.add_page_break()

    for item in report["sections"]:
        heading = document.add_heading(item["title"], level=1)
        heading.paragraph_format.keep_with_next = True
        for kind, text in section_paragraphs(item):
            if kind == "subheading":
                document.add_heading(text, level=3).paragraph_format.keep_with_next = True
            elif kind == "item":
                document.add_paragraph(text, style="List Paragraph")
            elif kind == "missing":
                document.add_paragraph().add_run(text).italic = True
            else:
                document.add_paragraph(text)
        for part in item["parts"]:
            document.add_heading(part["title"], level=2).paragraph_format.keep_with_next = True
            rows = part_rows(part)
            if part["kind"] == "table":
                _docx_table(document, rows[0], rows[1:])
            else:
                document.add_paragraph(rows[0][0])

    document.add_page_break()
    document.add_heading(gettext("SUMMARY OF THE QUARTER IN FIGURES"), level=1)
    document.add_heading(gettext("People reached and meetings, by component"), level=2)
    _docx_table(document, _words(SUMMARY_COLUMNS), summary_rows(report))
    document.add_heading(gettext("States reached: %(count)d") % {"count": report["summary"]["states_reached"]}, level=2)
    document.add_paragraph(", ".join(f"{row[1]} ({row[2]})" for row in state_rows(report)) or gettext("None."))
    document.add_heading(gettext("Cost share"), level=2)
    _docx_table(document, _words(COST_SHARE_COLUMNS), cost_share_rows(report))

    document.add_page_break()
    document.add_heading(gettext("ANNEX 1: RECORD OF MEETINGS"), level=1)
    for table in report["annex1"]:
        document.add_heading(table["title"], level=2).paragraph_format.keep_with_next = True
        docx_table = document.add_table(rows=1, cols=4)
        docx_table.style = "Table Grid"
        _repeat_header(docx_table.rows[0])
        for cell, heading in zip(docx_table.rows[0].cells, table["columns"], strict=True):
            cell.text = heading
            cell.paragraphs[0].runs[0].bold = True
        for kind, cells in annex1_rows(table):
            new_cells = docx_table.add_row().cells
            if kind == "subheading":
                merged = new_cells[0].merge(new_cells[3])
                merged.text = cells[0]
                merged.paragraphs[0].runs[0].bold = True
                continue
            for cell, text in zip(new_cells, cells, strict=True):
                cell.text = text

    document.add_page_break()
    document.add_heading(gettext("ANNEX 2: NUMBER OF BENEFICIARIES SERVED BY LOCAL PARTNERS"), level=1)
    if report.get("suppression"):
        document.add_paragraph(report["suppression"]["note"])
    for index, layout in enumerate(_layouts(report)):
        heading = document.add_heading(layout["name"].upper(), level=2)
        heading.paragraph_format.keep_with_next = True
        # Each shelter on a new page, but not the first: the annex's heading stays with its first table.
        heading.paragraph_format.page_break_before = index > 0
        agreement = document.add_paragraph(
            gettext("Agreement Number: %(number)s") % {"number": layout["agreement_number"]}
        )
        agreement.paragraph_format.keep_with_next = True
        rows = annex2_rows(layout)
        width = len(rows[0])
        _docx_table(document, rows[0], [[*row, *[None] * (width - len(row))] for row in rows[1:]])
        if layout["checks"]:
            document.add_heading(gettext("Checks that fail"), level=3).paragraph_format.keep_with_next = True
            _docx_table(
                document, _words(CHECK_COLUMNS), [[check["month"], check["message"]] for check in layout["checks"]]
            )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _repeat_header(row: Any) -> None:
    """The table's first row is repeated at the top of each page it runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _docx_table(document: Any, header: list[str], rows: list[list[Any]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    _repeat_header(table.rows[0])
    for cell, heading in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(heading)
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


# --- Excel --------------------------------------------------------------------------------------


def report_xlsx(report: dict[str, Any]) -> bytes:
    """A sheet per part, in the report's order: Cover (title page and contents), Sections (the narrative),
    Summary, States, Cost share, Table 1..4, and one Annex 2 sheet per table with its failed checks.
    Every sheet's header rows stay in view (frozen panes)."""
    with translation.override(_language(report)):
        return _report_xlsx(report)


def _report_xlsx(report: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    workbook = Workbook()

    cover = workbook.active
    cover.title = gettext("Cover")
    for line in cover_lines(report):
        cover.append([line])
        cover[cover.max_row][0].font = bold
    cover.append([])
    cover.append([gettext("CONTENTS")])
    cover[cover.max_row][0].font = bold
    for entry in report["contents"]:
        cover.append([("    " * (entry["level"] - 1)) + entry["title"]])
    cover.column_dimensions["A"].width = 100
    cover.freeze_panes = "A2"

    sections = workbook.create_sheet(gettext("Sections"))
    sections.append([gettext("Section"), gettext("Text")])
    for cell in sections[1]:
        cell.font = bold
    for item in report["sections"]:
        sections.append([item["title"]])
        sections[sections.max_row][0].font = bold
        for kind, text in section_paragraphs(item):
            sections.append(["", text])
            cell = sections[sections.max_row][1]
            cell.alignment = wrap
            if kind == "subheading":
                cell.font = bold
        for part in item["parts"]:
            sections.append(["", part["title"]])
            sections[sections.max_row][1].font = bold
            for row in part_rows(part):
                sections.append(["", *row])
    sections.column_dimensions["A"].width = 40
    sections.column_dimensions["B"].width = 120
    sections.freeze_panes = "A2"

    sheet = workbook.create_sheet(gettext("Summary"))
    sheet.append(_words(SUMMARY_COLUMNS))
    for cell in sheet[1]:
        cell.font = bold
    for row in summary_rows(report):
        sheet.append(row)
    if report.get("suppression"):
        sheet.append([])
        sheet.append([report["suppression"]["note"]])
    sheet.column_dimensions["A"].width = 55
    sheet.freeze_panes = "B2"

    states = workbook.create_sheet(gettext("States"))
    states.append([gettext("State code"), gettext("State"), gettext("Meetings")])
    for cell in states[1]:
        cell.font = bold
    for row in state_rows(report):
        states.append(row)
    states.freeze_panes = "A2"

    cost = workbook.create_sheet(gettext("Cost share"))
    cost.append(_words(COST_SHARE_COLUMNS))
    for cell in cost[1]:
        cell.font = bold
    for row in cost_share_rows(report):
        cost.append(row)
        for cell in cost[cost.max_row][1:4]:
            cell.number_format = "#,##0.00"
    cost.column_dimensions["A"].width = 60
    cost.freeze_panes = "B2"

    for table in report["annex1"]:
        sheet = workbook.create_sheet(gettext("Table %(number)d") % {"number": table["table"]})
        sheet.append([table["title"]])
        sheet.append(table["columns"])
        for cell in (*sheet[1], *sheet[2]):
            cell.font = bold
        for kind, cells in annex1_rows(table):
            sheet.append(cells)
            if kind == "subheading":
                sheet[sheet.max_row][0].font = bold
            else:
                for cell in sheet[sheet.max_row]:
                    cell.alignment = wrap
        for column, width in zip("ABCD", (16, 45, 80, 20), strict=True):
            sheet.column_dimensions[column].width = width
        sheet.freeze_panes = "A3"

    for layout in _layouts(report):
        sheet = workbook.create_sheet(_sheet_title(gettext("Annex 2 %(shelter)s") % {"shelter": layout["shelter"]}))
        sheet.append([layout["name"]])
        sheet.append([gettext("Agreement Number: %(number)s") % {"number": layout["agreement_number"]}])
        rows = annex2_rows(layout)
        sheet.append(rows[0])
        for cell in (*sheet[1], *sheet[2], *sheet[3]):
            cell.font = bold
        for row, line in zip(rows[1:], layout["lines"], strict=True):
            sheet.append(row)
            if line["kind"] == "section":
                sheet[sheet.max_row][0].font = bold
        if layout["checks"]:
            sheet.append([])
            sheet.append([gettext("Checks that fail")])
            sheet[sheet.max_row][0].font = bold
            sheet.append(_words(CHECK_COLUMNS))
            for check in layout["checks"]:
                sheet.append([check["month"], check["message"]])
        if report.get("suppression"):
            sheet.append([])
            sheet.append([report["suppression"]["note"]])
        sheet.column_dimensions["A"].width = 80
        # The months header and the row labels stay in view.
        sheet.freeze_panes = "B4"

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_title(text: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    for char in "[]:*?/\\":
        text = text.replace(char, "-")
    return text[:31]


# --- CSV ----------------------------------------------------------------------------------------


def report_csv(report: dict[str, Any], table: str) -> str:
    """One table as CSV: cover, contents, sections, summary, states, cost_share, table1..table4, or
    annex2-<shelter slug> (with its failed checks below it)."""
    with translation.override(_language(report)):
        return _report_csv(report, table)


def _report_csv(report: dict[str, Any], table: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if table == "cover":
        writer.writerows([line] for line in cover_lines(report))
    elif table == "contents":
        writer.writerow([gettext("Level"), gettext("Title")])
        writer.writerows([entry["level"], entry["title"]] for entry in report["contents"])
    elif table == "sections":
        writer.writerow(["section", gettext("Section"), gettext("Kind"), gettext("Text")])
        for item in report["sections"]:
            for kind, text in section_paragraphs(item):
                writer.writerow([item["key"], item["title"], kind, text])
            for part in item["parts"]:
                for row in part_rows(part):
                    writer.writerow([item["key"], item["title"], part["kind"], *row])
    elif table == "summary":
        writer.writerow(_words(SUMMARY_COLUMNS))
        writer.writerows(summary_rows(report))
    elif table == "states":
        writer.writerow(["state_code", "state", "meetings"])
        writer.writerows(state_rows(report))
    elif table == "cost_share":
        writer.writerow(_words(COST_SHARE_COLUMNS))
        writer.writerows([_csv_cell(value) for value in row] for row in cost_share_rows(report))
    elif table in ("table1", "table2", "table3", "table4"):
        annex1 = report["annex1"][int(table[-1]) - 1]
        writer.writerow(["subheading", *annex1["columns"]])
        writer.writerows([row["subheading"], row["date"], row["organizations"], row["topic"], row["state"]]
                         for row in annex1["rows"])  # fmt: skip
    elif table.startswith("annex2-"):
        slug = table.removeprefix("annex2-")
        layout = next((item for item in _layouts(report) if item["shelter"] == slug), None)
        if layout is None:
            raise KeyError(table)
        writer.writerows([_csv_cell(value) for value in row] for row in annex2_rows(layout))
        if layout["checks"]:
            writer.writerow([])
            writer.writerow(_words(CHECK_COLUMNS))
            writer.writerows([check["month"], check["message"]] for check in layout["checks"])
        if report.get("suppression"):
            writer.writerow([])
            writer.writerow([report["suppression"]["note"]])
    else:
        raise KeyError(table)
    return out.getvalue()


def csv_table_names(report: dict[str, Any]) -> list[str]:
    return [*CSV_TABLES[:-1], *(f"annex2-{_annex2_name(table)}" for table in report["annex2"])]


def _annex2_name(table: dict[str, Any]) -> str:
    """A shelter's slug, or "national" for the national table (`"shelter": None`)."""
    return table["shelter"] or "national"


def report_csv_zip(report: dict[str, Any]) -> bytes:
    """Every table of the report as its own CSV file, in one zip, in the report's order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in csv_table_names(report):
            archive.writestr(f"{name}.csv", report_csv(report, name))
    return out.getvalue()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value
