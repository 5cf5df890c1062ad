"""Bringing a shelter's existing case records in from Excel, and taking its own records out to Excel.

The import reads the template's columns (Spanish headers, Spanish choice labels), turns each row into the data a
case record takes, and hands every row to `services.victim_create`, the same door as the pages, the API and
admin: the same rules, month locks and audit entries. All rows are saved or none: one transaction, rolled
back on any error, and always rolled back on a dry run, which therefore checks exactly what a real import
would (rules, locks, links between rows).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from . import services
from .audit import audit_views
from .exceptions import MonthLocked
from .models import (
    CaseRecord,
    ExitReason,
    ExploitationType,
    FollowUp,
    LegalAction,
    Referral,
    Service,
    Sex,
    Shelter,
    User,
    Victim,
    VictimRole,
)

# Each row goes through victim_create (a handful of queries): 2,000 rows take about 10 s on the 2-core
# development machine, inside a web request's time limit.
MAX_ROWS = 2000
MAX_FILE_BYTES = 5 * 1024 * 1024
SHEET_TITLE = "Casos"
EXPORT_CHANNEL = "export"
IMPORT_CHANNEL = "import"


def fold(text: Any) -> str:
    """Lower case, no accents, single spaces: "Sí" and "si", "Explotación  sexual" and "explotacion sexual" match."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return " ".join("".join(char for char in decomposed if not unicodedata.combining(char)).split())


class CellError(ValueError):
    """A cell that cannot be read; its message says what the column takes."""


# --- Reading cells ----------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(_("Give a date as DD/MM/YYYY."))


def _year(value: Any) -> int | None:
    text = _text(value)
    if not text:
        return None
    if not text.isdigit() or len(text) != 4:
        raise CellError(_("Give a year of four digits."))
    return int(text)


def _choice(choices: Iterable[tuple[str, Any]], *, blank: str | None = None) -> Callable[[Any], str]:
    """A choice by its Spanish or English label, or by its key."""
    names: dict[str, str] = {}
    for key, label in choices:
        names[fold(key)] = key
        for language in ("es", "en"):
            with translation.override(language):
                names[fold(label)] = key

    def read(value: Any) -> str:
        text = fold(_text(value))
        if not text:
            if blank is None:
                raise CellError(_("This column is required."))
            return blank
        if text not in names:
            raise CellError(_("Not one of the choices: %(choices)s.") % {"choices": ", ".join(_labels(choices))})
        return names[text]

    return read


def _labels(choices: Iterable[tuple[str, Any]]) -> list[str]:
    with translation.override("es"):
        return [str(label) for _key, label in choices]


def _yes_no(value: Any) -> bool:
    text = fold(_text(value))
    if text in ("", "no", "0", "false", "falso"):
        return False
    if text in ("si", "yes", "1", "true", "verdadero", "x"):
        return True
    raise CellError(_("Write sí or no."))


_exploitation = _choice(ExploitationType.choices)


def _exploitation_types(value: Any) -> list[str]:
    text = _text(value)
    return sorted({_exploitation(part) for part in text.replace(";", ",").split(",") if part.strip()})


def _country(value: Any) -> str:
    text = _text(value)
    if not text:
        return ""
    if len(text) == 2 and text.upper() in dict(countries):
        return text.upper()
    wanted = fold(text)
    for language in ("es", "en"):
        with translation.override(language):
            for code, name in countries:
                if fold(name) == wanted:
                    return code
    raise CellError(_("Give the country's name or its two-letter code (MX)."))


def _name(value: Any) -> str:
    text = _text(value)
    if len(text) > 100:
        raise CellError(_("At most 100 characters."))
    return text


def _notes(value: Any) -> str:
    text = _text(value)
    if len(text) > 5000:
        raise CellError(_("At most 5,000 characters."))
    return text


@dataclass(frozen=True)
class Column:
    header: str  # Spanish, as the template prints it
    field: str  # the Victim field it fills ("" for the link to the primary victim)
    read: Callable[[Any], Any]
    help: str


# The template's columns, in order. The headers stay in Spanish whatever the page's language: the template is
# the shelter's paperwork, filled in Spanish.
COLUMNS: list[Column] = [
    Column("Nombre", "given_name", _name, "Nombre(s) de la víctima."),
    Column("Apellidos", "family_name", _name, "Apellidos."),
    Column(
        "Sexo",
        "sex",
        _choice(Sex.choices, blank=Sex.UNKNOWN),
        "Una de las opciones de abajo; vacío: desconocido.",
    ),
    Column("Año de nacimiento", "birth_year", _year, "Cuatro cifras, p. ej. 1990."),
    Column("Nacionalidad", "nationality", _country, "Nombre del país o código de dos letras (MX)."),
    Column("Fecha de ingreso", "intake_date", _date, "Obligatoria. DD/MM/AAAA."),
    Column("Víctima de trata", "tip_victim", _yes_no, "Sí o No."),
    Column(
        "Tipos de explotación",
        "exploitation_types",
        _exploitation_types,
        "Solo víctimas de trata: una o varias de las opciones de abajo, separadas por comas.",
    ),
    Column("Fecha de egreso", "exit_date", _date, "DD/MM/AAAA, vacía si sigue en el albergue."),
    Column(
        "Motivo de egreso",
        "exit_reason",
        _choice(ExitReason.choices, blank=""),
        "Una de las opciones de abajo, con la fecha de egreso.",
    ),
    Column("Notas", "notes", _notes, "Texto libre."),
    Column(
        "Víctima principal",
        "",
        _text,
        "Solo para hijas e hijos que llegaron con ella: el número de fila de la víctima principal en esta hoja, "
        "o su código de caso si ya está registrada.",
    ),
]
PRIMARY_COLUMN = COLUMNS[-1]
HEADER_BY_FIELD = {column.field: column.header for column in COLUMNS if column.field}
# A secondary victim's own rules name this field; its column is the link's.
HEADER_BY_FIELD["primary_victim"] = PRIMARY_COLUMN.header
HEADER_BY_FIELD["role"] = PRIMARY_COLUMN.header


# --- The template and the export --------------------------------------------------------------------------------


def _write_row(sheet: Any, row: int, values: list[Any]) -> None:
    for index, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=index, value=value)
        # A name or note that starts like a formula ("=HYPERLINK(...)") is text, never something Excel runs.
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
            cell.data_type = "s"


def _header(sheet: Any, headers: list[str]) -> None:
    _write_row(sheet, 1, headers)
    for index in range(1, len(headers) + 1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(headers[index - 1]) + 4)
    sheet.freeze_panes = "A2"


def template_xlsx() -> bytes:
    """The empty template, in Spanish: the cases sheet and a sheet of instructions and allowed values."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    _header(sheet, [column.header for column in COLUMNS])
    guide = book.create_sheet("Instrucciones")
    _header(guide, ["Columna", "Qué escribir"])
    for row, column in enumerate(COLUMNS, start=2):
        _write_row(guide, row, [column.header, column.help])
    row = len(COLUMNS) + 3
    for title, choices in (
        ("Sexo", Sex.choices),
        ("Tipos de explotación", ExploitationType.choices),
        ("Motivo de egreso", ExitReason.choices),
    ):
        _write_row(guide, row, [title, ", ".join(_labels(choices))])
        row += 1
    _write_row(guide, row + 1, ["", "Una fila por víctima. Se guardan todas las filas o ninguna."])
    return _save(book)


def _save(book: Workbook) -> bytes:
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _display(record: CaseRecord, name: str) -> Any:
    value = getattr(record, name)
    display = getattr(record, f"get_{name}_display", None)
    if display is not None and value not in (None, ""):
        return str(display())
    if isinstance(value, bool):
        return "Sí" if value else "No"
    if name == "nationality":
        return value.name if value else ""
    if name == "exploitation_types":
        labels = dict(ExploitationType.choices)
        return ", ".join(str(labels.get(key, key)) for key in value)
    return "" if value is None else value


# The other records' sheets: (sheet title, model, fields after the case code).
RECORD_SHEETS: list[tuple[str, type[CaseRecord], list[str]]] = [
    ("Servicios", Service, ["date", "category", "notes"]),
    ("Canalizaciones", Referral, ["date", "kind", "institution", "reason"]),
    ("Acciones legales", LegalAction, ["date", "kind", "crime", "reference", "notes"]),
    ("Seguimientos", FollowUp, ["date", "method", "notes"]),
]


def export_xlsx(*, actor: User, shelter: Shelter, victims: Any, records: Callable[[type[CaseRecord]], Any]) -> bytes:
    """The shelter's own case records in the template's layout (with their case codes), one sheet per kind.

    `victims` and `records(model)` are the caller's querysets from `shelters.selectors`, so the export holds
    only what the actor may see. Every record whose personal fields it holds is audited as a view, on the
    "export" channel.
    """
    with translation.override("es"):
        book = Workbook()
        sheet = book.active
        sheet.title = SHEET_TITLE
        _header(sheet, ["Código de caso", *(column.header for column in COLUMNS)])
        shown: list[CaseRecord] = []
        rows = victims.filter(shelter=shelter).select_related("primary_victim").order_by("case_code")
        for row, victim in enumerate(rows.iterator(chunk_size=1000), start=2):
            values = [victim.case_code, *(_display(victim, column.field) for column in COLUMNS if column.field)]
            values.append(victim.primary_victim.case_code if victim.primary_victim_id else "")
            _write_row(sheet, row, values)
            shown.append(victim)
        for title, model, names in RECORD_SHEETS:
            part = book.create_sheet(title)
            _header(part, ["Código de caso", *(str(model._meta.get_field(name).verbose_name) for name in names)])
            queryset = records(model).filter(shelter=shelter).select_related("victim").order_by("victim__case_code")
            for row, record in enumerate(queryset.order_by("victim__case_code", "date").iterator(chunk_size=1000), 2):
                _write_row(part, row, [record.victim.case_code, *(_display(record, name) for name in names)])
                if any(getattr(record, name) for name in record.personal_fields):
                    shown.append(record)
        audit_views(actor=actor, records=shown, channel=EXPORT_CHANNEL)
        return _save(book)


# --- The import -------------------------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int  # the spreadsheet's row number (the header is row 1)
    column: str  # the column's header, or "" for the row as a whole
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    saved: bool = False
    errors: list[RowError] = field(default_factory=list)
    case_codes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRefused(Exception):
    """The file itself cannot be read (not Excel, wrong columns, too many rows); nothing was saved."""


def read_rows(upload: Any) -> list[tuple[int, dict[str, Any]]]:
    """The template's rows as (row number, {header: raw value}); blank rows skipped."""
    if getattr(upload, "size", 0) > MAX_FILE_BYTES:
        raise ImportRefused(_("The file is larger than 5 MB."))
    try:
        book = load_workbook(upload, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportRefused(_("This is not an Excel file (.xlsx). Download the template and fill it in.")) from error
    try:
        sheet = book[SHEET_TITLE] if SHEET_TITLE in book.sheetnames else book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = [fold(_text(value)) for value in next(lines, ())]
        positions = {}
        for column in COLUMNS:
            if fold(column.header) in header:
                positions[column.header] = header.index(fold(column.header))
        missing = [column.header for column in COLUMNS if column.header not in positions]
        if missing:
            raise ImportRefused(
                _("The first row must hold the template's headers; missing: %(columns)s.")
                % {"columns": ", ".join(missing)}
            )
        rows = []
        for number, values in enumerate(lines, start=2):
            cells = {header: values[index] if index < len(values) else None for header, index in positions.items()}
            if all(_text(value) == "" for value in cells.values()):
                continue
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise ImportRefused(_("At most %(count)d rows at once.") % {"count": MAX_ROWS})
        return rows
    finally:
        book.close()


def import_victims(
    *, actor: User, shelter: Shelter, rows: list[tuple[int, dict[str, Any]]], dry_run: bool
) -> ImportResult:
    """Check every row and, unless `dry_run` or any row fails, save them all; otherwise save none."""
    result = ImportResult(rows=len(rows))
    parsed: list[tuple[int, dict[str, Any], str]] = []
    for number, cells in rows:
        data: dict[str, Any] = {}
        for column in COLUMNS:
            try:
                value = column.read(cells.get(column.header))
            except CellError as error:
                result.errors.append(RowError(number, column.header, str(error)))
                continue
            if column.field:
                data[column.field] = value
        parsed.append((number, data, _text(cells.get(PRIMARY_COLUMN.header))))
    row_numbers = {number for number, _data, _link in parsed}

    with transaction.atomic():
        created: dict[int, Victim] = {}
        # Primary victims first, so that the children's rows can name theirs by row number.
        for number, data, link in sorted(parsed, key=lambda item: (bool(item[2]), item[0])):
            failed_rows = {error.row for error in result.errors}
            if number in failed_rows:
                continue
            if link:
                primary = _primary_of(link, shelter=shelter, created=created, rows=row_numbers, failed=failed_rows)
                if isinstance(primary, str):
                    if primary:
                        result.errors.append(RowError(number, PRIMARY_COLUMN.header, primary))
                    continue
                data = {**data, "role": VictimRole.SECONDARY, "primary_victim": primary}
            try:
                created[number] = services.victim_create(
                    actor=actor, shelter=shelter, data=data, channel=IMPORT_CHANNEL
                )
            except ValidationError as error:
                by_field = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
                for name, messages in by_field.items():
                    for message in messages:
                        result.errors.append(RowError(number, HEADER_BY_FIELD.get(name, ""), message))
            except MonthLocked as error:
                months = ", ".join(f"{month:%Y-%m}" for month in error.months)
                result.errors.append(
                    RowError(number, "", _("The month %(months)s is locked: it was reviewed.") % {"months": months})
                )
        result.errors.sort(key=lambda error: (error.row, _column_index(error.column)))
        if dry_run or result.errors:
            transaction.set_rollback(True)
        else:
            result.saved = True
            result.case_codes = [created[number].case_code for number in sorted(created)]
    return result


def _primary_of(
    link: str, *, shelter: Shelter, created: dict[int, Victim], rows: set[int], failed: set[int]
) -> Victim | str:
    """The primary victim a child's row names (a row of this sheet or a case code), or why it cannot be used.

    An empty reason means the row named has errors of its own, already listed.
    """
    if link.isdigit():
        number = int(link)
        if number in created:
            return created[number]
        if number in failed:
            return ""
        if number in rows:
            return _("Row %(row)s is not a primary victim of this sheet.") % {"row": number}
        return _("There is no row %(row)s in this sheet.") % {"row": number}
    victim = Victim.objects.filter(shelter=shelter, case_code__iexact=link, role=VictimRole.PRIMARY).first()
    if victim is None:
        return _("No primary victim of this shelter has the case code %(code)s.") % {"code": link}
    return victim


def _column_index(header: str) -> int:
    for index, column in enumerate(COLUMNS):
        if column.header == header:
            return index
    return -1


def column_letter(header: str) -> str:
    index = _column_index(header)
    return get_column_letter(index + 1) if index >= 0 else ""
