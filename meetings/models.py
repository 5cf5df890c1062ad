"""Annex 1: the meetings PROTEJA held or attended, per component, and the organizations at them.

Every rule on a meeting lives in `Meeting.clean()`, so that admin, API and the
Annex 1 import enforce the same rules through `full_clean()` (the services call it).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from shelters.models import validate_not_before_1900
from shelters.states import STATE_CHOICES


class Component(models.TextChoices):
    """The four program areas; Annex 1 has one table per component, in this order."""

    PUBLIC_AWARENESS = "public_awareness", _("Public awareness")
    LEGISLATIVE = "legislative", _("Legislative technical assistance")
    SHELTER_CAPACITY = "shelter_capacity", _("Shelter capacity building")
    NETWORKS = "networks", _("Anti-TIP networks and task forces")


class OrganizationSector(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    PRIVATE = "private", _("Private")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    ACADEMIC = "academic", _("Academic")
    INTERNATIONAL = "international", _("International")
    OTHER = "other", _("Other")


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=300)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    # Blank: not recorded yet (the Annex 1 import cannot tell a sector from a name).
    sector = models.CharField(_("sector"), max_length=20, choices=OrganizationSector.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organization_name_unique_ci"),
            models.CheckConstraint(
                condition=Q(sector="") | Q(sector__in=OrganizationSector.values), name="organization_sector_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def clean(self) -> None:
        self.name = " ".join((self.name or "").split())
        self.acronym = (self.acronym or "").strip()
        if self.name and Organization.objects.filter(name__iexact=self.name).exclude(pk=self.pk).exists():
            raise ValidationError({"name": _("An organization with this name already exists.")})


class Meeting(models.Model):
    component = models.CharField(_("component"), max_length=20, choices=Component.choices)
    start_date = models.DateField(_("start date"), validators=[validate_not_before_1900])
    end_date = models.DateField(_("end date"), validators=[validate_not_before_1900])
    # The days it met when not every day from start to end (the seed's "24 and 26-Oct."),
    # as ISO dates; empty for a plain range.
    dates = models.JSONField(_("dates"), default=list, blank=True)
    organizations = models.ManyToManyField(
        Organization, related_name="meetings", blank=True, verbose_name=_("organizations")
    )
    # The "Participant Organization or Government Representative" cell, as printed.
    participants_description = models.TextField(_("participants"), max_length=2000, blank=True)
    topic = models.TextField(_("topic or activity"), max_length=5000)
    # Blank when the report names no state (one row of the 2007 seed).
    state = models.CharField(_("state"), max_length=3, choices=STATE_CHOICES, blank=True)
    participants_total = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    participants_male = models.PositiveIntegerField(_("male participants"), null=True, blank=True)
    participants_female = models.PositiveIntegerField(_("female participants"), null=True, blank=True)
    # Annex 1 Table 4 groups its rows under printed subheadings.
    subheading = models.CharField(_("subheading"), max_length=300, blank=True)
    # Set by the Annex 1 import (year, table and row text), so that a second run adds nothing.
    import_key = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="meeting_end_not_before_start"),
            models.CheckConstraint(condition=Q(component__in=Component.values), name="meeting_component_valid"),
            models.CheckConstraint(
                condition=Q(participants_total__isnull=True)
                | Q(participants_male__isnull=True)
                | Q(participants_female__isnull=True)
                | Q(participants_total__gte=F("participants_male") + F("participants_female")),
                name="meeting_sexes_within_total",
            ),
            models.UniqueConstraint(
                fields=["import_key"], condition=~Q(import_key=""), name="meeting_import_key_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["component", "start_date"], name="meeting_component_start"),
            models.Index(fields=["start_date"], name="meeting_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_component_display()} {self.start_date}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}

        def add(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        if self.start_date and self.end_date and self.end_date < self.start_date:
            add("end_date", _("The end date cannot be before the start date."))

        days = self._clean_dates(add)
        if days and self.start_date and self.end_date and not errors.get("end_date"):
            outside = [day for day in days if not self.start_date <= day <= self.end_date]
            if outside:
                add("dates", _("Every listed day must fall between the start date and the end date."))

        male, female, total = self.participants_male, self.participants_female, self.participants_total
        if total is None and male is not None and female is not None:
            # Reported only by sex: the total is their sum.
            self.participants_total = total = male + female
        elif total is None and (male is not None or female is not None):
            add("participants_total", _("Give the total number of participants, or both male and female."))
        if total is not None and (male or 0) + (female or 0) > total:
            add("participants_male", _("Male and female participants cannot add up to more than the total."))

        if errors:
            raise ValidationError(errors)

    def _clean_dates(self, add) -> list[date]:  # type: ignore[no-untyped-def]
        """Normalise `dates` to sorted distinct ISO strings; return them as dates."""
        raw = self.dates or []
        if not isinstance(raw, (list, tuple)):
            add("dates", _("Give a list of dates."))
            return []
        days: set[date] = set()
        for item in raw:
            try:
                day = item if isinstance(item, date) else date.fromisoformat(str(item))
            except ValueError:
                add("dates", _("Give dates as YYYY-MM-DD."))
                return []
            days.add(day)
        ordered = sorted(days)
        self.dates = [day.isoformat() for day in ordered]
        return ordered

    @property
    def days(self) -> list[date]:
        """Every day it met: the listed days, or each day from start to end."""
        if self.dates:
            return [date.fromisoformat(day) for day in self.dates]
        return [self.start_date + timedelta(days=n) for n in range((self.end_date - self.start_date).days + 1)]

    @property
    def participants_by_sex_known(self) -> bool:
        return self.participants_male is not None and self.participants_female is not None
