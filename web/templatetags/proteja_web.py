"""Template filters of the web pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django_countries import countries

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


@register.inclusion_tag("web/_countries.html")
def country_datalist() -> dict[str, Any]:
    """The page's one list of country names, in the page's language, for its nationality inputs."""
    return {"country_names": [name for _code, name in countries]}


@register.simple_tag
def session_warning_seconds() -> int:
    return settings.SESSION_WARNING_SECONDS
