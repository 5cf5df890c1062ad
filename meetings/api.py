"""Meetings and organizations over the API: thin views over `selectors` (who sees what) and `services` (writes)."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from . import services
from .filters import MeetingFilter, OrganizationFilter
from .models import Meeting, Organization
from .selectors import may_read_meetings, may_write_meetings, meetings_visible_to, organizations_visible_to
from .serializers import MeetingSerializer, OrganizationSerializer


class MeetingAccess(BasePermission):
    """Program staff read and write; partners read; shelter staff are refused (403), anonymous 401."""

    def has_permission(self, request: Request, view: object) -> bool:
        if request.method in SAFE_METHODS:
            return may_read_meetings(request.user)
        return may_write_meetings(request.user)


class OrganizationAccess(BasePermission):
    """Program staff only: the contract gives partners meetings and reports, nothing else."""

    def has_permission(self, request: Request, view: object) -> bool:
        return may_write_meetings(request.user)


class MeetingViewSet(viewsets.ModelViewSet):
    serializer_class = MeetingSerializer
    permission_classes = [MeetingAccess]
    filterset_class = MeetingFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Meeting]:
        return meetings_visible_to(self.request.user).prefetch_related("organizations").order_by("start_date", "id")

    def perform_create(self, serializer: MeetingSerializer) -> None:
        data = dict(serializer.validated_data)
        organizations = data.pop("organizations", [])
        serializer.instance = services.meeting_create(
            actor=self.request.user, data=data, organizations=organizations, channel="api"
        )

    def perform_update(self, serializer: MeetingSerializer) -> None:
        data = dict(serializer.validated_data)
        organizations = data.pop("organizations", None)
        serializer.instance = services.meeting_update(
            actor=self.request.user, meeting=serializer.instance, data=data, organizations=organizations, channel="api"
        )
        # The response shows the organizations as saved, not a stale prefetch.
        serializer.instance._prefetched_objects_cache = {}

    def perform_destroy(self, instance: Meeting) -> None:
        services.meeting_delete(actor=self.request.user, meeting=instance, channel="api")


class OrganizationViewSet(viewsets.ModelViewSet):
    serializer_class = OrganizationSerializer
    permission_classes = [OrganizationAccess]
    filterset_class = OrganizationFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Organization]:
        return organizations_visible_to(self.request.user).order_by("name")

    def perform_create(self, serializer: OrganizationSerializer) -> None:
        serializer.instance = services.organization_create(
            actor=self.request.user, data=serializer.validated_data, channel="api"
        )

    def perform_update(self, serializer: OrganizationSerializer) -> None:
        serializer.instance = services.organization_update(
            actor=self.request.user, organization=serializer.instance, data=serializer.validated_data, channel="api"
        )
