from __future__ import annotations

from datetime import date


class MonthLocked(Exception):
    """A write would change a shelter-month that program staff locked (API: 409)."""

    def __init__(self, months: list[date]) -> None:
        self.months = sorted(months)
        names = ", ".join(f"{month:%Y-%m}" for month in self.months)
        super().__init__(f"Month {names} is locked for this shelter; nothing was saved.")
