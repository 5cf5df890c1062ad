"""The Annex 2 table of one shelter over a range of months, as plain data, and its files; and the
national table (`build_national_table`: every shelter summed, in the same shape).

`build_annex2_table` is what the API, the reports, the web pages and the admin show:
stored values only (the aggregation keeps them current), a fixed number of queries.

- A cell shows the imported value where one exists, else the computed one; where both
  exist and differ, the cell is flagged (`differs`) and the computed value is kept beside it.
- Missing is not zero: a month with no stored value is None (blank in files).
- TOTAL is the sum of the months that have a value, as the donor table adds them
  (the seed's Casa Alianza "sentences for crimes other than TIP": 1 then blanks, TOTAL 1);
  it is None when every month is missing.
- For rows that count people, `distinct_total` is the number of distinct people over the
  whole period, counted from case records; None when the row shows an imported month or no
  month of the period was computed from case records (a legacy table cannot tell who was
  counted twice).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext

from shelters.models import Shelter

from . import suppression
from .aggregation import months_between
from .catalogue import INDICATORS, SECTIONS, SECTIONS_BY_KEY
from .checks import check_table
from .models import Source
from .partners import suppression_note
from .selectors import (
    distinct_people_over_period,
    earliest_agreement_start,
    locked_months,
    national_reporting,
    national_values,
    stored_values,
)

LANGUAGES = ("en", "es")
AGREEMENT_LABEL = {"en": "Agreement Number", "es": "Número de convenio"}
MAX_MONTHS = 600


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"


def table_range(*, shelter: Shelter, first_month: date | None, last_month: date | None) -> tuple[date, date]:
    """The months a table covers when not given: from the agreement's start (else the last twelve
    months) to the current month."""
    last = last_month or timezone.localdate().replace(day=1)
    if first_month is not None:
        return first_month, last
    year_back = last.year * 12 + last.month - 1 - 11
    return shelter.agreement_start or date(year_back // 12, year_back % 12 + 1, 1), last


def range_problem(first_month: date, last_month: date) -> str | None:
    """Why a range cannot be shown, or None, in the active language (the API's is English unless asked)."""
    if first_month > last_month:
        return gettext("The first month must not be after the last.")
    if (last_month.year - first_month.year) * 12 + last_month.month - first_month.month + 1 > MAX_MONTHS:
        return gettext("Ask for at most %(count)d months at once.") % {"count": MAX_MONTHS}
    return None


def build_annex2_table(
    *, shelter: Shelter, first_month: date, last_month: date, language: str = "en"
) -> dict[str, Any]:
    """The shelter's Annex 2 table from `first_month` to `last_month` (first days), labels in `language`.

    Queries: the stored cells, the locked months, and (only when the period has computed
    cells) the distinct people over the period.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    first_month, last_month = first_month.replace(day=1), last_month.replace(day=1)
    months = months_between(first_month, last_month)
    position = {month: index for index, month in enumerate(months)}

    imported: dict[str, list[int | None]] = {indicator.key: [None] * len(months) for indicator in INDICATORS}
    computed: dict[str, list[int | None]] = {indicator.key: [None] * len(months) for indicator in INDICATORS}
    has_imported: dict[str, list[bool]] = {indicator.key: [False] * len(months) for indicator in INDICATORS}
    has_computed: dict[str, list[bool]] = {indicator.key: [False] * len(months) for indicator in INDICATORS}
    for month, key, value, source in stored_values(
        shelter_id=shelter.pk, first_month=first_month, last_month=last_month
    ):
        if key not in imported or month not in position:
            continue
        index = position[month]
        if source == Source.IMPORTED:
            imported[key][index], has_imported[key][index] = value, True
        else:
            computed[key][index], has_computed[key][index] = value, True

    locked = set(locked_months(shelter_id=shelter.pk, months=months))
    any_computed = any(any(flags) for flags in has_computed.values())
    distinct = (
        distinct_people_over_period(shelter_id=shelter.pk, first_month=first_month, last_month=last_month)
        if any_computed
        else {}
    )

    shown: dict[str, list[int | None]] = {}
    rows = []
    for indicator in INDICATORS:
        key = indicator.key
        values: list[int | None] = []
        sources: list[str | None] = []
        differs: list[bool] = []
        for index in range(len(months)):
            if has_imported[key][index]:
                values.append(imported[key][index])
                sources.append(Source.IMPORTED.value)
                differs.append(has_computed[key][index] and computed[key][index] != imported[key][index])
            elif has_computed[key][index]:
                values.append(computed[key][index])
                sources.append(Source.COMPUTED.value)
                differs.append(False)
            else:
                values.append(None)
                sources.append(None)
                differs.append(False)
        shown[key] = values
        present = [value for value in values if value is not None]
        section = SECTIONS_BY_KEY[indicator.section]
        rows.append(
            {
                "key": key,
                "section": indicator.section,
                "section_label": section.label_es if language == "es" else section.label_en,
                "label": indicator.label_es if language == "es" else indicator.label_en,
                "people": indicator.people,
                "is_total": indicator.is_total,
                "values": values,
                "total": sum(present) if present else None,
                # Records cannot tell who an imported month counted: no distinct total beside one.
                "distinct_total": distinct.get(key)
                if indicator.people and Source.IMPORTED.value not in sources
                else None,
                "sources": sources,
                "computed_values": computed[key],
                "differs": differs,
                "failing": [False] * len(months),
                # Partners' tables hide small counts (indicators.partners); everyone else's hides nothing.
                "suppressed": [False] * len(months),
                "total_suppressed": False,
                "distinct_total_suppressed": False,
            }
        )

    failures = check_table(shelter=shelter.slug, months=months, values=shown)
    rows_by_key = {row["key"]: row for row in rows}
    for failure in failures:
        if failure.month is None:
            continue
        for key in failure.rows:
            rows_by_key[key]["failing"][position[failure.month]] = True

    return {
        "shelter": shelter.slug,
        "shelter_name": shelter.name,
        "agreement_number": shelter.agreement_number,
        "language": language,
        "from": month_label(first_month),
        "to": month_label(last_month),
        "months": [month_label(month) for month in months],
        "locked_months": [month_label(month) for month in sorted(locked)],
        "sections": [
            {"key": section.key, "label": section.label_es if language == "es" else section.label_en}
            for section in SECTIONS
        ],
        "rows": rows,
        "checks": _checks_in(language, failures),
    }


def national_table_range(*, first_month: date | None, last_month: date | None) -> tuple[date, date]:
    """The national table's months when not given: from the first agreement start of any shelter (else the
    last twelve months) to the current month."""
    last = last_month or timezone.localdate().replace(day=1)
    if first_month is not None:
        return first_month, last
    year_back = last.year * 12 + last.month - 1 - 11
    return earliest_agreement_start() or date(year_back // 12, year_back % 12 + 1, 1), last


def national_title(language: str) -> str:
    with translation.override(language):
        return gettext("National table: every shelter")


def build_national_table(*, first_month: date, last_month: date, language: str = "en") -> dict[str, Any]:
    """The national Annex 2 table: every shelter's stored values summed per row and month, in
    `build_annex2_table`'s shape with `"shelter": None`, checked by the same checks.

    A cell is the sum of the shelters that have a value for it (each adds what its own table shows:
    imported where there is one, else computed), None when none has; the row's `shelters_reporting`
    says how many added one, and the table's `shelters_reporting` how many shelters have any value
    in each month. A month with some shelters missing is therefore the sum of those present, never
    a guess for the others. `locked_months` are the months locked by every shelter reporting them.
    There is no distinct-people column: a person moved between shelters is in two of them, and
    counting people across shelters reads case records, which no request does.

    Queries: the sums, and the shelters reporting and locked per month.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}")
    first_month, last_month = first_month.replace(day=1), last_month.replace(day=1)
    months = months_between(first_month, last_month)
    position = {month: index for index, month in enumerate(months)}
    sums: dict[str, list[int | None]] = {indicator.key: [None] * len(months) for indicator in INDICATORS}
    counts: dict[str, list[int]] = {indicator.key: [0] * len(months) for indicator in INDICATORS}
    for month, key, total, shelters in national_values(first_month=first_month, last_month=last_month):
        if key not in sums or month not in position:
            continue
        sums[key][position[month]], counts[key][position[month]] = total, shelters
    reporting = national_reporting(first_month=first_month, last_month=last_month)

    rows = []
    for indicator in INDICATORS:
        values = sums[indicator.key]
        present = [value for value in values if value is not None]
        section = SECTIONS_BY_KEY[indicator.section]
        rows.append(
            {
                "key": indicator.key,
                "section": indicator.section,
                "section_label": section.label_es if language == "es" else section.label_en,
                "label": indicator.label_es if language == "es" else indicator.label_en,
                "people": indicator.people,
                "is_total": indicator.is_total,
                "values": values,
                "total": sum(present) if present else None,
                "distinct_total": None,
                # A sum of shelters has no single source; each shelter's table shows its own.
                "sources": [None] * len(months),
                "computed_values": [None] * len(months),
                "differs": [False] * len(months),
                "failing": [False] * len(months),
                "suppressed": [False] * len(months),
                "total_suppressed": False,
                "distinct_total_suppressed": False,
                "shelters_reporting": counts[indicator.key],
            }
        )

    failures = check_table(shelter="", months=months, values=sums)
    rows_by_key = {row["key"]: row for row in rows}
    for failure in failures:
        if failure.month is not None:
            for key in failure.rows:
                rows_by_key[key]["failing"][position[failure.month]] = True

    return {
        "shelter": None,
        "shelter_name": national_title(language),
        "agreement_number": None,
        "language": language,
        "from": month_label(first_month),
        "to": month_label(last_month),
        "months": [month_label(month) for month in months],
        "locked_months": [
            month_label(month)
            for month in months
            if month in reporting and reporting[month][0] and reporting[month][1] == reporting[month][0]
        ],
        "shelters_reporting": [reporting.get(month, (0, 0))[0] for month in months],
        "sections": [
            {"key": section.key, "label": section.label_es if language == "es" else section.label_en}
            for section in SECTIONS
        ],
        "rows": rows,
        "checks": [{**check, "shelter": None} for check in _checks_in(language, failures)],
    }


def _checks_in(language: str, failures: list) -> list[dict[str, object]]:
    """The failed checks in the table's own language, whatever the request's: one table, one language."""
    with translation.override(language):
        return [failure.as_dict() for failure in failures]


def table_lines(table: dict[str, Any]) -> list[tuple[str, list[Any], dict[str, Any] | None]]:
    """The table in the donor's layout, line by line, as (kind, cells, row): the shelter heading,
    the agreement number, a blank line, the months header, then each section heading followed by
    its rows (label, months, TOTAL). Missing cells are None; in a partner's table a hidden cell is
    "<k" and a note at the end says why."""
    language = table.get("language", "en")
    months = table["months"]
    lines: list[tuple[str, list[Any], dict[str, Any] | None]] = [
        ("title", [table.get("shelter_name") or table["shelter"]], None),
    ]
    if table["shelter"] is not None:
        # The national table is under every shelter's agreement: it has no number of its own.
        lines.append(("title", [f"{AGREEMENT_LABEL[language]}: {table.get('agreement_number') or ''}"], None))
    lines.extend([("blank", [], None), ("header", ["", *months, "TOTAL"], None)])
    section_labels = {section["key"]: section["label"] for section in table.get("sections", [])}
    current_section = None
    for row in table["rows"]:
        if row["section"] != current_section:
            current_section = row["section"]
            lines.append(("section", [section_labels.get(current_section, current_section)], None))
        lines.append(("row", [row["label"], *_shown_cells(table, row)], row))
    suppressed = table.get("suppression")
    if suppressed:
        lines.extend([("blank", [], None), ("note", [suppression_note(suppressed["k"], language)], None)])
    return lines


def _shown_cells(table: dict[str, Any], row: dict[str, Any]) -> list[Any]:
    """A row's months and TOTAL, a hidden cell (partners' tables) marked apart from a missing one."""
    cells = [*row["values"], row["total"]]
    suppressed = table.get("suppression")
    if not suppressed:
        return cells
    flags = [*row.get("suppressed", [False] * len(row["values"])), row.get("total_suppressed", False)]
    hidden = suppression.mark(suppressed["k"])
    return [hidden if flag else cell for cell, flag in zip(cells, flags, strict=True)]


def table_csv(table: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for _kind, cells, _row in table_lines(table):
        writer.writerow(["" if cell is None else cell for cell in cells])
    return out.getvalue()


def table_xlsx(table: dict[str, Any]) -> bytes:
    """The same lines as the CSV in a workbook: headings bold, imported cells that differ from
    the computed value shaded, and a second sheet listing the failed checks."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Annex 2"
    bold = Font(bold=True)
    differs_fill = PatternFill("solid", fgColor="FFF2CC")
    for line_number, (kind, cells, row) in enumerate(table_lines(table), start=1):
        sheet.append(cells)
        if kind in ("title", "header", "section"):
            for cell in sheet[line_number]:
                cell.font = bold
        if row is not None:
            for index, flagged in enumerate(row.get("differs", [])):
                if flagged:
                    sheet.cell(row=line_number, column=index + 2).fill = differs_fill
    sheet.column_dimensions["A"].width = 80

    checks = workbook.create_sheet("Checks")
    checks.append(["shelter", "month", "check", "rows", "message"])
    for failure in table.get("checks", []):
        checks.append(
            [failure["shelter"], failure["month"], failure["check"], ", ".join(failure["rows"]), failure["message"]]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
