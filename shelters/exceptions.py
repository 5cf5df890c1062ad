"""Refusals of a case-record write that callers (API, pages, admin, imports) turn into a clear answer."""

from __future__ import annotations

from datetime import date

from django.utils.translation import ngettext


class MonthLocked(Exception):
    """A write would change a shelter-month that program staff locked (API: 409).

    Its text is in the language active when it is shown (str() is called by whoever answers), so an
    API client asking `Accept-Language: es` and a Spanish page both read it in Spanish.
    """

    def __init__(self, months: list[date]) -> None:
        self.months = sorted(months)
        super().__init__(self.months)

    @property
    def month_names(self) -> str:
        return ", ".join(f"{month:%Y-%m}" for month in self.months)

    def __str__(self) -> str:
        return ngettext(
            "The month %(months)s is locked: it was reviewed, so nothing dated in it can change. Nothing was saved.",
            "The months %(months)s are locked: they were reviewed, so nothing dated in them can change. Nothing was "
            "saved.",
            len(self.months),
        ) % {"months": self.month_names}
