"""What partners read of Annex 2: the tables, the national table and the stored values with small counts
hidden (`indicators.suppression`), from the database.

Every partner-facing answer goes through here: the shelter table and its files, the value list, the
quarterly report in every format, and the national table (`partner_tables([national_table])`).
Program staff and shelter staff are never passed through it: they read exact numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from shelters.models import Role, User

from . import suppression
from .models import IndicatorValue, Source


def reads_suppressed(user: User) -> bool:
    """Partners read every table with small counts hidden; everyone else who may read a table, exact ones."""
    return bool(user.is_authenticated and user.role == Role.PARTNER)


def suppression_k() -> int:
    return int(settings.SUPPRESSION_K)


def _label(month: date) -> str:
    return f"{month:%Y-%m}"


def shown_values_in_months(months: Iterable[date]) -> dict[str, dict[str, dict[str, int | None]]]:
    """Every shelter's shown cell in each month: month label -> shelter slug -> row key -> value. One query.

    As in the tables, an imported value is shown where one exists, else the computed one.
    """
    wanted = sorted({month.replace(day=1) for month in months})
    universe: dict[str, dict[str, dict[str, int | None]]] = {_label(month): {} for month in wanted}
    if not wanted:
        return universe
    stored = (
        IndicatorValue.objects.filter(month__in=wanted)
        .order_by()
        .values_list("month", "shelter__slug", "indicator", "value", "source")
    )
    imported: set[tuple[str, str, str]] = set()
    for month, slug, key, value, source in stored:
        cells = universe[_label(month)].setdefault(slug, {})
        cell = (_label(month), slug, key)
        if source == Source.IMPORTED:
            cells[key] = value
            imported.add(cell)
        elif cell not in imported:
            cells[key] = value
    return universe


def hidden_in_months(months: Iterable[date]) -> set[suppression.Cell]:
    """The hidden cells `(shelter slug or None, row key, "YYYY-MM")` of these months. One query."""
    return suppression.hidden_in_months(shown_values_in_months(months), suppression_k())


def partner_tables(tables: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Annex 2 tables (`build_annex2_table`'s shape; `"shelter": None` for the national one) as partners see
    them: one query for every shelter's values in the tables' months, whatever the number of tables."""
    months = {date(int(label[:4]), int(label[5:7]), 1) for table in tables for label in table["months"]}
    hidden = hidden_in_months(months)
    k = suppression_k()
    shown = []
    for table in tables:
        suppressed = suppression.suppress_table(table, hidden=hidden, k=k)
        suppressed["checks"] = _checks_without_hidden_counts(suppressed)
        _flags_without_hidden_cells(suppressed)
        shown.append(suppressed)
    return shown


# A failed inequality says which side is larger: beside a hidden cell, that bounds it.
INEQUALITY_CHECKS = frozenset(
    {
        "tip_victims_within_victims",
        "new_victims_within_victims",
        "tip_crime_within_tip_victims",
        "tip_crimes_cover_tip_victims",
    }
)


def _checks_without_hidden_counts(table: dict[str, Any]) -> list[dict[str, Any]]:
    """The failed checks partners read: one that names a hidden cell's row says nothing of its numbers
    ("origins sum to 2 but...") and, if it is an inequality (which would bound the hidden cell), is left out."""
    checks = []
    with translation.override(table.get("language", "en")):
        for failure in table.get("checks", []):
            if set(failure["rows"]) & suppression.hidden_rows_of(table, failure["month"]):
                if failure["check"] in INEQUALITY_CHECKS:
                    continue
                failure = {
                    **failure,
                    "message": gettext("This check fails; its counts are too small to show to partners."),
                }
            checks.append(failure)
    return checks


def _flags_without_hidden_cells(table: dict[str, Any]) -> None:
    """A hidden cell is flagged neither `failing` nor `differs`, and a cell is flagged `failing` only for a
    check partners read (a flag left by a check left out would say that check fails)."""
    months = list(table["months"])
    failing: set[tuple[str, str]] = {
        (key, failure["month"]) for failure in table["checks"] if failure["month"] for key in failure["rows"]
    }
    for row in table["rows"]:
        hidden = row["suppressed"]
        if "failing" in row:
            row["failing"] = [
                (row["key"], month) in failing and not suppressed
                for month, suppressed in zip(months, hidden, strict=True)
            ]
        if "differs" in row:
            row["differs"] = [flag and not suppressed for flag, suppressed in zip(row["differs"], hidden, strict=True)]


def suppression_note(k: int, language: str = "en") -> str:
    """What a file says about its hidden cells, in the file's language."""
    with translation.override(language):
        return gettext(
            "Counts from 1 to %(largest)d are shown as “%(mark)s”, and some other cells are hidden with them "
            "(also shown as “%(mark)s”) so that no hidden count can be worked out from a total or a sum: in a "
            "shelter of a few dozen people, a small count can point at one person. 0 is shown; an empty cell "
            "is a month with no value."
        ) % {"largest": k - 1, "mark": suppression.mark(k)}
