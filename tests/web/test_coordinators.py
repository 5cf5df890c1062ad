"""The coordinator's pages: the audit trail in words, the cost share, and submitting a month with a confirmation."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from indicators.models import MonthSubmission
from reports.models import CostShareContribution, Disbursement
from shelters import services
from shelters.models import AuditAction, AuditEntry, Role, Service
from tests.factories import ServiceFactory, UserFactory, VictimFactory
from tests.walls import PAGE_DOOR

pytestmark = pytest.mark.django_db


# --- Who may see them ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/trail/", "/cost-share/"])
@pytest.mark.parametrize("who", ["caseworker_a", "caseworker_b", "program_staff", "partner"])
def test_only_coordinators_open_the_coordinators_pages(client_as, personas, url, who):
    assert client_as(personas[who]).get(url).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    for url in ("/trail/", "/cost-share/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


# --- The audit trail ----------------------------------------------------------------------------------------------


@contextmanager
def written_at(moment):
    """The audit trail is append-only (no entry can be backdated): the clock is set when it is written."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        yield


def test_the_trail_tells_in_words_and_local_time(client_as, coordinator_a, caseworker_a, case_a):
    with written_at(datetime(2026, 2, 1, 3, 30, tzinfo=UTC)):  # 21:30 of 31 January in Mexico City
        services.record_update(
            actor=caseworker_a, record=case_a, data={"exit_date": date(2026, 1, 31), "exit_reason": "reintegrated"}
        )
    page = client_as(coordinator_a).get("/trail/").content.decode()
    assert "alice" in page and "Modificado" in page and "caso SA-00001" in page
    assert "fecha de egreso, motivo de egreso" in page
    assert "31 de enero de 2026 a las 21:30" in page
    assert str(case_a.pk) not in page and "exit_date" not in page and "victim" not in page.split("<main>")[1]


def test_the_trail_finds_a_case_and_the_records_logged_about_it(client_as, coordinator_a, caseworker_a, case_a):
    other = VictimFactory(shelter=case_a.shelter, case_code="SA-00002")
    service = services.record_create(
        actor=caseworker_a, model=Service, data={"victim": case_a, "category": "legal", "date": date(2026, 1, 12)}
    )
    services.record_create(
        actor=caseworker_a, model=Service, data={"victim": other, "category": "medical", "date": date(2026, 1, 12)}
    )
    services.case_assign(actor=coordinator_a, victim=case_a, assignee=caseworker_a)
    response = client_as(coordinator_a).get("/trail/", {"case": "sa-00001"})
    rows = response.context["rows"]
    assert [row["record"] for row in rows] == ["caso SA-00001", "servicio del caso SA-00001"]
    assert rows[1]["fields"] == ["categoría", "fecha", "víctima"] and str(service.pk) not in response.content.decode()
    assert client_as(coordinator_a).get("/trail/", {"case": "SA-99999"}).context["rows"] == []


def test_the_trail_searches_by_person_and_local_day(client_as, coordinator_a, caseworker_a, case_a):
    services.case_assign(actor=coordinator_a, victim=case_a, assignee=caseworker_a)
    with written_at(datetime(2026, 3, 2, 4, 0, tzinfo=UTC)):  # still 1 March in Mexico City
        services.record_update(actor=caseworker_a, record=case_a, data={"sex": "male"})
    client = client_as(coordinator_a)
    assert [row["who"] for row in client.get("/trail/", {"person": "ALICE"}).context["rows"]] == ["alice"]
    by_day = client.get("/trail/", {"date_from": "2026-03-01", "date_to": "2026-03-01"}).context["rows"]
    assert [row["who"] for row in by_day] == ["alice"]
    assert client.get("/trail/", {"date_from": "2026-03-02", "date_to": "2026-03-02"}).context["rows"] == []


def test_the_trail_narrows_to_a_kind_of_entry(client_as, coordinator_a, caseworker_a, case_a):
    services.record_update(actor=caseworker_a, record=case_a, data={"sex": "male"})
    client_as(caseworker_a).get(f"/cases/{case_a.pk}/")  # a view of the names, and alice's sign-in
    client = client_as(coordinator_a)

    def actions(kind):
        return sorted({row["action"] for row in client.get("/trail/", {"kind": kind}).context["rows"]})

    assert actions("changes") == ["Modificado"]
    assert actions("views") == ["Consultó datos personales"]
    assert actions("accounts") == ["Inició sesión"]


def test_the_trail_shows_nothing_of_another_shelter(client_as, coordinator_a, shelter_b, caseworker_b):
    theirs = VictimFactory(shelter=shelter_b, case_code="SB-00001")
    services.record_update(actor=caseworker_b, record=theirs, data={"sex": "male"})
    client = client_as(coordinator_a)
    # Only carla's own sign-in (force_login) is in shelter A's trail.
    assert [(row["who"], row["record"]) for row in client.get("/trail/").context["rows"]] == [("carla", "cuenta carla")]
    assert client.get("/trail/", {"case": "SB-00001"}).context["rows"] == []


def test_the_trail_names_accounts_by_username(client_as, coordinator_a, caseworker_a):
    from accounts import services as account_services

    account_services.role_change(actor=coordinator_a, user=caseworker_a, role=Role.COORDINATOR, channel="web")
    rows = client_as(coordinator_a).get("/trail/").context["rows"]
    changed = next(row for row in rows if row["record"] == "cuenta alice")
    assert changed["action"] == "Rol cambiado" and changed["fields"] == [
        "Trabajadora o trabajador de caso → Coordinación"
    ]


def test_the_trail_lists_a_page_in_a_fixed_number_of_queries(
    client_as, coordinator_a, caseworker_a, shelter_a, django_assert_num_queries
):
    for victim in VictimFactory.create_batch(4, shelter=shelter_a):
        services.record_update(actor=caseworker_a, record=victim, data={"sex": "male"})
        ServiceFactory(victim=victim, date=victim.intake_date)
        service = Service.objects.filter(victim=victim).get()
        services.record_update(actor=caseworker_a, record=service, data={"category": "medical"})
    client = client_as(coordinator_a)
    # session, user, the user's shelters, may the user grant (coordinated shelters), page count, page rows,
    # the page's case codes of victims, of services, the usernames of accounts named (carla's sign-in);
    # session save (savepoint, update, release)
    with django_assert_num_queries(12 + PAGE_DOOR):
        response = client.get("/trail/")
    assert len(response.context["rows"]) == 9


@pytest.mark.parametrize(
    "query",
    [{"date_from": "2026-13-01"}, {"date_from": "x", "page": "-3"}, {"case": "x" * 300}, {"page": "9999"}],
)
def test_bad_trail_searches_never_give_a_500(client_as, coordinator_a, query):
    assert client_as(coordinator_a).get("/trail/", query).status_code == 200


# --- Cost share ---------------------------------------------------------------------------------------------------


def test_the_cost_share_page_shows_the_quarter_and_adds_a_contribution(client_as, coordinator_a, shelter_a, shelter_b):
    CostShareContribution.objects.create(
        shelter=shelter_a, date=date(2007, 11, 5), amount=Decimal("2000"), amount_usd=Decimal("2000")
    )
    CostShareContribution.objects.create(
        shelter=shelter_b, date=date(2007, 11, 5), amount=Decimal("9999"), amount_usd=Decimal("9999")
    )
    Disbursement.objects.create(
        shelter=shelter_a, date=date(2007, 12, 1), amount=Decimal("1200"), amount_usd=Decimal("1200")
    )
    client = client_as(coordinator_a)
    response = client.get("/cost-share/", {"quarter": "2007-Q4"})
    row = response.context["row"]
    assert (row["cost_share_usd"], row["disbursed_usd"], row["within_match"]) == (
        Decimal("2000.00"),
        Decimal("1200.00"),
        False,
    )
    assert "9999" not in response.content.decode()

    response = client.post(
        "/cost-share/?quarter=2007-Q4",
        {
            "date": "2007-12-10",
            "amount": "4356.88",
            "currency": "MXN",
            "exchange_rate": "10.8922",
            "description": "Rent",
        },
    )
    assert response.status_code == 302
    added = CostShareContribution.objects.get(description="Rent")
    assert added.shelter == shelter_a and added.amount_usd == Decimal("400.00")
    assert AuditEntry.objects.filter(record_type="costsharecontribution", action=AuditAction.CREATE).exists()
    assert client.get("/cost-share/", {"quarter": "2007-Q4"}).context["row"]["within_match"] is True


def test_a_contribution_in_pesos_needs_its_rate(client_as, coordinator_a):
    response = client_as(coordinator_a).post("/cost-share/", {"date": "2026-01-10", "amount": "100", "currency": "MXN"})
    assert response.status_code == 200 and response.context["form"].errors
    assert not CostShareContribution.objects.exists()


def test_a_coordinator_deletes_only_their_own_shelters_contribution(client_as, coordinator_a, shelter_a, shelter_b):
    ours = CostShareContribution.objects.create(shelter=shelter_a, date=date(2026, 1, 5), amount=1, amount_usd=1)
    theirs = CostShareContribution.objects.create(shelter=shelter_b, date=date(2026, 1, 5), amount=1, amount_usd=1)
    client = client_as(coordinator_a)
    assert client.post(f"/cost-share/contributions/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/cost-share/contributions/{ours.pk}/delete/").status_code == 302
    assert list(CostShareContribution.objects.all()) == [theirs]


# --- Month submission ---------------------------------------------------------------------------------------------


def test_the_month_to_submit_defaults_to_the_last_finished_one(client_as, coordinator_a):
    last_finished = timezone.localdate().replace(day=1) - timedelta(days=1)
    form = client_as(coordinator_a).get("/annex2/").context["submit_form"]
    assert form["month"].value() == f"{last_finished:%Y-%m}"


def test_a_month_is_submitted_only_once_confirmed(client_as, coordinator_a, shelter_a):
    client = client_as(coordinator_a)
    response = client.post("/annex2/submit/", {"month": "2026-02", "from": "2026-01", "to": "2026-03"})
    assert response.status_code == 200 and not MonthSubmission.objects.exists()
    page = response.content.decode()
    assert "¿Enviar febrero de 2026 a revisión?" in page and 'name="confirm"' in page
    response = client.post(
        "/annex2/submit/", {"month": "2026-02", "confirm": "yes", "from": "2026-01", "to": "2026-03"}
    )
    assert response.status_code == 302 and response["Location"] == "/annex2/?from=2026-01&to=2026-03"
    assert MonthSubmission.objects.get().month == date(2026, 2, 1)


def test_the_confirmation_warns_of_a_month_under_way(client_as, coordinator_a):
    this_month = timezone.localdate().strftime("%Y-%m")
    page = client_as(coordinator_a).post("/annex2/submit/", {"month": this_month}).content.decode()
    assert "todavía está en curso" in page


def test_another_shelters_coordinator_cannot_submit_ours(client_as, shelter_a, shelter_b):
    coordinator_b = UserFactory(username="bea", role=Role.COORDINATOR, shelters=[shelter_b])
    client_as(coordinator_b).post("/annex2/submit/", {"month": "2026-02", "confirm": "yes"})
    assert not MonthSubmission.objects.filter(shelter=shelter_a).exists()
