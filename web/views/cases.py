"""Cases: the list and its search (posted, never in a URL), registering a victim with the children who came,
the case page, the exit, and a child added later."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from shelters import services
from shelters.audit import audit_views
from shelters.exceptions import MonthLocked
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
from shelters.selectors import (
    assignable_staff,
    is_coordinator_of,
    possible_duplicates,
    records_visible_to,
    victims_named,
    victims_visible_to,
)
from transfers.selectors import consents_of, transfers_of_case
from web.forms import (
    CaseFilterForm,
    ChildFormSet,
    DuplicateConfirmForm,
    ExitForm,
    SecondaryVictimForm,
    ServiceForm,
    VictimForm,
    month_locked_message,
)
from web.views.common import CHANNEL, case_of, current_shelter, shelter_staff_page, shows_personal_data
from web.views.tasks import default_assignment, filter_by_assignment

# --- Case list --------------------------------------------------------------------------------------------------

CASES_PER_PAGE = 50
SEARCH_RESULTS_LIMIT = 100
SEARCH_SESSION_KEY = "web_case_search"
SEARCH_FLAG = "search"


@shelter_staff_page
def case_list(request: HttpRequest) -> HttpResponse:
    shelter = current_shelter(request)
    if request.method == "POST":
        form = CaseFilterForm(request.POST)
        if form.is_valid():
            return _searched(request, form)
    else:
        # The search text only ever comes posted and is kept in the session; filters may come in the query
        # string (no personal data), and `search=1` asks for the session's search text again (Back, reload).
        params = request.GET.copy()
        params.pop("q", None)
        if params.pop(SEARCH_FLAG, None):
            params["q"] = request.session.get(SEARCH_SESSION_KEY, "")
        params.setdefault("status", "open")
        params.setdefault("assigned", default_assignment(request.user))
        form = CaseFilterForm(params)
    filters = form.cleaned_data if form.is_valid() else {"status": "open"}

    victims = victims_visible_to(request.user).filter(shelter=shelter).order_by("-intake_date", "-case_code")
    if filters.get("role"):
        victims = victims.filter(role=filters["role"])
    if filters.get("tip"):
        victims = victims.filter(tip_victim=filters["tip"] == "yes")
    query = (filters.get("q") or "").strip()
    # A search looks through closed cases too (a victim who comes back is found); the status filter is the list's.
    if not query and filters.get("status") == "open":
        victims = victims.filter(exit_date__isnull=True)
    elif not query and filters.get("status") == "closed":
        victims = victims.filter(exit_date__isnull=False)
    assigned = filters.get("assigned") or default_assignment(request.user)
    if not query:
        victims = filter_by_assignment(victims, user=request.user, assigned=assigned)
    victims = victims.select_related("assigned_to")
    page = None
    if query and any(char.isdigit() for char in query):
        # A query with digits is a case code: the database searches it.
        rows = list(victims.filter(case_code__icontains=query)[:SEARCH_RESULTS_LIMIT])
    elif query:
        # Names are encrypted (a random IV each time): whole folded words are matched on their blind index.
        rows = list(victims_named(victims, query)[:SEARCH_RESULTS_LIMIT])
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
            "closed_count": sum(1 for row in rows if row.exit_date),
            "filter_query": filter_query,
            "all_cases_query": all_cases_query,
            "assigned": assigned,
            # Coordinators assign from the list: one query for the choices of every row.
            "staff": list(assignable_staff(shelter)) if coordinator else None,
        },
    )


def _searched(request: HttpRequest, form: CaseFilterForm) -> HttpResponse:
    """Post, then redirect: the results page is a GET (Back and reload never ask to send the form again).

    The search text may be a name: it stays in the session (server-side, ended with it), never in the URL.
    """
    query = (form.cleaned_data.get("q") or "").strip()
    request.session[SEARCH_SESSION_KEY] = query
    params = {key: value for key, value in form.cleaned_data.items() if key != "q" and value}
    if query:
        params[SEARCH_FLAG] = "1"
    return redirect(reverse("web:cases") + "?" + urlencode(params))


# --- Registering a victim ---------------------------------------------------------------------------------------


@shelter_staff_page
def victim_new(request: HttpRequest) -> HttpResponse:
    """Register a primary victim and the children who came with them, all or nothing.

    A possible duplicate already in the shelter (open or closed) is shown by case code, and nothing is
    saved until the caseworker confirms that it is another person.
    """
    shelter = current_shelter(request)
    data = request.POST if request.method == "POST" else None
    form = VictimForm(data, prefix="victim")
    children = ChildFormSet(data, prefix="children")
    confirm = DuplicateConfirmForm(data, prefix="duplicates")
    duplicates: list[dict[str, Any]] = []
    if data is not None and form.is_valid() and children.is_valid():
        typed = [(form, _("This victim"))] + [
            (child, _("Child %(number)s") % {"number": number})
            for number, child in enumerate(children.forms, start=1)
            if child.has_changed()
        ]
        duplicates = _duplicates_of(request, shelter=shelter, forms=typed)
        if duplicates and not confirm.confirms(_codes(duplicates)):
            confirm = _confirmation_for(duplicates)
        else:
            duplicates = []
            victim = _register(request, shelter=shelter, form=form, children=children)
            if victim is not None:
                messages.success(request, _("Case %(code)s registered.") % {"code": victim.case_code})
                return redirect("web:case", pk=victim.pk)
    return render(
        request,
        "web/victim_new.html",
        {"shelter": shelter, "form": form, "children": children, "duplicates": duplicates, "confirm": confirm},
    )


def _duplicates_of(
    request: HttpRequest, *, shelter: Shelter, forms: list[tuple[Any, str]], exclude: Victim | None = None
) -> list[dict[str, Any]]:
    """For each form whose person may already be a case of the shelter: its label and those cases."""
    found = []
    for form, label in forms:
        cases = list(
            possible_duplicates(
                user=request.user,
                shelter=shelter,
                given_name=form.cleaned_data.get("given_name"),
                family_name=form.cleaned_data.get("family_name"),
                birth_year=form.cleaned_data.get("birth_year"),
                exclude_ids=[exclude.pk] if exclude is not None else (),
            ).only("id", "case_code", "intake_date", "exit_date")
        )
        if cases:
            found.append({"label": label, "cases": cases})
    return found


def _codes(duplicates: list[dict[str, Any]]) -> set[str]:
    return {case.case_code for entry in duplicates for case in entry["cases"]}


def _confirmation_for(duplicates: list[dict[str, Any]]) -> DuplicateConfirmForm:
    # A fresh, unticked box for exactly the cases shown now.
    return DuplicateConfirmForm(initial={"seen": ",".join(sorted(_codes(duplicates)))}, prefix="duplicates")


def _register(request: HttpRequest, *, shelter: Shelter, form: VictimForm, children: Any) -> Victim | None:
    with transaction.atomic():
        try:
            victim = services.victim_create(
                actor=request.user,
                shelter=shelter,
                data={**form.record_data(), "role": VictimRole.PRIMARY},
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
                **child_form.record_data(),
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

# (model, the timeline's name for it, its URL slug in web.views.records)
TIMELINE_MODELS: list[tuple[type[CaseRecord], str, str]] = [
    (Service, "service", "services"),
    (Referral, "referral", "referrals"),
    (LegalAction, "legal_action", "legal-actions"),
    (FollowUp, "follow_up", "follow-ups"),
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
    for model, kind, slug in TIMELINE_MODELS:
        for record in records_visible_to(request.user, model).filter(victim=victim):
            timeline.append(
                {
                    "kind": kind,
                    "slug": slug,
                    "label": model._meta.verbose_name,
                    "record": record,
                    "date": record.date,
                    "order": 0,
                }
            )
    if victim.exit_date:
        # The exit stands on the timeline; on its day it comes after the services of that day.
        timeline.append({"kind": "exit", "record": None, "date": victim.exit_date, "order": 1})
    timeline.sort(
        key=lambda event: (event["date"], event["order"], event["record"].created_at if event["record"] else 0),
        reverse=True,
    )

    is_coordinator = is_coordinator_of(request.user, victim.shelter_id)
    shown = [
        victim,
        *children,
        *(event["record"] for event in timeline if event["record"] and shows_personal_data(event["record"])),
    ]
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
            # Purposes, dates and states only (no notes, no reasons): nothing personal to audit.
            "consents": list(consents_of(user=request.user, victim=victim)),
            "transfers": list(transfers_of_case(user=request.user, victim=victim)),
        },
    )


@shelter_staff_page
def case_exit(request: HttpRequest, pk: Any) -> HttpResponse:
    """Record or correct the exit; a primary victim's children still in the shelter may leave with them."""
    victim = case_of(request, pk)
    if request.method == "POST" and request.POST.get("action") == "reopen":
        return _reopen(request, victim)
    # Offered: the children still in the shelter and, when an exit is corrected, those who left with them
    # (same exit date, so that a corrected date moves theirs too). Ticked: all those still here at a first
    # exit; at a correction only those who left with them, so a child who stayed is never sent by default.
    offered = (
        list(
            victims_visible_to(request.user)
            .filter(primary_victim=victim)
            .filter(
                Q(exit_date__isnull=True) | Q(exit_date=victim.exit_date)
                if victim.exit_date
                else Q(exit_date__isnull=True)
            )
            .select_related("primary_victim")
            .order_by("case_code")
        )
        if victim.role == VictimRole.PRIMARY
        else []
    )
    ticked = [child for child in offered if child.exit_date == victim.exit_date]
    initial = {"exit_date": victim.exit_date or timezone.localdate(), "exit_reason": victim.exit_reason}
    form = ExitForm(
        request.POST if request.method == "POST" else None, initial=initial, children=offered, ticked=ticked
    )
    if request.method == "POST" and form.is_valid():
        leaving = form.chosen_children()
        try:
            services.victim_exit(
                actor=request.user,
                victim=victim,
                exit_date=form.cleaned_data["exit_date"],
                exit_reason=form.cleaned_data["exit_reason"],
                children=leaving,
                channel=CHANNEL,
            )
        except (ValidationError, MonthLocked) as error:
            # Nothing was saved, and the database rolled back: the victim is shown as it is stored.
            victim.refresh_from_db()
            form.apply_errors(error)
        else:
            codes = ", ".join(child.case_code for child in leaving)
            message = _("Exit recorded for case %(code)s.") % {"code": victim.case_code}
            if codes:
                message += " " + _("The children %(codes)s left with them.") % {"codes": codes}
            messages.success(request, message)
            return redirect("web:case", pk=victim.pk)
    elif request.method == "POST":
        _the_rules_errors_too(request, victim=victim, form=form)
    # The children's names are on the page.
    audit_views(actor=request.user, records=[child for child in offered if shows_personal_data(child)], channel=CHANNEL)
    title = _("Correct the exit") if victim.exit_date else _("Record the exit")
    return render(request, "web/case_exit.html", {"victim": victim, "form": form, "title": title})


def _the_rules_errors_too(request: HttpRequest, *, victim: Victim, form: ExitForm) -> None:
    """Every error at once: with a field missing, the exit typed so far still goes through the service's rules
    (an exit date before the intake, a locked month), in a transaction rolled back, so that its refusals are
    shown with the form's own errors, not one after the other."""
    exit_date = form.cleaned_data.get("exit_date")
    if exit_date is None:
        return
    # A stand-in for a missing reason: the reason's own error is the form's already.
    reason = form.cleaned_data.get("exit_reason") or form.fields["exit_reason"].choices[0][0]
    try:
        with transaction.atomic():
            services.victim_exit(
                actor=request.user,
                victim=victim,
                exit_date=exit_date,
                exit_reason=reason,
                children=form.chosen_children() if "children" in form.cleaned_data else [],
                channel=CHANNEL,
            )
            transaction.set_rollback(True)  # nothing is saved, audited or recomputed: the form is not valid
    except MonthLocked as locked:
        form.add_error(None, month_locked_message(locked))
    except ValidationError as error:
        for field, errors in getattr(error, "message_dict", {None: error.messages}).items():
            target = field if field in form.fields else None
            if target is None or not form.has_error(target):
                form.add_error(target, errors)
    victim.refresh_from_db()


def _reopen(request: HttpRequest, victim: Victim) -> HttpResponse:
    """Remove an exit recorded by mistake: the case is open again (refused while follow-ups are recorded)."""
    if victim.exit_date is None:
        return redirect("web:case", pk=victim.pk)
    try:
        services.record_update(
            actor=request.user, record=victim, data={"exit_date": None, "exit_reason": ""}, channel=CHANNEL
        )
    except (ValidationError, MonthLocked) as error:
        messages.error(request, _refusal_text(error))
        return redirect("web:case-exit", pk=victim.pk)
    messages.success(
        request, _("The exit of case %(code)s was removed: the case is open.") % {"code": victim.case_code}
    )
    return redirect(reverse("web:case", kwargs={"pk": victim.pk}) + "#timeline")


def _refusal_text(error: ValidationError | MonthLocked) -> str:
    if isinstance(error, MonthLocked):
        return month_locked_message(error)
    return " ".join(error.messages)


# --- Correcting the case's details ------------------------------------------------------------------------------


@shelter_staff_page
def case_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    """Correct the case's details (names, sex, birth year, nationality, intake, TIP, notes) under the same rules."""
    victim = case_of(request, pk)
    data = request.POST if request.method == "POST" else None
    form = VictimForm(data, instance=victim, prefix="victim")
    confirm = DuplicateConfirmForm(data, prefix="duplicates")
    duplicates: list[dict[str, Any]] = []
    ready = data is not None and form.is_valid()
    # A name corrected into another case's is the same possible duplicate as at registration.
    if ready and {"given_name", "family_name", "birth_year"} & set(form.changed_data):
        duplicates = _duplicates_of(request, shelter=victim.shelter, forms=[(form, _("This victim"))], exclude=victim)
        if duplicates and not confirm.confirms(_codes(duplicates)):
            confirm = _confirmation_for(duplicates)
            ready = False
        else:
            duplicates = []
    if ready:
        try:
            services.record_update(actor=request.user, record=victim, data=form.record_data(), channel=CHANNEL)
        except (ValidationError, MonthLocked) as error:
            victim.refresh_from_db()
            form.apply_errors(error)
        else:
            messages.success(request, _("Details of case %(code)s saved.") % {"code": victim.case_code})
            return redirect("web:case", pk=victim.pk)
    elif request.method != "POST" and shows_personal_data(victim):
        audit_views(actor=request.user, records=[victim], channel=CHANNEL)
    return render(
        request,
        "web/record_form.html",
        {
            "victim": victim,
            "form": form,
            "duplicates": duplicates,
            "confirm": confirm,
            "title": _("Correct the details"),
            "delete_url": reverse("web:case-delete", kwargs={"pk": victim.pk}),
        },
    )


@shelter_staff_page
def case_delete(request: HttpRequest, pk: Any) -> HttpResponse:
    """Delete a case registered by mistake, with every record logged about it (not while children are linked)."""
    victim = case_of(request, pk)
    error = None
    if request.method == "POST":
        try:
            services.record_delete(actor=request.user, record=victim, channel=CHANNEL)
        except ValidationError:
            error = _("Children are registered with this case: delete them or correct their case first.")
        except MonthLocked as locked:
            error = month_locked_message(locked)
        else:
            messages.success(request, _("Case %(code)s deleted.") % {"code": victim.case_code})
            return redirect("web:cases")
    return render(
        request,
        "web/confirm_delete.html",
        {
            "victim": victim,
            "title": _("Delete case %(code)s") % {"code": victim.case_code},
            "question": _(
                "Delete this case and every service, referral, legal action and follow-up logged about it? "
                "This cannot be undone."
            ),
            "error": error,
            "back_url": reverse("web:case-edit", kwargs={"pk": victim.pk}),
        },
    )


@shelter_staff_page
def child_new(request: HttpRequest, pk: Any) -> HttpResponse:
    """Add a child who came with a primary victim (a secondary victim), e.g. one who arrived later."""
    victim = case_of(request, pk)
    if victim.role != VictimRole.PRIMARY:
        raise Http404
    data = request.POST if request.method == "POST" else None
    form = SecondaryVictimForm(data, initial={"intake_date": victim.intake_date})
    confirm = DuplicateConfirmForm(data, prefix="duplicates")
    duplicates: list[dict[str, Any]] = []
    if data is not None and form.is_valid():
        duplicates = _duplicates_of(request, shelter=victim.shelter, forms=[(form, _("This child"))])
        if duplicates and not confirm.confirms(_codes(duplicates)):
            confirm = _confirmation_for(duplicates)
        else:
            duplicates = []
            record = {**form.record_data(), "role": VictimRole.SECONDARY, "primary_victim": victim}
            try:
                child = services.victim_create(actor=request.user, shelter=victim.shelter, data=record, channel=CHANNEL)
            except (ValidationError, MonthLocked) as error:
                form.apply_errors(error)
            else:
                messages.success(request, _("Case %(code)s registered.") % {"code": child.case_code})
                return redirect("web:case", pk=victim.pk)
    return render(
        request,
        "web/record_form.html",
        {"victim": victim, "form": form, "title": _("Add a child"), "duplicates": duplicates, "confirm": confirm},
    )
