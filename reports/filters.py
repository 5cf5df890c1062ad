"""Filters of the cost-share lists: shelter, quarter, currency, dates."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from meetings.filters import QuarterFilter
from meetings.selectors import Quarter

from .models import CostShareContribution, Currency, Disbursement


class MoneyRecordFilter(django_filters.FilterSet):
    shelter = django_filters.CharFilter(field_name="shelter__slug")
    quarter = QuarterFilter(method="filter_quarter", help_text="A quarter as YYYY-QN, e.g. 2007-Q4.")
    currency = django_filters.ChoiceFilter(choices=Currency.choices)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    def filter_quarter(self, queryset: QuerySet, name: str, value: Quarter | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(date__gte=value.first_day, date__lte=value.last_day)


class CostShareContributionFilter(MoneyRecordFilter):
    class Meta:
        model = CostShareContribution
        fields = ["shelter", "quarter", "currency", "date_from", "date_to"]


class DisbursementFilter(MoneyRecordFilter):
    class Meta:
        model = Disbursement
        fields = ["shelter", "quarter", "currency", "date_from", "date_to"]
