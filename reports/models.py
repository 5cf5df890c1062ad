"""Cost share: what each shelter contributes from other funding and donations, and what PROTEJA disburses to it.

PROTEJA funds a shelter up to a 50% match of what the shelter provides itself, so
both sides are kept per shelter and compared per quarter in US dollars. Money is
`Decimal` throughout; an amount in pesos carries the exchange rate of its date and
its dollar value is worked out once, on saving, rounded to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from meetings.selectors import Quarter
from shelters.models import Shelter, validate_not_before_1900

CENT = Decimal("0.01")
# What `amount_usd` (14 digits, 2 of them decimals) can hold.
MAX_USD = Decimal("1000000000000")


class Currency(models.TextChoices):
    MXN = "MXN", _("Mexican pesos (MXN)")
    USD = "USD", _("US dollars (USD)")


class MoneyRecord(models.Model):
    """An amount on a date for a shelter, in pesos or dollars, with its value in dollars."""

    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="+", verbose_name=_("shelter"))
    date = models.DateField(_("date"), validators=[validate_not_before_1900])
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.USD)
    exchange_rate = models.DecimalField(
        _("exchange rate"),
        max_digits=12,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.000001"))],
        help_text=_("Pesos per US dollar on the date (e.g. 10.8922); required for, and only for, amounts in MXN."),
    )
    amount_usd = models.DecimalField(_("amount in USD"), max_digits=14, decimal_places=2, editable=False)
    description = models.CharField(_("description"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.shelter} {self.date} {self.amount} {self.currency}"

    def clean(self) -> None:
        if self.currency == Currency.MXN and self.exchange_rate is None:
            raise ValidationError({"exchange_rate": _("Give the exchange rate (pesos per US dollar) for pesos.")})
        if self.currency == Currency.USD and self.exchange_rate is not None:
            raise ValidationError({"exchange_rate": _("An amount in US dollars takes no exchange rate.")})
        if self.amount is not None and self.currency in Currency.values:
            self.amount_usd = usd_value(amount=self.amount, currency=self.currency, exchange_rate=self.exchange_rate)
            if self.amount_usd >= MAX_USD:
                raise ValidationError({"exchange_rate": _("At this rate the amount is too large in US dollars.")})


def usd_value(*, amount: Decimal, currency: str, exchange_rate: Decimal | None) -> Decimal:
    """The amount in US dollars, rounded half up to the cent: pesos divided by pesos-per-dollar."""
    if currency == Currency.USD:
        return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    return (Decimal(amount) / Decimal(exchange_rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def _money_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(condition=Q(amount__gt=0), name=f"{prefix}_amount_positive"),
        models.CheckConstraint(condition=Q(currency__in=Currency.values), name=f"{prefix}_currency_valid"),
        models.CheckConstraint(
            condition=Q(currency=Currency.USD, exchange_rate__isnull=True)
            | Q(currency=Currency.MXN, exchange_rate__gt=0),
            name=f"{prefix}_exchange_rate_with_pesos",
        ),
    ]


class CostShareContribution(MoneyRecord):
    """What the shelter put in from other funding and donations for services to TIP victims."""

    shelter = models.ForeignKey(
        Shelter, on_delete=models.PROTECT, related_name="cost_share_contributions", verbose_name=_("shelter")
    )

    class Meta:
        ordering = ["shelter", "date", "id"]
        verbose_name = _("cost-share contribution")
        verbose_name_plural = _("cost-share contributions")
        constraints = _money_constraints("cost_share")
        indexes = [models.Index(fields=["shelter", "date"], name="cost_share_shelter_date")]


class Disbursement(MoneyRecord):
    """A payment PROTEJA made to the shelter under its sub-grant."""

    shelter = models.ForeignKey(
        Shelter, on_delete=models.PROTECT, related_name="proteja_disbursements", verbose_name=_("shelter")
    )

    class Meta:
        ordering = ["shelter", "date", "id"]
        verbose_name = _("PROTEJA disbursement")
        verbose_name_plural = _("PROTEJA disbursements")
        constraints = _money_constraints("disbursement")
        indexes = [models.Index(fields=["shelter", "date"], name="disbursement_shelter_date")]


# --- the quarterly report's narrative ---------------------------------------------------------------


class Section(models.TextChoices):
    """The report's narrative sections, in the seed's order (the order of the choices is the report's)."""

    INTRODUCTION = "introduction", _("Introduction")
    PUBLIC_AWARENESS = "public_awareness", _("Raising public awareness regarding human trafficking")
    LEGISLATION = "legislation", _("Anti-trafficking legislation technical assistance")
    SHELTERS = "shelters", _("Strengthening local shelters to offer greater services")
    NETWORKS = "networks", _("Anti-TIP networks and task forces")
    CONCLUSION = "conclusion", _("Conclusion")


def validate_quarter(value: str) -> None:
    try:
        Quarter.parse(value)
    except ValueError as exc:
        raise ValidationError(_("Give a quarter as YYYY-QN, for example 2007-Q4.")) from exc


class QuarterlyNarrative(models.Model):
    """One narrative section of one quarter's report, written by program staff in Spanish and/or English."""

    quarter = models.CharField(_("quarter"), max_length=7, validators=[validate_quarter], help_text="2007-Q4")
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    text_es = models.TextField(_("text in Spanish"), blank=True)
    text_en = models.TextField(_("text in English"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        "shelters.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        ordering = ["quarter", "section"]
        verbose_name = _("report section")
        verbose_name_plural = _("report sections")
        constraints = [
            models.UniqueConstraint(fields=["quarter", "section"], name="narrative_one_per_quarter_section"),
            models.CheckConstraint(condition=Q(section__in=Section.values), name="narrative_section_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.quarter} {self.get_section_display()}"


class QuarterlyReportCover(models.Model):
    """What a quarter's title page carries besides the project's fixed lines: the date it went to the donor."""

    quarter = models.CharField(_("quarter"), max_length=7, unique=True, validators=[validate_quarter])
    submitted_on = models.DateField(
        _("submitted on"),
        null=True,
        blank=True,
        validators=[validate_not_before_1900],
        help_text=_("The date the report went to the donor; left empty, the title page says it is a draft."),
    )

    class Meta:
        ordering = ["quarter"]
        verbose_name = _("report title page")
        verbose_name_plural = _("report title pages")

    def __str__(self) -> str:
        return self.quarter
