"""Django admin for meetings and organizations: program staff only, writes through `meetings.services`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from shelters.admin import ProgramStaffAdmin

from . import services
from .models import Meeting, Organization

DATE_INPUTS_SPARE = 3


def meeting_days_label(meeting: Meeting) -> str:
    """A meeting's days in the reader's language, each with its year ("24 de octubre de 2007 y 26 de octubre
    de 2007"; "Oct. 16, 2007 to Oct. 17, 2007"): the Annex 1 style ("24 and 26-Oct.") has no year and is English."""
    days = sorted(date.fromisoformat(day) for day in meeting.dates or [])
    if days and any((later - earlier).days > 1 for earlier, later in zip(days, days[1:], strict=False)):
        return get_text_list([date_format(day, "DATE_FORMAT") for day in days], gettext("and"))
    start, end = (days[0], days[-1]) if days else (meeting.start_date, meeting.end_date)
    if start == end:
        return date_format(start, "DATE_FORMAT")
    return gettext("%(start)s to %(end)s") % {
        "start": date_format(start, "DATE_FORMAT"),
        "end": date_format(end, "DATE_FORMAT"),
    }


class DatesWidget(forms.Widget):
    """The days a meeting met, one browser date picker each (the days already listed and a few empty ones),
    instead of the raw JSON list ("[]") a JSONField shows."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        return [value for value in data.getlist(name) if value.strip()] if hasattr(data, "getlist") else []

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False

    def format_value(self, value: Any) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            return [value]
        return [day.isoformat() if isinstance(day, date) else str(day) for day in value]

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        values = self.format_value(value)
        values += [""] * max(DATE_INPUTS_SPARE, 4 - len(values))
        base_id = (attrs or {}).get("id") or f"id_{name}"
        label = gettext("day the meeting met")
        return format_html(
            '<div class="meeting-dates" id="{}">{}</div>',
            base_id,
            format_html_join(
                " ",
                '<input type="date" name="{}" value="{}" id="{}_{}" aria-label="{} {}" min="1900-01-01">',
                ((name, day, base_id, index, label, index + 1) for index, day in enumerate(values)),
            ),
        )


class DatesField(forms.Field):
    """Listed days as sorted distinct ISO dates (the model's `dates`); empty boxes are ignored."""

    widget = DatesWidget

    def to_python(self, value: Any) -> list[str]:
        days = set()
        for item in value or []:
            try:
                days.add(item if isinstance(item, date) else date.fromisoformat(str(item).strip()))
            except ValueError:
                raise forms.ValidationError(gettext("Give dates as YYYY-MM-DD."), code="invalid") from None
        return [day.isoformat() for day in sorted(days)]

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(initial) != self.to_python(data)
        except forms.ValidationError:
            return True


class MeetingAdminForm(forms.ModelForm):
    dates = DatesField(
        label=_("Days it met"),
        required=False,
        help_text=_(
            "Only when it did not meet every day from the start date to the end date: each day it met. "
            "Leave the boxes empty for a plain range; to list more days, save and the form offers more boxes."
        ),
    )

    class Meta:
        model = Meeting
        fields = [
            "component",
            "start_date",
            "end_date",
            "dates",
            "organizations",
            "participants_description",
            "topic",
            "state",
            "participants_total",
            "participants_male",
            "participants_female",
            "subheading",
        ]


class MergeForm(forms.Form):
    keep = forms.ModelChoiceField(
        queryset=Organization.objects.none(), widget=forms.RadioSelect, label=_("Organization to keep")
    )

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = organizations


@admin.register(Organization)
class OrganizationAdmin(ProgramStaffAdmin):
    list_display = ("name", "acronym", "sector")
    list_filter = ("sector",)
    search_fields = ("name", "acronym")
    actions = ["merge_organizations"]

    @admin.action(description=_("Merge organizations"))
    def merge_organizations(self, request: HttpRequest, queryset: QuerySet[Organization]) -> HttpResponse | None:
        """Choose the one to keep (a second page), then merge the others into it (`services.organizations_merge`)."""
        chosen = queryset.order_by("name", "pk")
        if chosen.count() < 2:
            messages.error(request, gettext("Select at least two organizations to merge."))
            return None
        form = MergeForm(request.POST if "keep" in request.POST else None, organizations=chosen)
        if form.is_valid():
            keep = form.cleaned_data["keep"]
            others = [organization for organization in chosen if organization.pk != keep.pk]
            services.organizations_merge(actor=request.user, keep=keep, others=others, channel="admin")
            messages.success(
                request,
                ngettext(
                    "%(count)d organization merged into %(keep)s.",
                    "%(count)d organizations merged into %(keep)s.",
                    len(others),
                )
                % {"count": len(others), "keep": keep},
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Merge organizations"),
            "opts": self.model._meta,
            "form": form,
            "organizations": [
                (organization, organization.meeting_count)
                for organization in chosen.annotate(meeting_count=Count("meetings"))
            ],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "selected": [organization.pk for organization in chosen],
        }
        return TemplateResponse(request, "admin/meetings/organization/merge.html", context)

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        if change:
            fresh = Organization.objects.get(pk=obj.pk)
            services.organization_update(actor=request.user, organization=fresh, data=data, channel="admin")
        else:
            obj.pk = services.organization_create(actor=request.user, data=form.cleaned_data, channel="admin").pk

    def delete_model(self, request: HttpRequest, obj: Organization) -> None:
        services.organization_delete(actor=request.user, organization=obj, channel="admin")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for organization in queryset:
            services.organization_delete(actor=request.user, organization=organization, channel="admin")


class QuarterListFilter(admin.SimpleListFilter):
    title = _("quarter")
    parameter_name = "quarter"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = Meeting.objects.dates("start_date", "year", order="DESC")
        # The value stays 2007-Q4 (the API's); the label is the reader's (2007-T4 in Spanish, for trimestre).
        return [
            (f"{year.year}-Q{number}", _("%(year)s-Q%(number)s") % {"year": year.year, "number": number})
            for year in years
            for number in (4, 3, 2, 1)
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        from .selectors import Quarter, meetings_in_quarter

        if not self.value():
            return queryset
        try:
            return meetings_in_quarter(Quarter.parse(self.value()), queryset)
        except ValueError:
            return queryset.none()


@admin.register(Meeting)
class MeetingAdmin(ProgramStaffAdmin):
    list_display = ("annex_date", "component", "state", "participants_total", "participants_male",
                    "participants_female", "short_topic")  # fmt: skip
    list_filter = ("component", QuarterListFilter, "state")
    search_fields = ("topic", "participants_description", "organizations__name")
    date_hierarchy = "start_date"
    filter_horizontal = ("organizations",)
    form = MeetingAdminForm
    change_list_template = "admin/meetings/meeting/change_list.html"

    @admin.display(description=_("date"), ordering="start_date")
    def annex_date(self, meeting: Meeting) -> str:
        return meeting_days_label(meeting)

    @admin.display(description=_("topic"))
    def short_topic(self, meeting: Meeting) -> str:
        return meeting.topic if len(meeting.topic) <= 90 else f"{meeting.topic[:87]}..."

    def save_model(self, request: HttpRequest, obj: Meeting, form: Any, change: bool) -> None:
        # The organizations are saved with the meeting, in save_related.
        request._meeting_organizations = form.cleaned_data.get("organizations")  # type: ignore[attr-defined]
        data = {name: value for name, value in form.cleaned_data.items() if name != "organizations"}
        if change:
            changed = {name: data[name] for name in form.changed_data if name in data}
            fresh = Meeting.objects.get(pk=obj.pk)
            services.meeting_update(actor=request.user, meeting=fresh, data=changed, channel="admin")
        else:
            obj.pk = services.meeting_create(actor=request.user, data=data, channel="admin").pk

    def delete_model(self, request: HttpRequest, obj: Meeting) -> None:
        services.meeting_delete(actor=request.user, meeting=obj, channel="admin")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for meeting in queryset:
            services.meeting_delete(actor=request.user, meeting=meeting, channel="admin")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        meeting = Meeting.objects.get(pk=form.instance.pk)
        services.meeting_update(
            actor=request.user,
            meeting=meeting,
            data={},
            organizations=getattr(request, "_meeting_organizations", None) or [],
            channel="admin",
        )
