"""What the Annex 2 admin pages (a shelter's table, the national table, the status board) ask alike."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from proteja_site.api import MONTH_INVALID, parse_month


class MonthRangeForm(forms.Form):
    """From and to months typed as YYYY-MM, each read as its first day; a blank one is the page's default."""

    start = forms.CharField(label=gettext_lazy("From (YYYY-MM)"), required=False)
    end = forms.CharField(label=gettext_lazy("To (YYYY-MM)"), required=False)

    def _month(self, name: str) -> date | None:
        raw = self.cleaned_data.get(name)
        if not raw:
            return None
        month = parse_month(raw)
        if month is None:
            raise ValidationError(MONTH_INVALID)
        return month

    def clean_start(self) -> date | None:
        return self._month("start")

    def clean_end(self) -> date | None:
        return self._month("end")
