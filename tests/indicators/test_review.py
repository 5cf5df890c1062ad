"""The monthly review: submit, return with a comment, resubmit, approve and lock; every refusal and audit entry."""

from datetime import date

import pytest
from django.core import mail

from indicators.models import IndicatorValue, MonthSubmission
from shelters.models import AuditEntry, MonthLock

pytestmark = pytest.mark.django_db

OCTOBER = "2007-10"


def url(action, slug="shelter-a", month=OCTOBER):
    return f"/api/v1/shelters/{slug}/months/{month}/{action}/"


@pytest.fixture
def coordinator_with_mail(coordinator_a):
    coordinator_a.email = "coordinadora@example.org"
    coordinator_a.save(update_fields=["email"])
    return coordinator_a


@pytest.fixture
def submitted(shelter_a, coordinator_with_mail, api_as):
    response = api_as(coordinator_with_mail).post(url("submit"))
    assert response.status_code == 201, response.content
    return MonthSubmission.objects.get()


def trail():
    return list(
        AuditEntry.objects.filter(record_type__in=["monthsubmission", "monthlock"])
        .order_by("id")
        .values_list("action", "record_type", "channel")
    )


def test_the_whole_cycle_with_its_audit_entries(submitted, shelter_a, program_staff, coordinator_with_mail, api_as):
    IndicatorValue.objects.create(
        shelter=shelter_a, month=date(2007, 10, 1), indicator="new_victims", value=2, source="computed"
    )
    staff = api_as(program_staff)

    returned = staff.post(url("return"), {"comment": "Faltan los servicios de octubre."}, format="json")
    assert returned.status_code == 200
    assert (returned.json()["status"], returned.json()["comment"], returned.json()["emailed"]) == (
        "returned",
        "Faltan los servicios de octubre.",
        True,
    )
    assert mail.outbox[-1].to == ["coordinadora@example.org"]
    assert "Faltan los servicios de octubre." in mail.outbox[-1].body

    assert api_as(coordinator_with_mail).post(url("submit")).status_code == 201
    approved = staff.post(url("approve"))
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["locked"]) == ("approved", True)
    review = MonthSubmission.objects.get()
    assert review.approved_values == {"new_victims:computed": 2}
    assert len(review.approved_hash) == 64
    assert MonthLock.objects.filter(shelter=shelter_a, month=date(2007, 10, 1)).exists()

    assert trail() == [
        ("create", "monthsubmission", "submit"),
        ("change", "monthsubmission", "return"),
        ("change", "monthsubmission", "resubmit"),
        ("create", "monthlock", "approve"),
        ("change", "monthsubmission", "approve"),
    ]

    # Unlocking needs a reason, and sends the month back with it.
    assert staff.delete(f"/api/v1/shelters/shelter-a/months/{OCTOBER}/lock/").status_code == 400
    assert (
        staff.delete(f"/api/v1/shelters/shelter-a/months/{OCTOBER}/lock/?reason=Corregir+una+fecha").status_code == 204
    )
    review.refresh_from_db()
    assert (review.status, review.comment) == ("returned", "Corregir una fecha")
    assert trail()[-2:] == [("delete", "monthlock", "unlock"), ("change", "monthsubmission", "unlock")]


@pytest.mark.parametrize("action", ["approve", "return"])
def test_approving_or_returning_a_month_not_submitted_is_409(shelter_a, program_staff, api_as, action):
    response = api_as(program_staff).post(url(action), {"comment": "x"}, format="json")
    assert response.status_code == 409
    assert "2007-10" in response.json()["detail"]
    assert not MonthLock.objects.exists()


def test_approving_twice_is_409(submitted, program_staff, api_as):
    assert api_as(program_staff).post(url("approve")).status_code == 200
    assert api_as(program_staff).post(url("approve")).status_code == 409


def test_a_return_without_a_comment_is_400_naming_it(submitted, program_staff, api_as):
    for body in ({}, {"comment": "   "}):
        response = api_as(program_staff).post(url("return"), body, format="json")
        assert response.status_code == 400
        assert "comment" in response.json()
    assert MonthSubmission.objects.get().status == "submitted"


def test_submitting_the_month_under_way_or_later_is_400(shelter_a, coordinator_a, api_as):
    from django.utils import timezone

    this_month = timezone.localdate().replace(day=1)
    response = api_as(coordinator_a).post(url("submit", month=f"{this_month:%Y-%m}"))
    assert response.status_code == 400
    assert "month" in response.json()
    assert api_as(coordinator_a).post(url("submit", month="1899-12")).status_code == 400
    assert not MonthSubmission.objects.exists()


def test_only_program_staff_review(submitted, coordinator_a, caseworker_a, partner, api_as):
    for persona in (coordinator_a, caseworker_a, partner):
        assert api_as(persona).post(url("approve")).status_code == 403
        assert api_as(persona).post(url("return"), {"comment": "x"}, format="json").status_code == 403


def test_a_failing_mail_server_loses_no_return(submitted, program_staff, api_as, settings, caplog):
    settings.EMAIL_BACKEND = "tests.indicators.test_review.FailingBackend"

    response = api_as(program_staff).post(url("return"), {"comment": "Revisar"}, format="json")

    assert response.status_code == 200
    assert response.json()["emailed"] is False
    assert MonthSubmission.objects.get().status == "returned"
    assert "could not be sent" in caplog.text


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_the_months_list_has_the_contracts_fields_late_months_first(
    submitted, shelter_a, shelter_b, program_staff, coordinator_a, caseworker_a, partner, api_as
):
    response = api_as(program_staff).get("/api/v1/months/?from=2007-09&to=2007-10")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert set(rows[0]) >= {
        "shelter",
        "month",
        "status",
        "submitted_at",
        "submitted_by",
        "reviewed_at",
        "comment",
        "failed_checks",
        "locked",
    }
    # Open months that have ended are late, oldest first; shelter A's submitted October comes after them.
    assert [(row["shelter"], row["month"], row["status"]) for row in rows] == [
        ("shelter-a", "2007-09", "open"),
        ("shelter-b", "2007-09", "open"),
        ("shelter-b", "2007-10", "open"),
        ("shelter-a", "2007-10", "submitted"),
    ]
    assert rows[3]["submitted_by"] == coordinator_a.username
    # A coordinator sees their own shelter only; a caseworker and a partner none.
    mine = api_as(coordinator_a).get("/api/v1/months/?from=2007-09&to=2007-10").json()["results"]
    assert {row["shelter"] for row in mine} == {"shelter-a"}
    assert api_as(caseworker_a).get("/api/v1/months/").status_code == 403
    assert api_as(partner).get("/api/v1/months/").status_code == 403
    assert api_as(program_staff).get("/api/v1/months/?from=2007-13").status_code == 400
