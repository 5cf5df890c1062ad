"""What every shelter staff page shares: who may see it, which shelter it works on, the case it names.

Every page that shows case data is sent with Cache-Control: no-store (`never_cache`), fetches
records only through `shelters.selectors` (another shelter's case is a 404, audited), and audits each
showing of personal fields. URLs carry ids and case codes, never a name.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache

from shelters.models import CaseRecord, Shelter, Victim
from shelters.refusals import record_refusal
from shelters.selectors import can_see_case_records, case_shelters_of, victims_visible_to

CHANNEL = "web"
CURRENT_SHELTER_KEY = "web_shelter_id"


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


def shows_personal_data(record: CaseRecord) -> bool:
    return any(getattr(record, name) for name in record.personal_fields)


def case_of(request: HttpRequest, pk: Any) -> Victim:
    """The case, if the user may see it; another shelter's case does not exist for them (404, audited)."""
    try:
        victims = victims_visible_to(request.user).select_related("shelter", "primary_victim", "assigned_to")
        return get_object_or_404(victims, pk=pk)
    except Http404:
        record_refusal(request, actor=request.user, record_type="victim", record_id=pk, status=404, channel=CHANNEL)
        raise
