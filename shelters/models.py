"""Tenants (shelters), users and their roles, case records and the audit trail.

Every rule on a case record lives here, in `clean()` and field validators, so that
admin, API, web forms and imports all enforce the same rules through
`full_clean()` (the services call it). The database repeats the rules it can
express as constraints.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .encryption import EncryptedCharField, EncryptedTextField
from .fields import ChoiceListField
from .states import STATE_CHOICES

EARLIEST_DATE = date(1900, 1, 1)


@deconstructible
class DateRangeValidator:
    """A record's date: not before 1900 and not in the future; the message names the field."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, value: date) -> None:
        if value < EARLIEST_DATE:
            raise ValidationError(
                _("%(label)s cannot be before 1900."), code="too_early", params={"label": _(self.label)}
            )
        # Only a date from yesterday (UTC) on can be in the future somewhere; the local date reads the
        # active time zone, which costs enough to matter when a bulk of 1,000 validates each record.
        if value >= datetime.now(UTC).date() - timedelta(days=1) and value > timezone.localdate():
            raise ValidationError(
                _("%(label)s cannot be in the future."), code="future", params={"label": _(self.label)}
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DateRangeValidator) and other.label == self.label


def validate_not_before_1900(value: date) -> None:
    if value < EARLIEST_DATE:
        raise ValidationError(_("Date cannot be before 1900."), code="too_early")


def validate_first_of_month(value: date) -> None:
    if value.day != 1:
        raise ValidationError(_("Give a month: the first day of it."), code="not_month")


DEFAULT_FOLLOW_UP_PLAN = (1, 3, 6)
FOLLOW_UP_PLAN_MAX_MONTHS = 60


def default_follow_up_plan() -> list[int]:
    return list(DEFAULT_FOLLOW_UP_PLAN)


def validate_follow_up_plan(value: object) -> None:
    """Months after an exit, rising, from 1 to 60: at most twelve follow-ups."""
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= 12
        or not all(isinstance(month, int) and not isinstance(month, bool) for month in value)
        or any(not 1 <= month <= FOLLOW_UP_PLAN_MAX_MONTHS for month in value)
        or sorted(set(value)) != value
    ):
        raise ValidationError(
            _("Give from one to twelve different numbers of months after the exit, each from 1 to 60."),
            code="follow_up_plan",
        )


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    COORDINATOR = "coordinator", _("Coordinator")
    PROGRAM_STAFF = "program_staff", _("Program staff")
    PARTNER = "partner", _("Partner")


SHELTER_ROLES = (Role.CASEWORKER, Role.COORDINATOR)


class Shelter(models.Model):
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=3, choices=STATE_CHOICES, blank=True)
    agreement_number = models.CharField(_("agreement number"), max_length=100, blank=True)
    agreement_start = models.DateField(
        _("agreement start"), null=True, blank=True, validators=[validate_first_of_month, validate_not_before_1900]
    )
    # Annex 2 is computed from this month on, never before it: earlier months hold only what was imported
    # (the donor's tables), and missing is not zero. Set when the shelter's first case record is written
    # (lowered by a record dated earlier), or by program staff in admin.
    first_records_month = models.DateField(
        _("first month of case records"),
        null=True,
        blank=True,
        validators=[validate_first_of_month, validate_not_before_1900],
        help_text=_("Annex 2 is computed from case records from this month on; earlier months keep imported values."),
    )
    # Source of case codes: incremented under a row update, never reused.
    last_case_number = models.PositiveIntegerField(default=0, editable=False)
    # Months after an exit at which follow-ups fall due; the coordinator sets it (shelters.services).
    follow_up_plan = models.JSONField(
        _("follow-up plan"), default=default_follow_up_plan, editable=False, validators=[validate_follow_up_plan]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("shelter")
        verbose_name_plural = _("shelters")
        constraints = [
            models.CheckConstraint(
                condition=Q(agreement_start__isnull=True) | Q(agreement_start__day=1),
                name="shelter_agreement_start_is_month",
            ),
            models.CheckConstraint(
                condition=Q(first_records_month__isnull=True) | Q(first_records_month__day=1),
                name="shelter_first_records_month_is_month",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def case_code_prefix(self) -> str:
        letters = "".join(part[0] for part in self.slug.split("-") if part).upper()
        return (letters or "C")[:4]


class User(AbstractUser):
    """A person who signs in. `role` says what they may do; shelter roles also need memberships."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    shelters = models.ManyToManyField(Shelter, through="Membership", related_name="members", blank=True)
    # API tokens made before this moment no longer work: a new password, a deactivation, a change
    # of role or of shelters moves it (accounts.authentication checks it on every request).
    credentials_changed_at = models.DateTimeField(_("credentials changed at"), default=timezone.now, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_shelter_staff(self) -> bool:
        return self.role in SHELTER_ROLES

    @property
    def is_program_staff(self) -> bool:
        return self.role == Role.PROGRAM_STAFF

    @property
    def is_partner(self) -> bool:
        return self.role == Role.PARTNER

    def set_password(self, raw_password: str | None) -> None:
        # Whatever path sets a password (reset link, admin, `changepassword`), earlier API tokens end with it,
        # as Django's own session hash ends earlier sessions. A hasher upgrade saves only `password`, so it
        # keeps them.
        super().set_password(raw_password)
        self.credentials_changed_at = timezone.now()

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        # Django keeps the raw password until the save that stores it (a hasher upgrade clears it first):
        # accounts.signals audits the change and deletes the account's tokens when this is set.
        self.password_was_set = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "shelter"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.shelter}"


class CaseRecord(models.Model):
    """What every case record shares: a UUID, its shelter as a column, timestamps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="+", verbose_name=_("shelter"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Fields whose values never go into the audit trail or a log.
    personal_fields: tuple[str, ...] = ()
    # Fields that date the record: their months are the months a write touches.
    dated_fields: tuple[str, ...] = ("date",)

    class Meta:
        abstract = True

    def touched_months(self) -> set[date]:
        return {
            value.replace(day=1)
            for value in (getattr(self, name) for name in self.dated_fields)
            if isinstance(value, date)
        }


class VictimRole(models.TextChoices):
    PRIMARY = "primary", _("Direct victim")
    SECONDARY = "secondary", _("Secondary victim")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class ExploitationType(models.TextChoices):
    SEXUAL_TOURISM = "sexual_tourism", _("Sexual tourism")
    FORCED_LABOR = "forced_labor", _("Forced labor")
    SEXUAL_EXPLOITATION = "sexual_exploitation", _("Sexual exploitation")
    CHILD_LABOR = "child_labor", _("Child labor")
    OTHER = "other", _("Other")


class ExitReason(models.TextChoices):
    REINTEGRATED = "reintegrated", _("Reintegrated into society")
    TRANSFERRED = "transferred", _("Transferred")
    VOLUNTARY_DEPARTURE = "voluntary_departure", _("Voluntary departure")
    OTHER = "other", _("Other")


class Victim(CaseRecord):
    case_code = models.CharField(_("case code"), max_length=20, editable=False)
    role = models.CharField(_("role"), max_length=10, choices=VictimRole.choices, default=VictimRole.PRIMARY)
    primary_victim = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="secondary_victims",
        verbose_name=_("primary victim"),
    )
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True, validators=[MinValueValidator(1900)]
    )
    nationality = CountryField(_("nationality"), blank=True)
    tip_victim = models.BooleanField(_("TIP victim"), default=False)
    exploitation_types = ChoiceListField(_("exploitation types"), item_choices=ExploitationType.choices)
    intake_date = models.DateField(_("intake date"), validators=[DateRangeValidator("Intake date")])
    exit_date = models.DateField(_("exit date"), null=True, blank=True, validators=[DateRangeValidator("Exit date")])
    exit_reason = models.CharField(_("exit reason"), max_length=20, choices=ExitReason.choices, blank=True)
    # Personal data: encrypted at rest; null stands for empty (the library stores "" as NULL).
    given_name = EncryptedCharField(_("given name"), max_length=100, null=True, blank=True)
    family_name = EncryptedCharField(_("family name"), max_length=100, null=True, blank=True)
    notes = EncryptedTextField(_("notes"), max_length=5000, null=True, blank=True)
    # The caseworker in charge; set only by `services.case_assign` (a coordinator), so no form or serializer sets it.
    assigned_to = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="assigned_cases",
        verbose_name=_("assigned caseworker"),
    )
    # The names' keyed blind index (shelters.blind_index), set by the services on every write: the
    # duplicate check and the name search read these, never the encrypted names.
    given_name_key = models.CharField(max_length=32, blank=True, default="", editable=False)
    full_name_key = models.CharField(max_length=32, blank=True, default="", editable=False)
    name_words = models.TextField(blank=True, default="", editable=False)

    personal_fields = ("given_name", "family_name", "notes")
    dated_fields = ("intake_date", "exit_date")

    class Meta:
        ordering = ["shelter", "case_code"]
        verbose_name = _("victim")
        verbose_name_plural = _("victims")
        constraints = [
            models.UniqueConstraint(fields=["shelter", "case_code"], name="victim_case_code_unique"),
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True) | Q(exit_date__gte=F("intake_date")),
                name="victim_exit_not_before_intake",
            ),
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True, exit_reason="") | (Q(exit_date__isnull=False) & ~Q(exit_reason="")),
                name="victim_exit_reason_with_exit_date",
            ),
            models.CheckConstraint(
                condition=Q(role=VictimRole.PRIMARY, primary_victim__isnull=True)
                | Q(role=VictimRole.SECONDARY, primary_victim__isnull=False, tip_victim=False),
                name="victim_role_links",
            ),
            models.CheckConstraint(condition=Q(role__in=VictimRole.values), name="victim_role_valid"),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="victim_sex_valid"),
            models.CheckConstraint(
                condition=Q(exit_reason="") | Q(exit_reason__in=ExitReason.values), name="victim_exit_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(tip_victim=True, exploitation_types__gt="") | Q(tip_victim=False, exploitation_types=""),
                name="victim_exploitation_types_with_tip",
            ),
        ]
        indexes = [
            models.Index(fields=["shelter", "intake_date"], name="victim_shelter_intake"),
            # What Annex 2 reads of each victim, so that counting reads the index alone (migration 0022).
            models.Index(
                fields=["shelter", "exit_date"],
                name="victim_shelter_stay",
                include=["intake_date", "role", "tip_victim", "nationality", "exploitation_types", "exit_reason", "id"],
            ),
            models.Index(fields=["shelter", "full_name_key"], name="victim_shelter_full_name"),
            models.Index(fields=["shelter", "given_name_key", "birth_year"], name="victim_shelter_given_year"),
        ]

    def __str__(self) -> str:
        return self.case_code or str(self.id)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}

        def add(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        if self.role == VictimRole.SECONDARY:
            if self.primary_victim_id is None:
                add("primary_victim", _("A secondary victim needs the primary victim they came with."))
            else:
                primary = self.primary_victim
                if primary.shelter_id != self.shelter_id:
                    add("primary_victim", _("The primary victim must be in the same shelter."))
                elif primary.role != VictimRole.PRIMARY:
                    add("primary_victim", _("The linked victim must be a primary victim."))
            if self.tip_victim:
                add("tip_victim", _("Only a primary victim can be a TIP victim."))
        elif self.primary_victim_id is not None:
            add("primary_victim", _("Only a secondary victim is linked to a primary victim."))

        if self.tip_victim and not self.exploitation_types:
            add("exploitation_types", _("A TIP victim needs at least one exploitation type."))
        if not self.tip_victim and self.exploitation_types:
            add("exploitation_types", _("Exploitation types apply only to TIP victims."))

        if self.birth_year is not None and self.birth_year > timezone.localdate().year:
            add("birth_year", _("Birth year cannot be in the future."))

        if self.intake_date and self.exit_date and self.exit_date < self.intake_date:
            add("exit_date", _("Exit date cannot be before the intake date."))
        if self.exit_date and not self.exit_reason:
            add("exit_reason", _("Give the reason for the exit."))
        if self.exit_reason and not self.exit_date:
            add("exit_date", _("An exit reason needs an exit date."))

        if not self._state.adding and self.intake_date and not errors:
            self._clean_against_existing_records(add)

        if errors:
            raise ValidationError(errors)

    def _clean_against_existing_records(self, add) -> None:  # type: ignore[no-untyped-def]
        """Dates must still hold the records already logged for this victim."""
        if self.role == VictimRole.SECONDARY and self.secondary_victims.exists():
            add("role", _("This victim has secondary victims linked; they must stay a primary victim."))
        if Service.objects.filter(victim=self, date__lt=self.intake_date).exists():
            add("intake_date", _("Services are logged before this intake date."))
        if self.exit_date and Service.objects.filter(victim=self, date__gt=self.exit_date).exists():
            add("exit_date", _("Services are logged after this exit date."))
        follow_ups = FollowUp.objects.filter(victim=self)
        if self.exit_date is None and follow_ups.exists():
            add("exit_date", _("Follow-ups are recorded, so the exit date cannot be removed."))
        elif self.exit_date and follow_ups.filter(date__lte=self.exit_date).exists():
            add("exit_date", _("Follow-ups are recorded on or before this exit date."))

    @property
    def is_open(self) -> bool:
        return self.exit_date is None


class VictimRecord(CaseRecord):
    """A record about one victim; its shelter column always equals the victim's shelter."""

    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="+", verbose_name=_("victim"))
    date = models.DateField(_("date"), validators=[DateRangeValidator("Date")])

    # The victim's fields that the rules of these records read (clean() below and in subclasses):
    # a bulk create loads only these for the victims it names. Reading another one would still
    # work, at one query per victim.
    victim_fields_read = ("id", "shelter_id", "intake_date", "exit_date")

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.victim_id is not None:
            # Kept equal to the victim's shelter, whatever the caller sent.
            self.shelter_id = self.victim.shelter_id


class ServiceCategory(models.TextChoices):
    LEGAL = "legal", _("Legal")
    MEDICAL = "medical", _("Medical")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    SOCIAL = "social", _("Social")
    VOCATIONAL_TRAINING = "vocational_training", _("Vocational training")
    SCHOOLING = "schooling", _("Schooling")


class Service(VictimRecord):
    # No index on either key alone but `service_shelter` (see Meta): service_victim_date starts with the victim
    # (each index costs every insert, and services are the table that grows fastest).
    shelter = models.ForeignKey(
        Shelter, on_delete=models.PROTECT, related_name="+", verbose_name=_("shelter"), db_index=False
    )
    victim = models.ForeignKey(
        Victim, on_delete=models.CASCADE, related_name="services", verbose_name=_("victim"), db_index=False
    )
    category = models.CharField(_("category"), max_length=20, choices=ServiceCategory.choices)
    notes = EncryptedTextField(_("notes"), max_length=5000, null=True, blank=True)

    personal_fields = ("notes",)

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(condition=Q(category__in=ServiceCategory.values), name="service_category_valid"),
        ]
        indexes = [
            # Covering (category and victim included): one shelter's months are counted from the index alone
            # (Annex 2 for a shelter-month reads a few dozen index pages, not thousands of table pages), and the
            # services per shelter-month and category of every shelter come from it too.
            models.Index(fields=["shelter", "date"], name="service_shelter_date", include=["category", "victim"]),
            # Covering (category and shelter included): Annex 2 groups services by victim from the index alone.
            # The shelter too, because row-level security's policies read it on every row: without it in the
            # index, PostgreSQL must visit the table for each of millions of services.
            models.Index(fields=["victim", "date"], name="service_victim_date", include=["category", "shelter"]),
            # The shelter alone, deduplicated: a twelfth of service_shelter_date's size (which stores every
            # entry's date, category and victim). Counting a shelter's services, as every page of the list does,
            # reads it: 100,000 services in 13 ms where service_shelter_date took 20.
            models.Index(fields=["shelter"], name="service_shelter"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.date}"

    def clean(self) -> None:
        super().clean()
        if self.victim_id is None or self.date is None:
            return
        victim = self.victim
        if self.date < victim.intake_date:
            raise ValidationError({"date": _("The service date cannot be before the victim's intake date.")})
        if victim.exit_date and self.date > victim.exit_date:
            raise ValidationError({"date": _("The service date cannot be after the victim's exit date.")})


class ReferralKind(models.TextChoices):
    TRANSFER = "transfer", _("Transfer")
    SERVICE_REFERRAL = "service_referral", _("Service referral")


class Referral(VictimRecord):
    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="referrals", verbose_name=_("victim"))
    kind = models.CharField(_("kind"), max_length=20, choices=ReferralKind.choices)
    # Where a victim was sent names them to anyone who knows the place: encrypted, like the reason.
    # Annex 2 counts referrals by `kind` only, so no query needs to read it.
    institution = EncryptedCharField(_("institution"), max_length=200)
    reason = EncryptedTextField(_("reason"), max_length=2000, null=True, blank=True)

    personal_fields = ("institution", "reason")

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ReferralKind.values), name="referral_kind_valid"),
        ]
        indexes = [models.Index(fields=["shelter", "date"], name="referral_shelter_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class LegalActionKind(models.TextChoices):
    CHARGES_FILED = "charges_filed", _("Charges filed")
    PROSECUTION_OPENED = "prosecution_opened", _("Prosecution opened")
    SENTENCE = "sentence", _("Sentence")


class Crime(models.TextChoices):
    TIP = "tip", _("Trafficking in persons")
    OTHER = "other", _("Other crime")


class LegalAction(VictimRecord):
    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="legal_actions", verbose_name=_("victim"))
    kind = models.CharField(_("kind"), max_length=20, choices=LegalActionKind.choices)
    crime = models.CharField(_("crime"), max_length=10, choices=Crime.choices)
    # The case-file number finds the victim in a court's or prosecutor's files: encrypted (empty is NULL).
    reference = EncryptedCharField(_("reference"), max_length=100, null=True, blank=True)
    notes = EncryptedTextField(_("notes"), max_length=5000, null=True, blank=True)

    personal_fields = ("reference", "notes")

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name = _("legal action")
        verbose_name_plural = _("legal actions")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LegalActionKind.values), name="legal_action_kind_valid"),
            models.CheckConstraint(condition=Q(crime__in=Crime.values), name="legal_action_crime_valid"),
        ]
        indexes = [models.Index(fields=["shelter", "date"], name="legal_action_shelter_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class FollowUp(VictimRecord):
    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("victim"))
    # Free text ("phone", "visit at her sister's in Puebla"): it can say where the victim lives now. Encrypted.
    method = EncryptedCharField(_("method"), max_length=100, null=True, blank=True)
    notes = EncryptedTextField(_("notes"), max_length=5000, null=True, blank=True)

    personal_fields = ("method", "notes")

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["shelter", "date"], name="follow_up_shelter_date")]

    def __str__(self) -> str:
        return f"{_('Follow-up')} {self.date}"

    def clean(self) -> None:
        super().clean()
        if self.victim_id is None:
            return
        victim = self.victim
        if victim.exit_date is None:
            raise ValidationError({"victim": _("A follow-up is only for a victim who has left the shelter.")})
        if self.date is not None and self.date <= victim.exit_date:
            raise ValidationError({"date": _("The follow-up date must be after the victim's exit date.")})


class Sector(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    PRIVATE = "private", _("Private")


class Training(CaseRecord):
    """A TIP sensitivity training the shelter gave to another institution's personnel."""

    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="trainings", verbose_name=_("shelter"))
    date = models.DateField(_("date"), validators=[DateRangeValidator("Date")])
    institution = models.CharField(_("institution"), max_length=200)
    sector = models.CharField(_("sector"), max_length=10, choices=Sector.choices)
    attendees = models.PositiveIntegerField(
        _("attendees"), validators=[MinValueValidator(1), MaxValueValidator(100000)]
    )
    topic = models.CharField(_("topic"), max_length=300, blank=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        constraints = [
            models.CheckConstraint(condition=Q(attendees__gte=1), name="training_attendees_at_least_one"),
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="training_sector_valid"),
        ]
        indexes = [models.Index(fields=["shelter", "date"], name="training_shelter_date")]

    def __str__(self) -> str:
        return f"{self.institution} {self.date}"


class MonthLock(models.Model):
    """A shelter-month that program staff reviewed: never recomputed, no case record written into it.

    The lock lives with the records it freezes: `shelters.services` refuses a write dated in it
    (`MonthLocked`), and `indicators` reads it (the recompute skips it, the review sets it).
    """

    shelter = models.ForeignKey(
        Shelter, on_delete=models.CASCADE, related_name="month_locks", verbose_name=_("shelter")
    )
    month = models.DateField(_("month"))
    locked_at = models.DateTimeField(_("locked at"), auto_now_add=True)
    locked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("locked by")
    )

    class Meta:
        ordering = ["shelter", "month"]
        verbose_name = _("locked month")
        verbose_name_plural = _("locked months")
        constraints = [
            models.UniqueConstraint(fields=["shelter", "month"], name="month_lock_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="month_lock_is_month"),
        ]

    def __str__(self) -> str:
        return f"{self.shelter} {self.month:%Y-%m}"


class RecomputeRequest(models.Model):
    """A shelter-month whose Annex 2 values must be recomputed: the outbox a case-record write fills.

    Written (upserted) in the write's own transaction, so a committed write always leaves its request
    behind, whatever Redis does; `indicators` drains it (indicators.services.drain_recompute_requests).
    One row per shelter-month: a later write only moves `requested_at` on. No personal data, and behind
    the same row-level security as the case records.
    """

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    requested_at = models.DateTimeField(_("requested at"), db_default=Now())

    class Meta:
        verbose_name = _("recompute request")
        verbose_name_plural = _("recompute requests")
        constraints = [
            models.UniqueConstraint(fields=["shelter", "month"], name="recompute_request_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="recompute_request_is_month"),
        ]

    def __str__(self) -> str:
        return f"{self.shelter_id} {self.month:%Y-%m}"


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    DELETE = "delete", _("Deleted")
    VIEW = "view", _("Viewed personal data")
    # A request for a case record that was refused (401, 403 or 404): who asked for what, never a name.
    REFUSED = "refused", _("Access refused")
    # Account events: the record is the account (record_type "user") or the invitation.
    INVITED = "invited", _("Invited")
    INVITATION_REVOKED = "invite_revoked", _("Invitation withdrawn")
    JOINED = "joined", _("Joined")
    ROLE_CHANGED = "role_changed", _("Role changed")
    MEMBERSHIP_ADDED = "member_added", _("Added to shelter")
    MEMBERSHIP_REMOVED = "member_removed", _("Removed from shelter")
    DEACTIVATED = "deactivated", _("Account deactivated")
    REACTIVATED = "reactivated", _("Account reactivated")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET = "password_reset", _("Password reset")
    PASSWORD_RESET_REQUESTED = "reset_requested", _("Password reset requested")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    TOKEN_REVOKED = "token_revoked", _("API tokens revoked")
    OTP_ENROLLED = "otp_enrolled", _("Second factor enrolled")
    OTP_REMOVED = "otp_removed", _("Second factor removed")
    SIGNED_IN = "signed_in", _("Signed in")
    SIGNIN_FAILED = "signin_failed", _("Sign-in failed")
    LOCKED_OUT = "locked_out", _("Locked out")
    UNLOCKED = "unlocked", _("Unlocked")
    # The aggregation path counted several shelters' case records (shelters.scopes.counting_scope).
    AGGREGATED = "aggregated", _("Counted across shelters")


ACCOUNT_ACTIONS = frozenset(AuditAction.values) - {"create", "change", "delete", "view", "refused", "aggregated"}


class AuditEntry(models.Model):
    """Who did what to which record, and which fields: never the personal values themselves.

    Written only by `shelters.audit`, and append-only in PostgreSQL: the application role may insert and
    read it, and a trigger refuses every UPDATE and DELETE (shelters migration 0011). Each entry is sealed
    into a hash chain shortly after it commits (`AuditSeal`, `shelters.audit_chain`).
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("actor"))
    actor_username = models.CharField(_("actor username"), max_length=150, blank=True)
    # No index of its own: audit_shelter_at starts with the shelter (each index costs every entry written).
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, null=True, related_name="+", db_index=False)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    record_type = models.CharField(_("record type"), max_length=30)
    record_id = models.CharField(_("record id"), max_length=40)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    # The client's address as TRUSTED_PROXY_COUNT allows (accounts.addresses), for account events and refusals.
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    # A refusal's count in its minute when the entry was written: the 1st, 10th, 100th... and the minute's
    # total once it is over (RefusalTally counts; the trail is never updated). Account events and the rest: 1.
    repeats = models.PositiveIntegerField(_("repeats"), default=1, db_default=1)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [
            models.Index(fields=["shelter", "at"], name="audit_shelter_at"),
            models.Index(fields=["record_type", "record_id"], name="audit_record"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.record_type} {self.record_id}"


class AuditSeal(models.Model):
    """One link of the audit trail's hash chain: entry `entry_id` was the `seq`th sealed, and
    `seal` = SHA-256(previous seal, the entry's canonical content).

    Its own insert-only table rather than columns of the entry, so that the entry is never updated,
    not even once to seal it. Written only by the database function `proteja_seal_audit_trail` (as
    the owner: the application role has no privilege on this table); `seq` is gap-free. Holds no
    personal datum: numbers and hashes.
    """

    seq = models.BigIntegerField(primary_key=True)
    # No foreign key: an entry deleted behind the trigger's back must show as "missing", not be refused.
    entry_id = models.BigIntegerField(unique=True)
    seal = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.seq} {self.entry_id} {self.seal[:12]}"


class AuditUnsealed(models.Model):
    """The entries committed but not yet sealed: a trigger adds every new entry's id, the sealer takes them.

    A queue rather than a search of the trail for entries without a seal: entries commit out of id order
    (a long transaction's entry commits after a later one's), and the queue shows each once it commits.
    """

    entry_id = models.BigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return str(self.entry_id)


class RefusalTally(models.Model):
    """How many refusals one actor (or anonymous address) had in one minute, by status and channel.

    Not part of the trail: the counter that lets the trail stay append-only and still bounded under a
    flood. The trail gets an entry on the 1st, 10th, 100th... refusal and the minute's total once it is
    over (`close_refusal_minutes`), which also deletes the finished minutes' rows.
    """

    minute = models.DateTimeField()
    # "user:<id>" or "address:<ip>" ("address:" when unknown): NULLs would not meet in a unique key.
    who = models.CharField(max_length=60)
    status = models.CharField(max_length=3)
    channel = models.CharField(max_length=20, blank=True)
    actor_id = models.BigIntegerField(null=True)
    actor_username = models.CharField(max_length=150, blank=True)
    address = models.GenericIPAddressField(null=True)
    record_type = models.CharField(max_length=30)
    record_id = models.CharField(max_length=40, blank=True)
    count = models.PositiveIntegerField(default=1)
    # The `repeats` of the last entry written to the trail for this minute.
    written = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["minute", "who", "status", "channel"], name="refusal_tally_key"),
        ]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.who} {self.status} x{self.count}"
