"""Month arithmetic shared by the case records (which months a record touches) and Annex 2."""

from __future__ import annotations

from datetime import date


def month_number(month: date) -> int:
    return month.year * 12 + month.month - 1


def month_from_number(number: int) -> date:
    return date(number // 12, number % 12 + 1, 1)


def months_between(first_month: date, last_month: date) -> list[date]:
    """The first days of every month from `first_month` to `last_month`, both included."""
    first, last = month_number(first_month), month_number(last_month)
    if first > last:
        raise ValueError(f"The first month {first_month:%Y-%m} is after the last month {last_month:%Y-%m}.")
    return [month_from_number(number) for number in range(first, last + 1)]
