"""Reads for Annex 2: locks, stored values."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .models import MonthLock


def locked_months(*, shelter_id: int, months: Iterable[date]) -> list[date]:
    """Which of these months (first days) are locked for the shelter: one query."""
    wanted = {month.replace(day=1) for month in months}
    if not wanted:
        return []
    return sorted(MonthLock.objects.filter(shelter_id=shelter_id, month__in=wanted).values_list("month", flat=True))
