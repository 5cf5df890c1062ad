"""Forms of the caseworkers' web pages.

The forms parse what was typed (types, required, choices); the rules on a case
record are the models' own and run once, in `shelters.services` (as for the API
and the admin). A service's ValidationError comes back here and each message is
put next to its field (`apply_errors`), so the form is shown again with what was
typed and the error in the user's language.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy
from django_countries import countries

from proteja_site.api import MONTH_INVALID, parse_month
from shelters.blind_index import fold
from shelters.exceptions import MonthLocked
from shelters.models import FollowUp, LegalAction, Referral, Service, Training, Victim, VictimRole

# The labels that DateRangeValidator translates at run time: marked here so that makemessages finds them.
DATE_LABELS = (gettext_noop("Intake date"), gettext_noop("Exit date"), gettext_noop("Date"))


class DateInput(forms.DateInput):
    """The browser's date picker: it sends and shows ISO dates whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MonthInput(forms.TextInput):
    input_type = "month"


class ServiceValidatedForm(forms.ModelForm):
    """A ModelForm for fields and widgets only: the service validates with the models' rules and saves."""

    def _post_clean(self) -> None:
        # Skip the ModelForm's own model validation: the service runs the same rules once, with the
        # record fully assembled (victim, shelter), and its errors come back through apply_errors().
        return None

    def record_data(self) -> dict[str, Any]:
        """What the service writes: the model's fields only (not a form's own choices such as `no_name`).

        An empty text where the model stores NULL for empty (the encrypted notes) is sent as None, so that a
        correction that leaves the notes empty does not count, nor audit, as a change of them.
        """
        data = {}
        for name, value in self.cleaned_data.items():
            if name not in self._meta.fields:
                continue
            if value == "" and self._meta.model._meta.get_field(name).null:
                value = None
            data[name] = value
        return data

    def apply_errors(self, error: ValidationError | MonthLocked) -> None:
        """Show a service's refusal on the form: each message next to its field, the rest above the form."""
        if isinstance(error, MonthLocked):
            self.add_error(None, month_locked_message(error))
            return
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


def month_locked_message(error: MonthLocked) -> str:
    return str(error)


def _today() -> date:
    return timezone.localdate()


def say_birth_year_bounds(form: forms.Form) -> None:
    """The input says the bounds the model holds to (1900 to this year), not the field type's own 0."""
    form.fields["birth_year"].widget.attrs.update({"min": 1900, "max": timezone.localdate().year})


def _no_name_field() -> forms.BooleanField:
    # No help text: beside a checkbox it would stand between the box and its label on a phone.
    return forms.BooleanField(label=_("Register without a name (the person gives none)"), required=False)


def _require_name_or_choice(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """A case without a name is a choice someone made, never a form left untouched."""
    if not (cleaned.get("given_name") or cleaned.get("family_name")) and not cleaned.get("no_name"):
        form.add_error("given_name", _("Give a name, or tick “Register without a name”."))


# The one list of country names a page holds (templates/web/_countries.html): every nationality input of the
# page points at it, so the registration page carries 250 names once, not once per person on it.
COUNTRY_LIST_ID = "countries"


class CountryInput(forms.TextInput):
    """A country typed, or picked from the page's list of names; it shows a stored code as the country's name."""

    def __init__(self) -> None:
        super().__init__(attrs={"list": COUNTRY_LIST_ID, "autocomplete": "off"})

    def format_value(self, value: Any) -> str | None:
        code = str(getattr(value, "code", value) or "")  # the model gives a Country, a form's initial a code
        if len(code) == 2 and code.upper() in dict(countries):
            return str(dict(countries)[code.upper()])
        return super().format_value(value)


class CountryNameField(forms.CharField):
    """A nationality as the country's name in Spanish or English (accents and capitals aside) or its code (MX)."""

    widget = CountryInput

    def to_python(self, value: Any) -> str:
        text = super().to_python(value).strip()
        if not text:
            return ""
        if len(text) == 2 and text.upper() in dict(countries):
            return text.upper()
        wanted = fold(text)
        for language in ("es", "en"):
            with translation.override(language):
                for code, name in countries:
                    if fold(name) == wanted:
                        return code
        raise ValidationError(_("Choose a country from the list, or write its two-letter code (MX)."), code="invalid")


def _nationality_field() -> CountryNameField:
    return CountryNameField(
        label=capfirst(Victim._meta.get_field("nationality").verbose_name), required=False, max_length=100
    )


class _NamedForm(ServiceValidatedForm):
    """A victim's form: a name, or the explicit choice of none (`no_name`, shown right after the names)."""

    no_name = _no_name_field()
    nationality = _nationality_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["given_name", "family_name", "no_name"])
        for name in ("given_name", "family_name"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        if not self.instance._state.adding and not (self.instance.given_name or self.instance.family_name):
            self.fields["no_name"].initial = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        _require_name_or_choice(self, cleaned)
        return cleaned


class VictimForm(_NamedForm):
    """Registering a primary victim at intake, and correcting a case's details."""

    class Meta:
        model = Victim
        fields = [
            "given_name",
            "family_name",
            "sex",
            "birth_year",
            "nationality",
            "intake_date",
            "tip_victim",
            "exploitation_types",
            "notes",
        ]
        widgets = {
            "intake_date": DateInput(),
            "sex": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3}),
            "birth_year": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intake_date"].initial = _today
        self.fields["nationality"].initial = "MX"
        say_birth_year_bounds(self)
        if not self.instance._state.adding and self.instance.role == VictimRole.SECONDARY:
            # Only a primary victim can be a TIP victim: a child's details have no such fields.
            del self.fields["tip_victim"], self.fields["exploitation_types"]


class ChildForm(_NamedForm):
    """A child who came with the primary victim: a secondary victim with the same intake date."""

    class Meta:
        model = Victim
        fields = ["given_name", "family_name", "sex", "birth_year", "nationality"]
        widgets = {"sex": forms.RadioSelect, "birth_year": forms.NumberInput(attrs={"inputmode": "numeric"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nationality"].initial = "MX"
        say_birth_year_bounds(self)


MAX_CHILDREN_AT_INTAKE = 10


class BaseChildFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": _("Register at most %(num)d children here; add more from the case page."),
    }


# Blank child rows are ignored (a form nobody typed in is "unchanged"); three cover most families,
# and "add a child" on the case page covers the rest. The page says at most ten (MAX_NUM_FORMS), and the
# server holds to it: without validate_max and absolute_max Django builds and saves up to 1,010 forms.
ChildFormSet = forms.formset_factory(
    ChildForm,
    formset=BaseChildFormSet,
    extra=3,
    max_num=MAX_CHILDREN_AT_INTAKE,
    validate_max=True,
    absolute_max=MAX_CHILDREN_AT_INTAKE,
)


class SecondaryVictimForm(ChildForm):
    """Adding a child to an existing case: their own intake date, the primary victim's by default."""

    class Meta(ChildForm.Meta):
        fields = [*ChildForm.Meta.fields, "intake_date"]
        widgets = {**ChildForm.Meta.widgets, "intake_date": DateInput()}


class ServiceForm(ServiceValidatedForm):
    class Meta:
        model = Service
        fields = ["category", "date", "notes"]
        widgets = {"category": forms.RadioSelect, "date": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = _today
        self.fields["notes"].required = False


class ReferralForm(ServiceValidatedForm):
    class Meta:
        model = Referral
        fields = ["kind", "date", "institution", "reason"]
        widgets = {"kind": forms.RadioSelect, "date": DateInput(), "reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = _today


class LegalActionForm(ServiceValidatedForm):
    class Meta:
        model = LegalAction
        fields = ["kind", "crime", "date", "reference", "notes"]
        widgets = {
            "kind": forms.RadioSelect,
            "crime": forms.RadioSelect,
            "date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = _today


class FollowUpForm(ServiceValidatedForm):
    class Meta:
        model = FollowUp
        fields = ["date", "method", "notes"]
        widgets = {"date": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}


class ExitForm(ServiceValidatedForm):
    """Recording that a victim left the shelter: both fields are needed here (the model also allows neither).

    A primary victim's children are offered (`children`; `ticked` are ticked at first): those ticked get the
    same exit in one save (all or nothing).
    """

    children = forms.MultipleChoiceField(
        label=_("Children who leave with them"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ticked children get the same exit date and reason. Untick a child who stays."),
    )

    class Meta:
        model = Victim
        fields = ["exit_date", "exit_reason"]
        widgets = {"exit_date": DateInput(), "exit_reason": forms.RadioSelect}

    def __init__(
        self, *args: Any, children: list[Victim] | None = None, ticked: list[Victim] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["exit_date"].required = True
        self.fields["exit_date"].initial = _today
        self.fields["exit_reason"].required = True
        # The model's blank choice ("---------") has no place among radio buttons.
        self.fields["exit_reason"].choices = [c for c in self.fields["exit_reason"].choices if c[0]]
        self.offered_children = children or []
        if self.offered_children:
            self.fields["children"].choices = [(str(child.pk), _child_label(child)) for child in self.offered_children]
            self.fields["children"].initial = [str(child.pk) for child in ticked or []]
        else:
            del self.fields["children"]

    def chosen_children(self) -> list[Victim]:
        chosen = set(self.cleaned_data.get("children") or [])
        return [child for child in self.offered_children if str(child.pk) in chosen]


def _child_label(child: Victim) -> str:
    name = " ".join(part for part in (child.given_name, child.family_name) if part)
    return f"{child.case_code} {name}".strip()


class DuplicateConfirmForm(forms.Form):
    """The explicit "not the same person" after possible duplicates were shown.

    `seen` carries the case codes the page showed (codes carry no personal data): ticking the box confirms
    those, and a duplicate that appears later (another name typed) is shown again before anything is saved.
    """

    seen = forms.CharField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(label=_("None of these is the same person: register anyway"), required=False)

    def confirms(self, codes: set[str]) -> bool:
        if not self.is_bound or not self.is_valid() or not self.cleaned_data["confirm"]:
            return False
        return codes <= set(filter(None, self.cleaned_data["seen"].split(",")))


class TrainingForm(ServiceValidatedForm):
    class Meta:
        model = Training
        fields = ["date", "institution", "sector", "attendees", "topic"]
        widgets = {
            "date": DateInput(),
            "sector": forms.RadioSelect,
            "attendees": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = _today
        self.fields["sector"].choices = [c for c in self.fields["sector"].choices if c[0]]
        # As the model holds: at least one attendee.
        self.fields["attendees"].widget.attrs["min"] = 1


class CaseFilterForm(forms.Form):
    """Filters of the case list. The search text is posted, never put in the URL: it may be a name."""

    ANY = ""
    q = forms.CharField(label=_("Case code or name"), required=False, max_length=100)
    # "All" of the victims' filters and the cases' status agree in Spanish with what they count (contexts).
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[(ANY, pgettext_lazy("victims", "All")), *VictimRole.choices]
    )
    tip = forms.ChoiceField(
        label=_("TIP victim"),
        required=False,
        choices=[(ANY, pgettext_lazy("victims", "All")), ("yes", _("Yes")), ("no", _("No"))],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("open", pgettext_lazy("cases", "Open")),
            ("closed", pgettext_lazy("cases", "Closed")),
            ("all", _("All")),
        ],
        initial="open",
    )
    # Browsing only: a search looks through every case of the shelter, whoever is in charge.
    assigned = forms.ChoiceField(
        label=_("Assigned"),
        required=False,
        choices=[("mine", _("My cases")), ("all", _("All")), ("nobody", _("Nobody's"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"autocomplete": "off", "type": "search"})


class MonthField(forms.CharField):
    widget = MonthInput

    default_error_messages = {"invalid": MONTH_INVALID}

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, date):
            return value.replace(day=1)
        value = super().to_python(value)
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return month

    def prepare_value(self, value: Any) -> Any:
        return f"{value:%Y-%m}" if isinstance(value, date) else value


class _MonthRangeForm(forms.Form):
    """The months of the shelter's Annex 2 table (at most five years, so the page stays readable)."""

    MAX_MONTHS = 60

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        first, last = cleaned.get("from"), cleaned.get("to")
        if first and last:
            if last < first:
                self.add_error("to", _("The last month cannot be before the first."))
            elif (last.year - first.year) * 12 + last.month - first.month >= self.MAX_MONTHS:
                self.add_error("to", _("Choose at most %(count)d months.") % {"count": self.MAX_MONTHS})
        return cleaned


# Built with type() because the query parameters are named "from" and "to", as in the API, and "from" is a keyword.
MonthRangeForm = type(
    "MonthRangeForm",
    (_MonthRangeForm,),
    {"__module__": __name__, "from": MonthField(label=_("From")), "to": MonthField(label=_("To"))},
)


class SubmitMonthForm(forms.Form):
    month = MonthField(label=_("Month"))


# --- Tasks ------------------------------------------------------------------------------------------------------


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.username


class AssignForm(forms.Form):
    """Whom a case is assigned to: a member of its shelter, or nobody (the empty choice)."""

    assigned_to = StaffChoiceField(label=_("Assigned to"), queryset=None, required=False, empty_label=_("Nobody"))

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = staff


class FollowUpPlanForm(forms.Form):
    months = forms.CharField(
        label=_("Months after the exit"),
        max_length=60,
        help_text=_("Numbers separated by commas, e.g. 1, 3, 6: a follow-up is due that many months after the exit."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        initial = self.initial.get("months")
        if isinstance(initial, list):
            self.initial["months"] = ", ".join(str(month) for month in initial)
        self.fields["months"].widget.attrs["inputmode"] = "numeric"

    def clean_months(self) -> list[int]:
        parts = [part.strip() for part in self.cleaned_data["months"].replace(";", ",").split(",") if part.strip()]
        if not parts or not all(part.isdigit() and len(part) <= 3 for part in parts):
            raise ValidationError(_("Give whole numbers of months separated by commas, e.g. 1, 3, 6."))
        return sorted({int(part) for part in parts})
