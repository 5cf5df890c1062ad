"""Cost share and the quarterly report over the API: thin views over `selectors` and `services`.

- /api/v1/cost-share-contributions/: coordinators (their shelters) and program staff read and write.
- /api/v1/disbursements/: program staff write; coordinators read their shelters'.
- /api/v1/cost-share/{YYYY-QN}/: each shelter's cost share, disbursements and 50% match in the quarter.
- /api/v1/reports/quarterly/{YYYY-QN}/?format=json|html|docx|xlsx|csv&number=N[&table=...][&lang=es|en]:
  program staff and partners. The printable page is in the reader's language (Spanish by default); the
  donor's files (Word, Excel, CSV, JSON) in English unless `lang=es` is asked for.
- /api/v1/reports/quarterly/{YYYY-QN}/sections/: program staff read (GET) and write (PATCH) the narrative.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators.partners import reads_suppressed
from meetings.selectors import Quarter
from shelters.models import Role

from . import exports, services
from .filters import CostShareContributionFilter, DisbursementFilter
from .models import CostShareContribution, Disbursement
from .selectors import (
    REPORT_LANGUAGES,
    SECTION_ORDER,
    contributions_visible_to,
    cost_share_shelters_of,
    disbursements_visible_to,
    may_read_reports,
    may_use_cost_share,
    may_write_narrative,
    narrative_sections,
    partner_report,
    quarterly_cost_share,
    quarterly_report_data,
)
from .serializers import CostShareContributionSerializer, DisbursementSerializer

CHANNEL = "api"


class CostShareAccess(BasePermission):
    """Coordinators and program staff; caseworkers, partners and others 403, anonymous 401."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not may_use_cost_share(request.user):
            return False
        writers = getattr(view, "write_roles", (Role.PROGRAM_STAFF, Role.COORDINATOR))
        return request.method in SAFE_METHODS or request.user.role in writers


class ReportAccess(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return may_read_reports(request.user)


class NarrativeAccess(BasePermission):
    """Program staff only: partners read the report but not its drafts; shelter staff neither (403)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return may_write_narrative(request.user)


class MoneyRecordViewSet(viewsets.ModelViewSet):
    permission_classes = [CostShareAccess]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    model: type

    def visible(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.visible().select_related("shelter").order_by("date", "id")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.money_record_create(
            actor=self.request.user, model=self.model, data=serializer.validated_data, channel=CHANNEL
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.money_record_update(
            actor=self.request.user, record=serializer.instance, data=serializer.validated_data, channel=CHANNEL
        )

    def perform_destroy(self, instance: Any) -> None:
        services.money_record_delete(actor=self.request.user, record=instance, channel=CHANNEL)


class CostShareContributionViewSet(MoneyRecordViewSet):
    """What each shelter contributed from other funding and donations."""

    model = CostShareContribution
    serializer_class = CostShareContributionSerializer
    filterset_class = CostShareContributionFilter

    def visible(self) -> QuerySet:
        return contributions_visible_to(self.request.user)


class DisbursementViewSet(MoneyRecordViewSet):
    """PROTEJA's payments to each shelter: program staff record them, coordinators read their own."""

    model = Disbursement
    serializer_class = DisbursementSerializer
    filterset_class = DisbursementFilter
    write_roles = (Role.PROGRAM_STAFF,)

    def visible(self) -> QuerySet:
        return disbursements_visible_to(self.request.user)


def _quarter(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise ValidationError({"quarter": [str(exc)]}) from exc


class QuarterlyCostShareView(APIView):
    """Each shelter's cost share and PROTEJA's disbursements in the quarter (USD), and the 50% match."""

    permission_classes = [CostShareAccess]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, quarter: str) -> Response:
        figures = quarterly_cost_share(quarter=_quarter(quarter), shelters=cost_share_shelters_of(request.user))
        return Response(exact_money(figures))


class FileRenderer(renderers.BaseRenderer):
    """Lets `?format=` name a file type; the view builds the file itself."""

    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else b""


class HTMLReportRenderer(FileRenderer):
    media_type, format = "text/html", "html"


class DocxRenderer(FileRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    format = "docx"


class XlsxRenderer(FileRenderer):
    media_type, format = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"


class CsvRenderer(FileRenderer):
    media_type, format = "text/csv", "csv"


class QuarterlyReportView(APIView):
    """The quarterly report for a quarter, from the database, as JSON or a file."""

    permission_classes = [ReportAccess]
    renderer_classes = [renderers.JSONRenderer, HTMLReportRenderer, DocxRenderer, XlsxRenderer, CsvRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["json", "html", "docx", "xlsx", "csv"]),
            OpenApiParameter("number", int, description="The report's number (default: counted from 2006-Q2 = 1)."),
            OpenApiParameter(
                "lang",
                str,
                enum=list(REPORT_LANGUAGES),
                description="The report's language. Default: the reader's (Spanish unless asked otherwise) for "
                "format=html, English (the donor's) for the files and JSON.",
            ),
            OpenApiParameter(
                "table",
                str,
                description="With format=csv: one table (summary, states, cost_share, table1..table4, "
                "annex2-<shelter>) instead of a zip of them all.",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, quarter: str) -> Any:
        wanted = _quarter(quarter)
        # A report tells what happened: a quarter not yet begun has nothing to report, and its Annex 2
        # (agreement start to quarter end) could run to thousands of months.
        if wanted.first_day > timezone.localdate():
            raise ValidationError({"quarter": [_("This quarter has not begun yet; there is nothing to report.")]})
        kind = request.accepted_renderer.format
        language = self._language(request, kind)
        number = self._number(request)
        report = quarterly_report_data(quarter=wanted, number=number, language=language)
        if reads_suppressed(request.user):
            report = partner_report(report)
        if kind == "html":
            html = exports.report_html(
                report, csp_nonce=str(request.csp_nonce), back_url=self._back_url(request, wanted, number, language)
            )
            response = HttpResponse(html, content_type="text/html; charset=utf-8")
            response["Content-Language"] = language
            return response
        if kind == "docx":
            return _download(exports.report_docx(report), DocxRenderer.media_type, exports.filename(report, "docx"))
        if kind == "xlsx":
            return _download(exports.report_xlsx(report), XlsxRenderer.media_type, exports.filename(report, "xlsx"))
        if kind == "csv":
            table = request.query_params.get("table")
            if not table:
                return _download(exports.report_csv_zip(report), "application/zip", exports.filename(report, "zip"))
            if table not in exports.csv_table_names(report):
                names = ", ".join(exports.csv_table_names(report))
                raise ValidationError({"table": [_("Choose one of: %(names)s.") % {"names": names}]})
            name = exports.filename(report, "csv").replace(".csv", f"-{table}.csv")
            return _download(exports.report_csv(report, table).encode("utf-8"), "text/csv; charset=utf-8", name)
        return Response(exact_money(report))

    def _language(self, request: Request, kind: str) -> str:
        raw = request.query_params.get("lang")
        if raw in (None, ""):
            # The page is read on screen by staff (their language); the files go to the donor (English).
            active = (translation.get_language() or "es")[:2]
            return (active if active in REPORT_LANGUAGES else "es") if kind == "html" else "en"
        if raw not in REPORT_LANGUAGES:
            raise ValidationError({"lang": [_("Choose one of: %(names)s.") % {"names": ", ".join(REPORT_LANGUAGES)}]})
        return raw

    def _back_url(self, request: Request, quarter: Quarter, number: int | None, language: str) -> str | None:
        """Program staff came from admin's report page (and go back to it, the quarter filled in); partners
        from the site's home."""
        if request.user.is_staff and may_write_narrative(request.user):
            query = f"?quarter={quarter}&lang={language}" + (f"&number={number}" if number else "")
            return reverse("admin:reports_quarterly_report") + query
        return "/"

    def _number(self, request: Request) -> int | None:
        raw = request.query_params.get("number")
        if raw in (None, ""):
            return None
        # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
        if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= 999:
            raise ValidationError({"number": [_("Give the report number as a whole number from 1 to 999.")]})
        return int(raw)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[Any, str]:
        try:
            return super().perform_content_negotiation(request, force=force)
        except Http404:
            # DRF's answer to an unknown `?format=` is a 404; it is bad input.
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = renderers.JSONRenderer.media_type
            raise ValidationError({"format": [_("Give json, html, docx, xlsx or csv.")]}) from None

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are JSON whatever file was asked for.
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().handle_exception(exc)


def exact_money(data: Any) -> Any:
    """Decimals as strings ("103873.03"): DRF's encoder would turn them into floats."""
    if isinstance(data, Decimal):
        return f"{data:.2f}"
    if isinstance(data, dict):
        return {key: exact_money(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [exact_money(value) for value in data]
    return data


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# A section's text as DRF checks any text field: no NUL character, no lone surrogate (neither can be stored),
# and a bound on its length (the seed's longest section has under 6,000 characters).
SECTION_TEXT = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=50_000)


def _unstorable_texts(value: dict[str, str]) -> list[str]:
    """What is wrong with a section's texts, each message naming its field; empty when they can be stored."""
    problems = []
    for name in sorted(value):
        try:
            SECTION_TEXT.run_validation(value[name])
        except ValidationError as error:
            problems += [f"{name}: {message}" for message in error.detail]
    return problems


class QuarterlyNarrativeView(APIView):
    """The quarter's narrative sections, in the report's order: GET them, PATCH some of them.

    PATCH body: `{"introduction": {"text_es": "...", "text_en": "..."}, ...}`: the sections named are
    written (all or none), the others left as they are; an unknown section or field is a 400 naming it.
    """

    permission_classes = [NarrativeAccess]
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, quarter: str) -> Response:
        wanted = _quarter(quarter)
        return Response({"quarter": str(wanted), "sections": narrative_sections(quarter=wanted)})

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def patch(self, request: Request, quarter: str) -> Response:
        wanted = _quarter(quarter)
        data = request.data
        if not isinstance(data, dict) or not data:
            raise ValidationError(
                {"non_field_errors": [_('Send an object of sections, for example {"introduction": {"text_es": "…"}}.')]}
            )
        errors: dict[str, list[str]] = {}
        sections: dict[str, dict[str, str]] = {}
        for key, value in data.items():
            if key not in SECTION_ORDER:
                errors[key] = [
                    _("Not a section of the report; the sections are: %(names)s.") % {"names": ", ".join(SECTION_ORDER)}
                ]
                continue
            if not isinstance(value, dict) or not value:
                errors[key] = [_("Give the section's text as text_es and/or text_en.")]
                continue
            unknown = sorted(set(value) - set(services.NARRATIVE_FIELDS))
            wrong = sorted(
                name for name, text in value.items() if name in services.NARRATIVE_FIELDS and not isinstance(text, str)
            )
            unstorable = _unstorable_texts(value) if not unknown and not wrong else []
            if unknown:
                errors[key] = [
                    _("Unknown field(s): %(names)s; give text_es and/or text_en.") % {"names": ", ".join(unknown)}
                ]
            elif wrong:
                errors[key] = [_("The text must be a string: %(names)s.") % {"names": ", ".join(wrong)}]
            elif unstorable:
                errors[key] = unstorable
            else:
                sections[key] = value
        if errors:
            raise ValidationError(errors)
        services.narrative_write_many(actor=request.user, quarter=wanted, sections=sections, channel=CHANNEL)
        return Response({"quarter": str(wanted), "sections": narrative_sections(quarter=wanted)})
