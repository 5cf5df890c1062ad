"""REST API v1: `/api/v1/consents/` and `/api/v1/transfers/` (api-v1.md, "Consent and transfers between
shelters"). Thin, as shelters.api: read through transfers.selectors, write through transfers.services.

Shelter staff only (program staff and partners 403, anonymous 401). A consent of another shelter, and a
transfer neither sent nor received by the user's shelters, answer 404 and are audited as refusals.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from proteja_site.api import RESPONSE_400, RESPONSE_401, RESPONSE_403, RESPONSE_404, RESPONSE_409
from shelters.api import CaseRecordViewSet, case_record_schema
from shelters.audit import audit_in_trails, audit_views
from shelters.models import AuditAction

from . import services
from .exceptions import TransferStateConflict
from .filters import ConsentFilterSet, TransferFilterSet
from .models import Consent, Transfer
from .selectors import consents_visible_to, transfers_visible_to, user_shelter_ids
from .serializers import READER_SHELTERS, ConsentSerializer, TransferSerializer

CHANNEL = "api"


@case_record_schema(ConsentSerializer, "consents")
class ConsentViewSet(CaseRecordViewSet):
    """Consents your shelters' victims gave, per purpose; withdraw one by PATCHing `withdrawn_on`.

    Reading one writes an audit entry (`notes` is personal). No DELETE: a consent given is evidence."""

    model = Consent
    serializer_class = ConsentSerializer
    filterset_class = ConsentFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Consent]:
        if getattr(self, "swagger_fake_view", False):
            return Consent.objects.none()
        return consents_visible_to(self.request.user).order_by("-given_on", "-created_at", "id")

    def filter_queryset(self, queryset: QuerySet[Consent]) -> QuerySet[Consent]:
        return super().filter_queryset(queryset).select_related("recorded_by")

    def create_record(self, data: dict[str, Any]) -> Consent:
        victim = data.pop("victim")
        return services.consent_record(actor=self.request.user, victim=victim, data=data, channel=CHANNEL)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        consent = self.get_object()
        serializer = self.get_serializer(consent, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {name: value for name, value in serializer.validated_data.items() if name != "victim"}
        consent = services.consent_update(actor=request.user, consent=consent, data=data, channel=CHANNEL)
        audit_views(actor=request.user, records=[consent], channel=CHANNEL)
        return Response(self.get_serializer(consent).data)


STEP_RESPONSES = {
    200: TransferSerializer,
    401: RESPONSE_401,
    403: RESPONSE_403,
    404: RESPONSE_404,
    409: RESPONSE_409,
}


@extend_schema_view(
    list=extend_schema(
        summary="List the transfers your shelters send or receive",
        # 404: a page past the last.
        responses={
            200: TransferSerializer(many=True),
            400: RESPONSE_400,
            401: RESPONSE_401,
            403: RESPONSE_403,
            404: RESPONSE_404,
        },
    ),
    retrieve=extend_schema(
        responses={200: TransferSerializer, 401: RESPONSE_401, 403: RESPONSE_403, 404: RESPONSE_404}
    ),
    create=extend_schema(
        summary="Propose a transfer of one of your cases (needs a consent with purpose `transfer` valid on `date`)",
        responses={201: TransferSerializer, 400: RESPONSE_400, 401: RESPONSE_401, 403: RESPONSE_403, 404: RESPONSE_404},
    ),
)
class TransferViewSet(CaseRecordViewSet):
    """Transfers between shelters. The receiving shelter sees only the transfer's own fields (never the
    victim's) until it accepts; then it has its own new case (`received_victim`)."""

    model = Transfer
    serializer_class = TransferSerializer
    filterset_class = TransferFilterSet
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Transfer]:
        if getattr(self, "swagger_fake_view", False):
            return Transfer.objects.none()
        return (
            transfers_visible_to(self.request.user)
            .select_related("shelter", "to_shelter")
            .order_by("-date", "-created_at", "id")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and self.request.user.is_authenticated:
            context[READER_SHELTERS] = user_shelter_ids(self.request.user)
        return context

    def _audit_views(self, transfers: list[Transfer], shelter_ids: set[int]) -> None:
        # The reason is personal: each reading is in the reader's own shelter's trail.
        entries = [
            (
                transfer,
                transfer.shelter_id if transfer.shelter_id in shelter_ids else transfer.to_shelter_id,
                ["reason"],
            )
            for transfer in transfers
            if transfer.reason
        ]
        audit_in_trails(actor=self.request.user, action=AuditAction.VIEW, entries=entries, channel=CHANNEL)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self.get_serializer_context()
        self._audit_views(page, context[READER_SHELTERS])
        return self.get_paginated_response(TransferSerializer(page, many=True, context=context).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        transfer = self.get_object()
        context = self.get_serializer_context()
        self._audit_views([transfer], context[READER_SHELTERS])
        return Response(TransferSerializer(transfer, context=context).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        victim = data.pop("victim")
        transfer = services.transfer_propose(actor=request.user, victim=victim, data=data, channel=CHANNEL)
        return Response(self.get_serializer(transfer).data, status=status.HTTP_201_CREATED)

    def _step(self, step: Any) -> Response:
        transfer = self.get_object()
        try:
            transfer = step(actor=self.request.user, transfer=transfer, channel=CHANNEL)
        except TransferStateConflict as conflict:
            return Response({"detail": str(conflict)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(transfer).data)

    @extend_schema(request=None, responses=STEP_RESPONSES | {400: RESPONSE_400}, summary="Accept (receiving shelter)")
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.transfer_accept)

    @extend_schema(request=None, responses=STEP_RESPONSES, summary="Decline (receiving shelter)")
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.transfer_decline)

    @extend_schema(request=None, responses=STEP_RESPONSES, summary="Cancel (sending shelter)")
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.transfer_cancel)
