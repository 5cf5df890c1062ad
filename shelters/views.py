"""The caseworkers' web pages: thin views over `shelters.selectors` (reads) and `shelters.services` (writes).

Every page that shows case data is sent with Cache-Control: no-store (`never_cache`), fetches
records only through the selectors (another shelter's case is a 404), and audits each
showing of personal fields. URLs carry ids and case codes, never a name: the search text is
posted, not put in a query string.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from indicators import locks
from indicators.exceptions import MonthLocked
from indicators.models import MonthSubmission
from indicators.tables import build_annex2_table

from . import services
from .audit import audit_views
from .forms import (
    CaseFilterForm,
    ChildFormSet,
    ExitForm,
    FollowUpForm,
    LegalActionForm,
    MonthRangeForm,
    ReferralForm,
    SecondaryVictimForm,
    ServiceForm,
    ServiceValidatedForm,
    SubmitMonthForm,
    TrainingForm,
    VictimForm,
    parse_month,
)
from .models import (
    CaseRecord,
    FollowUp,
    LegalAction,
    Referral,
    Role,
    Service,
    ServiceCategory,
    Shelter,
    Training,
    Victim,
    VictimRole,
)
from .refusals import record_refusal
from .selectors import can_see_case_records, case_shelters_of, is_coordinator_of, records_visible_to, victims_visible_to

CHANNEL = "web"
CURRENT_SHELTER_KEY = "web_shelter_id"
CASES_PER_PAGE = 50
SEARCH_RESULTS_LIMIT = 100
# A victim who left is followed up monthly during the first year after the exit.
FOLLOW_UP_INTERVAL = timedelta(days=30)
FOLLOW_UP_PERIOD = timedelta(days=365)


def shelter_staff_page(view: Callable[..., HttpResponse] | None = None, *, record_type: str | None = "victim") -> Any:
    """Signed-in shelter staff only; never stored by a browser or a proxy (the page may show case data).

    Another role's visit is refused (403) and audited as a refusal of `record_type` (the case the URL
    names, if any); `record_type=None` for a page that shows no case record (the Annex 2 totals).
    """
    if view is None:
        return lambda view: shelter_staff_page(view, record_type=record_type)

    @login_required
    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_see_case_records(request.user):
            if record_type is not None:
                record_refusal(
                    request,
                    actor=request.user,
                    record_type=record_type,
                    record_id=kwargs.get("pk", ""),
                    status=403,
                    channel=CHANNEL,
                )
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def current_shelter(request: HttpRequest) -> Shelter:
    """The shelter the pages work on: the user's only one, or the one chosen with the switch (one query)."""
    shelters = list(case_shelters_of(request.user))
    if not shelters:
        raise PermissionDenied
    chosen = request.session.get(CURRENT_SHELTER_KEY)
    request.user_shelters = shelters  # for the switch in the page header
    return next((shelter for shelter in shelters if shelter.pk == chosen), shelters[0])


def _shows_personal_data(record: CaseRecord) -> bool:
    return any(getattr(record, name) for name in record.personal_fields)


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
    )
    services_this_month = (
        records_visible_to(request.user, Service)
        .filter(shelter=shelter, date__gte=month_start, date__lte=today)
        .count()
    )
    # Follow-ups are due for a victim who left within the year and was last seen (exit or
    # follow-up, whichever is later) a month ago or more. Case codes only: no name on the home page.
    follow_ups_due = list(
        victims.filter(exit_date__isnull=False, exit_date__gte=today - FOLLOW_UP_PERIOD)
        .annotate(last_contact=Coalesce(Max("follow_ups__date"), "exit_date"))
        .filter(last_contact__lte=today - FOLLOW_UP_INTERVAL)
        .order_by("last_contact", "case_code")
        .values("pk", "case_code", "last_contact")
    )
    return render(
        request,
        "web/home.html",
        {
            "shelter": shelter,
            "month_start": month_start,
            "open_cases": counts["open_cases"],
            "new_this_month": counts["new_this_month"],
            "services_this_month": services_this_month,
            "follow_ups_due": follow_ups_due,
        },
    )


@login_required
@require_POST
def switch_shelter(request: HttpRequest) -> HttpResponse:
    shelter_id = request.POST.get("shelter", "")
    shelter = get_object_or_404(case_shelters_of(request.user), pk=int(shelter_id) if shelter_id.isdigit() else 0)
    request.session[CURRENT_SHELTER_KEY] = shelter.pk
    return redirect("web:home")


# --- Case list --------------------------------------------------------------------------------------------------


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
    return render(
        request,
        "web/case_list.html",
        {"shelter": shelter, "form": form, "rows": rows, "page": page, "query": query, "filter_query": filter_query},
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


def _case(request: HttpRequest, pk: Any) -> Victim:
    """The case, if the user may see it; another shelter's case does not exist for them (404, audited)."""
    try:
        return get_object_or_404(victims_visible_to(request.user).select_related("shelter", "primary_victim"), pk=pk)
    except Http404:
        record_refusal(request, actor=request.user, record_type="victim", record_id=pk, status=404, channel=CHANNEL)
        raise


@shelter_staff_page
def case_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    victim = _case(request, pk)
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

    shown = [victim, *children, *(event["record"] for event in timeline if _shows_personal_data(event["record"]))]
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
        },
    )


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
    victim = _case(request, pk)
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


@shelter_staff_page
def case_exit(request: HttpRequest, pk: Any) -> HttpResponse:
    victim = _case(request, pk)
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
    victim = _case(request, pk)
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
    if is_coordinator_of(request.user, shelter.pk):
        submit_form = SubmitMonthForm(initial={"month": min(last, timezone.localdate().replace(day=1))})
        submitted = set(
            MonthSubmission.objects.filter(shelter=shelter, month__in=months).values_list("month", flat=True)
        )
    columns = [
        {"month": month, "locked": f"{month:%Y-%m}" in locked, "submitted": month in submitted} for month in months
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
        },
    )


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
    if form.is_valid():
        month = form.cleaned_data["month"]
        try:
            locks.month_submit(actor=request.user, shelter=shelter, month=month)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
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


# --- Sign-in lockout --------------------------------------------------------------------------------------------


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes calls this once an account is locked after repeated failed sign-ins (AXES_LOCKOUT_CALLABLE)."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    if request.path_info.startswith("/api/"):
        detail = _("Too many failed sign-ins: this account is locked for %(minutes)d minutes.") % {"minutes": minutes}
        return JsonResponse({"detail": detail}, status=status)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=status)
