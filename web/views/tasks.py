"""Tasks: who is in charge of a case (coordinators assign) and the shelter's follow-up plan.

The rules (who may assign, to whom; what a plan may be) are `shelters.services`'; these pages only offer
what those services allow and show their refusals.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shelters import services
from shelters.models import Role, Victim
from shelters.selectors import assignable_staff, is_coordinator_of
from web.forms import AssignForm, FollowUpPlanForm
from web.views.common import CHANNEL, case_of, current_shelter, shelter_staff_page


def default_assignment(user: Any) -> str:
    """A caseworker's list opens on their own cases; a coordinator's on all of the shelter's."""
    return "all" if user.role == Role.COORDINATOR else "mine"


def filter_by_assignment(victims: QuerySet[Victim], *, user: Any, assigned: str) -> QuerySet[Victim]:
    if assigned == "mine":
        return victims.filter(assigned_to_id=user.pk)
    if assigned == "nobody":
        return victims.filter(assigned_to__isnull=True)
    return victims


@require_POST
@shelter_staff_page
def case_assign(request: HttpRequest, pk: Any) -> HttpResponse:
    """A coordinator assigns a case, from the case page or the case list (which it sends back to)."""
    victim = case_of(request, pk)
    if not is_coordinator_of(request.user, victim.shelter_id):
        raise PermissionDenied
    form = AssignForm(request.POST, staff=assignable_staff(victim.shelter))
    if form.is_valid():
        assignee = form.cleaned_data["assigned_to"]
        try:
            services.case_assign(actor=request.user, victim=victim, assignee=assignee, channel=CHANNEL)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            if assignee is None:
                messages.success(request, _("Case %(code)s is now nobody's.") % {"code": victim.case_code})
            else:
                messages.success(
                    request,
                    _("Case %(code)s assigned to %(username)s.")
                    % {"code": victim.case_code, "username": assignee.username},
                )
    else:
        messages.error(request, _("Choose a caseworker or coordinator of this shelter."))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(back)
    return redirect("web:case", pk=victim.pk)


@shelter_staff_page(record_type=None)
def follow_up_plan(request: HttpRequest) -> HttpResponse:
    """The coordinator's setting of when follow-ups fall due after an exit; caseworkers read it."""
    shelter = current_shelter(request)
    coordinator = is_coordinator_of(request.user, shelter.pk)
    form = FollowUpPlanForm(
        request.POST if request.method == "POST" else None, initial={"months": shelter.follow_up_plan}
    )
    if request.method == "POST":
        if not coordinator:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.follow_up_plan_set(
                    actor=request.user, shelter=shelter, months=form.cleaned_data["months"], channel=CHANNEL
                )
            except ValidationError as error:
                form.add_error("months", error.messages)
            else:
                messages.success(request, _("Follow-up plan saved."))
                return redirect("web:follow-up-plan")
    return render(request, "web/follow_up_plan.html", {"shelter": shelter, "form": form, "coordinator": coordinator})
