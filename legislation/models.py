"""The 32 federal entities and their anti-trafficking (TIP) laws, the federal law, and anti-TIP networks.

Every rule on a state's law or a network lives in the model's `clean()`, so admin, API and the seed import
enforce the same rules through `full_clean()` (the services call it). Every change to a state is kept as a
`StateChange` (who, when, the source cited, each field's old and new value), written by `services` only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from meetings.models import Organization
from shelters.models import validate_not_before_1900
from shelters.states import STATE_CHOICES

from .palermo import PALERMO_KEYS


class TipLawStatus(models.TextChoices):
    """How far a state's anti-trafficking law has come."""

    NONE = "none", pgettext_lazy("law status", "No law")
    BILL_IN_CONGRESS = "bill_in_congress", pgettext_lazy("law status", "Bill in congress")
    APPROVED = "approved", pgettext_lazy("law status", "Approved")
    IN_FORCE = "in_force", pgettext_lazy("law status", "In force")


class NetworkKind(models.TextChoices):
    NETWORK = "network", _("Network")
    TASK_FORCE = "task_force", _("Task force")
    MOU = "mou", _("Memorandum of understanding")


def clean_palermo_elements(value: Any) -> dict[str, bool]:
    """An object of known element key -> true/false; ValidationError otherwise."""
    if not isinstance(value, dict):
        raise ValidationError(_("Give an object of Palermo Protocol element keys, each true or false."))
    unknown = sorted(str(key) for key in value if key not in PALERMO_KEYS)
    if unknown:
        raise ValidationError(
            _("Unknown Palermo Protocol element: %(keys)s. See /api/v1/palermo-elements/."),
            params={"keys": ", ".join(unknown)},
        )
    if any(not isinstance(flag, bool) for flag in value.values()):
        raise ValidationError(_("Each Palermo Protocol element is true or false."))
    # Kept in the list's order, so that a change's old and new values compare as written.
    return {key: value[key] for key in PALERMO_KEYS if key in value}


class LawFields(models.Model):
    """A trafficking law's status, name, date and Palermo Protocol elements: a state's or the federal one."""

    tip_law_status = models.CharField(
        _("anti-trafficking law status"), max_length=20, choices=TipLawStatus.choices, default=TipLawStatus.NONE
    )
    tip_law_name = models.CharField(_("anti-trafficking law name"), max_length=300, blank=True)
    # The date of the status: the bill's introduction, the law's approval or its entry into force.
    tip_law_date = models.DateField(
        _("anti-trafficking law date"), null=True, blank=True, validators=[validate_not_before_1900]
    )
    palermo_elements = models.JSONField(_("Palermo Protocol elements"), default=dict, blank=True)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        try:
            self.palermo_elements = clean_palermo_elements(self.palermo_elements)
        except ValidationError as error:
            raise ValidationError({"palermo_elements": error.messages}) from error


class State(LawFields):
    """One of the 32 federal entities, named by its code as shelters are (ISO 3166-2:MX without `MX-`)."""

    code = models.CharField(_("code"), max_length=3, choices=STATE_CHOICES, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    task_force_since = models.DateField(
        _("anti-trafficking task force since"), null=True, blank=True, validators=[validate_not_before_1900]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("state")
        verbose_name_plural = _("states")
        constraints = [
            models.CheckConstraint(condition=Q(tip_law_status__in=TipLawStatus.values), name="state_tip_law_status"),
        ]

    def __str__(self) -> str:
        return self.name


class StateChange(models.Model):
    """One change to a state: who made it, when, the source cited, and each field's old and new value."""

    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="changes", verbose_name=_("state"))
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("who")
    )
    # Kept as written when the account goes.
    actor_username = models.CharField(_("who"), max_length=150, blank=True)
    source = models.TextField(pgettext_lazy("cited", "source"), max_length=1000)
    # {field: {"old": value, "new": value}}, values as the API writes them (dates as YYYY-MM-DD).
    changes = models.JSONField(_("what changed"), default=dict)
    channel = models.CharField(_("channel"), max_length=20, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        indexes = [models.Index(fields=["state", "-at"], name="statechange_state_at")]

    def __str__(self) -> str:
        return f"{self.state_id} {self.at:%Y-%m-%d %H:%M}"


class FederalLaw(LawFields):
    """The national anti-trafficking law (one row): approved by Congress, signed, in force."""

    signed_on = models.DateField(_("signed on"), null=True, blank=True, validators=[validate_not_before_1900])
    in_force_on = models.DateField(_("in force on"), null=True, blank=True, validators=[validate_not_before_1900])
    source = models.TextField(pgettext_lazy("cited", "source"), max_length=1000, blank=True)

    class Meta:
        ordering = ["tip_law_date", "id"]
        verbose_name = _("federal law")
        verbose_name_plural = _("federal laws")
        constraints = [
            models.CheckConstraint(
                condition=Q(tip_law_status__in=TipLawStatus.values), name="federallaw_tip_law_status"
            ),
        ]

    def __str__(self) -> str:
        return self.tip_law_name or str(_("federal law"))


class Network(models.Model):
    """An anti-TIP network, task force or memorandum of understanding, with the organizations in it."""

    name = models.CharField(_("name"), max_length=300)
    # None: national (a federal task force).
    state = models.ForeignKey(
        State, null=True, blank=True, on_delete=models.PROTECT, related_name="networks", verbose_name=_("state")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NetworkKind.choices)
    organizations = models.ManyToManyField(
        Organization, related_name="networks", blank=True, verbose_name=_("organizations")
    )
    established_on = models.DateField(_("established on"), null=True, blank=True, validators=[validate_not_before_1900])
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    # Set by the seed import, so that a second run adds nothing.
    import_key = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("network or task force")
        verbose_name_plural = _("networks and task forces")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=NetworkKind.values), name="network_kind_valid"),
            models.UniqueConstraint(
                fields=["import_key"], condition=~Q(import_key=""), name="network_import_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.name = " ".join((self.name or "").split())
        if not self.name:
            raise ValidationError({"name": _("Give the network's name.")})
