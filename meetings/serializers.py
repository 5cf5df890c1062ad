"""Meetings and organizations as the API contract names them; writes go through `services`."""

from __future__ import annotations

from rest_framework import serializers

from proteja_site.fields import ExactPrimaryKeyRelatedField
from shelters.states import STATE_CHOICES

from .models import Meeting, Organization


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "acronym", "sector"]


class MeetingSerializer(serializers.ModelSerializer):
    dates = serializers.ListField(child=serializers.DateField(), required=False, max_length=366)
    organizations = ExactPrimaryKeyRelatedField(many=True, queryset=Organization.objects.all(), required=False)
    # Extra, read-only: partners may not list organizations but should see who a meeting was with.
    organization_names = serializers.SerializerMethodField()
    state = serializers.ChoiceField(choices=STATE_CHOICES, allow_blank=True, required=False)
    participants_total = serializers.IntegerField(min_value=0, max_value=10_000_000, allow_null=True, required=False)
    participants_male = serializers.IntegerField(min_value=0, max_value=10_000_000, allow_null=True, required=False)
    participants_female = serializers.IntegerField(min_value=0, max_value=10_000_000, allow_null=True, required=False)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "component",
            "start_date",
            "end_date",
            "dates",
            "organizations",
            "organization_names",
            "participants_description",
            "topic",
            "state",
            "participants_total",
            "participants_male",
            "participants_female",
            "subheading",
        ]

    def get_organization_names(self, meeting: Meeting) -> list[str]:
        # Reads the prefetched organizations: no query per meeting.
        return [organization.name for organization in meeting.organizations.all()]
