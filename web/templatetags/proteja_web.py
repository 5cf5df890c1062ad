"""Template filters of the web pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from shelters.models import ExploitationType

register = template.Library()


@register.filter
def count(value: Any) -> str:
    """An Annex 2 number in the page's language (grouped thousands); missing stays visibly missing, not 0."""
    if value is None:
        return "—"
    return floatformat(value, "0g")


@register.filter
def exploitation_labels(keys: list[str]) -> str:
    labels = dict(ExploitationType.choices)
    return ", ".join(str(labels.get(key, key)) for key in keys or [])


@register.filter
def or_dash(value: Any) -> Any:
    return value if value not in (None, "") else _("—")
