"""Annex 2: stored indicator values per shelter, month and row, and the review of each shelter-month."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shelters.models import MonthLock, Shelter  # noqa: F401  (the lock is shelters'; read here, as before)

from .catalogue import INDICATOR_CHOICES


class Source(models.TextChoices):
    COMPUTED = "computed", _("Computed from case records")
    IMPORTED = "imported", _("Imported")


class IndicatorValue(models.Model):
    """One Annex 2 cell: a shelter, a month, a row, and where the number came from.

    `value` null means missing (nothing reported), which is not 0. A computed and an
    imported value may both exist for one cell; tables show the imported one.
    """

    shelter = models.ForeignKey(
        Shelter, on_delete=models.CASCADE, related_name="indicator_values", verbose_name=_("shelter")
    )
    month = models.DateField(_("month"))
    indicator = models.CharField(_("indicator"), max_length=40, choices=INDICATOR_CHOICES)
    value = models.IntegerField(_("value"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["shelter", "month", "indicator"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(fields=["shelter", "month", "indicator", "source"], name="indicator_value_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="indicator_value_is_month"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0), name="indicator_value_not_negative"
            ),
            models.CheckConstraint(condition=Q(source__in=Source.values), name="indicator_value_source_valid"),
        ]
        indexes = [models.Index(fields=["shelter", "source", "month"], name="indicator_value_lookup")]

    def __str__(self) -> str:
        return f"{self.shelter_id} {self.month:%Y-%m} {self.indicator}={self.value} ({self.source})"


class MonthStatus(models.TextChoices):
    """Where a shelter-month is in its review (api-v1.md, "The monthly review"); open: no review row yet."""

    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


class MonthSubmission(models.Model):
    """A shelter-month's review: a coordinator submits it, program staff return it with a comment or approve it.

    Approving locks the month (`shelters.locks`) and keeps what was approved: the stored values
    (`approved_values`, "indicator:source" -> value) and their SHA-256 (`approved_hash`), so drift
    after approval can be shown. Unlocking returns it with the reason as its comment.
    """

    shelter = models.ForeignKey(
        Shelter, on_delete=models.CASCADE, related_name="month_submissions", verbose_name=_("shelter")
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=[choice for choice in MonthStatus.choices if choice[0] != MonthStatus.OPEN],
        default=MonthStatus.SUBMITTED,
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("submitted by")
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    # Program staff's words to the shelter when they return the month (or unlock it): never a case record.
    comment = models.TextField(_("comment"), blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_values = models.JSONField(_("approved values"), default=dict, blank=True)
    approved_hash = models.CharField(_("approved content hash"), max_length=64, blank=True)

    class Meta:
        ordering = ["shelter", "month"]
        verbose_name = _("submitted month")
        verbose_name_plural = _("submitted months")
        constraints = [
            models.UniqueConstraint(fields=["shelter", "month"], name="month_submission_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="month_submission_is_month"),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "returned", "approved"]), name="month_submission_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shelter} {self.month:%Y-%m}"


class MonthReview(MonthSubmission):
    """The status board's page in admin (every shelter x month, `indicators.admin_review`): no table of its own."""

    class Meta:
        proxy = True
        verbose_name = _("monthly review")
        verbose_name_plural = _("monthly review: status board")


class MonthCompleteness(models.Model):
    """How complete a shelter-month's case records are, as counts only (the status board shows them).

    Counted by the aggregation path (`indicators.services.refresh_completeness`: nightly and with
    `aggregate_indicators`), so that program staff read numbers, never a record.
    """

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="+", verbose_name=_("shelter"))
    month = models.DateField(_("month"))
    # Primary victims open in the month with no nationality recorded.
    without_nationality = models.PositiveIntegerField(_("cases without nationality"), default=0)
    # Primary victims open in the month not marked as TIP victims (the field defaults to no, so a case
    # nobody assessed counts here too).
    without_tip_status = models.PositiveIntegerField(_("cases not marked as TIP victims"), default=0)
    # Victims open at the month's end (or today, for the month under way) with no service in the 90 days before.
    open_without_recent_service = models.PositiveIntegerField(_("open cases with no service in 90 days"), default=0)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        ordering = ["shelter", "month"]
        verbose_name = _("month completeness")
        verbose_name_plural = _("month completeness")
        constraints = [
            models.UniqueConstraint(fields=["shelter", "month"], name="month_completeness_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="month_completeness_is_month"),
        ]

    def __str__(self) -> str:
        return f"{self.shelter_id} {self.month:%Y-%m}"
