"""Django admin: cost-share records (program staff all shelters, coordinators their own) and,
for program staff, the quarterly report's narrative sections and title page, and a page that builds the
report, shows it (the printable page, in the reader's language) and offers it in every format."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from meetings.selectors import Quarter
from shelters.models import Role

from . import exports, services
from .models import CostShareContribution, Disbursement, MoneyRecord, QuarterlyNarrative, QuarterlyReportCover
from .selectors import (
    REPORT_LANGUAGES,
    cost_share_shelters_of,
    default_report_number,
    may_read_reports,
    may_use_cost_share,
    may_write_narrative,
    quarterly_report_data,
)


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

    lang = forms.ChoiceField(
        label=_("Language of the files"),
        choices=[("en", _("English (the donor's)")), ("es", _("Spanish"))],
        initial="en",
        required=False,
        help_text=_("The preview is in your language; Word, Excel and CSV are in this one."),
    )

    def clean_quarter(self) -> Quarter:
        try:
            return Quarter.parse(self.cleaned_data["quarter"])
        except ValueError as exc:
            # Quarter.parse says it in English (the API's words); the admin says it in the user's language.
            raise forms.ValidationError(_("Give a quarter as YYYY-QN, for example 2007-Q4.")) from exc

    def clean_lang(self) -> str:
        return self.cleaned_data.get("lang") or "en"


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
        preview: dict[str, Any] | None = None
        if form.is_valid():
            quarter = form.cleaned_data["quarter"]
            number = form.cleaned_data["number"] or default_report_number(quarter)
            files = form.cleaned_data["lang"]
            # The preview is the printable page as the reader would get it: in the reader's language.
            reader = (translation.get_language() or "es")[:2]
            reader = reader if reader in REPORT_LANGUAGES else "es"
            base = reverse("quarterly-report", kwargs={"quarter": str(quarter)})
            links = [
                (_("Printable page (HTML)"), f"{base}?format=html&number={number}&lang={reader}"),
                ("Word (.docx)", f"{base}?format=docx&number={number}&lang={files}"),
                ("Excel (.xlsx)", f"{base}?format=xlsx&number={number}&lang={files}"),
                (_("CSV files (.zip)"), f"{base}?format=csv&number={number}&lang={files}"),
                ("JSON", f"{base}?format=json&number={number}&lang={files}"),
            ]
            preview = exports.report_context(quarterly_report_data(quarter=quarter, number=number, language=reader))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Quarterly report"),
            "form": form,
            "links": links,
            "preview": preview,
            "opts": self.model._meta,
            "narrative_url": reverse("admin:reports_quarterlynarrative_changelist"),
        }
        return TemplateResponse(request, "admin/reports/quarterly_report.html", context)


@admin.register(Disbursement)
class DisbursementAdmin(MoneyRecordAdmin):
    writers = (Role.PROGRAM_STAFF,)


class ProgramStaffOnlyAdmin(admin.ModelAdmin):
    """The report's own words: program staff read and write them; nobody else sees them in admin."""

    def _allowed(self, request: HttpRequest) -> bool:
        return may_write_narrative(request.user) and request.user.is_staff

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class QuarterlyNarrativeForm(forms.ModelForm):
    class Meta:
        model = QuarterlyNarrative
        fields = ("quarter", "section", "text_es", "text_en")
        widgets = {
            "text_es": forms.Textarea(attrs={"rows": 20, "cols": 100, "lang": "es"}),
            "text_en": forms.Textarea(attrs={"rows": 20, "cols": 100, "lang": "en"}),
        }
        help_texts = {
            "quarter": _("YYYY-QN or YYYY-TN, for example 2007-Q4."),
            "text_es": _(
                "Paragraphs separated by a blank line; a list's lines start with “- ”; a short line alone is a "
                "subheading. Either language may be left empty: the report then prints the other."
            ),
        }

    def clean_quarter(self) -> str:
        try:
            return str(Quarter.parse(self.cleaned_data["quarter"]))
        except ValueError as exc:
            raise forms.ValidationError(_("Give a quarter as YYYY-QN, for example 2007-Q4.")) from exc


@admin.register(QuarterlyNarrative)
class QuarterlyNarrativeAdmin(ProgramStaffOnlyAdmin):
    form = QuarterlyNarrativeForm
    list_display = ("quarter", "section", "written_in_spanish", "written_in_english", "updated_at", "updated_by")
    list_filter = ("quarter", "section")
    list_select_related = ("updated_by",)
    ordering = ("-quarter", "section")
    readonly_fields = ("updated_at", "updated_by")

    @admin.display(boolean=True, description=_("Spanish"))
    def written_in_spanish(self, obj: QuarterlyNarrative) -> bool:
        return bool(obj.text_es.strip())

    @admin.display(boolean=True, description=_("English"))
    def written_in_english(self, obj: QuarterlyNarrative) -> bool:
        return bool(obj.text_en.strip())

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A section's quarter and key are what it is; only its text changes.
        return (*self.readonly_fields, "quarter", "section") if obj is not None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: QuarterlyNarrative, form: Any, change: bool) -> None:
        quarter = Quarter.parse(obj.quarter)
        data = {name: form.cleaned_data[name] for name in ("text_es", "text_en") if name in form.cleaned_data}
        saved = services.narrative_write(
            actor=request.user, quarter=quarter, section=obj.section, data=data, channel="admin"
        )
        obj.pk = saved.pk


class QuarterlyReportCoverForm(forms.ModelForm):
    class Meta:
        model = QuarterlyReportCover
        fields = ("quarter", "submitted_on")
        help_texts = {"quarter": _("YYYY-QN or YYYY-TN, for example 2007-Q4.")}

    def clean_quarter(self) -> str:
        try:
            return str(Quarter.parse(self.cleaned_data["quarter"]))
        except ValueError as exc:
            raise forms.ValidationError(_("Give a quarter as YYYY-QN, for example 2007-Q4.")) from exc


@admin.register(QuarterlyReportCover)
class QuarterlyReportCoverAdmin(ProgramStaffOnlyAdmin):
    form = QuarterlyReportCoverForm
    list_display = ("quarter", "submitted_on")
    ordering = ("-quarter",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("quarter",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: QuarterlyReportCover, form: Any, change: bool) -> None:
        saved = services.cover_write(
            actor=request.user,
            quarter=Quarter.parse(obj.quarter),
            submitted_on=form.cleaned_data.get("submitted_on"),
            channel="admin",
        )
        obj.pk = saved.pk
