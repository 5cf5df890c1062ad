"""Django admin: program staff manage shelters and never see a case record; shelter staff see
their own shelters' records only, through the same selectors and services as the API.

Accounts (users, invitations) are in `accounts.admin`; memberships have no admin page at all:
access to a shelter's case records is given only by its coordinators or the operator's command line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect

from . import services
from .audit import audit_views
from .exceptions import MonthLocked
from .locks import locked_months
from .models import (
    AuditEntry,
    CaseRecord,
    FollowUp,
    LegalAction,
    Referral,
    Role,
    Service,
    Shelter,
    Training,
    Victim,
)
from .refusals import record_refusal
from .selectors import (
    audit_trail_visible_to,
    can_see_case_records,
    case_shelters_of,
    records_visible_to,
    single_case_shelter,
)


def is_program_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.role == Role.PROGRAM_STAFF or (user.is_superuser and not user.role)))


class ProgramStaffAdmin(admin.ModelAdmin):
    """Program staff (and role-less superusers) only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_program_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_program_admin(request)

    has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: is_program_admin(request)  # noqa: E731
    )


@admin.register(Shelter)
class ShelterAdmin(ProgramStaffAdmin):
    list_display = ("name", "slug", "city", "state", "agreement_number", "agreement_start")
    search_fields = ("name", "slug", "agreement_number")
    prepopulated_fields = {"slug": ("name",)}

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A shelter's case records protect it, and its delete confirmation would list them, its
        # memberships (its staff) and its invitations: no shelter is deleted in admin, by anyone.
        return False


CHANNEL = "admin"


def personal_column(model: type[CaseRecord], name: str) -> Callable[[CaseRecord], str]:
    """A list column that shows a personal field: audited with the page it is on, and not sortable
    (the column holds ciphertext, whose order says nothing)."""

    @admin.display(description=model._meta.get_field(name).verbose_name)
    def column(obj: CaseRecord) -> str:
        return getattr(obj, name) or ""

    column.__name__ = name  # the column's CSS class, as for a field
    column.personal_field = name  # type: ignore[attr-defined]
    return column


class CaseRecordAdmin(admin.ModelAdmin):
    """Case records for shelter staff: scoped by the selector, written by the services, views and refusals audited."""

    exclude = ("shelter",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_see_case_records(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_see_case_records(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_see_case_records(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_see_case_records(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_see_case_records(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return records_visible_to(request.user, self.model).select_related("shelter")

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        shown = [getattr(column, "personal_field", None) for column in changelist.list_display]
        shown = [name for name in shown if name]
        if shown and request.method == "GET":
            # The page's rows show these personal fields: one audit INSERT for the page, as the API's lists do.
            audit_views(actor=request.user, records=changelist.result_list, channel=CHANNEL, fields=shown)
        return changelist

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name in ("victim", "primary_victim"):
            kwargs["queryset"] = records_visible_to(request.user, Victim)
        if db_field.name == "shelter":
            kwargs["queryset"] = case_shelters_of(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Another shelter's record, or none: admin answers "doesn't exist"; the view audits the refusal.
            request.case_record_missing = True
        elif obj.personal_fields and request.method == "GET":
            audit_views(actor=request.user, records=[obj], channel="admin")
        return obj

    def _refusals_audited(self, request: HttpRequest, object_id: str | None, view: Callable[[], Any]) -> Any:
        """Run an admin view; audit a 403 (a role that may not see case records) or an id it may not see.

        Outside the view's own transaction, so that the entry stays when the view raises PermissionDenied.
        """
        request.case_record_missing = False
        record_id = unquote(object_id) if object_id else ""

        def refused(status: int) -> None:
            record_refusal(
                request,
                actor=request.user,
                record_type=self.model._meta.model_name,
                record_id=record_id,
                status=status,
                channel=CHANNEL,
            )

        try:
            response = view()
        except PermissionDenied:
            refused(403)
            raise
        if request.case_record_missing:
            refused(404)
        return response

    def get_form(self, request, obj=None, change=False, **kwargs):  # type: ignore[no-untyped-def]
        form_class = _lock_checked(super().get_form(request, obj, change, **kwargs), obj)
        shelter = None if obj is not None else single_case_shelter(request.user)
        if shelter is None:
            return form_class

        class SingleShelterForm(form_class):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                # So that the model's rules (same-shelter links) see the shelter during validation.
                if self.instance.shelter_id is None:
                    self.instance.shelter = shelter

        return SingleShelterForm

    def save_model(self, request: HttpRequest, obj: CaseRecord, form: Any, change: bool) -> None:
        try:
            if change:
                data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
                fresh = type(obj).objects.get(pk=obj.pk)
                services.record_update(actor=request.user, record=fresh, data=data, channel="admin")
                return
            data = dict(form.cleaned_data)
            shelter = data.pop("shelter", None) or (obj.shelter if obj.shelter_id else None)
            if isinstance(obj, Victim):
                created = services.victim_create(actor=request.user, shelter=shelter, data=data, channel="admin")
                obj.case_code = created.case_code
            else:
                if shelter is not None:
                    data["shelter"] = shelter
                created = services.record_create(actor=request.user, model=type(obj), data=data, channel="admin")
            obj.pk = created.pk
        except MonthLocked as exc:
            messages.error(request, str(exc))
            raise _Refused from exc

    def delete_model(self, request: HttpRequest, obj: CaseRecord) -> None:
        services.record_delete(actor=request.user, record=obj, channel="admin")

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        # All or none: a locked month among the selected records refuses the whole deletion.
        for obj in queryset:
            services.record_delete(actor=request.user, record=obj, channel="admin")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        def view() -> Any:
            try:
                return super(CaseRecordAdmin, self).changeform_view(request, object_id, form_url, extra_context)
            except _Refused:
                return HttpResponseRedirect(request.get_full_path())

        return self._refusals_audited(request, object_id, view)

    def delete_view(self, request, object_id, extra_context=None):  # type: ignore[no-untyped-def]
        def view() -> Any:
            try:
                return super(CaseRecordAdmin, self).delete_view(request, object_id, extra_context)
            except MonthLocked as locked:
                # Django's delete view rolled its transaction back: nothing was deleted. Back to the record.
                messages.error(request, str(locked))
                return HttpResponseRedirect(request.get_full_path().replace("/delete/", "/change/", 1))

        return self._refusals_audited(request, object_id, view)

    def history_view(self, request, object_id, extra_context=None):  # type: ignore[no-untyped-def]
        return self._refusals_audited(
            request, object_id, lambda: super(CaseRecordAdmin, self).history_view(request, object_id, extra_context)
        )

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        def view() -> Any:
            try:
                return super(CaseRecordAdmin, self).changelist_view(request, extra_context)
            except MonthLocked as locked:
                # "Delete selected" met a locked month: delete_queryset rolled back, nothing was deleted.
                messages.error(request, str(locked))
                return HttpResponseRedirect(request.get_full_path())

        return self._refusals_audited(request, None, view)


def _lock_checked(form_class: type, obj: CaseRecord | None) -> type:
    """The admin form, refusing a record dated in a locked month as a form error: the page comes back with
    what was typed and the refusal in the reader's language (the service checks again when saving)."""
    months_before = obj.touched_months() if obj is not None else set()

    class LockCheckedForm(form_class):  # type: ignore[misc, valid-type]
        def _post_clean(self) -> None:
            super()._post_clean()
            if self._errors:
                return
            record = self.instance
            shelter_id = record.shelter_id
            if shelter_id is None and getattr(record, "victim_id", None) is not None:
                shelter_id = record.victim.shelter_id
            if shelter_id is None:
                return
            locked = locked_months(shelter_id=shelter_id, months=months_before | record.touched_months())
            if locked:
                self.add_error(None, str(MonthLocked(locked)))

    return LockCheckedForm


class _Refused(Exception):
    """A write the admin form passed but a lock refused: shown as a message, nothing saved."""


@admin.register(Victim)
class VictimAdmin(CaseRecordAdmin):
    list_display = ("case_code", "shelter", "role", "tip_victim", "intake_date", "exit_date")
    list_filter = ("role", "tip_victim", "exit_reason")
    search_fields = ("case_code",)
    readonly_fields = ("case_code",)
    exclude = ()

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A caseworker with one shelter never picks it; with several, they choose on creation only.
        if obj is not None or case_shelters_of(request.user).count() <= 1:
            return ("shelter",)
        return ()


@admin.register(Service)
class ServiceAdmin(CaseRecordAdmin):
    list_display = ("date", "category", "victim", "shelter")
    list_filter = ("category",)
    date_hierarchy = "date"


@admin.register(Referral)
class ReferralAdmin(CaseRecordAdmin):
    list_display = ("date", "kind", personal_column(Referral, "institution"), "victim", "shelter")
    list_filter = ("kind",)


@admin.register(LegalAction)
class LegalActionAdmin(CaseRecordAdmin):
    list_display = ("date", "kind", "crime", "victim", "shelter")
    list_filter = ("kind", "crime")


@admin.register(FollowUp)
class FollowUpAdmin(CaseRecordAdmin):
    list_display = ("date", personal_column(FollowUp, "method"), "victim", "shelter")


@admin.register(Training)
class TrainingAdmin(CaseRecordAdmin):
    list_display = ("date", "institution", "sector", "attendees", "shelter")
    list_filter = ("sector",)
    exclude = ()

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is not None or case_shelters_of(request.user).count() <= 1:
            return ("shelter",)
        return ()


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Coordinators read their shelters' trail. Nobody adds, changes or deletes it."""

    list_display = ("at", "actor_username", "action", "record_type", "record_id", "fields", "channel")
    list_filter = ("action", "record_type")
    search_fields = ("record_id", "actor_username")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.role == Role.COORDINATOR

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return audit_trail_visible_to(request.user)

    def get_actions(self, request: HttpRequest) -> dict:
        return {}
