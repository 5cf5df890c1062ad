"""Cost-share records as the API shows them; writes go through `reports.services`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import NotFound

from shelters.models import Shelter

from .models import CostShareContribution, Disbursement
from .selectors import cost_share_shelters_of


class CostShareShelterField(serializers.SlugRelatedField):
    """A shelter by slug among those the user keeps cost share for; any other slug answers 404."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "slug")
        kwargs.setdefault("help_text", "The shelter's slug; may be left out when you keep one shelter's cost share.")
        super().__init__(**kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        request = self.context.get("request")
        return cost_share_shelters_of(request.user) if request else Shelter.objects.none()

    def to_internal_value(self, data: Any) -> Shelter:
        if not isinstance(data, str) or not data:
            self.fail("invalid")
        shelter = self.get_queryset().filter(slug=data).first()
        if shelter is None:
            raise NotFound(f"shelter: no shelter “{data}” among yours.")
        return shelter


class MoneyRecordSerializer(serializers.ModelSerializer):
    shelter = CostShareShelterField(required=False)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    exchange_rate = serializers.DecimalField(
        max_digits=12, decimal_places=6, min_value=Decimal("0.000001"), allow_null=True, required=False
    )
    amount_usd = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        fields = ["id", "shelter", "date", "amount", "currency", "exchange_rate", "amount_usd", "description"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and "shelter" not in attrs:
            shelters = list(self.fields["shelter"].get_queryset()[:2])
            if len(shelters) != 1:
                raise serializers.ValidationError({"shelter": ["This field is required."]})
            attrs["shelter"] = shelters[0]
        return attrs


class CostShareContributionSerializer(MoneyRecordSerializer):
    class Meta(MoneyRecordSerializer.Meta):
        model = CostShareContribution


class DisbursementSerializer(MoneyRecordSerializer):
    class Meta(MoneyRecordSerializer.Meta):
        model = Disbursement
