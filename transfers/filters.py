"""Filters on the consent and transfer lists; they narrow what the door allowed, never widen it."""

from __future__ import annotations

import django_filters as filters

from .models import Consent, ConsentPurpose, Transfer, TransferStatus


class ConsentFilterSet(filters.FilterSet):
    victim = filters.UUIDFilter(field_name="victim_id", label="Victim id")
    purpose = filters.ChoiceFilter(choices=ConsentPurpose.choices)

    class Meta:
        model = Consent
        fields = ["victim", "purpose"]


class TransferFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=TransferStatus.choices)
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte", label="On or after (YYYY-MM-DD)")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte", label="On or before (YYYY-MM-DD)")

    class Meta:
        model = Transfer
        fields = ["status", "date_from", "date_to"]
