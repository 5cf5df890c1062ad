"""Filters of the meetings list: component, quarter (`2007-Q4`, or `2007-T4` as Spanish writes it), state."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from shelters.states import STATE_CHOICES

from .models import Component, Meeting, Organization, OrganizationSector
from .selectors import Quarter, meetings_in_quarter


class QuarterFormField(forms.CharField):
    def to_python(self, value: Any) -> Quarter | None:
        value = super().to_python(value)
        if not value:
            return None
        try:
            return Quarter.parse(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc


class QuarterFilter(django_filters.Filter):
    field_class = QuarterFormField


class MeetingFilter(django_filters.FilterSet):
    component = django_filters.ChoiceFilter(choices=Component.choices)
    quarter = QuarterFilter(
        method="filter_quarter", help_text="A quarter as YYYY-QN (or YYYY-TN), e.g. 2007-Q4 or 2007-T4."
    )
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES)
    organization = django_filters.ModelChoiceFilter(field_name="organizations", queryset=Organization.objects.all())

    class Meta:
        model = Meeting
        fields = ["component", "quarter", "state", "organization"]

    def filter_quarter(self, queryset: QuerySet[Meeting], name: str, value: Quarter | None) -> QuerySet[Meeting]:
        return meetings_in_quarter(value, queryset) if value else queryset


class OrganizationFilter(django_filters.FilterSet):
    sector = django_filters.ChoiceFilter(choices=OrganizationSector.choices)
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Organization
        fields = ["sector", "name"]
