"""Annex 2 over the API: the catalogue, stored values, a shelter's table (JSON, CSV, XLSX),
month locks (program staff) and month submissions (coordinators). Thin views: access is
decided by `indicators.selectors`, writes by `indicators.locks`, the table by `indicators.tables`."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, renderers, serializers, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from proteja_site.api import COMMON_ERROR_RESPONSES, MONTH_INVALID, RESPONSE_400, RESPONSE_404, parse_month
from shelters.models import Role, Shelter
from shelters.months import month_from_number, month_number
from shelters.permissions import ALL_ROLES, IsCoordinator, IsProgramStaff, allow_roles
from shelters.selectors import case_shelters_of

from . import locks, review
from .board import month_rows
from .catalogue import INDICATORS, INDICATORS_BY_KEY, ORDER, SECTIONS_BY_KEY
from .filters import IndicatorValueFilter
from .models import IndicatorValue, MonthLock, MonthStatus, MonthSubmission, Source
from .partners import hidden_in_months, partner_tables, reads_suppressed, suppression_k
from .selectors import indicator_values_visible_to, locked_month_drift, shelters_with_tables_visible_to
from .serializers import (
    IndicatorSerializer,
    IndicatorValueSerializer,
    MonthLockSerializer,
    MonthSubmissionSerializer,
)
from .tables import (
    LANGUAGES,
    build_annex2_table,
    build_national_table,
    national_table_range,
    range_problem,
    table_csv,
    table_range,
    table_xlsx,
)

AnyRole = allow_roles(read=ALL_ROLES)


def _catalogue_entry(key: str) -> dict[str, Any]:
    indicator = INDICATORS_BY_KEY[key]
    section = SECTIONS_BY_KEY[indicator.section]
    return {
        "key": indicator.key,
        "section": indicator.section,
        "label_en": indicator.label_en,
        "label_es": indicator.label_es,
        "order": ORDER[indicator.key],
        "section_label_en": section.label_en,
        "section_label_es": section.label_es,
        "people": indicator.people,
        "parts": list(indicator.parts),
    }


class IndicatorListView(generics.ListAPIView):
    """The Annex 2 rows in table order (annex2-indicators.md). Every role reads them."""

    serializer_class = IndicatorSerializer
    permission_classes = [AnyRole]
    filter_backends: list = []

    def get_queryset(self) -> list[dict[str, Any]]:
        return [_catalogue_entry(indicator.key) for indicator in INDICATORS]


class IndicatorDetailView(generics.RetrieveAPIView):
    serializer_class = IndicatorSerializer
    permission_classes = [AnyRole]
    lookup_url_kwarg = "key"

    def get_object(self) -> dict[str, Any]:
        key = self.kwargs["key"]
        if key not in INDICATORS_BY_KEY:
            raise NotFound(_("No such indicator."))
        return _catalogue_entry(key)


class IndicatorValueListView(generics.ListAPIView):
    """Stored values: program staff and partners every shelter's, shelter staff their own shelters'."""

    serializer_class = IndicatorValueSerializer
    permission_classes = [AnyRole]
    filterset_class = IndicatorValueFilter

    def get_queryset(self) -> QuerySet[IndicatorValue]:
        values = indicator_values_visible_to(self.request.user)
        if reads_suppressed(self.request.user):
            # Partners read the value each table shows: a computed one behind an imported one is a second
            # count of the same cell, outside the sums that keep hidden cells hidden.
            values = values.exclude(
                Exists(
                    IndicatorValue.objects.filter(
                        shelter_id=OuterRef("shelter_id"),
                        month=OuterRef("month"),
                        indicator=OuterRef("indicator"),
                        source=Source.IMPORTED,
                    )
                ),
                source=Source.COMPUTED,
            )
        return (
            values.select_related("shelter")
            .annotate(
                locked=Exists(MonthLock.objects.filter(shelter_id=OuterRef("shelter_id"), month=OuterRef("month")))
            )
            .order_by("shelter__slug", "month", "indicator", "source")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        values = list(page if page is not None else self.filter_queryset(self.get_queryset()))
        context = self.get_serializer_context()
        if reads_suppressed(request.user):
            # The page's months as the tables hide them (one query for every shelter's values in them).
            context.update(hidden=hidden_in_months({value.month for value in values}), k=suppression_k())
        serializer = self.get_serializer(values, many=True, context=context)
        if page is not None:
            return self.get_paginated_response(serializer.data)
        return Response(serializer.data)


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, dict) and "rows" in data and "months" in data:
            # No byte-order mark: the charset is in the Content-Type, and spreadsheet users have the XLSX.
            return table_csv(data).encode("utf-8")
        return json.dumps(data).encode("utf-8")


class XLSXRenderer(renderers.BaseRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, dict) and "rows" in data and "months" in data:
            return table_xlsx(data)
        return json.dumps(data).encode("utf-8")


def _month_param(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    month = parse_month(raw)
    if month is None:
        raise ValidationError({name: [MONTH_INVALID]})
    return month


def _accept_language(header: str) -> str | None:
    """The first of our languages the Accept-Language header asks for, by preference."""
    choices = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        choices.append((-quality, position, tag.strip().lower().split("-")[0]))
    for _quality, _position, language in sorted(choices):
        if language in LANGUAGES:
            return language
    return None


def table_language(request: Request) -> str:
    """`?lang=en|es`, else the Accept-Language header, else English (the donor's language)."""
    lang = request.query_params.get("lang")
    if lang is not None:
        # "es", "ES" and "es-MX" all ask for Spanish.
        language = lang.strip().lower().split("-")[0]
        if language not in LANGUAGES:
            raise ValidationError({"lang": [_("Give one of: %(choices)s.") % {"choices": ", ".join(LANGUAGES)}]})
        return language
    return _accept_language(request.META.get("HTTP_ACCEPT_LANGUAGE", "")) or "en"


def table_months(request: Request, shelter: Shelter | None) -> tuple[date, date]:
    """`from` and `to` (YYYY-MM); by default from the agreement's start (the national table: the first
    agreement start of any shelter) to the current month."""
    given_first, given_last = _month_param(request, "from"), _month_param(request, "to")
    if shelter is None:
        first, last = national_table_range(first_month=given_first, last_month=given_last)
    else:
        first, last = table_range(shelter=shelter, first_month=given_first, last_month=given_last)
    problem = range_problem(first, last)
    if problem:
        raise ValidationError({"from" if given_first else "to": [problem]})
    return first, last


class FileFormatsMixin:
    """JSON plus `?format=csv|xlsx`; errors are always JSON, and an unknown format is a 400 naming `format`."""

    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer, XLSXRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[Any, str]:
        try:
            return super().perform_content_negotiation(request, force=force)  # type: ignore[misc]
        except Http404:
            # DRF's answer to an unknown `?format=` is a 404; it is bad input.
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
            raise ValidationError({"format": [_("Give json, csv or xlsx.")]}) from None

    def handle_exception(self, exc: Exception) -> Response:
        request = self.request  # type: ignore[attr-defined]
        if getattr(request, "accepted_renderer", None) is None or request.accepted_renderer.format in ("csv", "xlsx"):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().handle_exception(exc)  # type: ignore[misc]


@extend_schema(
    parameters=[
        OpenApiParameter("from", OpenApiTypes.STR, description="First month, YYYY-MM (default: agreement start)."),
        OpenApiParameter("to", OpenApiTypes.STR, description="Last month, YYYY-MM (default: the current month)."),
        OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv", "xlsx"]),
        OpenApiParameter("lang", OpenApiTypes.STR, enum=list(LANGUAGES), description="Labels; else Accept-Language."),
    ],
    responses={200: OpenApiTypes.OBJECT, 400: RESPONSE_400, 404: RESPONSE_404, **COMMON_ERROR_RESPONSES},
)
class Annex2TableView(FileFormatsMixin, APIView):
    """A shelter's Annex 2 table. Shelter staff read their own shelters' (another is 404); program staff and
    partners every shelter's."""

    permission_classes = [AnyRole]

    def get(self, request: Request, slug: str) -> Response:
        shelter = get_object_or_404(shelters_with_tables_visible_to(request.user), slug=slug)
        first, last = table_months(request, shelter)
        language = table_language(request)
        table = build_annex2_table(shelter=shelter, first_month=first, last_month=last, language=language)
        if reads_suppressed(request.user):
            table = partner_tables([table])[0]
        response = Response(table)
        file_format = request.accepted_renderer.format
        if file_format in ("csv", "xlsx"):
            filename = f"annex2-{shelter.slug}-{first:%Y-%m}-{last:%Y-%m}.{file_format}"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


NationalTableReaders = allow_roles(read=[Role.PROGRAM_STAFF, Role.PARTNER])


@extend_schema(
    parameters=[
        OpenApiParameter(
            "from", OpenApiTypes.STR, description="First month, YYYY-MM (default: the first agreement start)."
        ),
        OpenApiParameter("to", OpenApiTypes.STR, description="Last month, YYYY-MM (default: the current month)."),
        OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv", "xlsx"]),
        OpenApiParameter("lang", OpenApiTypes.STR, enum=list(LANGUAGES), description="Labels; else Accept-Language."),
    ],
    responses={200: OpenApiTypes.OBJECT, 400: RESPONSE_400, **COMMON_ERROR_RESPONSES},
)
class NationalTableView(FileFormatsMixin, APIView):
    """The national Annex 2 table: every shelter's stored values summed per row and month (`"shelter": null`),
    with each row's `shelters_reporting`. Program staff read exact sums, partners with small counts hidden
    jointly with every shelter's table; shelter staff get 403 (a sum over other shelters is not theirs)."""

    permission_classes = [NationalTableReaders]

    def get(self, request: Request) -> Response:
        first, last = table_months(request, None)
        table = build_national_table(first_month=first, last_month=last, language=table_language(request))
        if reads_suppressed(request.user):
            table = partner_tables([table])[0]
        response = Response(table)
        file_format = request.accepted_renderer.format
        if file_format in ("csv", "xlsx"):
            response["Content-Disposition"] = (
                f'attachment; filename="annex2-national-{first:%Y-%m}-{last:%Y-%m}.{file_format}"'
            )
        return response


def _shelter_month(slug: str, month_text: str, shelters: QuerySet[Shelter]) -> tuple[Shelter, date]:
    shelter = get_object_or_404(shelters, slug=slug)
    month = parse_month(month_text)
    if month is None:
        raise ValidationError({"month": [MONTH_INVALID]})
    return shelter, month


class MonthLockView(APIView):
    """Program staff lock (POST) and unlock (DELETE) a shelter-month; GET shows whether it is locked and, for a
    locked month, its drift: each stored value beside what the case records give now."""

    permission_classes = [IsProgramStaff]

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: RESPONSE_404, **COMMON_ERROR_RESPONSES})
    def get(self, request: Request, slug: str, month: str) -> Response:
        shelter, first = _shelter_month(slug, month, Shelter.objects.all())
        lock = MonthLock.objects.filter(shelter=shelter, month=first).select_related("locked_by").first()
        if lock is None:
            return Response({"shelter": shelter.slug, "month": f"{first:%Y-%m}", "locked": False, "drift": []})
        drift = locked_month_drift(shelter_id=shelter.pk, months=[first]).get(first, [])
        return Response({**MonthLockSerializer(lock).data, "drift": drift})

    @extend_schema(
        request=None,
        responses={200: MonthLockSerializer, 201: MonthLockSerializer, 400: RESPONSE_400, 404: RESPONSE_404},
    )
    def post(self, request: Request, slug: str, month: str) -> Response:
        shelter, first = _shelter_month(slug, month, Shelter.objects.all())
        already = MonthLock.objects.filter(shelter=shelter, month=first).exists()
        lock = locks.month_lock(actor=request.user, shelter=shelter, month=first)
        return Response(
            MonthLockSerializer(lock).data, status=status.HTTP_200_OK if already else status.HTTP_201_CREATED
        )

    @extend_schema(
        parameters=[OpenApiParameter("reason", OpenApiTypes.STR, description="Why (required; also in the body).")],
        responses={204: None, 400: RESPONSE_400, 404: RESPONSE_404, **COMMON_ERROR_RESPONSES},
    )
    def delete(self, request: Request, slug: str, month: str) -> Response:
        shelter, first = _shelter_month(slug, month, Shelter.objects.all())
        reason = _body_text(request, "reason") or request.query_params.get("reason", "")
        locks.month_unlock(actor=request.user, shelter=shelter, month=first, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _body_text(request: Request, name: str) -> str:
    data = request.data if isinstance(request.data, dict) else {}
    value = data.get(name, "")
    if not isinstance(value, str):
        raise ValidationError({name: [_("Give a text.")]})
    return value


def _timestamp(value: Any) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None


def _review_row(row: dict[str, Any]) -> dict[str, Any]:
    """A months-list row as the contract names its fields (plus `late` and `drift`, added)."""
    return {
        "shelter": row["shelter"],
        "month": f"{row['month']:%Y-%m}",
        "status": str(row["status"]),
        "submitted_at": _timestamp(row["submitted_at"]),
        "submitted_by": row["submitted_by"],
        "reviewed_at": _timestamp(row["reviewed_at"]),
        "comment": row["comment"],
        "failed_checks": row["failed_checks"],
        "locked": row["locked"],
        "late": row["late"],
        "drift": row["drift"],
        "completeness": row["completeness"],
    }


class MonthApproveView(APIView):
    """Program staff approve a submitted month: it is locked and what was approved is kept (409 if not submitted)."""

    permission_classes = [IsProgramStaff]

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT, 404: RESPONSE_404, **COMMON_ERROR_RESPONSES})
    def post(self, request: Request, slug: str, month: str) -> Response:
        shelter, first = _shelter_month(slug, month, Shelter.objects.all())
        try:
            review.month_approve(actor=request.user, shelter=shelter, month=first)
        except review.ReviewConflict as conflict:
            raise Conflict(str(conflict)) from conflict
        row = month_rows(shelters=Shelter.objects.filter(pk=shelter.pk), first_month=first, last_month=first)[0]
        return Response(_review_row(row))


class MonthReturnView(APIView):
    """Program staff send a submitted month back with `{"comment": ...}` (required); e-mailed to its coordinators."""

    permission_classes = [IsProgramStaff]

    @extend_schema(
        request={"application/json": {"type": "object", "properties": {"comment": {"type": "string"}}}},
        responses={200: OpenApiTypes.OBJECT, 400: RESPONSE_400, 404: RESPONSE_404, **COMMON_ERROR_RESPONSES},
    )
    def post(self, request: Request, slug: str, month: str) -> Response:
        shelter, first = _shelter_month(slug, month, Shelter.objects.all())
        try:
            _returned, emailed = review.month_return(
                actor=request.user, shelter=shelter, month=first, comment=_body_text(request, "comment")
            )
        except review.ReviewConflict as conflict:
            raise Conflict(str(conflict)) from conflict
        row = month_rows(shelters=Shelter.objects.filter(pk=shelter.pk), first_month=first, last_month=first)[0]
        return Response({**_review_row(row), "emailed": emailed})


MonthReaders = allow_roles(read=[Role.PROGRAM_STAFF, Role.COORDINATOR])
MONTHS_LIST_LIMIT = 120


@extend_schema(
    parameters=[
        OpenApiParameter(
            "from", OpenApiTypes.STR, description="First month, YYYY-MM (default: 11 months before `to`)."
        ),
        OpenApiParameter("to", OpenApiTypes.STR, description="Last month, YYYY-MM (default: the current month)."),
        OpenApiParameter("shelter", OpenApiTypes.STR, description="One shelter, by slug."),
    ],
    responses={200: OpenApiTypes.OBJECT, 400: RESPONSE_400, **COMMON_ERROR_RESPONSES},
)
class MonthListView(generics.GenericAPIView):
    """Every shelter-month's review status, late months first: program staff every shelter, coordinators theirs."""

    permission_classes = [MonthReaders]

    def get(self, request: Request) -> Response:
        last = _month_param(request, "to") or timezone.localdate().replace(day=1)
        first = _month_param(request, "from") or month_from_number(max(month_number(last) - 11, 1900 * 12))
        if first > last:
            raise ValidationError({"from": [_("The first month is after the last.")]})
        if month_number(last) - month_number(first) >= MONTHS_LIST_LIMIT:
            raise ValidationError({"from": [_("At most %(count)d months at once.") % {"count": MONTHS_LIST_LIMIT}]})
        shelters = Shelter.objects.all() if request.user.role == Role.PROGRAM_STAFF else case_shelters_of(request.user)
        if request.query_params.get("shelter"):
            shelters = shelters.filter(slug=request.query_params["shelter"])
        rows = [_review_row(row) for row in month_rows(shelters=shelters, first_month=first, last_month=last)]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(page)


class MonthSubmitView(APIView):
    """A coordinator submits their shelter's month for program staff's review."""

    permission_classes = [IsCoordinator]

    @extend_schema(
        request=None,
        responses={201: MonthSubmissionSerializer, 200: MonthSubmissionSerializer, 400: RESPONSE_400},
    )
    def post(self, request: Request, slug: str, month: str) -> Response:
        shelter, first = _shelter_month(slug, month, case_shelters_of(request.user))
        already = MonthSubmission.objects.filter(shelter=shelter, month=first, status=MonthStatus.SUBMITTED).exists()
        try:
            submission = review.month_submit(actor=request.user, shelter=shelter, month=first)
        except review.ReviewConflict as conflict:
            raise Conflict(str(conflict)) from conflict
        return Response(
            MonthSubmissionSerializer(submission).data,
            status=status.HTTP_200_OK if already else status.HTTP_201_CREATED,
        )
