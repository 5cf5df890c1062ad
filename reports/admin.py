"""Django admin: cost-share records (program staff all shelters, coordinators their own) and,
for program staff, a page that builds the quarterly report and offers it in every format."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from meetings.selectors import Quarter
from shelters.models import Role

from . import services
from .models import CostShareContribution, Disbursement, MoneyRecord
from .selectors import cost_share_shelters_of, default_report_number, may_read_reports, may_use_cost_share


class MoneyRecordAdmin(admin.ModelAdmin):
    list_display = ("date", "shelter", "amount", "currency", "exchange_rate", "amount_usd", "description")
    list_filter = ("currency", "shelter")
    date_hierarchy = "date"
    readonly_fields = ("amount_usd",)
    writers: tuple[str, ...] = (Role.PROGRAM_STAFF, Role.COORDINATOR)

    def _may_read(self, request: HttpRequest) -> bool:
        return may_use_cost_share(request.user)

    def _may_write(self, request: HttpRequest) -> bool:
        return self._may_read(request) and request.user.role in self.writers

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_read(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_read(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_write(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.model.objects.filter(shelter__in=cost_share_shelters_of(request.user)).select_related("shelter")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "shelter":
            kwargs["queryset"] = cost_share_shelters_of(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: MoneyRecord, form: Any, change: bool) -> None:
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
            fresh = self.get_queryset(request).get(pk=obj.pk)
            services.money_record_update(actor=request.user, record=fresh, data=data, channel="admin")
        else:
            created = services.money_record_create(
                actor=request.user, model=self.model, data=form.cleaned_data, channel="admin"
            )
            obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: MoneyRecord) -> None:
        services.money_record_delete(actor=request.user, record=obj, channel="admin")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for record in queryset:
            services.money_record_delete(actor=request.user, record=record, channel="admin")


class QuarterlyReportForm(forms.Form):
    quarter = forms.CharField(label=_("Quarter"), initial="2007-Q4", help_text=_("YYYY-QN, for example 2007-Q4."))
    number = forms.IntegerField(
        label=_("Number"),
        min_value=1,
        max_value=999,
        required=False,
        help_text=_("Left empty: counted from 2006-Q2."),
    )

    def clean_quarter(self) -> Quarter:
        try:
            return Quarter.parse(self.cleaned_data["quarter"])
        except ValueError as exc:
            # Quarter.parse says it in English (the API's words); the admin says it in the user's language.
            raise forms.ValidationError(_("Give a quarter as YYYY-QN, for example 2007-Q4.")) from exc


@admin.register(CostShareContribution)
class CostShareContributionAdmin(MoneyRecordAdmin):
    change_list_template = "admin/reports/change_list_with_report.html"

    def get_urls(self) -> list:
        # The report page lives here so that it sits inside the admin's own login and layout.
        report = path(
            "quarterly-report/", self.admin_site.admin_view(self.quarterly_report_view), name="reports_quarterly_report"
        )
        return [report, *super().get_urls()]

    def quarterly_report_view(self, request: HttpRequest) -> HttpResponse:
        if not (may_read_reports(request.user) and request.user.is_staff):
            raise PermissionDenied
        form = QuarterlyReportForm(request.GET or None)
        links: list[tuple[Any, str]] = []
        if form.is_valid():
            quarter = form.cleaned_data["quarter"]
            number = form.cleaned_data["number"] or default_report_number(quarter)
            base = reverse("quarterly-report", kwargs={"quarter": str(quarter)})
            links = [
                (label, f"{base}?format={kind}&number={number}")
                for label, kind in (
                    (_("Printable page (HTML)"), "html"),
                    ("Word (.docx)", "docx"),
                    ("Excel (.xlsx)", "xlsx"),
                    (_("CSV files (.zip)"), "csv"),
                    ("JSON", "json"),
                )
            ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Quarterly report"),
            "form": form,
            "links": links,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/reports/quarterly_report.html", context)


@admin.register(Disbursement)
class DisbursementAdmin(MoneyRecordAdmin):
    writers = (Role.PROGRAM_STAFF,)
