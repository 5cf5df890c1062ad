"""States, their history, the federal law and networks as the API contract names them; writes go through
`services`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from meetings.models import Organization
from proteja_site.fields import ExactPrimaryKeyRelatedField
from shelters.models import EARLIEST_DATE

from .models import FederalLaw, Network, NetworkKind, State, StateChange, TipLawStatus, clean_palermo_elements


def not_before_1900(value: Any) -> None:
    if value is not None and value < EARLIEST_DATE:
        raise serializers.ValidationError(_("Date cannot be before 1900."))


@extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "boolean"}, "description": "element key -> true/false"}
)
class PalermoElementsField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> dict[str, bool]:
        try:
            return clean_palermo_elements(data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class StateSerializer(serializers.ModelSerializer):
    # A plain string in the schema: the meetings' and shelters' `state` enum already lists the codes.
    code = serializers.CharField(read_only=True, help_text="ISO 3166-2:MX code without `MX-`, as for shelters.")
    palermo_elements = PalermoElementsField(read_only=True)
    meetings = serializers.SerializerMethodField()

    class Meta:
        model = State
        fields = [
            "code",
            "name",
            "tip_law_status",
            "tip_law_name",
            "tip_law_date",
            "palermo_elements",
            "task_force_since",
            "notes",
            "meetings",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_meetings(self, state: State) -> int | None:
        """Meetings in the state in `?quarter=`; null when no quarter was asked for."""
        counts = self.context.get("meetings_per_state")
        return None if counts is None else counts.get(state.code, 0)


class StateUpdateSerializer(serializers.Serializer):
    """What PATCH /api/v1/states/{code}/ takes: any of the law's fields, and the source (required)."""

    tip_law_status = serializers.ChoiceField(choices=TipLawStatus.choices, required=False)
    tip_law_name = serializers.CharField(max_length=300, allow_blank=True, required=False)
    tip_law_date = serializers.DateField(allow_null=True, required=False, validators=[not_before_1900])
    palermo_elements = PalermoElementsField(required=False)
    task_force_since = serializers.DateField(allow_null=True, required=False, validators=[not_before_1900])
    notes = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    source = serializers.CharField(
        max_length=1000,
        write_only=True,
        help_text="The document or person the new values come from (required).",
        error_messages={
            "required": _("Cite the source of this change."),
            "blank": _("Cite the source of this change."),
        },
    )


class StateChangeSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="actor_username", read_only=True)

    class Meta:
        model = StateChange
        fields = ["id", "state", "at", "by", "source", "changes", "channel"]
        read_only_fields = fields


class PalermoElementSerializer(serializers.Serializer):
    key = serializers.CharField()
    article = serializers.CharField()
    label_en = serializers.CharField()
    label_es = serializers.CharField()


class FederalLawSerializer(serializers.ModelSerializer):
    palermo_elements = PalermoElementsField(read_only=True)

    class Meta:
        model = FederalLaw
        fields = [
            "id",
            "tip_law_status",
            "tip_law_name",
            "tip_law_date",
            "signed_on",
            "in_force_on",
            "palermo_elements",
            "notes",
            "source",
        ]
        read_only_fields = fields


class NetworkSerializer(serializers.ModelSerializer):
    state = ExactPrimaryKeyRelatedField(queryset=State.objects.all(), allow_null=True, required=False)
    kind = serializers.ChoiceField(choices=NetworkKind.choices)
    organizations = ExactPrimaryKeyRelatedField(many=True, queryset=Organization.objects.all(), required=False)
    # Extra, read-only: partners and shelter staff may not list organizations but may see who is in a network.
    organization_names = serializers.SerializerMethodField()
    established_on = serializers.DateField(allow_null=True, required=False, validators=[not_before_1900])

    class Meta:
        model = Network
        fields = ["id", "name", "state", "kind", "organizations", "organization_names", "established_on", "notes"]

    def get_organization_names(self, network: Network) -> list[str]:
        # Reads the prefetched organizations: no query per network.
        return [organization.name for organization in network.organizations.all()]
