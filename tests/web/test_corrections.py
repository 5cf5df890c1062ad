"""Corrections from the case page: every timeline entry and the case's details, under the rules of creation,
the month locks and the audit trail; the exit on the timeline, children leaving with their mother; dates that
the forms propose and then accept."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from shelters.models import AuditAction, AuditEntry, MonthLock, Service, Victim, VictimRole
from tests.factories import (
    FollowUpFactory,
    LegalActionFactory,
    ReferralFactory,
    ServiceFactory,
    VictimFactory,
)

pytestmark = pytest.mark.django_db


def edit_url(case, slug, record) -> str:
    return f"/cases/{case.pk}/{slug}/{record.pk}/edit/"


def delete_url(case, slug, record) -> str:
    return f"/cases/{case.pk}/{slug}/{record.pk}/delete/"


@pytest.fixture
def closed_case(case_a):
    case_a.exit_date, case_a.exit_reason = date(2026, 3, 1), "reintegrated"
    case_a.save()
    return case_a


ENTRIES = [
    (
        "services",
        lambda case: ServiceFactory(victim=case, date=date(2026, 2, 3), category="medical"),
        {"category": "legal", "date": "2026-02-04", "notes": "cita"},
        {"category": "legal"},
    ),
    (
        "referrals",
        lambda case: ReferralFactory(victim=case, date=date(2026, 2, 3), kind="transfer", institution="DIF"),
        {"kind": "service_referral", "date": "2026-02-04", "institution": "IMSS", "reason": ""},
        {"institution": "IMSS"},
    ),
    (
        "legal-actions",
        lambda case: LegalActionFactory(victim=case, date=date(2026, 2, 3), kind="charges_filed", crime="tip"),
        {"kind": "sentence", "crime": "tip", "date": "2026-02-04", "reference": "CP-1", "notes": ""},
        {"kind": "sentence"},
    ),
    (
        "follow-ups",
        lambda case: FollowUpFactory(victim=case, date=date(2026, 3, 10), method="visita"),
        {"date": "2026-03-11", "method": "teléfono", "notes": ""},
        {"method": "teléfono"},
    ),
]


@pytest.mark.parametrize(("slug", "make", "post", "expected"), ENTRIES, ids=[entry[0] for entry in ENTRIES])
def test_every_timeline_entry_can_be_corrected_and_is_audited(
    client_as, caseworker_a, closed_case, slug, make, post, expected
):
    record = make(closed_case)
    client = client_as(caseworker_a)
    page = client.get(f"/cases/{closed_case.pk}/").content.decode()
    assert f'href="{edit_url(closed_case, slug, record)}"' in page
    assert client.get(edit_url(closed_case, slug, record)).status_code == 200
    response = client.post(edit_url(closed_case, slug, record), post)
    assert response.status_code == 302 and response["Location"] == f"/cases/{closed_case.pk}/#timeline"
    record.refresh_from_db()
    assert {name: getattr(record, name) for name in expected} == expected
    change = AuditEntry.objects.get(action=AuditAction.CHANGE, record_id=str(record.pk))
    assert "date" in change.fields and change.channel == "web"


@pytest.mark.parametrize(("slug", "make", "post", "expected"), ENTRIES, ids=[entry[0] for entry in ENTRIES])
def test_every_timeline_entry_can_be_deleted_after_a_confirmation(
    client_as, caseworker_a, closed_case, slug, make, post, expected
):
    record = make(closed_case)
    client = client_as(caseworker_a)
    confirm = client.get(delete_url(closed_case, slug, record))
    assert "No se puede deshacer" in confirm.content.decode()
    assert type(record).objects.filter(pk=record.pk).exists()
    response = client.post(delete_url(closed_case, slug, record))
    assert response.status_code == 302
    assert not type(record).objects.filter(pk=record.pk).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, record_id=str(record.pk)).exists()
    assert "Registro eliminado" in client.get(response["Location"]).content.decode()


def test_a_correction_follows_the_rules_of_creation(client_as, caseworker_a, case_a):
    service = ServiceFactory(victim=case_a, date=date(2026, 2, 3), category="medical")
    response = client_as(caseworker_a).post(
        edit_url(case_a, "services", service), {"category": "legal", "date": "2026-01-01", "notes": "cita"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date"] == [
        "La fecha del servicio no puede ser anterior al ingreso de la víctima."
    ]
    service.refresh_from_db()
    assert (service.category, service.date) == ("medical", date(2026, 2, 3))
    assert 'value="cita"' not in response.content.decode()  # notes are a textarea
    assert "cita" in response.content.decode()


def test_a_correction_into_or_out_of_a_locked_month_is_refused_with_what_was_typed(client_as, caseworker_a, case_a):
    service = ServiceFactory(victim=case_a, date=date(2026, 2, 3), category="medical")
    MonthLock.objects.create(shelter=case_a.shelter, month=date(2026, 2, 1))
    client = client_as(caseworker_a)
    # Moving it out of the locked month changes the locked month too.
    response = client.post(edit_url(case_a, "services", service), {"category": "legal", "date": "2026-03-04"})
    page = response.content.decode()
    assert "El mes 2026-02 está bloqueado" in page and 'value="2026-03-04"' in page
    service.refresh_from_db()
    assert service.date == date(2026, 2, 3)
    assert not AuditEntry.objects.filter(action=AuditAction.CHANGE).exists()


def test_a_deletion_in_a_locked_month_is_refused(client_as, caseworker_a, case_a):
    service = ServiceFactory(victim=case_a, date=date(2026, 2, 3))
    MonthLock.objects.create(shelter=case_a.shelter, month=date(2026, 2, 1))
    response = client_as(caseworker_a).post(delete_url(case_a, "services", service))
    assert response.status_code == 200
    assert "El mes 2026-02 está bloqueado" in response.content.decode()
    assert Service.objects.filter(pk=service.pk).exists()


def test_another_shelters_entry_is_a_404_and_audited(client_as, caseworker_b, case_a):
    service = ServiceFactory(victim=case_a, date=date(2026, 2, 3))
    client = client_as(caseworker_b)
    for url in (edit_url(case_a, "services", service), delete_url(case_a, "services", service)):
        assert client.get(url).status_code == 404
        assert client.post(url, {"category": "legal", "date": "2026-02-04"}).status_code == 404
    assert Service.objects.get(pk=service.pk).category == service.category
    assert AuditEntry.objects.filter(action=AuditAction.REFUSED, actor=caseworker_b).exists()


def test_an_entry_is_only_reached_through_its_own_case_and_kind(client_as, caseworker_a, case_a):
    other = VictimFactory(shelter=case_a.shelter, case_code="SA-00002")
    service = ServiceFactory(victim=other, date=date(2026, 2, 3))
    client = client_as(caseworker_a)
    assert client.get(edit_url(case_a, "services", service)).status_code == 404
    assert client.get(edit_url(other, "referrals", service)).status_code == 404
    assert client.get(edit_url(other, "trainings", service)).status_code == 404
    assert client.post(delete_url(case_a, "services", service)).status_code == 404
    assert Service.objects.filter(pk=service.pk).exists()
    refusal = AuditEntry.objects.filter(action=AuditAction.REFUSED).first()
    assert refusal.record_type in {"service", "referral"}


def test_program_staff_and_partners_cannot_correct(client_as, program_staff, partner, case_a):
    service = ServiceFactory(victim=case_a, date=date(2026, 2, 3))
    for user in (program_staff, partner):
        client = client_as(user)
        assert client.post(edit_url(case_a, "services", service), {"category": "legal"}).status_code == 403
        assert client.post(delete_url(case_a, "services", service)).status_code == 403
        assert client.post(f"/cases/{case_a.pk}/edit/", {}).status_code == 403
    assert Service.objects.filter(pk=service.pk).exists()


def test_the_edit_page_audits_the_notes_it_shows(client_as, caseworker_a, case_a):
    service = ServiceFactory(victim=case_a, date=date(2026, 2, 3), notes="vacuna")
    client_as(caseworker_a).get(edit_url(case_a, "services", service))
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, record_id=str(service.pk)).exists()


# --- The case's details -------------------------------------------------------------------------------------------


def details_post(**overrides) -> dict[str, object]:
    data = {
        "victim-given_name": "Guadalupe",
        "victim-family_name": "Núñez Ortega",
        "victim-sex": "female",
        "victim-birth_year": "1991",
        "victim-nationality": "GT",
        "victim-intake_date": "2026-01-10",
        "victim-tip_victim": "on",
        "victim-exploitation_types": ["sexual_exploitation"],
        "victim-notes": "",
    }
    data.update(overrides)
    return data


def test_the_case_details_are_corrected_and_the_index_follows(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    page = client.get(f"/cases/{case_a.pk}/edit/").content.decode()
    assert 'value="Guadalupe"' in page
    response = client.post(f"/cases/{case_a.pk}/edit/", details_post())
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert (case_a.family_name, case_a.birth_year, str(case_a.nationality)) == ("Núñez Ortega", 1991, "GT")
    change = AuditEntry.objects.get(action=AuditAction.CHANGE)
    assert change.fields == ["birth_year", "family_name", "nationality"]
    found = client.post("/cases/", {"q": "ortega", "status": "all"}, follow=True).context["rows"]
    assert [victim.pk for victim in found] == [case_a.pk]


def test_removing_the_names_needs_the_explicit_choice(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    blank = details_post(**{"victim-given_name": "", "victim-family_name": ""})
    assert client.post(f"/cases/{case_a.pk}/edit/", blank).status_code == 200
    assert client.post(f"/cases/{case_a.pk}/edit/", {**blank, "victim-no_name": "on"}).status_code == 302
    case_a.refresh_from_db()
    assert case_a.given_name is None


def test_an_intake_after_a_logged_service_is_refused(client_as, caseworker_a, case_a):
    ServiceFactory(victim=case_a, date=date(2026, 1, 12))
    response = client_as(caseworker_a).post(
        f"/cases/{case_a.pk}/edit/", details_post(**{"victim-intake_date": "2026-01-20"})
    )
    assert response.context["form"].errors["intake_date"] == [
        "Hay servicios registrados antes de esta fecha de ingreso."
    ]
    case_a.refresh_from_db()
    assert case_a.intake_date == date(2026, 1, 10) and case_a.birth_year is None


def test_a_childs_details_have_no_tip_fields(client_as, caseworker_a, case_a):
    child = VictimFactory(shelter=case_a.shelter, role=VictimRole.SECONDARY, primary_victim=case_a, given_name="Luz")
    form = client_as(caseworker_a).get(f"/cases/{child.pk}/edit/").context["form"]
    assert "tip_victim" not in form.fields and "exploitation_types" not in form.fields


def test_a_case_registered_by_mistake_is_deleted_with_its_entries(client_as, caseworker_a, case_a):
    ServiceFactory(victim=case_a, date=date(2026, 2, 3))
    client = client_as(caseworker_a)
    response = client.post(f"/cases/{case_a.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert not Victim.objects.exists() and not Service.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE).count() == 2


def test_a_case_with_children_is_not_deleted(client_as, caseworker_a, case_a):
    VictimFactory(shelter=case_a.shelter, role=VictimRole.SECONDARY, primary_victim=case_a)
    response = client_as(caseworker_a).post(f"/cases/{case_a.pk}/delete/")
    assert response.status_code == 200
    assert "Hay hijas o hijos registrados con este caso" in response.content.decode()
    assert Victim.objects.count() == 2


# --- The exit -----------------------------------------------------------------------------------------------------


def test_the_exit_stands_on_the_timeline(client_as, caseworker_a, closed_case):
    ServiceFactory(victim=closed_case, date=date(2026, 3, 1), category="legal")
    FollowUpFactory(victim=closed_case, date=date(2026, 3, 20))
    page = client_as(caseworker_a).get(f"/cases/{closed_case.pk}/").content.decode()
    timeline = page[page.index('id="timeline"') :]
    assert 'class="exit"' in timeline
    # newest first: the follow-up, the exit, then the service of the exit's day
    assert timeline.index("Seguimiento") < timeline.index('class="exit"') < timeline.index("Servicio")
    assert f'href="/cases/{closed_case.pk}/exit/"' in timeline


@pytest.fixture
def children(case_a):
    return [
        VictimFactory(
            shelter=case_a.shelter,
            case_code=f"SA-0000{number}",
            role=VictimRole.SECONDARY,
            primary_victim=case_a,
            given_name=name,
            intake_date=case_a.intake_date,
        )
        for number, name in ((2, "Luz"), (3, "Sol"))
    ]


def test_the_exit_offers_the_children_still_here_all_ticked(client_as, caseworker_a, case_a, children):
    VictimFactory(
        shelter=case_a.shelter,
        case_code="SA-00004",
        role=VictimRole.SECONDARY,
        primary_victim=case_a,
        exit_date=date(2026, 2, 1),
        exit_reason="transferred",
    )
    form = client_as(caseworker_a).get(f"/cases/{case_a.pk}/exit/").context["form"]
    assert [label for _value, label in form.fields["children"].choices] == ["SA-00002 Luz", "SA-00003 Sol"]
    assert form["children"].value() == [str(child.pk) for child in children]


def test_children_leave_with_their_mother_in_one_save(client_as, caseworker_a, case_a, children):
    response = client_as(caseworker_a).post(
        f"/cases/{case_a.pk}/exit/",
        {"exit_date": "2026-03-01", "exit_reason": "reintegrated", "children": [str(children[0].pk)]},
    )
    assert response.status_code == 302
    exits = dict(Victim.objects.values_list("case_code", "exit_date"))
    assert exits == {"SA-00001": date(2026, 3, 1), "SA-00002": date(2026, 3, 1), "SA-00003": None}
    assert AuditEntry.objects.filter(action=AuditAction.CHANGE).count() == 2


def test_a_refused_child_exit_saves_no_exit(client_as, caseworker_a, case_a, children):
    ServiceFactory(victim=children[1], date=date(2026, 3, 5))
    response = client_as(caseworker_a).post(
        f"/cases/{case_a.pk}/exit/",
        {"exit_date": "2026-03-01", "exit_reason": "reintegrated", "children": [str(child.pk) for child in children]},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["children"] == [
        "SA-00003: Hay servicios registrados después de esta fecha de egreso."
    ]
    assert not Victim.objects.filter(exit_date__isnull=False).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.CHANGE).exists()
    assert 'value="2026-03-01"' in response.content.decode()


def test_a_child_of_another_case_cannot_be_sent_along(client_as, caseworker_a, case_a, children):
    stranger = VictimFactory(shelter=case_a.shelter, case_code="SA-00009")
    response = client_as(caseworker_a).post(
        f"/cases/{case_a.pk}/exit/",
        {"exit_date": "2026-03-01", "exit_reason": "reintegrated", "children": [str(stranger.pk)]},
    )
    assert response.status_code == 200 and "children" in response.context["form"].errors
    stranger.refresh_from_db()
    assert stranger.exit_date is None


def test_an_exit_recorded_by_mistake_is_removed(client_as, caseworker_a, closed_case):
    client = client_as(caseworker_a)
    response = client.post(f"/cases/{closed_case.pk}/exit/", {"action": "reopen"})
    assert response.status_code == 302
    closed_case.refresh_from_db()
    assert (closed_case.exit_date, closed_case.exit_reason) == (None, "")
    assert "el caso está abierto" in client.get(response["Location"]).content.decode()


def test_an_exit_with_follow_ups_is_not_removed(client_as, caseworker_a, closed_case):
    FollowUpFactory(victim=closed_case, date=date(2026, 3, 20))
    client = client_as(caseworker_a)
    response = client.post(f"/cases/{closed_case.pk}/exit/", {"action": "reopen"}, follow=True)
    assert "Hay seguimientos registrados" in response.content.decode()
    closed_case.refresh_from_db()
    assert closed_case.exit_date == date(2026, 3, 1)


# --- No form proposes a date it refuses -----------------------------------------------------------------------------


def test_a_follow_up_form_on_the_exit_day_proposes_no_date(client_as, caseworker_a, case_a):
    case_a.exit_date, case_a.exit_reason = timezone.localdate(), "reintegrated"
    case_a.save()
    form = client_as(caseworker_a).get(f"/cases/{case_a.pk}/follow-ups/new/").context["form"]
    assert form["date"].value() is None
    assert "Después del egreso" in form.fields["date"].help_text


def test_a_follow_up_form_after_the_exit_proposes_today_which_it_accepts(client_as, caseworker_a, closed_case):
    client = client_as(caseworker_a)
    form = client.get(f"/cases/{closed_case.pk}/follow-ups/new/").context["form"]
    assert form["date"].value() == timezone.localdate()
    response = client.post(f"/cases/{closed_case.pk}/follow-ups/new/", {"date": form["date"].value().isoformat()})
    assert response.status_code == 302


def test_a_service_form_on_a_closed_case_proposes_the_exit_day_which_it_accepts(client_as, caseworker_a, closed_case):
    client = client_as(caseworker_a)
    form = client.get(f"/cases/{closed_case.pk}/services/new/").context["form"]
    assert form["date"].value() == date(2026, 3, 1)
    response = client.post(f"/cases/{closed_case.pk}/services/new/", {"category": "legal", "date": "2026-03-01"})
    assert response.status_code == 302


def test_the_exit_form_proposes_today_which_it_accepts(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    form = client.get(f"/cases/{case_a.pk}/exit/").context["form"]
    today = timezone.localdate()
    assert form["exit_date"].value() == today
    response = client.post(f"/cases/{case_a.pk}/exit/", {"exit_date": today.isoformat(), "exit_reason": "other"})
    assert response.status_code == 302
    assert Victim.objects.get().exit_date == today


def test_correcting_an_exit_moves_the_children_who_left_and_never_ticks_one_who_stayed(
    client_as, caseworker_a, case_a, children
):
    client = client_as(caseworker_a)
    left, stayed = children
    client.post(
        f"/cases/{case_a.pk}/exit/",
        {"exit_date": "2026-03-01", "exit_reason": "reintegrated", "children": [str(left.pk)]},
    )
    form = client.get(f"/cases/{case_a.pk}/exit/").context["form"]
    assert [label for _value, label in form.fields["children"].choices] == ["SA-00002 Luz", "SA-00003 Sol"]
    assert form["children"].value() == [str(left.pk)]
    client.post(
        f"/cases/{case_a.pk}/exit/",
        {"exit_date": "2026-03-02", "exit_reason": "reintegrated", "children": form["children"].value()},
    )
    exits = dict(Victim.objects.values_list("case_code", "exit_date"))
    assert exits == {"SA-00001": date(2026, 3, 2), "SA-00002": date(2026, 3, 2), "SA-00003": None}


def test_removing_the_exit_of_an_open_case_changes_nothing(client_as, caseworker_a, case_a):
    response = client_as(caseworker_a).post(f"/cases/{case_a.pk}/exit/", {"action": "reopen"})
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action=AuditAction.CHANGE).exists()


def test_a_name_corrected_into_another_cases_is_a_possible_duplicate(client_as, caseworker_a, case_a):
    VictimFactory(shelter=case_a.shelter, case_code="SA-00002", given_name="Rosa", family_name="López")
    client = client_as(caseworker_a)
    data = details_post(**{"victim-given_name": "rosa", "victim-family_name": "LOPEZ"})
    response = client.post(f"/cases/{case_a.pk}/edit/", data)
    assert response.status_code == 200
    assert [case.case_code for case in response.context["duplicates"][0]["cases"]] == ["SA-00002"]
    case_a.refresh_from_db()
    assert case_a.given_name == "Guadalupe"
    confirmed = client.post(
        f"/cases/{case_a.pk}/edit/", {**data, "duplicates-seen": "SA-00002", "duplicates-confirm": "on"}
    )
    assert confirmed.status_code == 302


def test_a_case_is_not_its_own_duplicate(client_as, caseworker_a, case_a):
    # Same name, a birth year added: only the case itself matches, so nothing is asked.
    response = client_as(caseworker_a).post(
        f"/cases/{case_a.pk}/edit/", details_post(**{"victim-family_name": "Núñez"})
    )
    assert response.status_code == 302
