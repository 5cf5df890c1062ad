"""Filters on case-record lists (api-v1.md): `shelter`, `victim`, `date_from`, `date_to`
and each record's own choice fields; on victims also `role`, `tip_victim`, `active_on`.

They narrow the rows `shelters.selectors` already allowed and can never widen them.
A value that does not parse is a 400 naming the filter.
"""

from __future__ import annotations

from datetime import date

import django_filters as filters
from django.db.models import Q, QuerySet

from .models import (
    Crime,
    ExitReason,
    FollowUp,
    LegalAction,
    LegalActionKind,
    Referral,
    ReferralKind,
    Sector,
    Service,
    ServiceCategory,
    Sex,
    Training,
    Victim,
    VictimRole,
)

BOOLEAN_CHOICES = [(value, value) for value in ("true", "false", "True", "False", "1", "0")]


def _is_true(value: str) -> bool:
    return value in ("true", "True", "1")


class CaseRecordFilterSet(filters.FilterSet):
    shelter = filters.CharFilter(field_name="shelter__slug", label="Shelter slug", max_length=50)
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte", label="On or after (YYYY-MM-DD)")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte", label="On or before (YYYY-MM-DD)")
    ordering = filters.OrderingFilter(fields=["date", "created_at"])


class VictimRecordFilterSet(CaseRecordFilterSet):
    victim = filters.UUIDFilter(field_name="victim_id", label="Victim id")


class ServiceFilterSet(VictimRecordFilterSet):
    category = filters.ChoiceFilter(choices=ServiceCategory.choices)

    class Meta:
        model = Service
        fields = ["shelter", "victim", "date_from", "date_to", "category"]


class ReferralFilterSet(VictimRecordFilterSet):
    kind = filters.ChoiceFilter(choices=ReferralKind.choices)

    class Meta:
        model = Referral
        fields = ["shelter", "victim", "date_from", "date_to", "kind"]


class LegalActionFilterSet(VictimRecordFilterSet):
    kind = filters.ChoiceFilter(choices=LegalActionKind.choices)
    crime = filters.ChoiceFilter(choices=Crime.choices)

    class Meta:
        model = LegalAction
        fields = ["shelter", "victim", "date_from", "date_to", "kind", "crime"]


class FollowUpFilterSet(VictimRecordFilterSet):
    class Meta:
        model = FollowUp
        fields = ["shelter", "victim", "date_from", "date_to"]


class TrainingFilterSet(CaseRecordFilterSet):
    sector = filters.ChoiceFilter(choices=Sector.choices)

    class Meta:
        model = Training
        fields = ["shelter", "date_from", "date_to", "sector"]


class VictimFilterSet(filters.FilterSet):
    shelter = filters.CharFilter(field_name="shelter__slug", label="Shelter slug", max_length=50)
    victim = filters.UUIDFilter(field_name="primary_victim_id", label="Secondary victims of this primary victim")
    date_from = filters.DateFilter(field_name="intake_date", lookup_expr="gte", label="Intake on or after")
    date_to = filters.DateFilter(field_name="intake_date", lookup_expr="lte", label="Intake on or before")
    role = filters.ChoiceFilter(choices=VictimRole.choices)
    sex = filters.ChoiceFilter(choices=Sex.choices)
    exit_reason = filters.ChoiceFilter(choices=ExitReason.choices)
    tip_victim = filters.TypedChoiceFilter(choices=BOOLEAN_CHOICES, coerce=_is_true, label="TIP victim (true/false)")
    active_on = filters.DateFilter(
        method="filter_active_on", label="Open on this date: intake on or before, no exit before"
    )
    ordering = filters.OrderingFilter(fields=["case_code", "intake_date", "exit_date", "created_at"])

    class Meta:
        model = Victim
        fields = ["shelter", "victim", "date_from", "date_to", "role", "sex", "exit_reason", "tip_victim", "active_on"]

    def filter_active_on(self, queryset: QuerySet[Victim], name: str, value: date) -> QuerySet[Victim]:
        # The exit day still counts: the victim slept in the shelter until they left.
        return queryset.filter(Q(exit_date__isnull=True) | Q(exit_date__gte=value), intake_date__lte=value)
