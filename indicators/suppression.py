"""Small counts hidden from partners (api-v1.md, "What partners see"), as plain functions over plain data.

A count from 1 to k - 1 could point at one person in a shelter of a few dozen (the
one woman who pressed charges in October), so partners never read one: it is a
*primary* suppressed cell. 0 is shown, as statistical agencies do: it points at
nobody. Hiding the small cells alone is not enough, since the tables publish sums:
a row's TOTAL, the total rows (`total_victims_served = victims_served +
secondary_victims_served`...), the origins that add up to the TIP victims, and the
national table that adds every shelter's cell of a row and month. A published sum
with exactly one hidden cell gives that cell away, so more cells are hidden with it
(*complementary* cells) until no published equation has exactly one hidden cell.

The equations are arranged so that the hiding can be decided month by month:

- Within a month, every shelter's cells and the national sums form one system:
  the total rows and the origin check in each shelter and in the national table,
  and national = the sum of the shelters for each row. `hidden_in_month` solves it.
  It depends only on that month's values, so a month is hidden alike in every
  table, file, range and value list that shows it (and an approved month, which
  never changes, is hidden alike for ever): two answers cannot be set side by side
  to work a cell out.
- A TOTAL (a sum over the months asked for) is hidden exactly when one of its
  months is. Then every sum of TOTALs has two hidden TOTALs or none, because the
  month that hides one hides a second cell of the same equation in that month.
- A distinct-people total is hidden on the same rule, and when it is itself a
  small count; `hidden_cells` then completes the distinct totals' own sums.

`hidden_cells` is the algorithm and knows nothing of Annex 2: cells are any
hashable names, equations are sets of cells whose values are bound by one linear
relation (a sum), and it returns the hidden cells.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from typing import Any

from .catalogue import INDICATORS

Cell = Hashable

# The published sums of one table's column (a month, or the TOTAL and distinct totals): each total row
# and its parts, and the origins that must add up to the TIP victims (annex2-indicators.md, the checks).
ORIGIN_KEYS = tuple(indicator.key for indicator in INDICATORS if indicator.section == "national_origin")
ROW_SUMS: tuple[tuple[str, ...], ...] = (
    *((indicator.key, *indicator.parts) for indicator in INDICATORS if indicator.is_total),
    ("tip_victims_served", *ORIGIN_KEYS),
)
ROW_KEYS = tuple(indicator.key for indicator in INDICATORS)
PEOPLE_KEYS = frozenset(indicator.key for indicator in INDICATORS if indicator.people)
# The national table's name in the cells (a shelter's is its slug).
NATIONAL = None


def is_small(value: int | None, k: int) -> bool:
    """A count partners may not read: 1 to k - 1. Missing (None) and 0 are not small."""
    return value is not None and 1 <= value < k


def mark(k: int) -> str:
    """How files show a hidden cell, apart from a missing one (blank)."""
    return f"<{k}"


def hidden_cells(
    *,
    values: Mapping[Cell, int | None],
    equations: Iterable[Collection[Cell]],
    k: int,
    also_hidden: Iterable[Cell] = (),
    keep_shown: Collection[Cell] = (),
) -> set[Cell]:
    """The cells to hide so that no small count (1..k-1) is shown nor is the only hidden cell of an equation.

    `values` is every published cell (None: missing, shown as missing, and bound by no equation);
    `equations` the sets of cells bound by a published sum; `also_hidden` cells hidden for a reason of
    the caller's; `keep_shown` cells are taken as complementary cells only when an equation has no
    other (a cell that other published figures give away protects nothing).

    Complementary cells are taken from an equation with a single hidden cell, the smallest value
    first (0s included: hiding a 0 costs the reader least, and means a hidden cell may be 0, so that
    two hidden cells summing to 2 are not both known to be 1), ties broken by the order of `values`,
    so that the same input always gives the same cells.
    """
    order = {cell: position for position, cell in enumerate(values)}
    present = {cell: value for cell, value in values.items() if value is not None}
    hidden = {cell for cell, value in present.items() if is_small(value, k)}
    hidden.update(cell for cell in also_hidden if cell in present)

    # A missing cell adds nothing to a sum: it drops out of the equation (the TOTAL adds the months that
    # have a value). An equation left with one cell tells nothing more than the table shows.
    bound: list[tuple[Cell, ...]] = []
    for equation in equations:
        cells = tuple(dict.fromkeys(cell for cell in equation if cell in present))
        if len(cells) >= 2:
            bound.append(cells)
    equations_of: dict[Cell, list[int]] = defaultdict(list)
    for index, cells in enumerate(bound):
        for cell in cells:
            equations_of[cell].append(index)

    pending = deque(range(len(bound)))
    queued = set(pending)
    while pending:
        index = pending.popleft()
        queued.discard(index)
        cells = bound[index]
        if sum(cell in hidden for cell in cells) != 1:
            continue
        candidates = [cell for cell in cells if cell not in hidden and cell not in keep_shown]
        candidates = candidates or [cell for cell in cells if cell not in hidden]
        complement = min(candidates, key=lambda cell: (present[cell], order[cell]))
        hidden.add(complement)
        # Hiding it may leave another of its equations with a single hidden cell.
        for other in equations_of[complement]:
            if other not in queued:
                queued.add(other)
                pending.append(other)
    return hidden


def month_equations(shelters: Sequence[str], month: str) -> list[tuple[Cell, ...]]:
    """The published sums of one month: each table's column sums and, per row, national = sum of shelters."""
    tables = [*shelters, NATIONAL]
    equations: list[tuple[Cell, ...]] = [
        tuple((table, key, month) for key in row_sum) for table in tables for row_sum in ROW_SUMS
    ]
    equations.extend(((NATIONAL, key, month), *((shelter, key, month) for shelter in shelters)) for key in ROW_KEYS)
    return equations


def national_cells(month_values: Mapping[str, Mapping[str, int | None]]) -> dict[str, int | None]:
    """The national table's cells of a month: the sum of the shelters that have a value; None if none has."""
    cells: dict[str, int | None] = {}
    for key in ROW_KEYS:
        present = [row[key] for row in month_values.values() if row.get(key) is not None]
        cells[key] = sum(present) if present else None  # type: ignore[arg-type]
    return cells


def hidden_in_month(month: str, month_values: Mapping[str, Mapping[str, int | None]], k: int) -> set[Cell]:
    """The hidden cells `(shelter slug or NATIONAL, row key, month)` of one month.

    `month_values` maps every shelter's slug to its shown cells that month (row key -> value,
    None or absent when missing), whichever tables are being answered: the national table and
    every shelter's table are published, so they are all in the system.
    """
    shelters = sorted(month_values)
    values: dict[Cell, int | None] = {}
    for shelter in shelters:
        for key in ROW_KEYS:
            values[(shelter, key, month)] = month_values[shelter].get(key)
    for key, value in national_cells(month_values).items():
        values[(NATIONAL, key, month)] = value
    return hidden_cells(values=values, equations=month_equations(shelters, month), k=k)


def hidden_in_months(universe: Mapping[str, Mapping[str, Mapping[str, int | None]]], k: int) -> set[Cell]:
    """`hidden_in_month` for each month of `universe` (month -> shelter slug -> row key -> value)."""
    hidden: set[Cell] = set()
    for month, month_values in universe.items():
        hidden |= hidden_in_month(month, month_values, k)
    return hidden


def suppress_table(table: Mapping[str, Any], *, hidden: Collection[Cell], k: int) -> dict[str, Any]:
    """A table as partners see it, given the hidden month cells (`hidden_in_months` over its months).

    Takes and gives the shape of `indicators.tables.build_annex2_table` (`"shelter": None` for the
    national table): hidden cells become None with True at their place in `"suppressed"`; the
    TOTAL and the distinct total likewise (`"total_suppressed"`, `"distinct_total_suppressed"`);
    the computed values kept beside imported ones are not shown at all. The table carries
    `"suppression": {"k": k}` so that its files can mark the hidden cells and say why.
    """
    shelter = table["shelter"]
    months = list(table["months"])
    rows = []
    distinct: dict[Cell, int | None] = {}
    distinct_forced: set[Cell] = set()
    distinct_settled: set[Cell] = set()
    for source_row in table["rows"]:
        key = source_row["key"]
        values, flags = [], []
        for month, value in zip(months, source_row["values"], strict=True):
            # A small count is hidden even if the caller's month system did not see it.
            suppressed = value is not None and ((shelter, key, month) in hidden or is_small(value, k))
            values.append(None if suppressed else value)
            flags.append(suppressed)
        total = source_row.get("total")
        total_suppressed = total is not None and (any(flags) or is_small(total, k))
        row = {
            **source_row,
            "values": values,
            "suppressed": flags,
            "total": None if total_suppressed else total,
            "total_suppressed": total_suppressed,
            "computed_values": [None] * len(months),
        }
        if "distinct_total" in source_row:
            distinct[key] = source_row["distinct_total"]
            # Beside a hidden month the distinct total bounds it (it lies between the largest month and
            # the sum), and beside one nonzero month it equals it: hide it with the months.
            if any(flags):
                distinct_forced.add(key)
            # With every month but one shown as 0 (or missing), the distinct total is that month's count:
            # given away by the months, it cannot hide another distinct total.
            elif sum(1 for value in values if value) <= 1:
                distinct_settled.add(key)
        rows.append(row)

    if distinct:
        hidden_distinct = hidden_cells(
            values=distinct,
            equations=[row_sum for row_sum in ROW_SUMS if all(key in distinct for key in row_sum)],
            k=k,
            also_hidden=distinct_forced,
            keep_shown=distinct_settled,
        )
        for row in rows:
            if row["key"] in distinct:
                row["distinct_total_suppressed"] = row["key"] in hidden_distinct
                if row["distinct_total_suppressed"]:
                    row["distinct_total"] = None
    return {**table, "rows": rows, "suppression": {"k": k}}


def hidden_rows_of(table: Mapping[str, Any], month: str | None) -> set[str]:
    """The rows whose cell is hidden in a suppressed table's month (None: the TOTAL column)."""
    if month is None:
        return {row["key"] for row in table["rows"] if row.get("total_suppressed")}
    try:
        index = list(table["months"]).index(month)
    except ValueError:
        return set()
    return {row["key"] for row in table["rows"] if row.get("suppressed") and row["suppressed"][index]}
