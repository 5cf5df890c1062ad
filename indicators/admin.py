"""Django admin for Annex 2, for program staff: stored values (read only), locked months (lock and
unlock through `indicators.locks`), submitted months, and a page per shelter and month range that
shows the table as the donor prints it, with imported, locked and failing cells marked, the drift
of locked months, and each row drawn over the months as a small server-side SVG chart.

Nothing here shows a case record: the table and the drift are counts.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from proteja_site.api import MONTH_INVALID, parse_month
from shelters.admin import is_program_admin
from shelters.models import Shelter

from . import locks
from .admin_forms import MonthRangeForm
from .admin_national import national_page
from .catalogue import INDICATORS, indicator_label
from .models import IndicatorValue, MonthLock, MonthSubmission
from .selectors import locked_month_drift
from .tables import build_annex2_table, range_problem, table_range


class ProgramStaffOnly(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_program_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_program_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def sparkline(values: list[int | None], *, width: int = 96, height: int = 24) -> SafeString:
    """A row over the months as an inline SVG polyline; a missing month breaks the line."""
    present = [value for value in values if value is not None]
    if not present:
        return mark_safe("")
    top = max(present) or 1
    step = width / max(len(values) - 1, 1)
    segments: list[list[str]] = [[]]
    dots = []
    for index, value in enumerate(values):
        if value is None:
            segments.append([])
            continue
        x = round(index * step, 1)
        y = round(height - 2 - (height - 4) * value / top, 1)
        segments[-1].append(f"{x},{y}")
        dots.append((x, y))
    lines = "".join(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#417690" stroke-width="1.5"/>'
        for points in segments
        if len(points) > 1
    )
    # Numbers and an escaped label only go into the markup, so it is safe to mark as such.
    singles = "".join(f'<circle cx="{x}" cy="{y}" r="1.5" fill="#417690"/>' for x, y in dots)
    return mark_safe(
        f'<svg class="sparkline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(_("trend"))}">{lines}{singles}</svg>'
    )


def _blank(value: int | None) -> str:
    """A missing value shows as a dash, never as 0."""
    return "—" if value is None else str(value)


def reader_language() -> str:
    return "es" if (get_language() or "").startswith("es") else "en"


class IndicatorFilter(admin.SimpleListFilter):
    """By row, each named by its label in the reader's language (the field's choices are the donor's English)."""

    title = _("indicator")
    parameter_name = "indicator"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(indicator.key, indicator_label(indicator.key)) for indicator in INDICATORS]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(indicator=self.value()) if self.value() else queryset


class Annex2PageForm(MonthRangeForm):
    field_order = ["shelter", "start", "end", "lang"]
    shelter = forms.ModelChoiceField(queryset=Shelter.objects.all(), to_field_name="slug", label=_("Shelter"))
    # The table's language: the reader's unless another is asked for (the donor reads the English table). The
    # languages are named in the reader's language, like everything else on the page ("Inglés" in Spanish).
    lang = forms.ChoiceField(label=_("Language"), choices=[("en", _("English")), ("es", _("Spanish"))], required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lang"].initial = reader_language()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        shelter = cleaned.get("shelter")
        if shelter is None or "start" in self.errors or "end" in self.errors:
            return cleaned
        first, last = table_range(shelter=shelter, first_month=cleaned.get("start"), last_month=cleaned.get("end"))
        problem = range_problem(first, last)
        if problem:
            self.add_error("start" if cleaned.get("start") else "end", problem)
        cleaned["first"], cleaned["last"] = first, last
        return cleaned


def annex2_page(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    if not is_program_admin(request):
        raise PermissionDenied
    data = request.GET.copy() if request.GET else None
    if data is not None and not data.get("lang"):
        # The chooser says what the table is in: the reader's language unless another was asked for.
        data["lang"] = reader_language()
    form = Annex2PageForm(data)
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "title": _("Annex 2 table"),
        "opts": model_admin.model._meta,
        "form": form,
    }
    if form.is_bound and form.is_valid():
        shelter = form.cleaned_data["shelter"]
        table = build_annex2_table(
            shelter=shelter,
            first_month=form.cleaned_data["first"],
            last_month=form.cleaned_data["last"],
            language=form.cleaned_data.get("lang") or reader_language(),
        )
        locked = set(table["locked_months"])
        locked_dates = [parse_month(month) for month in table["locked_months"]]
        drift = locked_month_drift(shelter_id=shelter.pk, months=locked_dates) if locked_dates else {}
        drift_by_cell = {(f"{month:%Y-%m}", row["indicator"]): row for month, rows in drift.items() for row in rows}
        sections = {section["key"]: section["label"] for section in table["sections"]}
        lines = []
        current = None
        for row in table["rows"]:
            if row["section"] != current:
                current = row["section"]
                lines.append({"heading": sections[current]})
            cells = []
            for index, month in enumerate(table["months"]):
                cells.append(
                    {
                        "value": row["values"][index],
                        "source": row["sources"][index],
                        "differs": row["differs"][index],
                        "computed": row["computed_values"][index],
                        "failing": row["failing"][index],
                        "locked": month in locked,
                        "drift": drift_by_cell.get((month, row["key"])),
                    }
                )
            lines.append({"row": row, "cells": cells, "sparkline": sparkline(row["values"])})
        context.update(
            {
                "shelter": shelter,
                "table": table,
                "lines": lines,
                "locked": locked,
                "drift": {f"{month:%Y-%m}": rows for month, rows in drift.items()},
                "title": format_html("{} — {}", _("Annex 2 table"), shelter.name),
            }
        )
    return TemplateResponse(request, "admin/indicators/annex2_table.html", context)


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ProgramStaffOnly):
    """Stored values, read only: computed ones are rewritten by the aggregation, imported ones by the import."""

    list_display = ("shelter", "month", "indicator_name", "value", "source", "updated_at")
    list_filter = ("source", "shelter", IndicatorFilter)
    fields = ("shelter", "month", "indicator_name", "value", "source", "updated_at")
    date_hierarchy = "month"
    list_select_related = ("shelter",)
    change_list_template = "admin/indicators/indicatorvalue/change_list.html"

    @admin.display(description=_("indicator"), ordering="indicator")
    def indicator_name(self, value: IndicatorValue) -> str:
        return indicator_label(value.indicator)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.fields

    def get_urls(self) -> list:
        return [
            path(
                "annex2/",
                self.admin_site.admin_view(lambda request: annex2_page(self, request)),
                name="indicators_annex2_table",
            ),
            path(
                "national/",
                self.admin_site.admin_view(lambda request: national_page(self, request)),
                name="indicators_national_table",
            ),
            *super().get_urls(),
        ]


class MonthLockForm(forms.ModelForm):
    month_text = forms.CharField(label=_("Month (YYYY-MM)"))

    class Meta:
        model = MonthLock
        fields = ["shelter"]

    def clean_month_text(self) -> date:
        month = parse_month(self.cleaned_data["month_text"])
        if month is None:
            raise ValidationError(MONTH_INVALID)
        if month > timezone.localdate().replace(day=1):
            raise ValidationError(_("This month has not started yet."))
        return month


class ReasonActionForm(ActionForm):
    """Unlocking and returning a month need words for the shelter: typed beside the action."""

    reason = forms.CharField(label=_("Reason or comment"), required=False, max_length=2000)


class ShelterMonthAdmin(ProgramStaffOnly):
    """Locks and submissions: a shelter and a month each, unlocked through the audited service."""

    action_form = ReasonActionForm

    @admin.display(description=_("month"), ordering="month")
    def month_label(self, obj: MonthLock | MonthSubmission) -> str:
        return f"{obj.month:%Y-%m}"

    @admin.action(description=_("Unlock the selected months"))
    def unlock_months(self, request: HttpRequest, queryset: QuerySet) -> None:
        reason = request.POST.get("reason", "").strip()
        if not reason:
            messages.error(request, _("Say why the months are unlocked (the reason goes to the shelter)."))
            return
        count = sum(
            locks.month_unlock(actor=request.user, shelter=obj.shelter, month=obj.month, reason=reason)
            for obj in queryset.select_related("shelter")
        )
        messages.success(request, _("%(count)d month(s) unlocked.") % {"count": count})


@admin.register(MonthLock)
class MonthLockAdmin(ShelterMonthAdmin):
    list_display = ("shelter", "month_label", "locked_at", "locked_by", "table_link")
    list_filter = ("shelter",)
    list_select_related = ("shelter", "locked_by")
    actions = ["unlock_months"]
    form = MonthLockForm
    readonly_fields = ("drift",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_program_admin(request)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["shelter", "month_text"] if obj is None else ["drift"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return () if obj is None else ("drift",)

    @admin.display(description=_("table"))
    def table_link(self, lock: MonthLock) -> str:
        url = reverse("admin:indicators_annex2_table")
        return format_html(
            '<a href="{}?shelter={}&start={}&end={}">{}</a>',
            url,
            lock.shelter.slug,
            f"{lock.month:%Y-%m}",
            f"{lock.month:%Y-%m}",
            _("table and drift"),
        )

    @admin.display(description=_("drift: stored value and what the case records give now"))
    def drift(self, lock: MonthLock) -> str:
        rows = locked_month_drift(shelter_id=lock.shelter_id, months=[lock.month]).get(lock.month, [])
        if not rows:
            return _("No drift: the stored values are what the case records give now.")
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("indicator"),
            _("stored"),
            _("now"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((indicator_label(row["indicator"]), _blank(row["stored"]), _blank(row["current"])) for row in rows),
            ),
        )

    def save_model(self, request: HttpRequest, obj: MonthLock, form: Any, change: bool) -> None:
        lock = locks.month_lock(
            actor=request.user, shelter=form.cleaned_data["shelter"], month=form.cleaned_data["month_text"]
        )
        obj.pk, obj.month, obj.locked_at = lock.pk, lock.month, lock.locked_at

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        # Deleting a lock goes through the unlock service (audited), never a bare delete.
        actions.pop("delete_selected", None)
        return actions


@admin.register(MonthSubmission)
class MonthSubmissionAdmin(ShelterMonthAdmin):
    list_display = ("shelter", "month_label", "submitted_at", "submitted_by", "is_locked")
    list_filter = ("shelter",)
    list_select_related = ("shelter", "submitted_by")
    actions = ["lock_months", "unlock_months"]

    @admin.display(description=_("locked"), boolean=True)
    def is_locked(self, submission: MonthSubmission) -> bool:
        return submission.is_locked

    def get_queryset(self, request: HttpRequest) -> QuerySet[MonthSubmission]:
        locked = MonthLock.objects.filter(shelter_id=OuterRef("shelter_id"), month=OuterRef("month"))
        return super().get_queryset(request).annotate(is_locked=Exists(locked))

    @admin.action(description=_("Lock the selected months"))
    def lock_months(self, request: HttpRequest, queryset: QuerySet[MonthSubmission]) -> None:
        for submission in queryset.select_related("shelter"):
            locks.month_lock(actor=request.user, shelter=submission.shelter, month=submission.month)
        messages.success(request, _("%(count)d month(s) locked.") % {"count": queryset.count()})
