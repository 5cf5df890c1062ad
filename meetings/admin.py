"""Django admin for meetings and organizations: program staff only, writes through `meetings.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shelters.admin import ProgramStaffAdmin

from . import services
from .annex1 import format_annex1_date
from .models import Meeting, Organization


@admin.register(Organization)
class OrganizationAdmin(ProgramStaffAdmin):
    list_display = ("name", "acronym", "sector")
    list_filter = ("sector",)
    search_fields = ("name", "acronym")

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
    change_list_template = "admin/meetings/meeting/change_list.html"

    @admin.display(description=_("date"), ordering="start_date")
    def annex_date(self, meeting: Meeting) -> str:
        return format_annex1_date(meeting.start_date, meeting.end_date, meeting.dates)

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
