"""Cases: the list and its search (posted, never in a URL), registering a victim with the children who came,
the case page, the exit, and a child added later."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from indicators.exceptions import MonthLocked
from shelters import services
from shelters.audit import audit_views
from shelters.models import (
    CaseRecord,
    FollowUp,
    LegalAction,
    Referral,
    Service,
    ServiceCategory,
    Shelter,
    Victim,
    VictimRole,
)
from shelters.selectors import assignable_staff, is_coordinator_of, records_visible_to, victims_visible_to
from web.forms import CaseFilterForm, ChildFormSet, ExitForm, SecondaryVictimForm, ServiceForm, VictimForm
from web.views.common import CHANNEL, case_of, current_shelter, shelter_staff_page, shows_personal_data
from web.views.tasks import default_assignment, filter_by_assignment

# --- Case list --------------------------------------------------------------------------------------------------

CASES_PER_PAGE = 50
SEARCH_RESULTS_LIMIT = 100


def _fold(text: str) -> str:
    """Lower case without accents, so that "maria" finds "María"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _search(victims: Iterable[Victim], query: str) -> list[Victim]:
    """Cases whose name or case code contains every word of the query, at most SEARCH_RESULTS_LIMIT."""
    words = _fold(query).split()
    found = []
    for victim in victims:
        text = _fold(f"{victim.case_code} {victim.given_name or ''} {victim.family_name or ''}")
        if all(word in text for word in words):
            found.append(victim)
            if len(found) == SEARCH_RESULTS_LIMIT:
                break
    return found


@shelter_staff_page
def case_list(request: HttpRequest) -> HttpResponse:
    shelter = current_shelter(request)
    if request.method == "POST":
        form = CaseFilterForm(request.POST)
    else:
        # The search text only ever comes posted; filters may come in the query string (no personal data).
        params = request.GET.copy()
        params.pop("q", None)
        params.setdefault("status", "open")
        params.setdefault("assigned", default_assignment(request.user))
        form = CaseFilterForm(params)
    filters = form.cleaned_data if form.is_valid() else {"status": "open"}

    victims = victims_visible_to(request.user).filter(shelter=shelter).order_by("-intake_date", "-case_code")
    if filters.get("role"):
        victims = victims.filter(role=filters["role"])
    if filters.get("tip"):
        victims = victims.filter(tip_victim=filters["tip"] == "yes")
    if filters.get("status") == "open":
        victims = victims.filter(exit_date__isnull=True)
    elif filters.get("status") == "closed":
        victims = victims.filter(exit_date__isnull=False)

    query = (filters.get("q") or "").strip()
    assigned = filters.get("assigned") or default_assignment(request.user)
    if not query:
        victims = filter_by_assignment(victims, user=request.user, assigned=assigned)
    victims = victims.select_related("assigned_to")
    page = None
    if query and any(char.isdigit() for char in query):
        # A query with digits is a case code: the database searches it.
        rows = list(victims.filter(case_code__icontains=query)[:SEARCH_RESULTS_LIMIT])
    elif query:
        # Names are encrypted at rest with Fernet (a random IV each time), so the database cannot
        # compare them: the shelter's cases, filtered in SQL, are decrypted and matched here. A shelter
        # has at most a few thousand cases, which takes well under a second.
        rows = _search(victims.iterator(chunk_size=500), query)
    else:
        page = Paginator(victims, CASES_PER_PAGE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    # The rows show names: one audit INSERT for the whole page.
    audit_views(actor=request.user, records=rows, channel=CHANNEL)
    filter_query = urlencode({key: value for key, value in filters.items() if key != "q" and value})
    all_cases_query = urlencode(
        {**{key: value for key, value in filters.items() if key not in ("q", "assigned") and value}, "assigned": "all"}
    )
    coordinator = is_coordinator_of(request.user, shelter.pk)
    return render(
        request,
        "web/case_list.html",
        {
            "shelter": shelter,
            "form": form,
            "rows": rows,
            "page": page,
            "query": query,
            "filter_query": filter_query,
            "all_cases_query": all_cases_query,
            "assigned": assigned,
            # Coordinators assign from the list: one query for the choices of every row.
            "staff": list(assignable_staff(shelter)) if coordinator else None,
        },
    )


# --- Registering a victim ---------------------------------------------------------------------------------------


@shelter_staff_page
def victim_new(request: HttpRequest) -> HttpResponse:
    """Register a primary victim and the children who came with them, all or nothing."""
    shelter = current_shelter(request)
    data = request.POST if request.method == "POST" else None
    form = VictimForm(data, prefix="victim")
    children = ChildFormSet(data, prefix="children")
    if data is not None and form.is_valid() and children.is_valid():
        victim = _register(request, shelter=shelter, form=form, children=children)
        if victim is not None:
            messages.success(request, _("Case %(code)s registered.") % {"code": victim.case_code})
            return redirect("web:case", pk=victim.pk)
    return render(request, "web/victim_new.html", {"shelter": shelter, "form": form, "children": children})


def _register(request: HttpRequest, *, shelter: Shelter, form: VictimForm, children: Any) -> Victim | None:
    with transaction.atomic():
        try:
            victim = services.victim_create(
                actor=request.user,
                shelter=shelter,
                data={**form.cleaned_data, "role": VictimRole.PRIMARY},
                channel=CHANNEL,
            )
        except (ValidationError, MonthLocked) as error:
            form.apply_errors(error)
            return None
        refused = False
        for child_form in children.forms:
            if not child_form.has_changed():
                continue
            child_data = {
                **child_form.cleaned_data,
                "role": VictimRole.SECONDARY,
                "primary_victim": victim,
                "intake_date": victim.intake_date,
            }
            try:
                services.victim_create(actor=request.user, shelter=shelter, data=child_data, channel=CHANNEL)
            except (ValidationError, MonthLocked) as error:
                child_form.apply_errors(error)
                refused = True
        if refused:
            # Nothing is kept, not even the primary victim: the page comes back with everything typed.
            transaction.set_rollback(True)
            return None
    return victim


# --- The case page ----------------------------------------------------------------------------------------------

TIMELINE_MODELS: list[tuple[type[CaseRecord], str]] = [
    (Service, "service"),
    (Referral, "referral"),
    (LegalAction, "legal_action"),
    (FollowUp, "follow_up"),
]


@shelter_staff_page
def case_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    victim = case_of(request, pk)
    children = (
        list(victims_visible_to(request.user).filter(primary_victim=victim).order_by("case_code"))
        if victim.role == VictimRole.PRIMARY
        else []
    )
    timeline = []
    for model, kind in TIMELINE_MODELS:
        for record in records_visible_to(request.user, model).filter(victim=victim):
            timeline.append({"kind": kind, "record": record, "date": record.date})
    timeline.sort(key=lambda event: (event["date"], event["record"].created_at), reverse=True)

    is_coordinator = is_coordinator_of(request.user, victim.shelter_id)
    shown = [victim, *children, *(event["record"] for event in timeline if shows_personal_data(event["record"]))]
    audit_views(actor=request.user, records=shown, channel=CHANNEL)
    return render(
        request,
        "web/case_detail.html",
        {
            "victim": victim,
            "children": children,
            "timeline": timeline,
            "service_form": ServiceForm(prefix="quick"),
            "categories": ServiceCategory.choices,
            "today": timezone.localdate(),
            "staff": list(assignable_staff(victim.shelter)) if is_coordinator else None,
        },
    )


@shelter_staff_page
def case_exit(request: HttpRequest, pk: Any) -> HttpResponse:
    victim = case_of(request, pk)
    initial = {"exit_date": victim.exit_date or timezone.localdate(), "exit_reason": victim.exit_reason}
    form = ExitForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_update(actor=request.user, record=victim, data=form.cleaned_data, channel=CHANNEL)
        except (ValidationError, MonthLocked) as error:
            form.apply_errors(error)
        else:
            messages.success(request, _("Exit recorded for case %(code)s.") % {"code": victim.case_code})
            return redirect("web:case", pk=victim.pk)
    return render(request, "web/record_form.html", {"victim": victim, "form": form, "title": _("Record the exit")})


@shelter_staff_page
def child_new(request: HttpRequest, pk: Any) -> HttpResponse:
    """Add a child who came with a primary victim (a secondary victim), e.g. one who arrived later."""
    victim = case_of(request, pk)
    if victim.role != VictimRole.PRIMARY:
        raise Http404
    form = SecondaryVictimForm(
        request.POST if request.method == "POST" else None, initial={"intake_date": victim.intake_date}
    )
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "role": VictimRole.SECONDARY, "primary_victim": victim}
        try:
            child = services.victim_create(actor=request.user, shelter=victim.shelter, data=data, channel=CHANNEL)
        except (ValidationError, MonthLocked) as error:
            form.apply_errors(error)
        else:
            messages.success(request, _("Case %(code)s registered.") % {"code": child.case_code})
            return redirect("web:case", pk=victim.pk)
    return render(request, "web/record_form.html", {"victim": victim, "form": form, "title": _("Add a child")})
