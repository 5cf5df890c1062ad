"""Tasks: coordinators assign cases, "my cases" is a caseworker's default list, follow-ups fall due on a plan."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from shelters import services
from shelters.models import AuditAction, AuditEntry, MonthLock, Role
from shelters.selectors import add_months, follow_ups_due
from tests.factories import FollowUpFactory, UserFactory, VictimFactory
from tests.walls import PAGE_DOOR

pytestmark = pytest.mark.django_db


def left(shelter, *, days_ago: int, **kwargs):
    """A case that left the shelter `days_ago` days ago."""
    today = timezone.localdate()
    return VictimFactory(
        shelter=shelter,
        intake_date=today - timedelta(days=days_ago + 100),
        exit_date=today - timedelta(days=days_ago),
        exit_reason="reintegrated",
        **kwargs,
    )


# --- Assignment ---------------------------------------------------------------------------------------------------


def test_a_coordinator_assigns_a_case_from_the_case_page(client_as, coordinator_a, caseworker_a, case_a):
    response = client_as(coordinator_a).post(f"/cases/{case_a.pk}/assign/", {"assigned_to": caseworker_a.pk})
    assert response.status_code == 302 and response.url == f"/cases/{case_a.pk}/"
    case_a.refresh_from_db()
    assert case_a.assigned_to == caseworker_a
    entry = AuditEntry.objects.get(action=AuditAction.CHANGE, record_id=str(case_a.pk))
    assert entry.fields == ["assigned_to"] and entry.actor == coordinator_a and entry.shelter_id == case_a.shelter_id
    page = client_as(coordinator_a).get(f"/cases/{case_a.pk}/").content.decode()
    assert "alice" in page and f'action="/cases/{case_a.pk}/assign/"' in page


def test_nobody_is_a_choice_too(client_as, coordinator_a, caseworker_a, case_a):
    case_a.assigned_to = caseworker_a
    case_a.save()
    client_as(coordinator_a).post(f"/cases/{case_a.pk}/assign/", {"assigned_to": ""})
    case_a.refresh_from_db()
    assert case_a.assigned_to is None


def test_a_caseworker_cannot_assign_nor_sees_the_form(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    assert client.post(f"/cases/{case_a.pk}/assign/", {"assigned_to": caseworker_a.pk}).status_code == 403
    case_a.refresh_from_db()
    assert case_a.assigned_to is None
    assert "/assign/" not in client.get(f"/cases/{case_a.pk}/").content.decode()


def test_another_shelters_coordinator_gets_a_404(client_as, shelter_b, case_a):
    coordinator_b = UserFactory(username="bea", role=Role.COORDINATOR, shelters=[shelter_b])
    assert client_as(coordinator_b).post(f"/cases/{case_a.pk}/assign/", {"assigned_to": ""}).status_code == 404


@pytest.mark.parametrize("who", ["caseworker_b", "program_staff", "partner"])
def test_a_case_is_assigned_only_to_its_own_shelters_staff(client_as, personas, coordinator_a, case_a, who):
    response = client_as(coordinator_a).post(f"/cases/{case_a.pk}/assign/", {"assigned_to": personas[who].pk})
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.assigned_to is None
    with pytest.raises(ValidationError):
        services.case_assign(actor=coordinator_a, victim=case_a, assignee=personas[who])


def test_the_service_refuses_anyone_but_a_coordinator_of_the_shelter(caseworker_a, caseworker_b, case_a):
    for actor in (caseworker_a, caseworker_b):
        with pytest.raises(PermissionDenied):
            services.case_assign(actor=actor, victim=case_a, assignee=caseworker_a)


def test_a_locked_month_does_not_stop_an_assignment(coordinator_a, caseworker_a, case_a):
    MonthLock.objects.create(shelter=case_a.shelter, month=case_a.intake_date.replace(day=1))
    services.case_assign(actor=coordinator_a, victim=case_a, assignee=caseworker_a)
    case_a.refresh_from_db()
    assert case_a.assigned_to == caseworker_a


def test_the_assignment_goes_back_to_the_list_but_never_off_the_site(client_as, coordinator_a, case_a):
    client = client_as(coordinator_a)
    response = client.post(f"/cases/{case_a.pk}/assign/", {"assigned_to": "", "next": "/cases/?status=all"})
    assert response.url == "/cases/?status=all"
    response = client.post(f"/cases/{case_a.pk}/assign/", {"assigned_to": "", "next": "https://evil.example/"})
    assert response.url == f"/cases/{case_a.pk}/"


def test_a_bad_assignee_never_gives_a_500(client_as, coordinator_a, case_a):
    for value in ("abc", "999999", "-1", "1" * 40):
        assert client_as(coordinator_a).post(f"/cases/{case_a.pk}/assign/", {"assigned_to": value}).status_code == 302


# --- My cases -----------------------------------------------------------------------------------------------------


def test_a_caseworkers_list_opens_on_their_own_cases(client_as, caseworker_a, coordinator_a, case_a):
    mine = VictimFactory(shelter=case_a.shelter, case_code="SA-00002", assigned_to=caseworker_a)
    VictimFactory(shelter=case_a.shelter, case_code="SA-00003", assigned_to=coordinator_a)
    client = client_as(caseworker_a)
    assert [row.case_code for row in client.get("/cases/").context["rows"]] == [mine.case_code]
    everyone = client.get("/cases/?assigned=all").context["rows"]
    assert {row.case_code for row in everyone} == {"SA-00001", "SA-00002", "SA-00003"}
    assert [row.case_code for row in client.get("/cases/?assigned=nobody").context["rows"]] == ["SA-00001"]


def test_a_search_looks_through_every_case_whoever_has_it(client_as, caseworker_a, coordinator_a, case_a):
    case_a.assigned_to = coordinator_a
    case_a.save()
    response = client_as(caseworker_a).post(
        "/cases/", {"q": "guadalupe", "status": "all", "assigned": "mine"}, follow=True
    )
    assert [row.case_code for row in response.context["rows"]] == ["SA-00001"]


def test_a_coordinators_list_shows_all_and_assigns_in_a_fixed_number_of_queries(
    client_as, coordinator_a, caseworker_a, shelter_a, django_assert_num_queries
):
    VictimFactory.create_batch(5, shelter=shelter_a, assigned_to=caseworker_a)
    VictimFactory.create_batch(5, shelter=shelter_a)
    client = client_as(coordinator_a)
    # session, user, the user's shelters, page count, page rows (with the assignee joined), the audit INSERT,
    # is the user a coordinator, the shelter's staff for the assignment forms, session save (3)
    with django_assert_num_queries(11 + PAGE_DOOR):
        response = client.get("/cases/")
    assert len(response.context["rows"]) == 10
    page = response.content.decode()
    assert page.count('class="assign"') == 10 and page.count(">alice</option>") == 10


# --- Follow-ups due -----------------------------------------------------------------------------------------------


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_months(date(2026, 3, 15), -15) == date(2024, 12, 15)


def test_follow_ups_fall_due_on_the_plan_overdue_first_then_mine(shelter_a, caseworker_a, coordinator_a):
    today = timezone.localdate()
    soon = left(shelter_a, days_ago=25, case_code="SA-00010")  # first due in about 5 days
    overdue_theirs = left(shelter_a, days_ago=50, case_code="SA-00011", assigned_to=coordinator_a)
    overdue_mine = left(shelter_a, days_ago=40, case_code="SA-00012", assigned_to=caseworker_a)
    done_first = left(shelter_a, days_ago=95, case_code="SA-00013")  # second (3 months) overdue by a few days
    FollowUpFactory(victim=done_first, date=done_first.exit_date + timedelta(days=31))
    complete = left(shelter_a, days_ago=200, case_code="SA-00014")
    for month in (1, 3, 6):
        FollowUpFactory(victim=complete, date=add_months(complete.exit_date, month))
    left(shelter_a, days_ago=3, case_code="SA-00015")  # nothing due for a month
    VictimFactory(shelter=shelter_a, case_code="SA-00016")  # still in the shelter

    due = follow_ups_due(user=caseworker_a, shelter=shelter_a, today=today)
    assert [item.case_code for item in due] == ["SA-00012", "SA-00011", "SA-00013", "SA-00010"]
    by_code = {item.case_code: item for item in due}
    assert by_code["SA-00012"].mine and by_code["SA-00012"].overdue
    assert by_code["SA-00011"].assigned_to == "carla" and not by_code["SA-00011"].mine
    assert (by_code["SA-00013"].number, by_code["SA-00013"].of) == (2, 3)
    assert by_code["SA-00013"].due == add_months(done_first.exit_date, 3)
    assert by_code["SA-00010"].due == add_months(soon.exit_date, 1) and not by_code["SA-00010"].overdue
    assert overdue_mine.pk == by_code["SA-00012"].victim_id and overdue_theirs.pk == by_code["SA-00011"].victim_id


def test_the_plan_is_the_shelters_own(shelter_a, shelter_b, caseworker_a, coordinator_a):
    today = timezone.localdate()
    left(shelter_a, days_ago=40, case_code="SA-00010")  # two months after the exit: in about three weeks
    services.follow_up_plan_set(actor=coordinator_a, shelter=shelter_a, months=[2, 4])
    shelter_a.refresh_from_db()
    assert shelter_a.follow_up_plan == [2, 4]
    assert follow_ups_due(user=caseworker_a, shelter=shelter_a, today=today) == []
    later = follow_ups_due(user=caseworker_a, shelter=shelter_a, today=today + timedelta(days=20))
    assert [(item.case_code, item.of) for item in later] == [("SA-00010", 2)]
    shelter_b.refresh_from_db()
    assert shelter_b.follow_up_plan == [1, 3, 6]


def test_another_shelters_follow_ups_are_not_listed(shelter_a, shelter_b, caseworker_b):
    left(shelter_a, days_ago=50)
    assert follow_ups_due(user=caseworker_b, shelter=shelter_a, today=timezone.localdate()) == []


def test_the_home_lists_follow_ups_with_their_dates(client_as, caseworker_a, shelter_a):
    overdue = left(shelter_a, days_ago=50, case_code="SA-00011", assigned_to=caseworker_a)
    page = client_as(caseworker_a).get("/").content.decode()
    due = add_months(overdue.exit_date, 1)
    assert "SA-00011" in page and "Vencido" in page and "Mío" in page
    assert f"Seguimiento 1 de 3, vence el {due:%d/%m/%Y}" in page


# --- The plan page ------------------------------------------------------------------------------------------------


def test_a_coordinator_sets_the_plan_and_it_is_audited(client_as, coordinator_a, shelter_a):
    response = client_as(coordinator_a).post("/shelter/follow-up-plan/", {"months": "6, 2; 2"})
    assert response.status_code == 302
    shelter_a.refresh_from_db()
    assert shelter_a.follow_up_plan == [2, 6]
    entry = AuditEntry.objects.get(record_type="shelter")
    assert (entry.shelter_id, entry.action, entry.fields) == (shelter_a.pk, AuditAction.CHANGE, ["follow_up_plan"])


@pytest.mark.parametrize("months", ["", "0", "abc", "1, 61", "1,2,3,4,5,6,7,8,9,10,11,12,13", "99999999999"])
def test_a_plan_it_cannot_keep_is_refused_next_to_the_field(client_as, coordinator_a, shelter_a, months):
    response = client_as(coordinator_a).post("/shelter/follow-up-plan/", {"months": months})
    assert response.status_code == 200 and response.context["form"].errors["months"]
    shelter_a.refresh_from_db()
    assert shelter_a.follow_up_plan == [1, 3, 6]


def test_a_caseworker_reads_the_plan_but_cannot_change_it(client_as, caseworker_a, shelter_a):
    client = client_as(caseworker_a)
    page = client.get("/shelter/follow-up-plan/").content.decode()
    assert "1, 3, 6" in page and '<form method="post" novalidate' not in page
    assert client.post("/shelter/follow-up-plan/", {"months": "2"}).status_code == 403
    shelter_a.refresh_from_db()
    assert shelter_a.follow_up_plan == [1, 3, 6]
