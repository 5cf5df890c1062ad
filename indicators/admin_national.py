"""The national Annex 2 table in admin, for program staff: every shelter's stored values summed per row and
month (`indicators.tables.build_national_table`), with its checks, how many shelters report each month, and
a chart per indicator across the months, drawn here as inline SVG (no script, no outside data).

Counts only: the table reads stored indicator values, never a case record.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shelters.admin import is_program_admin

from .admin_forms import MonthRangeForm
from .tables import LANGUAGES, build_national_table, national_table_range, range_problem

CHART_HEIGHT = 90
# Beyond this many months a bar is too narrow to carry its number: the numbers stay in the table and the
# chart's description.
LABELLED_MONTHS = 24


class NationalPageForm(MonthRangeForm):
    lang = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[("es", gettext_lazy("Spanish")), ("en", gettext_lazy("English"))],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "start" in self.errors or "end" in self.errors:
            return cleaned
        first, last = national_table_range(first_month=cleaned.get("start"), last_month=cleaned.get("end"))
        problem = range_problem(first, last)
        if problem:
            self.add_error("start" if cleaned.get("start") else "end", problem)
        cleaned["first"], cleaned["last"] = first, last
        return cleaned


def _number(value: int | None) -> str:
    return _("no value") if value is None else str(value)


def indicator_chart(*, key: str, label: str, months: list[str], values: list[int | None]) -> SafeString:
    """One row across the months as an accessible SVG bar chart: a bar per month with a value (0 a flat
    mark on the axis), nothing for a missing month, which is labelled "—" (missing is not 0).

    Its title is the row's label and its description every month's number, so a screen reader reads
    the figures, not a picture of them; up to `LABELLED_MONTHS` months each bar also carries its number.
    """
    count = max(len(values), 1)
    bar = max(3, min(28, 672 // count))
    gap = 2 if bar > 6 else 1
    labelled = len(values) <= LABELLED_MONTHS
    top_space = 14 if labelled else 4
    width = count * (bar + gap) + gap
    height = CHART_HEIGHT + top_space + 14
    present = [value for value in values if value is not None]
    peak = max(present, default=0) or 1
    base = top_space + CHART_HEIGHT
    slug = escape(key)
    parts = [
        f'<svg class="national-chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="chart-{slug}-title chart-{slug}-desc">',
        f'<title id="chart-{slug}-title">{escape(label)}</title>',
        '<desc id="chart-{}-desc">{}</desc>'.format(
            slug, escape("; ".join(f"{month}: {_number(value)}" for month, value in zip(months, values, strict=True)))
        ),
        f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#767676" stroke-width="1"/>',
    ]
    for index, (month, value) in enumerate(zip(months, values, strict=True)):
        x = gap + index * (bar + gap)
        middle = x + bar / 2
        if value is None:
            if labelled:
                parts.append(f'<text x="{middle}" y="{base - 3}" text-anchor="middle" class="missing">—</text>')
            continue
        tall = max(round(CHART_HEIGHT * value / peak), 1) if value else 1
        parts.append(
            f'<rect x="{x}" y="{base - tall}" width="{bar}" height="{tall}" class="{"zero" if value == 0 else "bar"}">'
            f"<title>{escape(month)}: {value}</title></rect>"
        )
        if labelled:
            parts.append(f'<text x="{middle}" y="{base - tall - 3}" text-anchor="middle">{value}</text>')
    first, last = (months[0], months[-1]) if months else ("", "")
    parts.append(f'<text x="0" y="{height - 2}" class="axis">{escape(first)}</text>')
    parts.append(f'<text x="{width}" y="{height - 2}" text-anchor="end" class="axis">{escape(last)}</text>')
    parts.append("</svg>")
    # Every text in the markup is escaped and every number formatted here: safe to mark as such.
    return mark_safe("".join(parts))


def national_page(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """The national table page; in the active language (Spanish by default) unless `lang` asks otherwise."""
    if not is_program_admin(request):
        raise PermissionDenied
    active = (translation.get_language() or "es").split("-")[0]
    form = NationalPageForm(request.GET or {"lang": active if active in LANGUAGES else "es"})
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "title": _("National Annex 2 table"),
        "opts": model_admin.model._meta,
        "form": form,
    }
    if form.is_valid():
        language = form.cleaned_data.get("lang") or (active if active in LANGUAGES else "es")
        table = build_national_table(
            first_month=form.cleaned_data["first"], last_month=form.cleaned_data["last"], language=language
        )
        sections = {section["key"]: section["label"] for section in table["sections"]}
        lines, charts, current = [], [], None
        for row in table["rows"]:
            if row["section"] != current:
                current = row["section"]
                lines.append({"heading": sections[current]})
                charts.append({"heading": sections[current]})
            cells = [
                {"value": value, "failing": failing, "shelters": shelters}
                for value, failing, shelters in zip(
                    row["values"], row["failing"], row["shelters_reporting"], strict=True
                )
            ]
            lines.append({"row": row, "cells": cells})
            charts.append(
                {
                    "row": row,
                    "chart": indicator_chart(
                        key=row["key"], label=row["label"], months=table["months"], values=row["values"]
                    ),
                }
            )
        context.update({"table": table, "lines": lines, "charts": charts})
    return TemplateResponse(request, "admin/indicators/national_table.html", context)
