"""Loading legacy Annex 2 tables (the seed report's text layout) as `imported` indicator values.

The layout, after the "ANNEX 2:" heading, per shelter:

    SHELTER HEADING
    Agreement Number: 6023-008-51-2007-001
    2007<TAB>May<TAB>June<TAB>...<TAB>Dec.<TAB>TOTAL
    Section heading<TAB><TAB>...              (no numbers)
    Row label<TAB>158<TAB>152<TAB>...<TAB>1386

Every printed cell is stored, a printed-but-blank cell as NULL (missing is not 0); a row
a shelter's table does not print is not stored. Printed labels vary between tables
("TIPS", "Tip victims", trailing dots, <i> tags, "staff" for "personnel"), so labels
are matched after normalising, within the current section ("Other" is both a crime
and an origin). TOTAL is checked against the sum of the months, not stored.

The whole file is read before anything is written: a line that cannot be read is
reported with its number and nothing is saved. A second run changes nothing.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from shelters.exceptions import MonthLocked
from shelters.models import Shelter
from shelters.seed import SEED_SHELTERS, ensure_seed_shelter

from .catalogue import INDICATORS, INDICATORS_BY_KEY, SECTIONS
from .checks import CheckFailure, check_table
from .models import IndicatorValue, Source
from .selectors import locked_months

ANNEX_HEADING = re.compile(r"^\s*ANNEX\s+2\s*:", re.IGNORECASE)
NEXT_ANNEX = re.compile(r"^\s*ANNEX\s+\d+\s*:", re.IGNORECASE)
AGREEMENT = re.compile(r"^\s*Agreement\s+Number\s*:\s*(?P<number>.*?)\s*$", re.IGNORECASE)
MONTH_NAMES = {
    # English and Spanish, full or abbreviated ("Sep.", "Sept", "Nov.").
    **{name: number for number, name in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)},
    **{name: number for number, name in enumerate("ene feb mar abr may jun jul ago sep oct nov dic".split(), 1)},
}
MONTH_NAMES_FULL = "January February March April May June July August September October November December".split()
STOPWORDS = {"of", "the", "a", "an"}
# Words that printed tables use for the catalogue's words.
SYNONYMS = {"tips": "tip", "staff": "personnel", "children": "", "childrens": ""}


class ImportProblem(Exception):
    """The file cannot be imported; `lines` lists each unreadable line as "line N: reason"."""

    def __init__(self, reason: str, lines: list[str] | None = None) -> None:
        self.reason = reason
        self.lines = lines or []
        super().__init__(reason)


@dataclass
class ParsedTable:
    heading: str
    line_number: int
    agreement_number: str = ""
    months: list[date] = field(default_factory=list)
    values: dict[str, list[int | None]] = field(default_factory=dict)
    totals: dict[str, int | None] = field(default_factory=dict)


@dataclass
class ImportedTable:
    shelter: Shelter
    shelter_created: bool
    months: list[date]
    rows: list[str]


@dataclass
class ImportResult:
    tables: list[ImportedTable] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[CheckFailure] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or any(table.shelter_created for table in self.tables))


def normalise(label: str) -> str:
    """Lower case, no accents, no tags or punctuation, the catalogue's words."""
    text = re.sub(r"<[^>]+>", " ", label)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", text)
    return " ".join(word for word in (SYNONYMS.get(word, word) for word in words) if word)


def _word_set(text: str) -> frozenset[str]:
    return frozenset(word for word in text.split() if word not in STOPWORDS)


def _match(label: str, candidates: dict[str, str]) -> str | None:
    """The key whose normalised label matches `label`: exactly, by the same words, or nearly (one best)."""
    wanted = normalise(label)
    for key, known in candidates.items():
        if known == wanted:
            return key
    same_words = [key for key, known in candidates.items() if _word_set(known) == _word_set(wanted)]
    if len(same_words) == 1:
        return same_words[0]
    close = difflib.get_close_matches(wanted, list(candidates.values()), n=2, cutoff=0.9)
    if len(close) == 1:
        return next(key for key, known in candidates.items() if known == close[0])
    return None


SECTION_LABELS = {section.key: normalise(section.label_en) for section in SECTIONS}
ROW_LABELS_BY_SECTION: dict[str, dict[str, str]] = {}
for _indicator in INDICATORS:
    ROW_LABELS_BY_SECTION.setdefault(_indicator.section, {})[_indicator.key] = normalise(_indicator.label_en)
ALL_ROW_LABELS = {indicator.key: normalise(indicator.label_en) for indicator in INDICATORS}
SEED_HEADINGS = {normalise(heading): heading for heading in SEED_SHELTERS}


def _parse_int(text: str) -> int:
    cleaned = text.strip().replace(",", "")
    if not re.fullmatch(r"\d+", cleaned):
        raise ValueError(f"“{text.strip()}” is not a whole number")
    return int(cleaned)


def _parse_header(cells: list[str]) -> list[date]:
    """`2007<TAB>May<TAB>...<TAB>TOTAL` -> the first days of the months; the year rolls over after December."""
    year = int(cells[0].strip())
    names = [cell.strip() for cell in cells[1:]]
    while names and not names[-1]:
        names.pop()
    if not names or names[-1].upper() != "TOTAL":
        raise ValueError("the months header must end with TOTAL")
    months: list[date] = []
    for name in names[:-1]:
        number = MONTH_NAMES.get(name.rstrip(".").lower()[:3])
        if number is None:
            raise ValueError(f"“{name}” is not a month")
        if months and number <= months[-1].month:
            year += 1
        months.append(date(year, number, 1))
    if not months:
        raise ValueError("the months header names no month")
    return months


def _annex2_lines(text: str) -> list[tuple[int, str]]:
    lines = text.splitlines()
    starts = [index for index, line in enumerate(lines) if ANNEX_HEADING.match(line)]
    if not starts:
        raise ImportProblem("no “ANNEX 2:” heading in the file")
    # The table of contents names Annex 2 too; the annex itself is the last heading.
    start = starts[-1] + 1
    part = []
    for index in range(start, len(lines)):
        if NEXT_ANNEX.match(lines[index]):
            break
        part.append((index + 1, lines[index]))
    return part


def parse_annex2(text: str) -> list[ParsedTable]:
    """Read every table after "ANNEX 2:"; raise ImportProblem listing each line that cannot be read."""
    tables: list[ParsedTable] = []
    problems: list[str] = []
    table: ParsedTable | None = None
    section: str | None = None

    def problem(number: int, reason: str) -> None:
        problems.append(f"line {number}: {reason}")

    for number, line in _annex2_lines(text):
        if not line.strip():
            continue
        if "\t" not in line:
            agreement = AGREEMENT.match(line)
            if agreement:
                if table is None:
                    problem(number, "an agreement number before any shelter heading")
                else:
                    table.agreement_number = agreement.group("number")
                continue
            table = ParsedTable(heading=line.strip(), line_number=number)
            tables.append(table)
            section = None
            continue
        cells = line.split("\t")
        label = cells[0].strip()
        if table is None:
            problem(number, "a table line before any shelter heading")
            continue
        if re.fullmatch(r"\d{4}", label):
            try:
                table.months = _parse_header(cells)
            except ValueError as exc:
                problem(number, f"cannot read the months header: {exc}")
            continue
        if not table.months:
            problem(number, "a table line before the months header")
            continue
        width = len(table.months) + 1
        values = [cell.strip() for cell in cells[1:]]
        if len(values) > width and any(values[width:]):
            problem(number, f"{len(values)} cells where the header has {width} (months and TOTAL)")
            continue
        values = (values + [""] * width)[:width]
        if not any(values[:-1]):
            heading = _match(label, SECTION_LABELS)
            if heading is not None:
                # A section heading; a stray number in its TOTAL cell (Casa de las Mercedes' "Education") is no row.
                section = heading
                continue
        key = _match(label, ROW_LABELS_BY_SECTION.get(section, {})) if section else None
        if key is None:
            key = _match(label, ALL_ROW_LABELS)
            if key is not None and section is not None and INDICATORS_BY_KEY[key].section != section:
                key = None
        if key is None:
            problem(number, f"“{label[:80]}” is not an Annex 2 row or section heading")
            continue
        if key in table.values:
            problem(number, f"the row {key} is printed twice in this table")
            continue
        try:
            parsed = [_parse_int(value) if value else None for value in values]
        except ValueError as exc:
            problem(number, str(exc))
            continue
        table.values[key] = parsed[:-1]
        table.totals[key] = parsed[-1]

    for parsed_table in tables:
        if not parsed_table.months:
            problem(parsed_table.line_number, f"the table “{parsed_table.heading}” has no months header")
    if not tables and not problems:
        raise ImportProblem("no table after the “ANNEX 2:” heading")
    if problems:
        raise ImportProblem(f"{len(problems)} line(s) could not be read; nothing was imported", problems)
    return tables


def _shelter_for(table: ParsedTable) -> tuple[Shelter, bool]:
    seed_heading = SEED_HEADINGS.get(normalise(table.heading))
    if seed_heading is not None:
        return ensure_seed_shelter(seed_heading, table.agreement_number or None)
    # A shelter the seed does not know: named as printed, its agreement starting with the table.
    slug = slugify(unicodedata.normalize("NFKD", table.heading).encode("ascii", "ignore").decode())[:50] or "shelter"
    return Shelter.objects.get_or_create(
        slug=slug,
        defaults={
            "name": table.heading[:200],
            "agreement_number": table.agreement_number[:100],
            "agreement_start": table.months[0],
        },
    )


@transaction.atomic
def import_annex2_tables(tables: list[ParsedTable]) -> ImportResult:
    """Store the parsed tables as imported values (idempotent) and check them as printed."""
    result = ImportResult()
    for table in tables:
        shelter, shelter_created = _shelter_for(table)
        existing = {
            (month, key): (pk, value)
            for pk, month, key, value in IndicatorValue.objects.filter(
                shelter=shelter, source=Source.IMPORTED, month__in=table.months
            ).values_list("pk", "month", "indicator", "value")
        }
        wanted = {
            (month, key): cells[index]
            for key, cells in table.values.items()
            for index, month in enumerate(table.months)
        }
        to_create = {cell: value for cell, value in wanted.items() if cell not in existing}
        to_update = {cell: value for cell, value in wanted.items() if cell in existing and existing[cell][1] != value}
        changed_months = {month for month, _key in (*to_create, *to_update)}
        locked = locked_months(shelter_id=shelter.pk, months=changed_months)
        if locked:
            raise MonthLocked(locked)
        IndicatorValue.objects.bulk_create(
            [
                IndicatorValue(shelter=shelter, month=month, indicator=key, value=value, source=Source.IMPORTED)
                for (month, key), value in to_create.items()
            ]
        )
        IndicatorValue.objects.bulk_update(
            [
                IndicatorValue(pk=existing[cell][0], value=value, updated_at=timezone.now())
                for cell, value in to_update.items()
            ],
            ["value", "updated_at"],
        )
        result.created += len(to_create)
        result.updated += len(to_update)
        result.unchanged += len(wanted) - len(to_create) - len(to_update)
        result.tables.append(
            ImportedTable(
                shelter=shelter, shelter_created=shelter_created, months=table.months, rows=list(table.values)
            )
        )
        result.failures.extend(
            check_table(shelter=shelter.slug, months=table.months, values=table.values, totals=table.totals)
        )
    return result


def read_report(path: str | Path) -> str:
    """The report's text; ImportProblem with a one-line reason when it cannot be read."""
    file = Path(path)
    if not file.exists():
        raise ImportProblem(f"no such file: {file}")
    if not file.is_file():
        raise ImportProblem(f"not a file: {file}")
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportProblem(f"cannot read {file}: not UTF-8 text") from None
    except OSError as exc:
        raise ImportProblem(f"cannot read {file}: {exc.strerror or exc}") from None


def import_annex2_file(path: str | Path) -> ImportResult:
    """Read a report in the seed's text layout and load its Annex 2 tables (what `import_annex2` runs)."""
    return import_annex2_tables(parse_annex2(read_report(path)))


def describe_failure(failure: CheckFailure, shelters: dict[str, Shelter]) -> str:
    """One line naming the shelter, the month and the rows of a failed check."""
    shelter = shelters.get(failure.shelter)
    name = f"{shelter.name} ({failure.shelter})" if shelter else failure.shelter
    when = (
        f"{failure.month:%Y-%m} ({MONTH_NAMES_FULL[failure.month.month - 1]} {failure.month.year})"
        if failure.month
        else "TOTAL column"
    )
    return f"Check failed: {name}, {when}: {failure.message}; rows {', '.join(failure.rows)}"
