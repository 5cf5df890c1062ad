"""The status board in admin, and the review from the Annex 2 table page: statuses, late months first, approve
and return, drift after approval with its reasons (counts only), and a fixed number of queries."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators import review
from indicators.models import IndicatorValue, MonthSubmission
from shelters import services

from ..factories import ServiceFactory, ShelterFactory, VictimFactory

pytestmark = pytest.mark.django_db

BOARD_URL = "/admin/indicators/monthreview/"
TABLE_URL = "/admin/indicators/indicatorvalue/annex2/"
OCTOBER = date(2007, 10, 1)


@pytest.fixture
def staff_client(client, program_staff):
    client.force_login(program_staff)
    return client


@pytest.fixture
def submitted_october(shelter_a, coordinator_a):
    return review.month_submit(actor=coordinator_a, shelter=shelter_a, month=OCTOBER)


def test_the_board_lists_every_shelter_month_late_first_in_spanish(staff_client, submitted_october, shelter_b):
    response = staff_client.get(BOARD_URL, {"start": "2007-09", "end": "2007-10"})

    assert response.status_code == 200
    rows = [(row["shelter"], f"{row['month']:%Y-%m}", row["status"]) for row in response.context["rows"]]
    assert rows == [
        ("shelter-a", "2007-09", "open"),
        ("shelter-b", "2007-09", "open"),
        ("shelter-b", "2007-10", "open"),
        ("shelter-a", "2007-10", "submitted"),
    ]
    page = response.content.decode()
    assert "Enviado" in page and "atrasado" in page
    assert "Aprobar y bloquear" in page


def test_approve_and_return_from_the_board(staff_client, submitted_october, shelter_a):
    response = staff_client.post(
        BOARD_URL, {"action": "return", "shelter": "shelter-a", "month": "2007-10"}, follow=True
    )
    assert "Diga por qué" in response.content.decode()
    assert MonthSubmission.objects.get().status == "submitted"

    staff_client.post(BOARD_URL, {"action": "approve", "shelter": "shelter-a", "month": "2007-10"})
    assert MonthSubmission.objects.get().status == "approved"

    response = staff_client.post(
        BOARD_URL, {"action": "approve", "shelter": "shelter-a", "month": "2007-10"}, follow=True
    )
    assert "no está enviado a revisión" in response.content.decode()


def test_the_table_page_approves_and_shows_what_changed_since_approval(
    staff_client, submitted_october, shelter_a, program_staff, caseworker_a
):
    IndicatorValue.objects.create(shelter=shelter_a, month=OCTOBER, indicator="new_victims", value=1, source="computed")
    page = staff_client.get(TABLE_URL, {"shelter": "shelter-a", "start": "2007-10", "end": "2007-10"}).content.decode()
    assert "Aprobar y bloquear" in page

    review.month_approve(actor=program_staff, shelter=shelter_a, month=OCTOBER)
    review.month_unlock(actor=program_staff, shelter=shelter_a, month=OCTOBER, reason="Falta una víctima")
    services.victim_create(
        actor=caseworker_a,
        shelter=shelter_a,
        data={"intake_date": date(2007, 10, 9), "sex": "female", "role": "primary", "given_name": "Rosalba"},
    )
    IndicatorValue.objects.filter(shelter=shelter_a, month=OCTOBER, indicator="new_victims").update(value=2)

    page = staff_client.get(TABLE_URL, {"shelter": "shelter-a", "start": "2007-10", "end": "2007-10"}).content.decode()
    assert "drift-after-approval" in page
    assert "Víctimas · Creado: 1" in page or "víctimas · Creado: 1" in page.lower()
    # Counts only: no name of a victim on program staff's page.
    assert "Rosalba" not in page


def board_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(BOARD_URL, {"start": "2007-01", "end": "2007-12"}).status_code == 200
    return len(queries)


def test_the_boards_query_count_does_not_grow_with_shelters_or_months(staff_client, shelter_a, coordinator_a):
    review.month_submit(actor=coordinator_a, shelter=shelter_a, month=OCTOBER)
    few = board_queries(staff_client)
    for number in range(5):
        shelter = ShelterFactory(slug=f"more-{number}")
        VictimFactory(shelter=shelter, intake_date=OCTOBER)
        IndicatorValue.objects.create(
            shelter=shelter, month=OCTOBER, indicator="new_victims", value=1, source="computed"
        )
        MonthSubmission.objects.create(shelter=shelter, month=date(2007, 3, 1))
    assert board_queries(staff_client) == few


def test_the_board_reads_in_a_fixed_number_of_queries(staff_client, submitted_october, django_assert_num_queries):
    staff_client.get(BOARD_URL)  # the session, the user and their sign-in settle on the first page
    # The session, the user and the door's settings (3); the board: the shelters, the reviews (with who
    # submitted), the locks, the completeness counts, the stored values (5); admin's sidebar permissions (2);
    # the shelter choices of the filter form (1); the door's settings given back (1); the session saved in a
    # savepoint (3).
    with django_assert_num_queries(15):
        staff_client.get(BOARD_URL, {"start": "2007-01", "end": "2007-12"})


def test_shelter_staff_and_partners_do_not_get_the_board(client, caseworker_a, coordinator_a, partner):
    for user in (caseworker_a, coordinator_a, partner):
        client.force_login(user)
        assert client.get(BOARD_URL).status_code in (302, 403)


def test_completeness_is_counted_per_shelter_month_and_shown_as_counts(staff_client, shelter_a, shelter_b):
    from indicators.services import refresh_completeness

    VictimFactory(shelter=shelter_a, intake_date=date(2007, 9, 1), nationality="", tip_victim=False)
    VictimFactory(
        shelter=shelter_a,
        intake_date=date(2007, 9, 1),
        nationality="MX",
        tip_victim=True,
        exploitation_types=["forced_labor"],
        given_name="Rosalba",
    )
    served = VictimFactory(shelter=shelter_b, intake_date=date(2007, 10, 1))
    ServiceFactory(victim=served, date=date(2007, 10, 20), category="legal")

    assert refresh_completeness(first_month=date(2007, 10, 1), last_month=date(2007, 10, 1)) == 2

    rows = {
        row["shelter"]: row
        for row in staff_client.get(BOARD_URL, {"start": "2007-10", "end": "2007-10"}).context["rows"]
    }
    assert rows["shelter-a"]["completeness"] == {
        "without_nationality": 1,
        "without_tip_status": 1,
        "open_without_recent_service": 2,
    }
    assert rows["shelter-b"]["completeness"] == {
        "without_nationality": 0,
        "without_tip_status": 1,
        "open_without_recent_service": 0,
    }
    page = staff_client.get(BOARD_URL, {"start": "2007-10", "end": "2007-10"}).content.decode()
    assert "sin nacionalidad: 1" in page
    assert "Rosalba" not in page
