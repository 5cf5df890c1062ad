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
The checks' inequalities (`tip_victims_served <= victims_served`, the TIP crimes
within and covering the TIP victims...) narrow hidden cells too, so each small
count's range, as a reader works it out from every relation and counts >= 0, must
still hold 0 and k; more cells are hidden until it does.

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
hashable names, equations are `(total, *parts)`, inequalities `(smaller, larger)`
sums, and it returns the hidden cells.
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
TIP_CRIME_KEYS = tuple(indicator.key for indicator in INDICATORS if indicator.section == "tip_crime")
# The checks' inequalities over one table's month, `(smaller, larger)`: sum(smaller) <= sum(larger).
ROW_INEQUALITIES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("tip_victims_served",), ("victims_served",)),
    (("new_victims",), ("victims_served",)),
    *(((key,), ("tip_victims_served",)) for key in TIP_CRIME_KEYS),
    (("tip_victims_served",), TIP_CRIME_KEYS),
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


Inequality = tuple[tuple[Cell, ...], tuple[Cell, ...]]
_INFINITY = float("inf")


def hidden_cells(
    *,
    values: Mapping[Cell, int | None],
    equations: Iterable[Sequence[Cell]],
    k: int,
    inequalities: Iterable[Inequality] = (),
    also_hidden: Iterable[Cell] = (),
    keep_shown: Collection[Cell] = (),
    settled: Collection[Cell] = (),
) -> set[Cell]:
    """The cells to hide so that no small count (1..k-1) is shown, nor worked out, nor bounded below k.

    `values` is every published cell (None: missing, shown as missing, and bound by nothing);
    `equations` the published sums, each `(total, *parts)`: total = the sum of the parts;
    `inequalities` pairs `(smaller, larger)`: the sum of `smaller` <= the sum of `larger` (a check
    the reader knows the table passes; only those that hold are used); and every count is >= 0.
    `also_hidden` cells are hidden for a reason of the caller's; `keep_shown` cells are taken as
    complementary cells only when there is no other (a cell that other published figures give
    away protects nothing); `settled` cells are never newly hidden (the months, whose hiding is
    decided before their distinct totals).

    Two steps, repeated until neither hides anything more:

    - No equation has a single hidden cell: from one that has, the smallest other value is hidden
      (0s included: hiding a 0 costs the reader least, and means a hidden cell may be 0, so that
      two hidden cells summing to 2 are not both known to be 1), ties broken by the order of `values`.
    - Every small hidden count could still be 0 or k (`is_protected`): the reader's range of each
      hidden cell is worked out from every equation and inequality at once (`cell_ranges`), and
      where a small count's range stops above 0 or below k (so the reader knows it is not 0, or
      that it is small, or what it is), a shown cell that the bound was worked out from is hidden,
      the smallest first.

    The same input always gives the same cells.
    """
    order = {cell: position for position, cell in enumerate(values)}
    present = {cell: value for cell, value in values.items() if value is not None}
    primary = {cell for cell, value in present.items() if is_small(value, k)}
    hidden = set(primary)
    hidden.update(cell for cell in also_hidden if cell in present)

    # A missing cell adds nothing to a sum: it drops out of the equation (the TOTAL adds the months that
    # have a value). An equation left with one cell tells nothing more than the table shows.
    bound: list[tuple[Cell, ...]] = []
    # The ranges are worked out from the sums that hold (the reader cannot rely on one that a failed check
    # or a missing total leaves open) and from the inequalities whose cells all have a value (a check with
    # a missing cell is not made, annex2-indicators.md).
    sums: list[tuple[Cell, ...]] = []
    for equation in equations:
        cells = tuple(dict.fromkeys(cell for cell in equation if cell in present))
        if len(cells) < 2:
            continue
        bound.append(cells)
        if cells[0] == equation[0] and present[cells[0]] == sum(present[cell] for cell in cells[1:]):
            sums.append(cells)
    relations = [
        (tuple(smaller), tuple(larger))
        for smaller, larger in inequalities
        if all(cell in present for cell in (*smaller, *larger))
        and sum(present[cell] for cell in smaller) <= sum(present[cell] for cell in larger)
    ]
    equations_of: dict[Cell, list[int]] = defaultdict(list)
    for index, cells in enumerate(bound):
        for cell in cells:
            equations_of[cell].append(index)

    def rank(cell: Cell) -> tuple[bool, int, int]:
        return (cell in keep_shown, present[cell], order[cell])

    def complete_equations(pending: deque[int]) -> None:
        queued = set(pending)
        while pending:
            index = pending.popleft()
            queued.discard(index)
            cells = bound[index]
            if sum(cell in hidden for cell in cells) != 1:
                continue
            candidates = [cell for cell in cells if cell not in hidden and cell not in settled]
            if not candidates:
                continue
            complement = min(candidates, key=rank)
            hidden.add(complement)
            # Hiding it may leave another of its equations with a single hidden cell.
            for other in equations_of[complement]:
                if other not in queued:
                    queued.add(other)
                    pending.append(other)

    complete_equations(deque(range(len(bound))))
    while True:
        ranges, reasons = cell_ranges(present, hidden, sums, relations)
        exposed = sorted((cell for cell in primary if not is_protected(ranges[cell], k)), key=order.__getitem__)
        if not exposed:
            return hidden
        low, high = ranges[exposed[0]]
        sides = [side for side, narrowed in ((0, low > 0), (1, high < k)) if narrowed]
        sources = [cell for cell in _shown_sources(exposed[0], sides, present, hidden, reasons) if cell not in settled]
        if not sources:
            # Only settled cells bound it (a finite bound comes from a shown value): hide all that may be.
            return hidden | {cell for cell in present if cell not in settled}
        complement = min(sources, key=rank)
        hidden.add(complement)
        complete_equations(deque(equations_of[complement]))


def cell_ranges(
    present: Mapping[Cell, int],
    hidden: Collection[Cell],
    equations: Sequence[Sequence[Cell]],
    inequalities: Sequence[Inequality],
) -> tuple[dict[Cell, list[float]], dict[tuple[Cell, int], tuple[tuple[Cell, int], ...]]]:
    """The range `[low, high]` a reader works out for each hidden cell from the shown ones, by bound
    propagation over the equations `(total, *parts)` and inequalities `(smaller, larger)`, counts >= 0.

    Also, for each bound that was narrowed (`(cell, 0)` low, `(cell, 1)` high), the bounds it was
    worked out from, to find the shown cells that a too narrow range comes from.
    """
    ranges: dict[Cell, list[float]] = {
        cell: ([0, _INFINITY] if cell in hidden else [value, value]) for cell, value in present.items()
    }
    reasons: dict[tuple[Cell, int], tuple[tuple[Cell, int], ...]] = {}
    # Every relation as "sum of `plus` <= sum of `minus`" (an equation is two of them).
    rules: list[tuple[tuple[Cell, ...], tuple[Cell, ...]]] = []
    for total, *parts in equations:
        rules.append(((total,), tuple(parts)))
        rules.append((tuple(parts), (total,)))
    rules.extend(inequalities)
    rules_of: dict[Cell, list[int]] = defaultdict(list)
    for index, (plus, minus) in enumerate(rules):
        for cell in (*plus, *minus):
            if cell in hidden:
                rules_of[cell].append(index)

    def narrow(cell: Cell, side: int, value: float, why: tuple[tuple[Cell, int], ...]) -> bool:
        low, high = ranges[cell]
        if (side == 1 and value < high) or (side == 0 and value > low):
            ranges[cell][side] = value
            reasons[(cell, side)] = why
            return True
        return False

    pending = deque(index for index, (plus, minus) in enumerate(rules) if any(c in hidden for c in (*plus, *minus)))
    queued = set(pending)
    # Bounds only narrow, by whole numbers, so this ends; the cap only guards against a slow crawl.
    steps = 0
    limit = 200 * (len(rules) + 1)
    while pending and steps < limit:
        steps += 1
        index = pending.popleft()
        queued.discard(index)
        plus, minus = rules[index]
        changed: list[Cell] = []
        # sum(plus) <= sum(minus): each plus cell <= sum(high of minus) - sum(low of other plus).
        for cell in plus:
            if cell not in hidden:
                continue
            why = (*((other, 1) for other in minus), *((other, 0) for other in plus if other != cell))
            value = sum(ranges[other][1] for other in minus) - sum(ranges[o][0] for o in plus if o != cell)
            if narrow(cell, 1, value, why):
                changed.append(cell)
        # Each minus cell >= sum(low of plus) - sum(high of other minus).
        for cell in minus:
            if cell not in hidden:
                continue
            why = (*((other, 0) for other in plus), *((other, 1) for other in minus if other != cell))
            value = sum(ranges[other][0] for other in plus) - sum(ranges[o][1] for o in minus if o != cell)
            if narrow(cell, 0, value, why):
                changed.append(cell)
        for cell in changed:
            for other in rules_of[cell]:
                if other not in queued:
                    queued.add(other)
                    pending.append(other)
    return ranges, reasons


def is_protected(cell_range: Sequence[float], k: int) -> bool:
    """A small hidden count is safe when the reader's range for it holds 0 and k: they cannot tell it from
    nothing nor from a count that would be shown, let alone work it out."""
    low, high = cell_range
    return low <= 0 and high >= k


def _shown_sources(
    cell: Cell,
    sides: Sequence[int],
    present: Mapping[Cell, int],
    hidden: Collection[Cell],
    reasons: Mapping[tuple[Cell, int], tuple[tuple[Cell, int], ...]],
) -> list[Cell]:
    """The shown cells that these bounds of `cell` (0 low, 1 high) were worked out from (a shown 0 used
    as a low bound is no source: hidden, it would still be at least 0)."""
    sources: list[Cell] = []
    seen = {(cell, side) for side in sides}
    pending = deque(seen)
    while pending:
        for source in reasons.get(pending.popleft(), ()):
            if source in seen:
                continue
            seen.add(source)
            other, side = source
            if other in hidden:
                pending.append(source)
            elif not (side == 0 and present[other] == 0) and other not in sources:
                sources.append(other)
    return sources


def month_equations(shelters: Sequence[str], month: str) -> list[tuple[Cell, ...]]:
    """The published sums of one month: each table's column sums and, per row, national = sum of shelters."""
    tables = [*shelters, NATIONAL]
    equations: list[tuple[Cell, ...]] = [
        tuple((table, key, month) for key in row_sum) for table in tables for row_sum in ROW_SUMS
    ]
    equations.extend(((NATIONAL, key, month), *((shelter, key, month) for shelter in shelters)) for key in ROW_KEYS)
    return equations


def month_inequalities(shelters: Sequence[str], month: str) -> list[Inequality]:
    """The checks' inequalities of one month, in each shelter's table and the national one."""
    return [
        (tuple((table, key, month) for key in smaller), tuple((table, key, month) for key in larger))
        for table in [*shelters, NATIONAL]
        for smaller, larger in ROW_INEQUALITIES
    ]


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
    return hidden_cells(
        values=values,
        equations=month_equations(shelters, month),
        inequalities=month_inequalities(shelters, month),
        k=k,
    )


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
        hidden_distinct = _hidden_distinct(table, rows, distinct, distinct_forced, distinct_settled, k)
        for row in rows:
            if row["key"] in distinct:
                row["distinct_total_suppressed"] = row["key"] in hidden_distinct
                if row["distinct_total_suppressed"]:
                    row["distinct_total"] = None
    return {**table, "rows": rows, "suppression": {"k": k}}


def _hidden_distinct(
    table: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    distinct: Mapping[str, int | None],
    forced: Collection[str],
    settled: Collection[str],
    k: int,
) -> set[str]:
    """The distinct totals to hide, in a system with the table's months and TOTALs (already decided).

    A distinct total lies between each of its months and its TOTAL, and the distinct totals add up as
    the rows do: shown beside hidden months, those relations could narrow a hidden month, so they are
    in the system, and only distinct totals are hidden to keep every small count's range wide.
    """
    months = list(table["months"])
    source_rows = {row["key"]: row for row in table["rows"]}
    values: dict[Cell, int | None] = {}
    hidden: set[Cell] = set()
    for row in rows:
        key = row["key"]
        exact = source_rows[key]["values"]
        for month, value, suppressed in zip(months, exact, row["suppressed"], strict=True):
            values[(key, month)] = value
            if suppressed:
                hidden.add((key, month))
        values[(key, "TOTAL")] = source_rows[key].get("total")
        if row["total_suppressed"]:
            hidden.add((key, "TOTAL"))
    for key, value in distinct.items():
        values[(key, "DISTINCT")] = value
    hidden.update((key, "DISTINCT") for key in forced)
    columns = [*months, "TOTAL"]
    equations = [((key, "TOTAL"), *((key, month) for month in months)) for key in ROW_KEYS]
    equations.extend(tuple((key, column) for key in row_sum) for row_sum in ROW_SUMS for column in columns)
    equations.extend(
        tuple((key, "DISTINCT") for key in row_sum) for row_sum in ROW_SUMS if all(key in distinct for key in row_sum)
    )
    inequalities: list[Inequality] = [
        (tuple((key, month) for key in smaller), tuple((key, month) for key in larger))
        for month in months
        for smaller, larger in ROW_INEQUALITIES
    ]
    for key in distinct:
        inequalities.extend((((key, month),), ((key, "DISTINCT"),)) for month in months)
        inequalities.append((((key, "DISTINCT"),), ((key, "TOTAL"),)))
    shown = hidden_cells(
        values=values,
        equations=equations,
        inequalities=inequalities,
        k=k,
        also_hidden=hidden,
        keep_shown={(key, "DISTINCT") for key in settled},
        settled={cell for cell in values if cell[1] != "DISTINCT"},
    )
    return {key for key, column in shown if column == "DISTINCT"}


def hidden_rows_of(table: Mapping[str, Any], month: str | None) -> set[str]:
    """The rows whose cell is hidden in a suppressed table's month (None: the TOTAL column)."""
    if month is None:
        return {row["key"] for row in table["rows"] if row.get("total_suppressed")}
    try:
        index = list(table["months"]).index(month)
    except ValueError:
        return set()
    return {row["key"] for row in table["rows"] if row.get("suppressed") and row["suppressed"][index]}
