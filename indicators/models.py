"""Annex 2: stored indicator values per shelter, month and row, and locked months."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shelters.models import Shelter


class MonthLock(models.Model):
    """A shelter-month that program staff reviewed: never recomputed, no case record written into it."""

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="month_locks")
    month = models.DateField(_("month"))
    locked_at = models.DateTimeField(_("locked at"), auto_now_add=True)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

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
