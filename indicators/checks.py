"""The checks an Annex 2 table must pass (annex2-indicators.md, "Checks that a table must pass").

Plain functions over plain data, so an imported table, a stored one and a hand-built
one in a test are checked alike. A failure is listed with shelter, month and rows,
never fixed. A cell that is missing (None) is not 0: a check that needs it is
skipped for that month rather than failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .catalogue import INDICATORS

TIP_CRIME_KEYS = [indicator.key for indicator in INDICATORS if indicator.section == "tip_crime"]
ORIGIN_KEYS = [indicator.key for indicator in INDICATORS if indicator.section == "national_origin"]
TOTAL_ROWS = {indicator.key: indicator.parts for indicator in INDICATORS if indicator.is_total}

Cells = Sequence[int | None]


@dataclass(frozen=True)
class CheckFailure:
    shelter: str
    # None for a check over the whole period (the TOTAL column).
    month: date | None
    check: str
    rows: tuple[str, ...]
    message: str

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}" if self.month else "TOTAL"

    def as_dict(self) -> dict[str, object]:
        return {
            "shelter": self.shelter,
            "month": f"{self.month:%Y-%m}" if self.month else None,
            "check": self.check,
            "rows": list(self.rows),
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"{self.shelter} {self.month_label}: {self.message} [{', '.join(self.rows)}]"


def _cell(values: Mapping[str, Cells], key: str, index: int) -> int | None:
    cells = values.get(key)
    if cells is None or index >= len(cells):
        return None
    return cells[index]


def check_month(*, shelter: str, month: date, cells: Mapping[str, int | None]) -> list[CheckFailure]:
    """The per-month checks on one month's cells (row key -> value, None or absent when missing)."""
    failures: list[CheckFailure] = []

    def fail(check: str, rows: Sequence[str], message: str) -> None:
        failures.append(CheckFailure(shelter=shelter, month=month, check=check, rows=tuple(rows), message=message))

    for total_key, parts in TOTAL_ROWS.items():
        total = cells.get(total_key)
        part_values = [cells.get(part) for part in parts]
        if total is None or None in part_values:
            continue
        if total != sum(part_values):
            fail(
                "total_equals_parts",
                (total_key, *parts),
                f"{total_key} = {total} but {' + '.join(parts)} = {sum(part_values)}",
            )

    victims = cells.get("victims_served")
    tip_victims = cells.get("tip_victims_served")
    new_victims = cells.get("new_victims")
    if victims is not None and tip_victims is not None and tip_victims > victims:
        fail(
            "tip_victims_within_victims",
            ("tip_victims_served", "victims_served"),
            f"tip_victims_served = {tip_victims} exceeds victims_served = {victims}",
        )
    if victims is not None and new_victims is not None and new_victims > victims:
        fail(
            "new_victims_within_victims",
            ("new_victims", "victims_served"),
            f"new_victims = {new_victims} exceeds victims_served = {victims}",
        )

    if tip_victims is not None:
        crimes = {key: cells.get(key) for key in TIP_CRIME_KEYS}
        for key, value in crimes.items():
            if value is not None and value > tip_victims:
                fail(
                    "tip_crime_within_tip_victims",
                    (key, "tip_victims_served"),
                    f"{key} = {value} exceeds tip_victims_served = {tip_victims}",
                )
        known = [value for value in crimes.values() if value is not None]
        # With a crime row missing the sum could still reach the TIP victims: only a full set can fail.
        if len(known) == len(crimes) and sum(known) < tip_victims:
            fail(
                "tip_crimes_cover_tip_victims",
                (*TIP_CRIME_KEYS, "tip_victims_served"),
                f"{' + '.join(TIP_CRIME_KEYS)} = {sum(known)} is less than tip_victims_served = {tip_victims}",
            )

        origins = [cells.get(key) for key in ORIGIN_KEYS]
        if None not in origins and sum(origins) != tip_victims:
            fail(
                "origins_sum_to_tip_victims",
                (*ORIGIN_KEYS, "tip_victims_served"),
                f"{' + '.join(ORIGIN_KEYS)} = {sum(origins)} but tip_victims_served = {tip_victims}",
            )
    return failures


def check_totals(*, shelter: str, values: Mapping[str, Cells], totals: Mapping[str, int | None]) -> list[CheckFailure]:
    """A printed TOTAL column against the sum of the months printed beside it."""
    failures = []
    for key, total in totals.items():
        if total is None:
            continue
        months_sum = sum(value for value in values.get(key, ()) if value is not None)
        if months_sum != total:
            failures.append(
                CheckFailure(
                    shelter=shelter,
                    month=None,
                    check="total_equals_sum_of_months",
                    rows=(key,),
                    message=f"TOTAL of {key} = {total} but its months sum to {months_sum}",
                )
            )
    return failures


def check_table(
    *,
    shelter: str,
    months: Sequence[date],
    values: Mapping[str, Cells],
    totals: Mapping[str, int | None] | None = None,
) -> list[CheckFailure]:
    """Every check on a table: `values` maps row key -> one cell per month; `totals` a printed TOTAL column."""
    failures: list[CheckFailure] = []
    for index, month in enumerate(months):
        cells = {key: _cell(values, key, index) for key in values}
        failures.extend(check_month(shelter=shelter, month=month, cells=cells))
    if totals:
        failures.extend(check_totals(shelter=shelter, values=values, totals=totals))
    return failures
