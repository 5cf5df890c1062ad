"""Month locks and submissions: the services, the API per persona, and 409 for writes into a locked month."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from indicators.locks import month_lock, month_submit, month_unlock
from indicators.models import IndicatorValue, MonthSubmission, Source
from indicators.services import recompute_indicators
from shelters.models import AuditEntry, MonthLock, Role, Service
from tests.factories import ServiceFactory, UserFactory, VictimFactory

OCTOBER = date(2007, 10, 1)


def lock_url(slug="shelter-a", month="2007-10"):
    return f"/api/v1/shelters/{slug}/months/{month}/lock/"


def submit_url(slug="shelter-a", month="2007-10"):
    return f"/api/v1/shelters/{slug}/months/{month}/submit/"


# --- services ---------------------------------------------------------------


def test_program_staff_lock_and_unlock_a_month_with_an_audit_trail(shelter_a, program_staff):
    lock = month_lock(actor=program_staff, shelter=shelter_a, month=OCTOBER)
    assert (lock.shelter, lock.month, lock.locked_by) == (shelter_a, OCTOBER, program_staff)
    # Locking again keeps the first lock.
    assert month_lock(actor=program_staff, shelter=shelter_a, month=OCTOBER).pk == lock.pk
    assert month_unlock(actor=program_staff, shelter=shelter_a, month=OCTOBER, reason="A correction") is True
    assert month_unlock(actor=program_staff, shelter=shelter_a, month=OCTOBER, reason="A correction") is False
    assert not MonthLock.objects.exists()
    assert list(AuditEntry.objects.order_by("id").values_list("action", "record_type", "actor_username")) == [
        ("create", "monthlock", "pat"),
        ("delete", "monthlock", "pat"),
        # Unlocking returns the month to the shelter, with the reason as its comment.
        ("change", "monthsubmission", "pat"),
    ]


@pytest.mark.parametrize("persona", ["caseworker_a", "coordinator_a", "partner"])
def test_only_program_staff_lock(personas, shelter_a, persona):
    with pytest.raises(PermissionDenied):
        month_lock(actor=personas[persona], shelter=shelter_a, month=OCTOBER)
    MonthLock.objects.create(shelter=shelter_a, month=OCTOBER)
    with pytest.raises(PermissionDenied):
        month_unlock(actor=personas[persona], shelter=shelter_a, month=OCTOBER, reason="A correction")
    assert MonthLock.objects.count() == 1


def test_a_month_not_yet_begun_cannot_be_locked_or_submitted(shelter_a, program_staff, coordinator_a):
    today = timezone.localdate()
    next_month = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    with pytest.raises(ValidationError) as error:
        month_lock(actor=program_staff, shelter=shelter_a, month=next_month)
    assert "month" in error.value.message_dict
    with pytest.raises(ValidationError):
        month_submit(actor=coordinator_a, shelter=shelter_a, month=next_month)
    with pytest.raises(ValidationError):
        month_lock(actor=program_staff, shelter=shelter_a, month=date(2007, 10, 2))


def test_a_coordinator_submits_their_own_shelters_month_once(shelter_a, shelter_b, coordinator_a, caseworker_a):
    submission = month_submit(actor=coordinator_a, shelter=shelter_a, month=OCTOBER)
    assert (submission.shelter, submission.month, submission.submitted_by) == (shelter_a, OCTOBER, coordinator_a)
    assert month_submit(actor=coordinator_a, shelter=shelter_a, month=OCTOBER).pk == submission.pk
    with pytest.raises(PermissionDenied):
        month_submit(actor=caseworker_a, shelter=shelter_a, month=OCTOBER)
    with pytest.raises(PermissionDenied):
        month_submit(actor=coordinator_a, shelter=shelter_b, month=OCTOBER)
    assert MonthSubmission.objects.count() == 1


# --- API: lock and unlock -----------------------------------------------------


def test_program_staff_lock_through_the_api(shelter_a, program_staff, api_as):
    client = api_as(program_staff)
    response = client.post(lock_url())
    assert response.status_code == 201
    assert response.json() | {"locked_at": None} == {
        "shelter": "shelter-a",
        "month": "2007-10",
        "locked": True,
        "locked_at": None,
        "locked_by": "pat",
    }
    assert client.post(lock_url()).status_code == 200
    assert MonthLock.objects.filter(shelter=shelter_a, month=OCTOBER).count() == 1
    assert client.get(lock_url()).json()["locked"] is True

    assert client.delete(lock_url() + "?reason=A+correction").status_code == 204
    assert not MonthLock.objects.exists()
    assert client.get(lock_url()).json()["locked"] is False
    # Unlocking an unlocked month changes nothing.
    assert client.delete(lock_url() + "?reason=A+correction").status_code == 204


@pytest.mark.parametrize(
    ("persona", "status"),
    [("caseworker_a", 403), ("coordinator_a", 403), ("caseworker_b", 403), ("partner", 403), ("anonymous", 401)],
)
def test_others_may_not_lock_or_unlock(personas, shelter_a, api_as, persona, status):
    client = api_as(personas[persona])
    assert client.post(lock_url()).status_code == status
    assert not MonthLock.objects.exists()
    MonthLock.objects.create(shelter=shelter_a, month=OCTOBER)
    assert client.delete(lock_url()).status_code == status
    assert client.get(lock_url()).status_code == status
    assert MonthLock.objects.count() == 1


def test_an_unknown_shelter_is_404(program_staff, api_as):
    client = api_as(program_staff)
    assert client.post(lock_url(slug="nowhere")).status_code == 404
    assert client.delete(lock_url(slug="nowhere")).status_code == 404


@pytest.mark.parametrize("month", ["2007-13", "2007-1", "200710", "october", "2007-10-01", "0000-10"])
def test_a_bad_month_is_a_400_naming_it(shelter_a, program_staff, api_as, month):
    client = api_as(program_staff)
    response = client.post(lock_url(month=month))
    assert response.status_code == 400
    assert "month" in response.json()
    assert client.delete(lock_url(month=month)).status_code == 400
    assert not MonthLock.objects.exists()


def test_a_future_month_is_a_400(shelter_a, program_staff, api_as):
    response = api_as(program_staff).post(lock_url(month=f"{timezone.localdate().year + 1}-01"))
    assert response.status_code == 400
    assert "month" in response.json()


# --- API: submit ----------------------------------------------------------------


def test_a_coordinator_submits_through_the_api(shelter_a, coordinator_a, api_as):
    client = api_as(coordinator_a)
    response = client.post(submit_url())
    assert response.status_code == 201
    assert response.json()["month"] == "2007-10" and response.json()["submitted_by"] == "carla"
    assert client.post(submit_url()).status_code == 200
    assert MonthSubmission.objects.filter(shelter=shelter_a, month=OCTOBER).count() == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [("caseworker_a", 403), ("program_staff", 403), ("partner", 403), ("caseworker_b", 403), ("anonymous", 401)],
)
def test_only_coordinators_submit(personas, shelter_a, api_as, persona, status):
    assert api_as(personas[persona]).post(submit_url()).status_code == status
    assert not MonthSubmission.objects.exists()


def test_a_coordinator_of_another_shelter_gets_404(shelter_a, shelter_b, api_as):
    coordinator_b = UserFactory(username="berta", role=Role.COORDINATOR, shelters=[shelter_b])
    assert api_as(coordinator_b).post(submit_url()).status_code == 404
    assert api_as(coordinator_b).post(submit_url(month="2007-99")).status_code == 404
    assert api_as(coordinator_b).post(submit_url(slug="shelter-b", month="2007-99")).status_code == 400
    assert not MonthSubmission.objects.exists()


# --- writes into a locked month: 409, nothing saved -----------------------------


@pytest.fixture
def locked_october(shelter_a):
    return MonthLock.objects.create(shelter=shelter_a, month=OCTOBER)


def test_a_service_cannot_be_created_in_a_locked_month(shelter_a, caseworker_a, locked_october, api_as):
    victim = VictimFactory(shelter=shelter_a, intake_date=date(2007, 9, 20))
    client = api_as(caseworker_a)
    response = client.post(
        "/api/v1/services/", {"victim": str(victim.pk), "date": "2007-10-05", "category": "legal"}, format="json"
    )
    assert response.status_code == 409
    assert "2007-10" in response.json()["detail"]
    assert not Service.objects.exists()
    # September is open.
    response = client.post(
        "/api/v1/services/", {"victim": str(victim.pk), "date": "2007-09-25", "category": "legal"}, format="json"
    )
    assert response.status_code == 201


def test_a_service_cannot_be_moved_into_or_out_of_a_locked_month(shelter_a, caseworker_a, locked_october, api_as):
    victim = VictimFactory(shelter=shelter_a, intake_date=date(2007, 9, 20))
    september = ServiceFactory(victim=victim, date=date(2007, 9, 25), category="legal")
    october = ServiceFactory(victim=victim, date=date(2007, 10, 5), category="medical")
    client = api_as(caseworker_a)

    response = client.patch(f"/api/v1/services/{september.pk}/", {"date": "2007-10-02"}, format="json")
    assert response.status_code == 409
    assert "2007-10" in response.json()["detail"]
    response = client.patch(f"/api/v1/services/{october.pk}/", {"category": "social"}, format="json")
    assert response.status_code == 409
    response = client.delete(f"/api/v1/services/{october.pk}/")
    assert response.status_code == 409
    assert "2007-10" in response.json()["detail"]

    assert list(Service.objects.order_by("date").values_list("date", "category")) == [
        (date(2007, 9, 25), "legal"),
        (date(2007, 10, 5), "medical"),
    ]


def test_after_unlocking_the_write_goes_through(shelter_a, caseworker_a, program_staff, locked_october, api_as):
    victim = VictimFactory(shelter=shelter_a, intake_date=date(2007, 9, 20))
    body = {"victim": str(victim.pk), "date": "2007-10-05", "category": "legal"}
    assert api_as(caseworker_a).post("/api/v1/services/", body, format="json").status_code == 409
    assert api_as(program_staff).delete(lock_url() + "?reason=A+correction").status_code == 204
    assert api_as(caseworker_a).post("/api/v1/services/", body, format="json").status_code == 201


# --- drift ---------------------------------------------------------------------


def test_program_staff_see_the_drift_of_a_locked_month(shelter_a, program_staff, api_as):
    VictimFactory(shelter=shelter_a, intake_date=date(2007, 10, 3))
    recompute_indicators(first_month=OCTOBER, last_month=OCTOBER, shelter_id=shelter_a.pk)
    api_as(program_staff).post(lock_url())
    assert api_as(program_staff).get(lock_url()).json()["drift"] == []

    # A victim taken in in September (open month) is served in October too: the locked month drifts.
    VictimFactory(shelter=shelter_a, intake_date=date(2007, 9, 12))
    recompute_indicators(first_month=date(2007, 9, 1), last_month=OCTOBER, shelter_id=shelter_a.pk)
    stored = IndicatorValue.objects.get(
        shelter=shelter_a, month=OCTOBER, indicator="victims_served", source=Source.COMPUTED
    )
    assert stored.value == 1

    drift = {row["indicator"]: row for row in api_as(program_staff).get(lock_url()).json()["drift"]}
    assert drift["victims_served"] == {"indicator": "victims_served", "stored": 1, "current": 2}
    assert drift["total_victims_served"]["current"] == 2
    assert "new_victims" not in drift


def test_locking_in_another_shelter_does_not_block_this_one(shelter_a, shelter_b, caseworker_a, api_as):
    MonthLock.objects.create(shelter=shelter_b, month=OCTOBER)
    victim = VictimFactory(shelter=shelter_a, intake_date=date(2007, 9, 20))
    body = {"victim": str(victim.pk), "date": "2007-10-05", "category": "legal"}
    assert api_as(caseworker_a).post("/api/v1/services/", body, format="json").status_code == 201
