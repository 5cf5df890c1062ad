"""The home page: the shelter's day at a glance; other roles are sent where they work."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shelters.models import Role, Service
from shelters.selectors import (
    can_see_case_records,
    case_shelters_of,
    follow_ups_due,
    records_visible_to,
    victims_visible_to,
)
from web.views.common import CURRENT_SHELTER_KEY, current_shelter

# --- Home -------------------------------------------------------------------------------------------------------


@login_required
@never_cache
def home(request: HttpRequest) -> HttpResponse:
    """Shelter staff get their shelter's home; program staff the admin; partners a pointer to the API."""
    user = request.user
    if not can_see_case_records(user):
        if user.role == Role.PROGRAM_STAFF or (user.is_superuser and not user.role):
            return redirect("admin:index")
        return render(request, "web/partner.html")
    return shelter_home(request)


def shelter_home(request: HttpRequest) -> HttpResponse:
    shelter = current_shelter(request)
    today = timezone.localdate()
    month_start = today.replace(day=1)
    victims = victims_visible_to(request.user).filter(shelter=shelter)
    counts = victims.aggregate(
        open_cases=Count("pk", filter=Q(exit_date__isnull=True)),
        new_this_month=Count("pk", filter=Q(intake_date__gte=month_start, intake_date__lte=today)),
        my_open_cases=Count("pk", filter=Q(exit_date__isnull=True, assigned_to_id=request.user.pk)),
    )
    services_this_month = (
        records_visible_to(request.user, Service)
        .filter(shelter=shelter, date__gte=month_start, date__lte=today)
        .count()
    )
    # Dated tasks, overdue first, then the user's own cases. Case codes only: no name on the home page.
    due = follow_ups_due(user=request.user, shelter=shelter, today=today)
    return render(
        request,
        "web/home.html",
        {
            "shelter": shelter,
            "month_start": month_start,
            "open_cases": counts["open_cases"],
            "new_this_month": counts["new_this_month"],
            "services_this_month": services_this_month,
            "follow_ups_due": due,
            "overdue_count": sum(1 for item in due if item.overdue),
            "my_open_cases": counts["my_open_cases"],
            "today": today,
        },
    )


@login_required
@require_POST
def switch_shelter(request: HttpRequest) -> HttpResponse:
    shelter_id = request.POST.get("shelter", "")
    shelter = get_object_or_404(case_shelters_of(request.user), pk=int(shelter_id) if shelter_id.isdigit() else 0)
    request.session[CURRENT_SHELTER_KEY] = shelter.pk
    return redirect("web:home")
