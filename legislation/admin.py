"""Django admin for states, the federal law and networks: program staff only, writes through `services`.

The states' list shows the tile map (`tile_map.tile_map_svg`) for the quarter chosen on the right; a state's
page asks for the source of every change and shows its history, read-only.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.functional import lazy
from django.utils.html import format_html_join
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from meetings.selectors import Quarter
from shelters.admin import ProgramStaffAdmin

from . import services
from .models import FederalLaw, Network, State, StateChange
from .palermo import PALERMO_ELEMENTS, PalermoElement
from .services import STATE_FIELDS
from .tile_map import tile_map_svg

PRESENT = (("", _("Not checked")), ("yes", _("Yes")), ("no", _("No")))


class StateForm(forms.ModelForm):
    """The law's fields, one yes/no/not-checked choice per Palermo Protocol element, and the source."""

    source = forms.CharField(
        label=pgettext_lazy("cited", "source"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The document or person the new values come from; kept with the change."),
    )

    class Meta:
        model = State
        fields = ["tip_law_status", "tip_law_name", "tip_law_date", "task_force_since", "notes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.palermo_elements or {}
        for element in PALERMO_ELEMENTS:
            value = stored.get(element.key)
            self.fields[f"palermo_{element.key}"].initial = "" if value is None else ("yes" if value else "no")

    @property
    def palermo_elements(self) -> dict[str, bool]:
        answers = {element.key: self.cleaned_data.get(f"palermo_{element.key}", "") for element in PALERMO_ELEMENTS}
        return {key: answer == "yes" for key, answer in answers.items() if answer}


def _element_label(element: PalermoElement) -> str:
    """The element's label in the active language (Spanish unless English is asked for)."""
    return lazy(
        lambda: (
            f"{element.article} · "
            + (element.label_en if (get_language() or "es").startswith("en") else element.label_es)
        ),
        str,
    )()


# One yes/no/not-checked choice per element, declared on the class so that the admin's fieldsets may name them.
for _element in PALERMO_ELEMENTS:
    StateForm.base_fields[f"palermo_{_element.key}"] = StateForm.declared_fields[f"palermo_{_element.key}"] = (
        forms.ChoiceField(
            label=_element_label(_element),
            choices=PRESENT,
            required=False,
        )
    )


class StateChangeInline(admin.TabularInline):
    model = StateChange
    fields = ("at", "actor_username", "source", "what_changed", "channel")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-at", "-id")
    verbose_name = _("change")
    verbose_name_plural = _("history of changes")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        from shelters.admin import is_program_admin

        return is_program_admin(request)

    @admin.display(description=_("what changed"))
    def what_changed(self, change: StateChange) -> str:
        return format_html_join(
            "\n",
            "<div><strong>{}</strong>: {} → {}</div>",
            (
                (
                    field,
                    json.dumps(values.get("old"), ensure_ascii=False),
                    json.dumps(values.get("new"), ensure_ascii=False),
                )
                for field, values in sorted(change.changes.items())
            ),
        )


class MapQuarterFilter(admin.SimpleListFilter):
    """Which quarter's meetings the map counts; lists every state whichever is chosen."""

    title = _("meetings in quarter")
    parameter_name = "quarter"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        months = Meeting.objects.dates("start_date", "month", order="DESC")
        quarters = dict.fromkeys(f"{month.year}-Q{(month.month - 1) // 3 + 1}" for month in months)
        return [(quarter, quarter) for quarter in quarters]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset

    def quarter(self) -> Quarter | None:
        try:
            return Quarter.parse(self.value()) if self.value() else None
        except ValueError:
            return None


@admin.register(State)
class StateAdmin(ProgramStaffAdmin):
    form = StateForm
    list_display = ("name", "code", "tip_law_status", "tip_law_name", "tip_law_date", "task_force_since")
    list_filter = (MapQuarterFilter, "tip_law_status")
    search_fields = ("name", "code", "tip_law_name")
    readonly_fields = ("code", "name")
    inlines = [StateChangeInline]
    change_list_template = "admin/legislation/state/change_list.html"
    list_per_page = 50

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        palermo = [f"palermo_{element.key}" for element in PALERMO_ELEMENTS]
        return [
            (None, {"fields": ["code", "name", "tip_law_status", "tip_law_name", "tip_law_date", "task_force_since"]}),
            (_("Palermo Protocol elements"), {"fields": palermo}),
            (None, {"fields": ["notes", "source"]}),
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The 32 federal entities are made by a migration; none is added or deleted.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> TemplateResponse:
        response = super().changelist_view(request, extra_context)
        if isinstance(response, TemplateResponse) and "cl" in response.context_data:
            changelist = response.context_data["cl"]
            chosen = next(
                (spec.quarter() for spec in changelist.filter_specs if isinstance(spec, MapQuarterFilter)), None
            )
            if chosen is None:
                latest = Meeting.objects.order_by("-start_date").values_list("start_date", flat=True).first()
                chosen = Quarter(latest.year, (latest.month - 1) // 3 + 1) if latest else None
            response.context_data["tile_map"] = tile_map_svg(State.objects.order_by("code"), chosen)
            response.context_data["map_quarter"] = chosen
        return response

    def save_model(self, request: HttpRequest, obj: State, form: StateForm, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in STATE_FIELDS if name in form.cleaned_data}
        data["palermo_elements"] = form.palermo_elements
        services.state_update(
            actor=request.user,
            state=State.objects.get(pk=obj.pk),
            data=data,
            source=form.cleaned_data["source"],
            channel="admin",
        )


@admin.register(FederalLaw)
class FederalLawAdmin(ProgramStaffAdmin):
    list_display = ("tip_law_name", "tip_law_status", "tip_law_date", "signed_on", "in_force_on")
    fields = ("tip_law_name", "tip_law_status", "tip_law_date", "signed_on", "in_force_on", "notes", "source")

    def save_model(self, request: HttpRequest, obj: FederalLaw, form: Any, change: bool) -> None:
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
            services.federal_law_save(
                actor=request.user, law=FederalLaw.objects.get(pk=obj.pk), data=data, channel="admin"
            )
        else:
            obj.pk = services.federal_law_save(actor=request.user, law=None, data=form.cleaned_data, channel="admin").pk


@admin.register(Network)
class NetworkAdmin(ProgramStaffAdmin):
    list_display = ("name", "kind", "state", "established_on")
    list_filter = ("kind", "state")
    search_fields = ("name", "notes", "organizations__name")
    filter_horizontal = ("organizations",)
    list_select_related = ("state",)

    def save_model(self, request: HttpRequest, obj: Network, form: Any, change: bool) -> None:
        data = {name: value for name, value in form.cleaned_data.items() if name != "organizations"}
        if change:
            changed = {name: data[name] for name in form.changed_data if name in data}
            services.network_update(
                actor=request.user, network=Network.objects.get(pk=obj.pk), data=changed, channel="admin"
            )
        else:
            obj.pk = services.network_create(actor=request.user, data=data, channel="admin").pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        services.network_update(
            actor=request.user,
            network=Network.objects.get(pk=form.instance.pk),
            data={},
            organizations=form.cleaned_data.get("organizations") or [],
            channel="admin",
        )

    def delete_model(self, request: HttpRequest, obj: Network) -> None:
        services.network_delete(actor=request.user, network=obj, channel="admin")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for network in queryset:
            services.network_delete(actor=request.user, network=network, channel="admin")
