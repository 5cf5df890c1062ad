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

from indicators.tables import table_lines

MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip

SUMMARY_COLUMNS = ["Component", "Meetings", "People reached", "Of whom counted by sex", "Male", "Female"]
COST_SHARE_COLUMNS = [
    "Shelter",
    "Cost share (USD)",
    "PROTEJA disbursed (USD)",
    "50% match limit (USD)",
    "Within the 50% match",
]
CSV_TABLES = ["summary", "states", "cost_share", "table1", "table2", "table3", "table4", "annex2"]


def filename(report: dict[str, Any], extension: str) -> str:
    return f"proteja-quarterly-report-{report['number']}-{report['quarter']}.{extension}"


# --- shared layouts -----------------------------------------------------------------------------


def summary_rows(report: dict[str, Any]) -> list[list[Any]]:
    summary = report["summary"]
    rows = [
        [f"{row['label']} (Table {row['table']})", row["meetings"], row["participants"],
         row["participants_with_sex_split"], row["male"], row["female"]]
        for row in summary["components"]
    ]  # fmt: skip
    totals = summary["totals"]
    rows.append(
        ["Total", totals["meetings"], totals["participants"], totals["participants_with_sex_split"],
         totals["male"], totals["female"]]
    )  # fmt: skip
    return rows


def state_rows(report: dict[str, Any]) -> list[list[Any]]:
    return [[row["state"], row["name"], row["meetings"]] for row in report["summary"]["states"]]


def cost_share_rows(report: dict[str, Any]) -> list[list[Any]]:
    cost_share = report["cost_share"]
    rows: list[list[Any]] = [
        [row["shelter_name"], row["cost_share_usd"], row["disbursed_usd"], row["match_limit_usd"],
         "yes" if row["within_match"] else "no"]
        for row in cost_share["shelters"]
    ]  # fmt: skip
    rows.append(
        ["Total", cost_share["total_cost_share_usd"], cost_share["total_disbursed_usd"], None,
         "yes" if cost_share["all_within_match"] else "no"]
    )  # fmt: skip
    return rows


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


def month_headings(months: list[str]) -> tuple[str, list[str]]:
    """The corner and month headings of an Annex 2 table: "2007" and "May", "June"... as the seed
    prints them; over several years each month carries its year."""
    parsed = [date(int(month[:4]), int(month[5:7]), 1) for month in months]
    years = sorted({month.year for month in parsed})
    if len(years) <= 1:
        return (str(years[0]) if years else ""), [MONTH_NAMES[month.month - 1] for month in parsed]
    return f"{years[0]}–{years[-1]}", [f"{MONTH_NAMES[month.month - 1][:3]}. {month.year}" for month in parsed]


def annex2_layout(table: dict[str, Any]) -> dict[str, Any]:
    corner, months = month_headings(table["months"])
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
    return {
        "shelter": table["shelter"],
        "name": table.get("shelter_name") or table["shelter"],
        "agreement_number": table.get("agreement_number") or "",
        "year_label": corner,
        "months": months,
        "width": len(months) + 2,
        "lines": shown,
        "checks": table.get("checks", []),
    }


# --- HTML ---------------------------------------------------------------------------------------


def report_html(report: dict[str, Any], *, csp_nonce: str | None = None) -> str:
    """The printable page; served by the site, its <style> carries the answer's CSP nonce (saved to a file,
    the page needs none)."""
    with translation.override("en"):
        return render_to_string(
            "reports/quarterly_report.html",
            {
                "report": report,
                "annex2_tables": [annex2_layout(table) for table in report["annex2"]],
                "csp_nonce": csp_nonce,
            },
        )


# --- Word ---------------------------------------------------------------------------------------


def report_docx(report: dict[str, Any]) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.styles["Normal"].font.name = "Times New Roman"
    document.styles["Normal"].font.size = Pt(10)

    for text in (report["title"], report["heading"], report["period"]):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(text)
        run.bold = True
        run.font.size = Pt(14)

    document.add_heading("Summary of the quarter", level=1)
    document.add_heading("People reached and meetings, by component", level=2)
    _docx_table(document, SUMMARY_COLUMNS, summary_rows(report))
    document.add_heading(f"States reached: {report['summary']['states_reached']}", level=2)
    document.add_paragraph(", ".join(f"{row[1]} ({row[2]})" for row in state_rows(report)) or "None.")
    document.add_heading("Cost share", level=2)
    _docx_table(document, COST_SHARE_COLUMNS, cost_share_rows(report))

    document.add_page_break()
    document.add_heading("ANNEX 1: RECORD OF MEETINGS", level=1)
    for table in report["annex1"]:
        document.add_heading(table["title"], level=2)
        docx_table = document.add_table(rows=1, cols=4)
        docx_table.style = "Table Grid"
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
    document.add_heading("ANNEX 2: NUMBER OF BENEFICIARIES SERVED BY LOCAL PARTNERS", level=1)
    if report.get("suppression"):
        document.add_paragraph(report["suppression"]["note"])
    for table in report["annex2"]:
        layout = annex2_layout(table)
        document.add_heading(layout["name"].upper(), level=2)
        document.add_paragraph(f"Agreement Number: {layout['agreement_number']}")
        header = [layout["year_label"], *layout["months"], "TOTAL"]
        rows: list[list[Any]] = []
        for line in layout["lines"]:
            if line["kind"] == "section":
                rows.append([line["label"], *[None] * (len(header) - 1)])
            else:
                rows.append([line["label"], *line["values"], line["total"]])
        _docx_table(document, header, rows)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_table(document: Any, header: list[str], rows: list[list[Any]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
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
    """A sheet per table: Summary, States, Cost share, Table 1..4, and one Annex 2 sheet per shelter."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Summary"
    sheet.append([report["title"]])
    sheet.append([report["heading"]])
    sheet.append([report["period"]])
    sheet.append([])
    sheet.append(SUMMARY_COLUMNS)
    for row in summary_rows(report):
        sheet.append(row)
    for row in sheet.iter_rows(min_row=1, max_row=5):
        for cell in row:
            cell.font = bold
    if report.get("suppression"):
        sheet.append([])
        sheet.append([report["suppression"]["note"]])
    sheet.column_dimensions["A"].width = 55

    states = workbook.create_sheet("States")
    states.append(["State code", "State", "Meetings"])
    for row in state_rows(report):
        states.append(row)

    cost = workbook.create_sheet("Cost share")
    cost.append(COST_SHARE_COLUMNS)
    for row in cost_share_rows(report):
        cost.append(row)
        for cell in cost[cost.max_row][1:4]:
            cell.number_format = "#,##0.00"
    cost.column_dimensions["A"].width = 60

    wrap = Alignment(wrap_text=True, vertical="top")
    for table in report["annex1"]:
        sheet = workbook.create_sheet(f"Table {table['table']}")
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

    for table in report["annex2"]:
        layout = annex2_layout(table)
        sheet = workbook.create_sheet(_sheet_title(f"Annex 2 {layout['shelter'] or 'national'}"))
        sheet.append([layout["name"]])
        sheet.append([f"Agreement Number: {layout['agreement_number']}"])
        sheet.append([layout["year_label"], *layout["months"], "TOTAL"])
        for cell in (*sheet[1], *sheet[2], *sheet[3]):
            cell.font = bold
        for line in layout["lines"]:
            if line["kind"] == "section":
                sheet.append([line["label"]])
                sheet[sheet.max_row][0].font = bold
            else:
                sheet.append([line["label"], *line["values"], line["total"]])
        if report.get("suppression"):
            sheet.append([])
            sheet.append([report["suppression"]["note"]])
        sheet.column_dimensions["A"].width = 80

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
    """One table as CSV: summary, states, cost_share, table1..table4, or annex2-<shelter slug>."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if table == "summary":
        writer.writerow(SUMMARY_COLUMNS)
        writer.writerows(summary_rows(report))
    elif table == "states":
        writer.writerow(["state_code", "state", "meetings"])
        writer.writerows(state_rows(report))
    elif table == "cost_share":
        writer.writerow(COST_SHARE_COLUMNS)
        writer.writerows([_csv_cell(value) for value in row] for row in cost_share_rows(report))
    elif table in ("table1", "table2", "table3", "table4"):
        annex1 = report["annex1"][int(table[-1]) - 1]
        writer.writerow(["subheading", *annex1["columns"]])
        writer.writerows([row["subheading"], row["date"], row["organizations"], row["topic"], row["state"]]
                         for row in annex1["rows"])  # fmt: skip
    elif table.startswith("annex2-"):
        slug = table.removeprefix("annex2-")
        annex2 = next((item for item in report["annex2"] if _annex2_name(item) == slug), None)
        if annex2 is None:
            raise KeyError(table)
        layout = annex2_layout(annex2)
        writer.writerow([layout["year_label"], *layout["months"], "TOTAL"])
        for line in layout["lines"]:
            if line["kind"] == "section":
                writer.writerow([line["label"]])
            else:
                writer.writerow([_csv_cell(value) for value in [line["label"], *line["values"], line["total"]]])
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
    """Every table of the report as its own CSV file, in one zip."""
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
