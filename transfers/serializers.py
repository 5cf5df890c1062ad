"""JSON shapes of consents and transfers (api-v1.md, "Consent and transfers between shelters").

Shapes only: the rules live in the models' `clean()` and in `transfers.services`. A transfer shows each
side what is its own: the sending shelter its victim's id, the receiving shelter the id of the case it
made on accepting; neither side the other's case.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shelters.models import Shelter, Victim
from shelters.serializers import PersonalTextField, ShapeOnlyModelSerializer, VisibleRecordField

from .models import Consent, ShareableField, Transfer

# Where the view puts the ids of the user's shelters, so each row knows which side the reader is on.
READER_SHELTERS = "reader_shelter_ids"


class ConsentSerializer(ShapeOnlyModelSerializer):
    victim = VisibleRecordField(Victim, help_text="The victim's id; a victim of another shelter answers 404.")
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    notes = PersonalTextField(max_length=2000)

    class Meta:
        model = Consent
        fields = ["id", "victim", "purpose", "given_on", "expires_on", "withdrawn_on", "recorded_by", "notes"]
        extra_kwargs = {
            "expires_on": {"help_text": "Optional; the last day the consent holds."},
            "withdrawn_on": {"help_text": "The day the victim withdrew it; it no longer holds from that day."},
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "victim" in attrs and attrs["victim"].pk != self.instance.victim_id:
            raise serializers.ValidationError({"victim": ["A consent stays with the victim who gave it."]})
        return attrs


class ReceivingShelterField(serializers.SlugRelatedField):
    """Any shelter by slug (shelters are no secret); an unknown slug is a 400 naming `to_shelter`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", queryset=Shelter.objects.all(), **kwargs)


@extend_schema_field(OpenApiTypes.UUID)
class SideOnlyIdField(serializers.Field):
    """A case id shown only to the side it belongs to (`side`: "sends" or "receives"); null to the other."""

    def __init__(self, *, attribute: str, side: str, **kwargs: Any) -> None:
        self.attribute, self.side = attribute, side
        kwargs["read_only"] = True
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance: Transfer) -> Any:
        shelters = self.context.get(READER_SHELTERS, set())
        owner = instance.shelter_id if self.side == "sends" else instance.to_shelter_id
        return getattr(instance, self.attribute) if owner in shelters else None

    def to_representation(self, value: Any) -> str:
        return str(value)


class TransferSerializer(ShapeOnlyModelSerializer):
    victim = VisibleRecordField(
        Victim,
        help_text="The sending shelter's case (yours); shown to the sending shelter only, null to the receiver.",
    )
    from_shelter = serializers.SlugRelatedField(source="shelter", slug_field="slug", read_only=True)
    to_shelter = ReceivingShelterField(help_text="The receiving shelter's slug.")
    reason = PersonalTextField(max_length=2000)
    share = serializers.ListField(
        child=serializers.ChoiceField(choices=ShareableField.choices),
        required=False,
        help_text="The victim's fields the receiving shelter gets on accepting: " + ", ".join(ShareableField.values),
    )
    received_victim = SideOnlyIdField(
        attribute="received_victim_id",
        side="receives",
        help_text="The receiving shelter's new case, once accepted; shown to the receiving shelter only.",
    )

    class Meta:
        model = Transfer
        fields = ["id", "victim", "from_shelter", "to_shelter", "date", "reason", "share", "status", "received_victim"]
        read_only_fields = ["status"]
        # The one-proposal-per-case rule is the service's, which names `victim` (DRF's own would not).
        validators: list = []

    def to_representation(self, instance: Transfer) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.shelter_id not in self.context.get(READER_SHELTERS, set()):
            data["victim"] = None
        data["share"] = sorted(data["share"] or [])
        return data

    def validate_share(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Name each field once.")
        return value
