"""Records on a case's timeline (services, referrals, legal actions, follow-ups) and the shelter's trainings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shelters import services
from shelters.audit import audit_views
from shelters.exceptions import MonthLocked
from shelters.models import CaseRecord, FollowUp, LegalAction, Referral, Service, Training, Victim
from shelters.refusals import record_refusal
from shelters.selectors import records_visible_to
from web.forms import (
    FollowUpForm,
    LegalActionForm,
    ReferralForm,
    ServiceForm,
    ServiceValidatedForm,
    TrainingForm,
    month_locked_message,
)
from web.views.common import CHANNEL, case_of, current_shelter, shelter_staff_page, shows_personal_data

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
    model, form_class, title = _kind(kind)
    victim = case_of(request, pk)
    prefix = "quick" if request.method == "POST" and kind == "services" and "quick-category" in request.POST else None
    form = form_class(request.POST if request.method == "POST" else None, prefix=prefix)
    _fit_date_to_case(form, model, victim)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_create(
                actor=request.user, model=model, data={**form.record_data(), "victim": victim}, channel=CHANNEL
            )
        except (ValidationError, MonthLocked) as error:
            form.apply_errors(error)
        else:
            messages.success(request, _saved_message(record))
            return redirect(reverse("web:case", kwargs={"pk": victim.pk}) + "#timeline")
    return render(request, "web/record_form.html", {"victim": victim, "form": form, "title": title, "kind": kind})


def _fit_date_to_case(form: ServiceValidatedForm, model: type[CaseRecord], victim: Victim) -> None:
    """No form proposes a date it would refuse: today only where today is allowed for this case.

    A follow-up comes after the exit (none proposed on the exit's own day); a service lies inside the stay.
    The allowed range is said next to the field.
    """
    today = timezone.localdate()
    field = form.fields["date"]
    if model is FollowUp and victim.exit_date:
        field.initial = today if today > victim.exit_date else None
        field.help_text = _("After the exit (%(date)s).") % {"date": date_format(victim.exit_date, "SHORT_DATE_FORMAT")}
    elif model is Service:
        field.initial = min(today, victim.exit_date) if victim.exit_date else today
        start = date_format(victim.intake_date, "SHORT_DATE_FORMAT")
        if victim.exit_date:
            end = date_format(victim.exit_date, "SHORT_DATE_FORMAT")
            field.help_text = _("During the stay: %(start)s to %(end)s.") % {"start": start, "end": end}
        else:
            field.help_text = _("From the intake (%(date)s) to today.") % {"date": start}


# --- Corrections ------------------------------------------------------------------------------------------------


def _record_of(request: HttpRequest, victim: Victim, model: type[CaseRecord], record_id: Any) -> CaseRecord:
    """A record of this case, if the user may see it; otherwise a 404, audited like any refused record."""
    record = (
        records_visible_to(request.user, model).filter(victim=victim, pk=record_id).select_related("victim").first()
    )
    if record is None:
        record_refusal(
            request,
            actor=request.user,
            record_type=model._meta.model_name,
            record_id=record_id,
            status=404,
            channel=CHANNEL,
        )
        raise Http404
    return record


def _kind(kind: str) -> tuple[type[CaseRecord], type[ServiceValidatedForm], Any]:
    if kind not in RECORD_KINDS:
        raise Http404
    return RECORD_KINDS[kind]


@shelter_staff_page
def record_edit(request: HttpRequest, pk: Any, kind: str, record_id: Any) -> HttpResponse:
    """Correct an entry of the timeline, under the rules and month locks of creation; audited as a change."""
    model, form_class, _title = _kind(kind)
    victim = case_of(request, pk)
    record = _record_of(request, victim, model, record_id)
    form = form_class(request.POST if request.method == "POST" else None, instance=record)
    _fit_date_to_case(form, model, victim)  # the range it accepts, next to the date (the entry's own date stays)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_update(actor=request.user, record=record, data=form.record_data(), channel=CHANNEL)
        except (ValidationError, MonthLocked) as error:
            form.apply_errors(error)
        else:
            messages.success(request, _corrected_message(record))
            return redirect(reverse("web:case", kwargs={"pk": victim.pk}) + "#timeline")
    elif request.method != "POST" and shows_personal_data(record):
        audit_views(actor=request.user, records=[record], channel=CHANNEL)
    title = _("Correct: %(record)s") % {"record": record._meta.verbose_name}
    delete_url = reverse("web:record-delete", kwargs={"pk": victim.pk, "kind": kind, "record_id": record.pk})
    return render(
        request,
        "web/record_form.html",
        {"victim": victim, "form": form, "title": title, "kind": kind, "delete_url": delete_url},
    )


@shelter_staff_page
def record_delete(request: HttpRequest, pk: Any, kind: str, record_id: Any) -> HttpResponse:
    """Delete an entry of the timeline, after a confirmation; refused in a locked month; audited."""
    model, _form_class, _title = _kind(kind)
    victim = case_of(request, pk)
    record = _record_of(request, victim, model, record_id)
    error = None
    if request.method == "POST":
        try:
            services.record_delete(actor=request.user, record=record, channel=CHANNEL)
        except MonthLocked as locked:
            error = month_locked_message(locked)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, _deleted_message(record))
            return redirect(reverse("web:case", kwargs={"pk": victim.pk}) + "#timeline")
    when = date_format(record.date, "SHORT_DATE_FORMAT")
    return render(
        request,
        "web/confirm_delete.html",
        {
            "victim": victim,
            "title": _("Delete: %(record)s") % {"record": record._meta.verbose_name},
            "question": _("Delete this entry (%(record)s, %(date)s)? This cannot be undone.")
            % {"record": record._meta.verbose_name, "date": when},
            "error": error,
            "back_url": reverse("web:record-edit", kwargs={"pk": victim.pk, "kind": kind, "record_id": record.pk}),
        },
    )


def _corrected_message(record: CaseRecord) -> str:
    when = date_format(record.date, "SHORT_DATE_FORMAT")
    return _("Correction saved: %(record)s, %(date)s.") % {"record": record._meta.verbose_name, "date": when}


def _deleted_message(record: CaseRecord) -> str:
    when = date_format(record.date, "SHORT_DATE_FORMAT")
    return _("Entry deleted: %(record)s, %(date)s.") % {"record": record._meta.verbose_name, "date": when}


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
