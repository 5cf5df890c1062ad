"""The coordinator's audit trail of their shelter: searchable by case code, person and date, told in words.

Entries are shown in the page's language and the shelter's time zone: the action, the record by its case code
(or the account by its username), and the fields by their names, never an id, a model name or a JSON list.
The trail holds no personal value (only which fields), so reading it is not itself an audited view.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import selectors as account_selectors
from shelters.models import AuditEntry, Role, Shelter, User, Victim
from shelters.selectors import case_codes_of_entries, trail_of
from web.forms import DateInput
from web.views.common import current_shelter, shelter_staff_page

ENTRIES_PER_PAGE = 50

CHANNELS = {
    "web": gettext_lazy("web pages"),
    "api": gettext_lazy("API"),
    "admin": gettext_lazy("admin"),
    "submit": gettext_lazy("web pages"),
    "import": gettext_lazy("import"),
    "export": gettext_lazy("export"),
}


def coordinated_shelter(request: HttpRequest) -> Shelter:
    """The shelter the pages work on, if the user coordinates it; anyone else is refused (403)."""
    if request.user.role != Role.COORDINATOR:
        raise PermissionDenied
    shelter = current_shelter(request)
    if not account_selectors.may_grant_shelter_access(request.user, shelter):
        raise PermissionDenied
    return shelter


class TrailSearchForm(forms.Form):
    """Case codes, usernames and dates: nothing personal, so the search may go in the URL."""

    case = forms.CharField(label=gettext_lazy("Case code"), required=False, max_length=20)
    person = forms.CharField(label=gettext_lazy("Person (username)"), required=False, max_length=150)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())
    kind = forms.ChoiceField(
        label=gettext_lazy("Entries"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("changes", gettext_lazy("Records created, changed or deleted")),
            ("views", gettext_lazy("Personal data viewed")),
            ("accounts", gettext_lazy("Account events")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("case", "person"):
            self.fields[name].widget.attrs.update({"autocomplete": "off", "autocapitalize": "none"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_to"] < cleaned["date_from"]:
            self.add_error("date_to", _("The last day cannot be before the first."))
        return cleaned


@shelter_staff_page(record_type=None)
def trail(request: HttpRequest) -> HttpResponse:
    shelter = coordinated_shelter(request)
    form = TrailSearchForm(request.GET or None)
    search = form.cleaned_data if form.is_valid() else {}
    entries = trail_of(
        user=request.user,
        shelter=shelter,
        case_code=search.get("case") or "",
        person=search.get("person") or "",
        date_from=search.get("date_from"),
        date_to=search.get("date_to"),
        kind=search.get("kind") or "",
    )
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    rows = describe(shelter=shelter, entries=list(page.object_list))
    query = urlencode({key: value for key, value in request.GET.items() if key != "page" and value})
    return render(
        request, "web/trail.html", {"shelter": shelter, "form": form, "page": page, "rows": rows, "query": query}
    )


def describe(*, shelter: Shelter, entries: list[AuditEntry]) -> list[dict[str, Any]]:
    """Each entry in words: who, when, what they did, to which record (case code or username), which fields."""
    codes = case_codes_of_entries(shelter=shelter, entries=entries)
    user_ids = [int(entry.record_id) for entry in entries if entry.record_type == "user" and entry.record_id.isdigit()]
    usernames = (
        {str(pk): name for pk, name in User.objects.filter(pk__in=user_ids).values_list("pk", "username")}
        if user_ids
        else {}
    )
    rows = []
    for entry in entries:
        model = _model(entry.record_type)
        kind = str(model._meta.verbose_name) if model else entry.record_type.replace("_", " ")
        code = codes.get((entry.record_type, entry.record_id), "")
        if model is Victim:
            record = _("case %(code)s") % {"code": code} if code else _("a case since deleted")
        elif code:
            record = _("%(kind)s of case %(code)s") % {"kind": kind, "code": code}
        elif entry.record_type == "user":
            record = _("account %(username)s") % {"username": usernames.get(entry.record_id, "?")}
        else:
            record = kind
        rows.append(
            {
                "at": entry.at,
                "who": entry.actor_username or _("the system"),
                "action": entry.get_action_display(),
                "record": record,
                "code": code,
                "fields": [_field_label(model, name) for name in entry.fields or []],
                "channel": CHANNELS.get(entry.channel, entry.channel),
                "repeats": entry.repeats,
            }
        )
    return rows


def _model(record_type: str) -> type[Model] | None:
    for model in apps.get_models():
        if model._meta.model_name == record_type:
            return model
    return None


def _field_label(model: type[Model] | None, name: str) -> str:
    if "->" in name:
        # A role change records its transition ("caseworker->coordinator"), not a field.
        roles = dict(Role.choices)
        return " → ".join(str(roles.get(part, part)) for part in name.split("->", 1))
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            pass
    return name.replace("_", " ")
