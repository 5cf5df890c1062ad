"""The Annex 1 import: meeting tables in the seed report's text layout into meetings.

The layout: a "TABLE N – ..." line opens table N (component N), a line starting
"Date<TAB>" is a column header (repeated at page breaks), each row is four
tab-separated cells (date, organizations, topic, state), and a line of one cell is
a subheading (Table 4 has them). "ANNEX 2" ends the annex. Rows are read, never
guessed: a row that cannot be read is reported with its line number and not loaded.

A meeting is keyed by year, table and row text, so a second run adds nothing and
keeps any correction program staff made to an imported meeting.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from shelters.models import User

from . import services
from .annex1 import TABLE_COMPONENTS, DateNotUnderstood, parse_annex1_date, state_code
from .models import Meeting, Organization


@dataclass
class ParsedOrganization:
    name: str
    acronym: str = ""


@dataclass
class ParsedRow:
    line: int
    table: int
    start_date: date
    end_date: date
    dates: list[date]
    participants_description: str
    topic: str
    state: str
    organizations: list[ParsedOrganization]
    participants_total: int | None
    participants_male: int | None
    participants_female: int | None
    subheading: str
    import_key: str

    @property
    def data(self) -> dict:
        return {
            "component": TABLE_COMPONENTS[self.table - 1],
            "start_date": self.start_date,
            "end_date": self.end_date,
            "dates": self.dates,
            "participants_description": self.participants_description,
            "topic": self.topic,
            "state": self.state,
            "participants_total": self.participants_total,
            "participants_male": self.participants_male,
            "participants_female": self.participants_female,
            "subheading": self.subheading,
        }


@dataclass
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ParseResult:
    rows: list[ParsedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # rows not loaded
    warnings: list[Problem] = field(default_factory=list)  # rows loaded, with something left out

    def rows_per_table(self) -> dict[int, int]:
        counts = Counter(row.table for row in self.rows)
        return {table: counts.get(table, 0) for table in range(1, 5)}


@dataclass
class ImportResult:
    parsed: ParseResult
    created: int = 0
    unchanged: int = 0
    organizations_created: int = 0


_TABLE_RE = re.compile(r"^TABLE\s+([1-4])\s*[–—-]", re.IGNORECASE)
_ANNEX_RE = re.compile(r"^ANNEX\s+(\d)\b", re.IGNORECASE)
_HEADER_RE = re.compile(r"^Date\t", re.IGNORECASE)
_LOOKS_LIKE_DATE_RE = re.compile(r"^\d{1,2}\b")
_PARENTHETICAL_RE = re.compile(r"\(([^()]*)\)")


def parse_participants(topic: str) -> tuple[int | None, int | None, int | None]:
    """(total, male, female) from the topic's parenthetical: "(370 participants; 216 male 154 female)",
    "(400 participants)", "(31 participants; 20 male/11female)"; None where not given."""
    for inside in _PARENTHETICAL_RE.findall(topic):
        total = re.search(r"(\d[\d,]*)\s+participants?\b", inside, re.IGNORECASE)
        male = re.search(r"(\d[\d,]*)\s*male\b", inside, re.IGNORECASE)
        female = re.search(r"(\d[\d,]*)\s*female\b", inside, re.IGNORECASE)
        if total or (male and female):
            return tuple(  # type: ignore[return-value]
                int(found[1].replace(",", "")) if found else None for found in (total, male, female)
            )
    return None, None, None


# Names printed with a comma inside them: they are one organization, not two.
_NAMES_WITH_COMMAS = [
    "Centro de Planeación, Análisis e Información para el Combate a la Delincuencia de la Procuraduría General "
    "de la República",
]
_LEGAL_SUFFIX_RE = re.compile(r"^(A\.?\s?C\.?|I\.?\s?A\.?\s?P\.?|S\.?\s?C\.?)$", re.IGNORECASE)
_ACRONYM_RE = re.compile(r"^[A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑa-z&.\-]{1,14}$")


def _looks_like_acronym(text: str) -> bool:
    return bool(_ACRONYM_RE.match(text)) and sum(1 for char in text if char.isupper()) >= 2 and " " not in text


def split_organizations(cell: str) -> list[ParsedOrganization]:
    """The organizations a row names: split on commas and "and", keeping "X, A.C." and known comma names whole;
    "Name (ACRONYM)" and "ACRONYM (Name)" give a name and an acronym."""
    text = " ".join(cell.split())
    protected: dict[str, str] = {}
    for number, name in enumerate(_NAMES_WITH_COMMAS):
        if name in text:
            token = f"\x00{number}\x00"
            protected[token] = name
            text = text.replace(name, token)
    # Commas and "and" outside parentheses separate organizations.
    pieces: list[str] = []
    depth, current = 0, ""
    index = 0
    while index < len(text):
        char = text[index]
        depth += char == "("
        depth -= char == ")"
        if depth == 0 and char == ",":
            pieces.append(current)
            current = ""
        elif depth == 0 and text.startswith(" and ", index):
            pieces.append(current)
            current = ""
            index += len(" and ") - 1
        else:
            current += char
        index += 1
    pieces.append(current)

    names: list[str] = []
    for piece in (piece.strip() for piece in pieces):
        if not piece:
            continue
        if _LEGAL_SUFFIX_RE.match(piece) and names:
            names[-1] = f"{names[-1]}, {piece}"
            continue
        piece = re.sub(r"^(and|the)\s+", "", piece, flags=re.IGNORECASE)
        names.append(piece)

    organizations = []
    for name in names:
        for token, original in protected.items():
            name = name.replace(token, original)
        match = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", name)
        if match and _looks_like_acronym(match[2].strip()):
            organizations.append(ParsedOrganization(match[1].strip(), match[2].strip()))
        elif match and _looks_like_acronym(match[1].strip()):
            organizations.append(ParsedOrganization(match[2].strip(), match[1].strip()))
        else:
            organizations.append(ParsedOrganization(name))
    return organizations


def parse_annex1(text: str, *, year: int) -> ParseResult:
    """Read the four Annex 1 tables of a report; nothing is written."""
    result = ParseResult()
    table: int | None = None
    subheading = ""
    seen_keys: Counter[str] = Counter()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if _ANNEX_RE.match(line) and not line.upper().startswith("ANNEX 1"):
            table = None
            continue
        table_match = _TABLE_RE.match(line)
        if table_match:
            table, subheading = int(table_match[1]), ""
            continue
        if table is None:
            continue
        if _HEADER_RE.match(line):
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) == 1 and not _LOOKS_LIKE_DATE_RE.match(cells[0]):
            subheading = cells[0]
            continue
        _parse_row(
            result,
            line_number=number,
            table=table,
            cells=cells,
            line=line,
            year=year,
            subheading=subheading,
            seen_keys=seen_keys,
        )
    return result


def _parse_row(
    result: ParseResult,
    *,
    line_number: int,
    table: int,
    cells: list[str],
    line: str,
    year: int,
    subheading: str,
    seen_keys: Counter[str],
) -> None:
    cells = [*cells, *[""] * (4 - len(cells))] if len(cells) >= 3 else cells
    if len(cells) != 4:
        expected = "expected 4 tab-separated columns (date, organizations, topic, state)"
        result.problems.append(Problem(line_number, f"{expected}, found {len(cells)}"))
        return
    date_text, organizations_text, topic, state_text = cells
    try:
        start, end, days = parse_annex1_date(date_text, year=year)
    except DateNotUnderstood as exc:
        result.problems.append(Problem(line_number, str(exc)))
        return
    if not topic:
        result.problems.append(Problem(line_number, "the topic/activity is empty"))
        return
    state = ""
    if state_text:
        state = state_code(state_text) or ""
        if not state:
            result.problems.append(Problem(line_number, f"state {state_text!r} is not a Mexican state"))
            return
    else:
        result.warnings.append(Problem(line_number, "no state printed; loaded without a state"))

    total, male, female = parse_participants(topic)
    if total is not None and male is not None and female is not None and male + female > total:
        message = f"{male} male + {female} female is more than {total} participants"
        result.warnings.append(Problem(line_number, f"{message}; loaded the total without the split by sex"))
        male = female = None
    elif total is None and (male is None) != (female is None):
        result.warnings.append(Problem(line_number, "only one sex counted and no total; participants left out"))
        male = female = None

    normalized = " ".join(line.split())
    base = f"{year}|{table}|{normalized}"
    seen_keys[base] += 1
    import_key = hashlib.sha256(f"{base}|{seen_keys[base]}".encode()).hexdigest()
    result.rows.append(
        ParsedRow(
            line=line_number,
            table=table,
            start_date=start,
            end_date=end,
            dates=days,
            participants_description=organizations_text,
            topic=topic,
            state=state,
            organizations=split_organizations(organizations_text) if organizations_text else [],
            participants_total=total,
            participants_male=male,
            participants_female=female,
            subheading=subheading,
            import_key=import_key,
        )
    )


def _organization_for(
    parsed: ParsedOrganization, known: dict[str, Organization], result: ImportResult, actor: User | None
) -> Organization:
    key = parsed.name.casefold()
    if key not in known:
        known[key] = services.organization_create(
            actor=actor, data={"name": parsed.name, "acronym": parsed.acronym}, channel="import"
        )
        result.organizations_created += 1
    return known[key]


def import_annex1_text(text: str, *, year: int, actor: User | None = None) -> ImportResult:
    """Load the meetings of the four tables. Rows already loaded (same key) are left as they are."""
    result = ImportResult(parsed=parse_annex1(text, year=year))
    with transaction.atomic():
        existing = set(
            Meeting.objects.filter(import_key__in=[row.import_key for row in result.parsed.rows]).values_list(
                "import_key", flat=True
            )
        )
        known = {organization.name.casefold(): organization for organization in Organization.objects.all()}
        for row in result.parsed.rows:
            if row.import_key in existing:
                result.unchanged += 1
                continue
            organizations = [_organization_for(parsed, known, result, actor) for parsed in row.organizations]
            try:
                with transaction.atomic():
                    services.meeting_create(
                        actor=actor,
                        data=row.data,
                        organizations=organizations,
                        import_key=row.import_key,
                        channel="import",
                    )
            except ValidationError as exc:
                messages = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in exc.message_dict.items())
                result.parsed.problems.append(Problem(row.line, messages))
                continue
            result.created += 1
    result.parsed.problems.sort(key=lambda problem: problem.line)
    return result


def import_annex1_file(path: Path | str, *, year: int, actor: User | None = None) -> ImportResult:
    return import_annex1_text(Path(path).read_text(encoding="utf-8"), year=year, actor=actor)
