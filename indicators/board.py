"""Reads for the monthly review: one row per shelter and month (the API's months list and admin's status
board), and the drift of an approved month (what changed since, and which kinds of records).

Counts only: no row here names a victim or shows a case record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db.models import Count, QuerySet
from django.utils import timezone

from shelters.models import AuditAction, AuditEntry, MonthLock, Shelter
from shelters.months import months_between
from shelters.scopes import counting_scope

from .checks import check_month
from .models import IndicatorValue, MonthCompleteness, MonthStatus, MonthSubmission, Source

# Case records whose changes can move a month's values, as the audit trail names them.
RECORD_TYPES = ("victim", "service", "referral", "legalaction", "followup", "training")


def month_rows(*, shelters: QuerySet[Shelter], first_month: date, last_month: date) -> list[dict[str, Any]]:
    """Every shelter x month of the range, late months first (ended, not submitted or returned: oldest
    first), then the rest by month and shelter.

    Queries: the shelters, the reviews, the locks, the completeness counts and the stored values: five,
    however many shelters and months.
    """
    months = months_between(first_month, last_month)
    shelter_list = list(shelters.order_by("slug").only("id", "slug", "name"))
    ids = [shelter.pk for shelter in shelter_list]
    in_range = {"shelter_id__in": ids, "month__gte": months[0], "month__lte": months[-1]}
    reviews = {
        (review.shelter_id, review.month): review
        for review in MonthSubmission.objects.filter(**in_range).select_related("submitted_by").order_by()
    }
    locked = set(MonthLock.objects.filter(**in_range).order_by().values_list("shelter_id", "month"))
    completeness = {
        (row["shelter_id"], row["month"]): row
        for row in MonthCompleteness.objects.filter(**in_range)
        .order_by()
        .values("shelter_id", "month", "without_nationality", "without_tip_status", "open_without_recent_service")
    }
    shown: dict[tuple[int, date], dict[str, int | None]] = defaultdict(dict)
    stored: dict[tuple[int, date], dict[str, int | None]] = defaultdict(dict)
    for shelter_id, month, indicator, source, value in (
        IndicatorValue.objects.filter(**in_range)
        .order_by()
        .values_list("shelter_id", "month", "indicator", "source", "value")
    ):
        stored[shelter_id, month][f"{indicator}:{source}"] = value
        # The tables show an imported value over a computed one.
        if source == Source.IMPORTED or indicator not in shown[shelter_id, month]:
            shown[shelter_id, month][indicator] = value

    this_month = timezone.localdate().replace(day=1)
    rows = []
    for shelter in shelter_list:
        for month in months:
            review = reviews.get((shelter.pk, month))
            status = review.status if review else MonthStatus.OPEN
            failures = check_month(shelter=shelter.slug, month=month, cells=shown.get((shelter.pk, month), {}))
            drift = drifted_cells(review, stored.get((shelter.pk, month), {})) if review else []
            rows.append(
                {
                    "shelter": shelter.slug,
                    "shelter_name": shelter.name,
                    "month": month,
                    "status": status,
                    "submitted_at": review.submitted_at if review else None,
                    "submitted_by": review.submitted_by.username if review and review.submitted_by else None,
                    "reviewed_at": review.reviewed_at if review else None,
                    "comment": review.comment if review else "",
                    "failed_checks": [failure.as_dict() for failure in failures],
                    "locked": (shelter.pk, month) in locked,
                    "late": month < this_month and status in (MonthStatus.OPEN, MonthStatus.RETURNED),
                    "drift": drift,
                    # Counts of the shelter's cases (never a case), as last counted; None: not counted yet.
                    "completeness": _completeness(completeness.get((shelter.pk, month))),
                }
            )
    rows.sort(key=lambda row: (not row["late"], row["month"] if row["late"] else date.max, row["shelter"]))
    return rows


def _completeness(row: dict[str, Any] | None) -> dict[str, int] | None:
    if row is None:
        return None
    keys = ("without_nationality", "without_tip_status", "open_without_recent_service")
    return {key: row[key] for key in keys}


def drifted_cells(review: MonthSubmission, stored: dict[str, int | None]) -> list[dict[str, Any]]:
    """Cells ("indicator:source") whose stored value differs from what was approved (none if never approved)."""
    if not review.approved_at:
        return []
    approved = review.approved_values or {}
    return [
        {
            "indicator": cell.split(":")[0],
            "source": cell.split(":")[1],
            "approved": approved.get(cell),
            "now": stored.get(cell),
        }
        for cell in sorted(set(approved) | set(stored))
        if approved.get(cell) != stored.get(cell)
    ]


def changes_since(*, shelter_id: int, since: datetime) -> list[dict[str, Any]]:
    """Which records of the shelter changed since `since`, from the audit trail: counts per kind of record
    and action, never an id or a name. Through the aggregation path (the trail is behind the wall)."""
    with counting_scope([shelter_id], purpose="drift"):
        counts = (
            AuditEntry.objects.filter(
                shelter_id=shelter_id,
                at__gt=since,
                record_type__in=RECORD_TYPES,
                action__in=["create", "change", "delete"],
            )
            .order_by()
            .values("record_type", "action")
            .annotate(count=Count("id"))
        )
        rows = [
            {
                **row,
                "kind": apps.get_model("shelters", row["record_type"])._meta.verbose_name_plural,
                "what": AuditAction(row["action"]).label,
            }
            for row in counts
        ]
    return sorted(rows, key=lambda row: (row["record_type"], row["action"]))


def approved_drift(*, shelter_id: int, months: Iterable[date]) -> dict[date, dict[str, Any]]:
    """For each approved month given whose stored values moved since approval: the cells and why."""
    reviews = list(
        MonthSubmission.objects.filter(shelter_id=shelter_id, month__in=list(months), approved_at__isnull=False)
    )
    if not reviews:
        return {}
    stored: dict[date, dict[str, int | None]] = defaultdict(dict)
    for month, indicator, source, value in IndicatorValue.objects.filter(
        shelter_id=shelter_id, month__in=[review.month for review in reviews]
    ).values_list("month", "indicator", "source", "value"):
        stored[month][f"{indicator}:{source}"] = value
    drift = {}
    for review in reviews:
        cells = drifted_cells(review, stored.get(review.month, {}))
        if cells:
            drift[review.month] = {
                "approved_at": review.approved_at,
                "cells": cells,
                "changes": changes_since(shelter_id=shelter_id, since=review.approved_at),
            }
    return drift
