"""The shelter's Annex 2 table, read-only, and submitting a month for review."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from indicators import review
from indicators.models import MonthStatus, MonthSubmission
from indicators.tables import build_annex2_table
from shelters.models import Shelter
from shelters.selectors import can_see_case_records, is_coordinator_of
from web.forms import MonthRangeForm, SubmitMonthForm, parse_month
from web.views.common import current_shelter, shelter_staff_page

# --- Annex 2 ----------------------------------------------------------------------------------------------------


def _default_months(shelter: Shelter) -> tuple[date, date]:
    """This year so far, or since the agreement started if that is later."""
    this_month = timezone.localdate().replace(day=1)
    first = this_month.replace(month=1)
    if shelter.agreement_start and first < shelter.agreement_start <= this_month:
        first = shelter.agreement_start
    return first, this_month


@shelter_staff_page(record_type=None)
def annex2(request: HttpRequest) -> HttpResponse:
    """The shelter's Annex 2 table for the chosen months, read-only."""
    shelter = current_shelter(request)
    first, last = _default_months(shelter)
    form = MonthRangeForm(request.GET if "from" in request.GET or "to" in request.GET else {"from": first, "to": last})
    table = None
    if form.is_valid():
        first, last = form.cleaned_data["from"], form.cleaned_data["to"]
        table = build_annex2_table(shelter=shelter, first_month=first, last_month=last, language=_language())
    months = [parse_month(label) for label in table["months"]] if table else []
    locked = set(table["locked_months"]) if table else set()
    submit_form, submitted = None, set()
    # Months program staff sent back, with their comment, at the top of the page until resubmitted.
    returned = list(
        MonthSubmission.objects.filter(shelter=shelter, status=MonthStatus.RETURNED).order_by("-month")[:12]
    )
    if is_coordinator_of(request.user, shelter.pk):
        submit_form = SubmitMonthForm(initial={"month": last_finished_month()})
        submitted = set(
            MonthSubmission.objects.filter(shelter=shelter, month__in=months)
            .exclude(status=MonthStatus.RETURNED)
            .values_list("month", flat=True)
        )
    returned_months = {review.month for review in returned}
    columns = [
        {
            "month": month,
            "locked": f"{month:%Y-%m}" in locked,
            "submitted": month in submitted,
            "returned": month in returned_months,
        }
        for month in months
    ]
    return render(
        request,
        "web/annex2.html",
        {
            "shelter": shelter,
            "form": form,
            "table": table,
            "columns": columns,
            "column_count": len(columns) + 2,
            "submit_form": submit_form,
            "returned": returned,
        },
    )


def last_finished_month() -> date:
    """The month a coordinator usually submits: the one before the month under way."""
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def _language() -> str:
    return "en" if (get_language() or "es").startswith("en") else "es"


@login_required
@never_cache
@require_POST
def month_submit(request: HttpRequest) -> HttpResponse:
    """A coordinator submits a month of their shelter's table for program staff's review."""
    if not can_see_case_records(request.user):
        raise PermissionDenied
    shelter = current_shelter(request)
    if not is_coordinator_of(request.user, shelter.pk):
        raise PermissionDenied
    form = SubmitMonthForm(request.POST)
    this_month = timezone.localdate().replace(day=1)
    if form.is_valid() and request.POST.get("confirm") != "yes" and form.cleaned_data["month"] <= this_month:
        # A submission cannot be withdrawn from the pages: the coordinator confirms the month first. (A month
        # not begun goes straight to the service, which refuses it.)
        month = form.cleaned_data["month"]
        query = urlencode(_posted_range(request))
        return render(
            request,
            "web/month_submit_confirm.html",
            {
                "shelter": shelter,
                "month": month,
                "under_way": month == this_month,
                "posted_range": _posted_range(request),
                "back": reverse("web:annex2") + (f"?{query}" if query else ""),
            },
        )
    if form.is_valid():
        month = form.cleaned_data["month"]
        try:
            review.month_submit(actor=request.user, shelter=shelter, month=month)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except review.ReviewConflict as conflict:
            messages.error(request, str(conflict))
        else:
            month_name = date_format(month, "YEAR_MONTH_FORMAT")
            messages.success(request, _("%(month)s submitted for review.") % {"month": month_name})
    else:
        for message in form.errors.get("month", []):
            messages.error(request, message)
    query = urlencode(_posted_range(request))
    return redirect(reverse("web:annex2") + (f"?{query}" if query else ""))


def _posted_range(request: HttpRequest) -> dict[str, str]:
    return {key: request.POST[key] for key in ("from", "to") if request.POST.get(key)}
