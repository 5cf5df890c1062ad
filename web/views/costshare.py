"""The coordinator's cost-share page: the quarter's figures for their shelter, its contributions, and adding one.

Figures and rules are the reports app's (`reports.selectors.quarterly_cost_share`, `reports.services`): this page
asks them for one shelter and shows the answer.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings.selectors import Quarter
from reports import services
from reports.models import CostShareContribution
from reports.selectors import contributions_visible_to, disbursements_visible_to, quarterly_cost_share
from shelters.models import Shelter
from web.forms import DateInput
from web.views.common import CHANNEL, shelter_staff_page
from web.views.trail import coordinated_shelter


class ContributionForm(forms.ModelForm):
    class Meta:
        model = CostShareContribution
        fields = ["date", "amount", "currency", "exchange_rate", "description"]
        widgets = {"date": DateInput(), "currency": forms.RadioSelect}

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate
        self.fields["amount"].widget.attrs["inputmode"] = "decimal"
        self.fields["exchange_rate"].widget.attrs["inputmode"] = "decimal"

    def _post_clean(self) -> None:
        # The service validates with the model's rules (it needs the shelter first).
        return None


def _quarter(request: HttpRequest) -> Quarter:
    """The quarter asked for (?quarter=2026-Q4), or the one under way."""
    try:
        return Quarter.parse(request.GET.get("quarter", ""))
    except ValueError:
        today = timezone.localdate()
        return Quarter(today.year, (today.month - 1) // 3 + 1)


def _neighbours(quarter: Quarter) -> tuple[Quarter, Quarter]:
    before = Quarter(quarter.year - 1, 4) if quarter.number == 1 else Quarter(quarter.year, quarter.number - 1)
    after = Quarter(quarter.year + 1, 1) if quarter.number == 4 else Quarter(quarter.year, quarter.number + 1)
    return before, after


@shelter_staff_page(record_type=None)
def cost_share(request: HttpRequest) -> HttpResponse:
    shelter = coordinated_shelter(request)
    quarter = _quarter(request)
    form = ContributionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.money_record_create(
                actor=request.user,
                model=CostShareContribution,
                data={**form.cleaned_data, "shelter": shelter},
                channel=CHANNEL,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Contribution recorded."))
            return redirect(reverse("web:cost-share") + f"?quarter={quarter}")
    figures = quarterly_cost_share(quarter=quarter, shelters=Shelter.objects.filter(pk=shelter.pk))
    in_quarter = {"shelter": shelter, "date__gte": quarter.first_day, "date__lte": quarter.last_day}
    before, after = _neighbours(quarter)
    return render(
        request,
        "web/cost_share.html",
        {
            "shelter": shelter,
            "quarter": quarter,
            "before": before,
            "after": after,
            "row": figures["shelters"][0] if figures["shelters"] else None,
            "contributions": list(contributions_visible_to(request.user).filter(**in_quarter).order_by("date", "id")),
            "disbursements": list(disbursements_visible_to(request.user).filter(**in_quarter).order_by("date", "id")),
            "form": form,
        },
    )


@require_POST
@shelter_staff_page(record_type=None)
def contribution_delete(request: HttpRequest, contribution_id: int) -> HttpResponse:
    shelter = coordinated_shelter(request)
    contribution = get_object_or_404(contributions_visible_to(request.user).filter(shelter=shelter), pk=contribution_id)
    services.money_record_delete(actor=request.user, record=contribution, channel=CHANNEL)
    messages.success(request, _("Contribution deleted."))
    quarter = Quarter(contribution.date.year, (contribution.date.month - 1) // 3 + 1)
    return redirect(reverse("web:cost-share") + f"?quarter={quarter}")
