"""Consents a victim gave, and transfers of a victim from one shelter to another.

Both are case records (a UUID, the victim's shelter as `shelter`), kept behind the same two walls:
a consent is its victim's shelter's alone; a transfer is seen by the sending shelter (`shelter`) and
the receiving one (`to_shelter`), and the receiving one sees only the transfer's own fields until it
accepts (transfers.selectors, transfers.serializers).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shelters.encryption import EncryptedTextField
from shelters.fields import ChoiceListField
from shelters.models import CaseRecord, DateRangeValidator, Shelter, User, Victim, validate_not_before_1900


class ConsentPurpose(models.TextChoices):
    TRANSFER = "transfer", _("Transfer to another shelter")
    SERVICE_REFERRAL = "service_referral", _("Referral to a service")
    SHARE_WITH_PARTNER_INSTITUTION = "share_with_partner_institution", _("Sharing with a partner institution")


class Consent(CaseRecord):
    """A victim's informed, written, time-limited consent to one purpose; withdrawn any day she asks."""

    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="consents", verbose_name=_("victim"))
    purpose = models.CharField(_("purpose"), max_length=40, choices=ConsentPurpose.choices)
    given_on = models.DateField(_("given on"), validators=[DateRangeValidator("Date of consent")])
    # A consent may be given for a time to come: its expiry may be in the future, unlike every other date.
    expires_on = models.DateField(_("expires on"), null=True, blank=True, validators=[validate_not_before_1900])
    withdrawn_on = models.DateField(
        _("withdrawn on"), null=True, blank=True, validators=[DateRangeValidator("Date of withdrawal")]
    )
    # Set by the services from the request's user; no form or serializer sets it.
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, editable=False, related_name="+", verbose_name=_("recorded by")
    )
    # Free text ("agrees to go to her aunt's shelter in Puebla") can name people and places: encrypted.
    notes = EncryptedTextField(_("notes"), max_length=2000, null=True, blank=True)

    personal_fields = ("notes",)
    dated_fields = ("given_on", "withdrawn_on")

    class Meta:
        ordering = ["-given_on", "-created_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(condition=Q(purpose__in=ConsentPurpose.values), name="consent_purpose_valid"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("given_on")),
                name="consent_expires_not_before_given",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("given_on")),
                name="consent_withdrawn_not_before_given",
            ),
        ]
        indexes = [models.Index(fields=["victim", "purpose"], name="consent_victim_purpose")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.given_on}"

    def clean(self) -> None:
        if self.victim_id is not None:
            self.shelter_id = self.victim.shelter_id
        errors = {}
        if self.given_on and self.expires_on and self.expires_on < self.given_on:
            errors["expires_on"] = _("A consent cannot expire before it was given.")
        if self.given_on and self.withdrawn_on and self.withdrawn_on < self.given_on:
            errors["withdrawn_on"] = _("A consent cannot be withdrawn before it was given.")
        if errors:
            raise ValidationError(errors)

    def is_valid_on(self, day: date) -> bool:
        """Given by that day, not expired on it, and not withdrawn on or before it."""
        return (
            self.given_on <= day
            and (self.expires_on is None or day <= self.expires_on)
            and (self.withdrawn_on is None or day < self.withdrawn_on)
        )


def consents_valid_on(day: date) -> Q:
    """The same rule as `Consent.is_valid_on`, for a query."""
    return (
        Q(given_on__lte=day)
        & (Q(expires_on__isnull=True) | Q(expires_on__gte=day))
        & (Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))
    )


class TransferStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class ShareableField(models.TextChoices):
    """The victim's fields a sending shelter may pass on: the allow-list. Not the case code (the receiver
    gives its own), the dates of the stay, the role or links to other cases, or who is in charge."""

    GIVEN_NAME = "given_name", _("given name")
    FAMILY_NAME = "family_name", _("family name")
    SEX = "sex", _("sex")
    BIRTH_YEAR = "birth_year", _("birth year")
    NATIONALITY = "nationality", _("nationality")
    TIP_VICTIM = "tip_victim", _("TIP victim")
    EXPLOITATION_TYPES = "exploitation_types", _("exploitation types")
    NOTES = "notes", _("notes")


class Transfer(CaseRecord):
    """A victim's move from the sending shelter (`shelter`, the victim's) to `to_shelter`.

    The row holds the names of the fields to share, never their values: the receiving shelter's new case
    is filled from the sender's case at the moment it accepts, inside `services.transfer_accept`.
    """

    # Kept (with no victim) when the sender deletes a case registered by mistake: the receiver's trail stays.
    victim = models.ForeignKey(
        Victim, on_delete=models.SET_NULL, null=True, related_name="transfers_out", verbose_name=_("victim")
    )
    to_shelter = models.ForeignKey(
        Shelter, on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("receiving shelter")
    )
    date = models.DateField(_("date"), validators=[DateRangeValidator("Date")])
    # Written by the sender for the receiver ("needs a place far from Tapachula"): identifying free text.
    reason = EncryptedTextField(_("reason"), max_length=2000, null=True, blank=True)
    share = ChoiceListField(_("fields to share"), item_choices=ShareableField.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PROPOSED, editable=False
    )
    # The consent the proposal rested on (the sender's; never shown to the receiver).
    consent = models.ForeignKey(Consent, on_delete=models.SET_NULL, null=True, editable=False, related_name="+")
    proposed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, editable=False, related_name="+")
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, editable=False, related_name="+")
    decided_at = models.DateTimeField(null=True, editable=False)
    # The receiver's new case, once accepted (never shown to the sender).
    received_victim = models.OneToOneField(
        Victim, on_delete=models.SET_NULL, null=True, editable=False, related_name="transfer_in"
    )

    personal_fields = ("reason",)

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TransferStatus.values), name="transfer_status_valid"),
            models.CheckConstraint(condition=~Q(to_shelter=F("shelter")), name="transfer_to_another_shelter"),
            # One open proposal per case at a time.
            models.UniqueConstraint(
                fields=["victim"], condition=Q(status="proposed"), name="transfer_one_proposal_per_victim"
            ),
        ]
        indexes = [
            models.Index(fields=["shelter", "date"], name="transfer_shelter_date"),
            models.Index(fields=["to_shelter", "date"], name="transfer_to_shelter_date"),
        ]

    def __str__(self) -> str:
        return f"{_('Transfer')} {self.date}"

    @property
    def from_shelter(self) -> Shelter:
        return self.shelter

    def clean(self) -> None:
        if self.victim_id is not None and self.status == TransferStatus.PROPOSED:
            self.shelter_id = self.victim.shelter_id
        errors: dict[str, str] = {}
        if self.to_shelter_id is not None and self.to_shelter_id == self.shelter_id:
            errors["to_shelter"] = _("Choose another shelter than the victim's.")
        share = set(self.share or [])
        if ShareableField.TIP_VICTIM in share and ShareableField.EXPLOITATION_TYPES not in share:
            errors["share"] = _("Share the exploitation types together with the TIP status, or neither.")
        elif ShareableField.EXPLOITATION_TYPES in share and ShareableField.TIP_VICTIM not in share:
            errors["share"] = _("Share the exploitation types together with the TIP status, or neither.")
        if errors:
            raise ValidationError(errors)
