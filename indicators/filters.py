"""Filters on stored indicator values; a bad value is a 400 naming the filter."""

from __future__ import annotations

from datetime import date

import django_filters
from django import forms

from proteja_site.api import MONTH_INVALID, parse_month
from shelters.models import Shelter

from .catalogue import INDICATOR_CHOICES
from .models import IndicatorValue, Source


class MonthFormField(forms.CharField):
    default_error_messages = {"invalid": MONTH_INVALID}

    def to_python(self, value: object) -> date | None:
        text = super().to_python(value)
        if not text:
            return None
        month = parse_month(text)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month


class MonthFilter(django_filters.Filter):
    field_class = MonthFormField


class IndicatorValueFilterForm(forms.Form):
    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("month_from"), cleaned.get("month_to")
        if start and end and start > end:
            self.add_error("month_to", "month_to cannot be before month_from.")
        return cleaned


class IndicatorValueFilter(django_filters.FilterSet):
    # Every shelter's slug is accepted: another shelter's values are simply not in the user's queryset.
    shelter = django_filters.ModelChoiceFilter(
        field_name="shelter", to_field_name="slug", queryset=Shelter.objects.all()
    )
    indicator = django_filters.ChoiceFilter(choices=INDICATOR_CHOICES)
    source = django_filters.ChoiceFilter(choices=Source.choices)
    month = MonthFilter(field_name="month")
    month_from = MonthFilter(field_name="month", lookup_expr="gte")
    month_to = MonthFilter(field_name="month", lookup_expr="lte")

    class Meta:
        model = IndicatorValue
        form = IndicatorValueFilterForm
        fields = ["shelter", "indicator", "source", "month", "month_from", "month_to"]
