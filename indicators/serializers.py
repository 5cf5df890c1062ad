"""Annex 2 in JSON: indicator definitions, stored values, month locks and submissions."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from proteja_site.api import MonthField

from .models import IndicatorValue, MonthLock, MonthSubmission, Source
from .suppression import is_small


class IndicatorSerializer(serializers.Serializer):
    """One row of annex2-indicators.md (a catalogue entry, not a database row)."""

    key = serializers.CharField()
    section = serializers.CharField()
    label_en = serializers.CharField()
    label_es = serializers.CharField()
    order = serializers.IntegerField()
    section_label_en = serializers.CharField()
    section_label_es = serializers.CharField()
    people = serializers.BooleanField(help_text="Counts distinct people (else events).")
    parts = serializers.ListField(child=serializers.CharField(), help_text="The rows a total row sums.")


class IndicatorValueSerializer(serializers.ModelSerializer):
    shelter = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    month = MonthField(read_only=True)
    value = serializers.IntegerField(allow_null=True, read_only=True, help_text="null: missing, which is not 0.")
    source = serializers.ChoiceField(choices=Source.choices, read_only=True)
    # Annotated by the view's queryset (one EXISTS per row, inside the same query).
    locked = serializers.BooleanField(read_only=True)
    suppressed = serializers.SerializerMethodField(
        help_text="true: a count partners may not read (value null); false: the value is shown, or missing."
    )

    class Meta:
        model = IndicatorValue
        fields = ["id", "shelter", "month", "indicator", "value", "suppressed", "source", "locked", "updated_at"]
        read_only_fields = fields

    def get_suppressed(self, value: IndicatorValue) -> bool:
        # Only a partner's list carries the hidden cells (indicators.partners); anyone else's hides nothing.
        hidden = self.context.get("hidden")
        if hidden is None:
            return False
        cell = (value.shelter.slug, value.indicator, f"{value.month:%Y-%m}")
        return cell in hidden or is_small(value.value, self.context["k"])

    def to_representation(self, instance: IndicatorValue) -> dict[str, Any]:
        data = super().to_representation(instance)
        if data["suppressed"]:
            data["value"] = None
        return data


class MonthLockSerializer(serializers.ModelSerializer):
    shelter = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    month = MonthField(read_only=True)
    locked = serializers.SerializerMethodField()
    locked_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = MonthLock
        fields = ["shelter", "month", "locked", "locked_at", "locked_by"]
        read_only_fields = fields

    def get_locked(self, lock: MonthLock) -> bool:
        return True


class MonthSubmissionSerializer(serializers.ModelSerializer):
    shelter = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    month = MonthField(read_only=True)
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = MonthSubmission
        fields = ["shelter", "month", "submitted_at", "submitted_by"]
        read_only_fields = fields
