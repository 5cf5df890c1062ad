"""A case's consents: recording one, withdrawing it, and the form the caseworker prints for the victim to sign.

Through `transfers.services` like the API. The case page lists them (purpose and dates, no notes, so no
personal data is shown there); the printable form shows the case code, never a name: the victim writes
her name on the paper.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shelters.refusals import record_refusal
from transfers import services
from transfers.models import Consent
from transfers.selectors import consents_of
from web.forms import DateInput, ServiceValidatedForm
from web.views.common import CHANNEL, case_of, shelter_staff_page


class ConsentForm(ServiceValidatedForm):
    class Meta:
        model = Consent
        fields = ["purpose", "given_on", "expires_on", "notes"]
        widgets = {
            "purpose": forms.RadioSelect,
            "given_on": DateInput(),
            "expires_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


def _consent_of(request: HttpRequest, victim: Any, consent_id: Any) -> Consent:
    consent = consents_of(user=request.user, victim=victim).filter(pk=consent_id).first()
    if consent is None:
        record_refusal(
            request, actor=request.user, record_type="consent", record_id=consent_id, status=404, channel=CHANNEL
        )
        raise Http404
    return consent


@shelter_staff_page
def consent_new(request: HttpRequest, pk: Any) -> HttpResponse:
    victim = case_of(request, pk)
    form = ConsentForm(request.POST or None, initial={"given_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.consent_record(
                actor=request.user, victim=victim, data=form.record_data(), channel=CHANNEL
            )
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, _("Consent recorded. Print the form for the victim to sign."))
            return redirect(reverse("web:consent-print", args=[victim.pk, consent.pk]))
    return render(request, "web/consent_form.html", {"victim": victim, "form": form})


@require_POST
@shelter_staff_page
def consent_withdraw(request: HttpRequest, pk: Any, consent_id: Any) -> HttpResponse:
    victim = case_of(request, pk)
    consent = _consent_of(request, victim, consent_id)
    try:
        services.consent_withdraw(actor=request.user, consent=consent, on=timezone.localdate(), channel=CHANNEL)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Consent withdrawn as of today."))
    return redirect(reverse("web:case", args=[victim.pk]) + "#consents")


@shelter_staff_page
def consent_print(request: HttpRequest, pk: Any, consent_id: Any) -> HttpResponse:
    """A print-friendly page, in the page's language (Spanish by default): the case code, the purpose, the
    dates and lines for the signatures."""
    victim = case_of(request, pk)
    consent = _consent_of(request, victim, consent_id)
    return render(request, "web/consent_print.html", {"victim": victim, "consent": consent})
