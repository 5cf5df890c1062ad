"""Records on a case's timeline (services, referrals, legal actions, follow-ups) and the shelter's trainings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.exceptions import MonthLocked
from shelters import services
from shelters.models import CaseRecord, FollowUp, LegalAction, Referral, Service, Training
from shelters.selectors import records_visible_to
from web.forms import FollowUpForm, LegalActionForm, ReferralForm, ServiceForm, ServiceValidatedForm, TrainingForm
from web.views.common import CHANNEL, case_of, current_shelter, shelter_staff_page

# Records logged about a case: (model, form, page title).
RECORD_KINDS: dict[str, tuple[type[CaseRecord], type[ServiceValidatedForm], Any]] = {
    "services": (Service, ServiceForm, gettext_lazy("Log a service")),
    "referrals": (Referral, ReferralForm, gettext_lazy("Record a referral")),
    "legal-actions": (LegalAction, LegalActionForm, gettext_lazy("Record a legal action")),
    "follow-ups": (FollowUp, FollowUpForm, gettext_lazy("Record a follow-up")),
}


@shelter_staff_page
def record_new(request: HttpRequest, pk: Any, kind: str) -> HttpResponse:
    """Log a service, referral, legal action or follow-up about a case.

    The case page's quick service form posts here (prefix "quick"): category and today's date.
    """
    if kind not in RECORD_KINDS:
        raise Http404
    model, form_class, title = RECORD_KINDS[kind]
    victim = case_of(request, pk)
    prefix = "quick" if request.method == "POST" and kind == "services" and "quick-category" in request.POST else None
    form = form_class(request.POST if request.method == "POST" else None, prefix=prefix)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_create(
                actor=request.user, model=model, data={**form.cleaned_data, "victim": victim}, channel=CHANNEL
            )
        except (ValidationError, MonthLocked) as error:
            form.apply_errors(error)
        else:
            messages.success(request, _saved_message(record))
            return redirect(reverse("web:case", kwargs={"pk": victim.pk}) + "#timeline")
    return render(request, "web/record_form.html", {"victim": victim, "form": form, "title": title, "kind": kind})


def _saved_message(record: CaseRecord) -> str:
    when = date_format(record.date, "SHORT_DATE_FORMAT")
    if isinstance(record, Service):
        return _("Service logged: %(category)s, %(date)s.") % {"category": record.get_category_display(), "date": when}
    return _("%(record)s saved, %(date)s.") % {"record": record._meta.verbose_name.capitalize(), "date": when}


# --- Trainings --------------------------------------------------------------------------------------------------


@shelter_staff_page(record_type="training")
def trainings(request: HttpRequest) -> HttpResponse:
    shelter = current_shelter(request)
    form = TrainingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_create(
                actor=request.user, model=Training, data={**form.cleaned_data, "shelter": shelter}, channel=CHANNEL
            )
        except (ValidationError, MonthLocked) as error:
            form.apply_errors(error)
        else:
            messages.success(request, _("Training recorded."))
            return redirect("web:trainings")
    rows = records_visible_to(request.user, Training).filter(shelter=shelter)[:200]
    return render(request, "web/trainings.html", {"shelter": shelter, "form": form, "rows": rows})
