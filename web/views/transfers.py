"""Transfers between shelters, on both sides: proposing one from a case, and the shelter's transfers page
(`/transfers/`) where the receiving shelter accepts or declines and the sending one cancels.

Through `transfers.services` like the API. The receiving shelter's list shows the transfer's own fields
(from where, the date, the reason, which fields will come), never the sender's case; once accepted it
links to its own new case.
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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from indicators.exceptions import MonthLocked
from shelters.audit import audit_in_trails
from shelters.models import AuditAction, Shelter
from shelters.refusals import record_refusal
from transfers import services
from transfers.exceptions import TransferStateConflict
from transfers.models import ShareableField, Transfer
from transfers.selectors import incoming_transfers, outgoing_transfers, receiving_shelters, transfers_visible_to
from web.forms import DateInput, ServiceValidatedForm
from web.views.common import CHANNEL, case_of, current_shelter, shelter_staff_page


class TransferForm(ServiceValidatedForm):
    share = forms.MultipleChoiceField(
        label=gettext_lazy("Fields the receiving shelter gets"),
        choices=ShareableField.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Transfer
        fields = ["to_shelter", "date", "reason", "share"]
        widgets = {"date": DateInput(), "reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, shelter: Shelter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_shelter"].queryset = receiving_shelters(shelter)


@shelter_staff_page
def transfer_new(request: HttpRequest, pk: Any) -> HttpResponse:
    victim = case_of(request, pk)
    form = TransferForm(
        request.POST or None,
        shelter=victim.shelter,
        initial={"date": timezone.localdate(), "share": [choice for choice in ShareableField.values]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_propose(actor=request.user, victim=victim, data=form.record_data(), channel=CHANNEL)
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, _("Transfer proposed. The receiving shelter will accept or decline it."))
            return redirect(reverse("web:case", args=[victim.pk]) + "#consents")
    return render(request, "web/transfer_form.html", {"victim": victim, "form": form})


@shelter_staff_page(record_type="transfer")
def transfer_list(request: HttpRequest) -> HttpResponse:
    shelter = current_shelter(request)
    incoming = list(incoming_transfers(user=request.user, shelter=shelter))
    outgoing = list(outgoing_transfers(user=request.user, shelter=shelter))
    # The reasons are personal: shown, so audited in this shelter's own trail (one INSERT).
    audit_in_trails(
        actor=request.user,
        action=AuditAction.VIEW,
        entries=[(transfer, shelter.pk, ["reason"]) for transfer in [*incoming, *outgoing] if transfer.reason],
        channel=CHANNEL,
    )
    return render(
        request,
        "web/transfers.html",
        {"shelter": shelter, "incoming": incoming, "outgoing": outgoing, "share_labels": dict(ShareableField.choices)},
    )


STEPS = {
    "accept": (services.transfer_accept, gettext_lazy("Transfer accepted: the case is now one of yours.")),
    "decline": (services.transfer_decline, gettext_lazy("Transfer declined.")),
    "cancel": (services.transfer_cancel, gettext_lazy("Transfer cancelled.")),
}


@require_POST
@shelter_staff_page(record_type="transfer")
def transfer_step(request: HttpRequest, transfer_id: Any, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    transfer = transfers_visible_to(request.user).select_related("to_shelter").filter(pk=transfer_id).first()
    if transfer is None:
        record_refusal(
            request, actor=request.user, record_type="transfer", record_id=transfer_id, status=404, channel=CHANNEL
        )
        raise Http404
    service, done = STEPS[step]
    try:
        transfer = service(actor=request.user, transfer=transfer, channel=CHANNEL)
    except (ValidationError, MonthLocked, TransferStateConflict) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
        return redirect("web:transfers")
    messages.success(request, done)
    if step == "accept" and transfer.received_victim_id:
        return redirect("web:case", pk=transfer.received_victim_id)
    return redirect("web:transfers")
