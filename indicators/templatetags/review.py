"""The Annex 2 table page's review panel: each month's status, approve and return buttons, and the drift
after approval (cells changed since, and which kinds of records changed: counts, never names)."""

from __future__ import annotations

from typing import Any

from django import template

from proteja_site.api import parse_month
from shelters.models import Shelter

from ..board import approved_drift, month_rows
from ..catalogue import indicator_label
from ..models import MonthStatus, Source

register = template.Library()


@register.filter(name="indicator_label")
def indicator_label_filter(key: str) -> str:
    """An Annex 2 row by its label in the reader's language, never its key."""
    return indicator_label(key)


@register.filter
def source_label(value: str) -> str:
    """Where a value came from, in the reader's language ("computed" -> "Calculado a partir de los expedientes")."""
    return dict(Source.choices).get(value, value)


@register.inclusion_tag("admin/indicators/review_panel.html", takes_context=True)
def review_panel(context: dict[str, Any], shelter: Shelter, table: dict[str, Any]) -> dict[str, Any]:
    months = [parse_month(label) for label in table["months"]]
    rows = month_rows(shelters=Shelter.objects.filter(pk=shelter.pk), first_month=months[0], last_month=months[-1])
    rows.sort(key=lambda row: row["month"])
    drift = approved_drift(shelter_id=shelter.pk, months=[row["month"] for row in rows if row["drift"]])
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "rows": rows,
        "drift": sorted(drift.items()),
        "statuses": dict(MonthStatus.choices),
    }
