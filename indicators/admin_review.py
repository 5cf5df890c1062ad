"""The monthly review in admin, for program staff: the status board (every shelter x month: status, failed
checks, drift after approval; late months first), and approving or returning a month from it and from the
Annex 2 table page (its review panel posts here).

Counts only: nothing here shows a case record. Writes go through `indicators.review`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from proteja_site.api import parse_month
from shelters.admin import is_program_admin
from shelters.models import Shelter
from shelters.months import month_from_number, month_number

from . import review
from .admin_forms import MonthRangeForm
from .board import month_rows
from .models import MonthReview, MonthStatus

BOARD_MONTHS_LIMIT = 36


class BoardForm(MonthRangeForm):
    shelter = forms.ModelChoiceField(
        queryset=Shelter.objects.all(), to_field_name="slug", required=False, label=gettext_lazy("Shelter")
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        last = cleaned.get("end") or timezone.localdate().replace(day=1)
        first = cleaned.get("start") or month_from_number(month_number(last) - 11)
        if first > last:
            self.add_error("start", _("The first month is after the last."))
        elif month_number(last) - month_number(first) >= BOARD_MONTHS_LIMIT:
            self.add_error("start", _("At most %(count)d months at once.") % {"count": BOARD_MONTHS_LIMIT})
        cleaned["first"], cleaned["last"] = first, last
        return cleaned


def review_action(request: HttpRequest) -> None:
    """Approve or return the posted shelter-month, saying the outcome in the reader's language."""
    shelter = Shelter.objects.filter(slug=request.POST.get("shelter", "")).first()
    month = parse_month(request.POST.get("month", ""))
    if shelter is None or month is None:
        messages.error(request, _("Choose a shelter and a month."))
        return
    label = f"{shelter.name} {month:%Y-%m}"
    try:
        if request.POST.get("action") == "approve":
            review.month_approve(actor=request.user, shelter=shelter, month=month)
            messages.success(request, _("%(month)s approved and locked.") % {"month": label})
        elif request.POST.get("action") == "return":
            _returned, emailed = review.month_return(
                actor=request.user, shelter=shelter, month=month, comment=request.POST.get("comment", "")
            )
            messages.success(request, _("%(month)s returned to the shelter.") % {"month": label})
            if not emailed:
                messages.warning(
                    request, _("The e-mail to the shelter's coordinators could not be sent; the return is saved.")
                )
        else:
            messages.error(request, _("Choose approve or return."))
    except review.ReviewConflict as conflict:
        messages.error(request, str(conflict))
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)


@admin.register(MonthReview)
class MonthReviewAdmin(admin.ModelAdmin):
    """The status board replaces the change list; reviews are changed only through the review's services."""

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

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if not is_program_admin(request):
            raise PermissionDenied
        if request.method == "POST":
            review_action(request)
            back = request.POST.get("next", "")
            if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                back = request.get_full_path()
            return HttpResponseRedirect(back)
        form = BoardForm(request.GET or {})
        rows: list[dict[str, Any]] = []
        if form.is_valid():
            shelters = Shelter.objects.all()
            if form.cleaned_data.get("shelter"):
                shelters = shelters.filter(pk=form.cleaned_data["shelter"].pk)
            rows = month_rows(
                shelters=shelters, first_month=form.cleaned_data["first"], last_month=form.cleaned_data["last"]
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Monthly review: status board"),
            "opts": self.model._meta,
            "form": form,
            "rows": rows,
            "statuses": dict(MonthStatus.choices),
            "table_url": reverse("admin:indicators_annex2_table"),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/indicators/review_board.html", context)
