"""The caseworkers' web pages through Django's test client: access, safety headers, language, forms."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from indicators.models import MonthSubmission
from indicators.services import recompute_indicators
from shelters.models import AuditAction, AuditEntry, FollowUp, MonthLock, Service, Training, Victim, VictimRole
from tests.factories import PASSWORD, FollowUpFactory, ServiceFactory, TrainingFactory, VictimFactory
from tests.walls import PAGE_DOOR

pytestmark = pytest.mark.django_db


def title_of(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


def victim_post(**overrides) -> dict[str, str]:
    """A registration form as the browser posts it: a primary victim and three blank child rows."""
    data = {
        "victim-given_name": "Guadalupe",
        "victim-family_name": "Núñez",
        "victim-sex": "female",
        "victim-birth_year": "1990",
        "victim-nationality": "MX",
        "victim-intake_date": timezone.localdate().isoformat(),
        "victim-tip_victim": "on",
        "victim-exploitation_types": ["sexual_exploitation"],
        "victim-notes": "",
        "children-TOTAL_FORMS": "3",
        "children-INITIAL_FORMS": "0",
        "children-MIN_NUM_FORMS": "0",
        "children-MAX_NUM_FORMS": "10",
    }
    for index in range(3):
        data.update(
            {
                f"children-{index}-given_name": "",
                f"children-{index}-family_name": "",
                f"children-{index}-sex": "unknown",
                f"children-{index}-birth_year": "",
                f"children-{index}-nationality": "MX",
            }
        )
    data.update(overrides)
    return data


# --- Who sees what ------------------------------------------------------------------------------------------------


def test_the_root_sends_an_anonymous_visitor_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_the_root_shows_shelter_staff_their_shelters_home(client_as, caseworker_a, shelter_a):
    response = client_as(caseworker_a).get("/")
    assert response.status_code == 200
    assert shelter_a.name in response.content.decode()
    assert response.templates[0].name == "web/home.html"


def test_the_root_sends_program_staff_to_the_admin(client_as, program_staff):
    response = client_as(program_staff).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_the_root_points_a_partner_to_the_api_docs(client_as, partner):
    response = client_as(partner).get("/")
    assert response.status_code == 200
    assert 'href="/api/docs/"' in response.content.decode()


@pytest.mark.parametrize("persona", ["program_staff", "partner"])
def test_roles_without_case_records_get_no_case_pages(client_as, personas, persona):
    client = client_as(personas[persona])
    for url in ["/cases/", "/cases/new/", "/trainings/", "/annex2/"]:
        assert client.get(url).status_code == 403, url


def test_it_answers_404_for_another_shelters_case(client_as, caseworker_b, case_a):
    client = client_as(caseworker_b)
    for url in [
        f"/cases/{case_a.pk}/",
        f"/cases/{case_a.pk}/exit/",
        f"/cases/{case_a.pk}/services/new/",
        f"/cases/{case_a.pk}/children/new/",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Guadalupe" not in response.content.decode()
    # Nor can they write into it.
    response = client.post(f"/cases/{case_a.pk}/services/new/", {"category": "legal", "date": "2026-02-01"})
    assert response.status_code == 404
    assert not Service.objects.exists()


def test_program_staff_cannot_open_a_case(client_as, program_staff, case_a):
    assert client_as(program_staff).get(f"/cases/{case_a.pk}/").status_code == 403


def test_another_shelters_cases_are_not_listed_nor_found(client_as, caseworker_b, case_a):
    client = client_as(caseworker_b)
    assert "SA-00001" not in client.get("/cases/?status=all").content.decode()
    response = client.post("/cases/", {"q": "Guadalupe", "status": "all"}, follow=True)
    assert "SA-00001" not in response.content.decode()


def test_an_unknown_record_kind_is_a_404(client_as, caseworker_a, case_a):
    assert client_as(caseworker_a).get(f"/cases/{case_a.pk}/trainings/new/").status_code == 404


# --- Safety headers, CSRF, sessions, lockout ----------------------------------------------------------------------


def test_pages_with_case_data_are_never_stored(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    for url in ["/", "/cases/", f"/cases/{case_a.pk}/", f"/cases/{case_a.pk}/exit/", "/cases/new/", "/annex2/"]:
        assert "no-store" in client.get(url)["Cache-Control"], url


def test_forms_refuse_a_post_without_the_csrf_token(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a, enforce_csrf_checks=True)
    response = client.post(f"/cases/{case_a.pk}/services/new/", {"category": "legal", "date": "2026-02-01"})
    assert response.status_code == 403
    response = client.post("/cases/new/", victim_post())
    assert response.status_code == 403
    assert not Service.objects.exists()
    assert Victim.objects.count() == 1


def test_forms_carry_a_csrf_token(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a, enforce_csrf_checks=True)
    page = client.get(f"/cases/{case_a.pk}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/cases/{case_a.pk}/services/new/",
        {"csrfmiddlewaretoken": token, "quick-category": "medical", "quick-date": "2026-02-01"},
    )
    assert response.status_code == 302
    assert Service.objects.get().category == "medical"


def test_a_session_ends_after_30_minutes_without_activity(client, caseworker_a):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert client.get("/").status_code == 200
    # Thirty-one minutes without a request: the stored session has expired.
    Session.objects.update(expire_date=timezone.now() - timedelta(minutes=1))
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_each_request_pushes_the_session_end_30_minutes_ahead(client, caseworker_a):
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=2))
    client.get("/")
    assert Session.objects.get().expire_date > timezone.now() + timedelta(minutes=29)


def test_repeated_failed_sign_ins_lock_the_account(client, caseworker_a):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 429
    # Locked: even the right password is refused, with a clear page in Spanish.
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Cuenta bloqueada" in page and f"{round(settings.AXES_COOLOFF_TIME * 60)} minutos" in page
    assert client.get("/").status_code == 302


def test_a_right_password_signs_in_and_lands_on_the_home(client, caseworker_a):
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "Casos abiertos" in response.content.decode()


# --- Language -----------------------------------------------------------------------------------------------------


def test_pages_are_in_spanish_by_default_even_for_an_english_browser(client, client_as, caseworker_a):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="es">' in page and "Iniciar sesión" in page
    page = client_as(caseworker_a).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Casos abiertos" in page and "Open cases" not in page


def test_english_is_chosen_with_the_switch_and_remembered(client_as, caseworker_a):
    client = client_as(caseworker_a)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en" and int(cookie["max-age"]) >= 30 * 24 * 60 * 60
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page and "Open cases" in page
    client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert "Casos abiertos" in client.get("/").content.decode()


def test_dates_follow_the_chosen_language(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    assert "10/01/2026" in client.get(f"/cases/{case_a.pk}/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "01/10/2026" in client.get(f"/cases/{case_a.pk}/").content.decode()


def test_model_errors_come_in_the_users_language(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    before_intake = "2026-01-02"
    page = client.post(f"/cases/{case_a.pk}/services/new/", {"category": "legal", "date": before_intake})
    assert "La fecha del servicio no puede ser anterior al ingreso de la víctima." in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.post(f"/cases/{case_a.pk}/services/new/", {"category": "legal", "date": before_intake})
    assert "The service date cannot be before the victim&#x27;s intake date." in page.content.decode()


# --- Home ---------------------------------------------------------------------------------------------------------


def test_the_home_counts_the_shelters_month(client_as, caseworker_a, shelter_a, shelter_b, django_assert_num_queries):
    today = timezone.localdate()
    month_start = today.replace(day=1)
    open_new = VictimFactory(shelter=shelter_a, intake_date=month_start)
    VictimFactory(shelter=shelter_a, intake_date=date(2025, 1, 5))  # open, not new
    closed = VictimFactory(
        shelter=shelter_a, intake_date=date(2025, 1, 5), exit_date=date(2025, 3, 1), exit_reason="other"
    )
    due = VictimFactory(
        shelter=shelter_a,
        intake_date=today - timedelta(days=200),
        exit_date=today - timedelta(days=60),
        exit_reason="reintegrated",
    )
    seen = VictimFactory(
        shelter=shelter_a,
        intake_date=today - timedelta(days=200),
        exit_date=today - timedelta(days=60),
        exit_reason="reintegrated",
    )
    FollowUpFactory(victim=seen, date=today - timedelta(days=3))
    ServiceFactory(victim=open_new, date=month_start)
    ServiceFactory(victim=open_new, date=today)
    VictimFactory(shelter=shelter_b, intake_date=month_start)  # another shelter's: not counted
    client = client_as(caseworker_a)
    # session, user, the user's shelters, victim counts, service count, follow-ups due,
    # session save (savepoint, update, release); and the door (tests/walls.py)
    with django_assert_num_queries(9 + PAGE_DOOR):
        response = client.get("/")
    assert response.context["open_cases"] == 2
    assert response.context["new_this_month"] == 1
    assert response.context["services_this_month"] == 2
    # `due` left two months ago: its first follow-up (a month after) is overdue; `seen` had it, its second is
    # a month away; `closed` left too long ago to be a task of the day.
    assert [row.case_code for row in response.context["follow_ups_due"]] == [due.case_code]
    assert closed.case_code not in response.content.decode()


# --- Case list ----------------------------------------------------------------------------------------------------


def test_the_case_list_finds_a_name_without_accents_and_never_puts_it_in_the_url(client_as, caseworker_a, case_a):
    VictimFactory(shelter=case_a.shelter, case_code="SA-00002", given_name="Rosa", family_name="López")
    response = client_as(caseworker_a).post("/cases/", {"q": "guadalupe nunez", "status": "all"}, follow=True)
    page = response.content.decode()
    assert "SA-00001" in page and "SA-00002" not in page
    assert 'method="post"' in page and "Guadalupe" not in title_of(response)


def test_the_case_list_finds_a_case_code(client_as, caseworker_a, case_a):
    VictimFactory(shelter=case_a.shelter, case_code="SA-00002")
    page = client_as(caseworker_a).post("/cases/", {"q": "00002", "status": "all"}, follow=True).content.decode()
    assert "SA-00002" in page and "SA-00001" not in page


def test_the_case_list_ignores_a_name_put_in_the_query_string(client_as, caseworker_a, case_a):
    VictimFactory(shelter=case_a.shelter, case_code="SA-00002", given_name="Rosa")
    page = client_as(caseworker_a).get("/cases/?q=Rosa&status=all&assigned=all").content.decode()
    assert "SA-00001" in page and "SA-00002" in page


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "open"}, {"SA-00001", "SA-00003"}),
        ({"status": "closed"}, {"SA-00002"}),
        ({"status": "all", "tip": "yes"}, {"SA-00001"}),
        ({"status": "all", "tip": "no"}, {"SA-00002", "SA-00003"}),
        ({"status": "all", "role": "secondary"}, {"SA-00003"}),
    ],
)
def test_the_case_list_filters(client_as, caseworker_a, case_a, filters, expected):
    VictimFactory(shelter=case_a.shelter, case_code="SA-00002", exit_date=date(2026, 3, 1), exit_reason="transferred")
    VictimFactory(shelter=case_a.shelter, case_code="SA-00003", role=VictimRole.SECONDARY, primary_victim=case_a)
    response = client_as(caseworker_a).get("/cases/", {**filters, "assigned": "all"})
    assert {victim.case_code for victim in response.context["rows"]} == expected


def test_the_case_list_audits_the_names_it_shows_in_one_insert(
    client_as, caseworker_a, shelter_a, django_assert_num_queries
):
    VictimFactory.create_batch(3, shelter=shelter_a)
    client = client_as(caseworker_a)
    # session, user, the user's shelters, page count, page rows, the audit INSERT,
    # session save (savepoint, update, release); and the door (tests/walls.py)
    with django_assert_num_queries(9 + PAGE_DOOR):
        client.get("/cases/?assigned=all")
    views = AuditEntry.objects.filter(action=AuditAction.VIEW, record_type="victim", channel="web")
    assert views.count() == 3
    assert {tuple(fields) for fields in views.values_list("fields", flat=True)} == {
        ("family_name", "given_name", "notes")
    }


# --- The case page ------------------------------------------------------------------------------------------------


def test_the_case_page_shows_the_timeline_and_audits_the_view(
    client_as, caseworker_a, case_a, django_assert_num_queries
):
    ServiceFactory(victim=case_a, date=date(2026, 2, 3), category="medical", notes="vacuna")
    ServiceFactory(victim=case_a, date=date(2026, 2, 4), category="legal")
    child = VictimFactory(
        shelter=case_a.shelter,
        case_code="SA-00002",
        role=VictimRole.SECONDARY,
        primary_victim=case_a,
        given_name="Luz",
    )
    client = client_as(caseworker_a)
    # session, user, the case, its children, services, referrals, legal actions, follow-ups, consents,
    # transfers, the audit INSERT, session save (savepoint, update, release); and the door (tests/walls.py)
    with django_assert_num_queries(14 + PAGE_DOOR):
        response = client.get(f"/cases/{case_a.pk}/")
    page = response.content.decode()
    assert "Guadalupe" in page and "Luz" in page and "vacuna" in page
    assert page.index("04/02/2026") < page.index("03/02/2026")  # newest first
    viewed = set(AuditEntry.objects.filter(action=AuditAction.VIEW).values_list("record_type", "record_id"))
    # The victim, the child, and the service whose notes are shown; not the service without notes.
    assert viewed == {
        ("victim", str(case_a.pk)),
        ("victim", str(child.pk)),
        ("service", str(Service.objects.get(category="medical").pk)),
    }


def test_no_name_goes_into_a_page_title_or_a_url(client_as, caseworker_a, shelter_a):
    client = client_as(caseworker_a)
    response = client.post("/cases/new/", victim_post())
    assert response.status_code == 302
    victim = Victim.objects.get()
    assert response["Location"] == f"/cases/{victim.pk}/"
    page = client.get(response["Location"])
    assert "Guadalupe" in page.content.decode()
    assert victim.case_code in title_of(page) and "Guadalupe" not in title_of(page)
    for href in re.findall(r'(?:href|action)="([^"]+)"', page.content.decode()):
        assert "Guadalupe" not in href and "N%C3%BA" not in href


# --- Registering --------------------------------------------------------------------------------------------------


def test_it_registers_a_tip_victim_with_a_child(client_as, caseworker_a, shelter_a):
    data = victim_post(**{"children-0-given_name": "Luz", "children-0-birth_year": "2019", "children-0-sex": "female"})
    response = client_as(caseworker_a).post("/cases/new/", data)
    assert response.status_code == 302
    primary = Victim.objects.get(role=VictimRole.PRIMARY)
    child = Victim.objects.get(role=VictimRole.SECONDARY)
    assert primary.tip_victim and primary.exploitation_types == ["sexual_exploitation"]
    assert primary.given_name == "Guadalupe" and primary.shelter == shelter_a
    assert child.primary_victim == primary and child.intake_date == primary.intake_date
    assert child.given_name == "Luz" and child.birth_year == 2019 and not child.tip_victim
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, record_type="victim", channel="web").count() == 2


def test_a_refused_date_keeps_everything_typed(client_as, caseworker_a):
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    data = victim_post(**{"victim-intake_date": future, "children-0-given_name": "Luz"})
    response = client_as(caseworker_a).post("/cases/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Fecha de ingreso no puede ser una fecha futura." in page
    # The message sits with the intake date field, and every typed value is still there.
    field = re.search(r'<div class="field has-error">(.*?)</div>', page, re.S).group(1)
    assert "victim-intake_date" in field and "futura" in field
    assert 'value="Guadalupe"' in page and 'value="Núñez"' in page and 'value="Luz"' in page
    assert f'value="{future}"' in page
    assert re.search(r'value="sexual_exploitation"[^>]*checked', page)
    assert not Victim.objects.exists()


def test_a_childs_refusal_keeps_nothing_and_shows_the_error_on_the_child(client_as, caseworker_a):
    next_year = str(timezone.localdate().year + 1)
    data = victim_post(**{"children-0-given_name": "Luz", "children-0-birth_year": next_year})
    page = client_as(caseworker_a).post("/cases/new/", data).content.decode()
    assert "El año de nacimiento no puede ser futuro." in page
    assert 'value="Luz"' in page and 'value="Guadalupe"' in page
    assert not Victim.objects.exists()


def test_exploitation_types_without_tip_are_refused_next_to_the_field(client_as, caseworker_a):
    data = victim_post()
    del data["victim-tip_victim"]
    response = client_as(caseworker_a).post("/cases/new/", data)
    assert response.context["form"].errors["exploitation_types"] == [
        "Los tipos de explotación solo aplican a víctimas de trata."
    ]
    assert not Victim.objects.exists()


def test_a_month_locked_for_review_is_named_on_the_form(client_as, caseworker_a, case_a):
    MonthLock.objects.create(shelter=case_a.shelter, month=date(2026, 2, 1))
    response = client_as(caseworker_a).post(
        f"/cases/{case_a.pk}/services/new/", {"category": "legal", "date": "2026-02-05"}
    )
    assert response.status_code == 200
    assert "El mes 2026-02 está bloqueado" in response.content.decode()
    assert not Service.objects.exists()


def test_a_child_can_be_added_to_an_existing_case(client_as, caseworker_a, case_a):
    response = client_as(caseworker_a).post(
        f"/cases/{case_a.pk}/children/new/",
        {"given_name": "Luz", "family_name": "", "sex": "female", "nationality": "MX", "intake_date": "2026-02-01"},
    )
    assert response.status_code == 302
    child = Victim.objects.get(role=VictimRole.SECONDARY)
    assert child.primary_victim == case_a and child.intake_date == date(2026, 2, 1)


# --- Services, exit, follow-ups -----------------------------------------------------------------------------------


def test_the_quick_form_logs_a_service_dated_today(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    page = client.get(f"/cases/{case_a.pk}/").content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in page
    response = client.post(
        f"/cases/{case_a.pk}/services/new/",
        {"quick-category": "mental_health", "quick-date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case_a.pk}/#timeline"
    service = Service.objects.get()
    assert (service.category, service.date, service.victim) == ("mental_health", timezone.localdate(), case_a)
    assert "Servicio registrado: Salud mental" in client.get(response["Location"]).content.decode()


def test_a_service_without_a_category_is_refused_next_to_the_field(client_as, caseworker_a, case_a):
    response = client_as(caseworker_a).post(
        f"/cases/{case_a.pk}/services/new/", {"quick-date": "2026-02-01", "quick-category": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["category"] == ["Este campo es requerido."]
    assert 'value="2026-02-01"' in response.content.decode()


def test_it_records_the_exit(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    response = client.post(f"/cases/{case_a.pk}/exit/", {"exit_date": "2026-03-01", "exit_reason": "reintegrated"})
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert (case_a.exit_date, case_a.exit_reason) == (date(2026, 3, 1), "reintegrated")
    assert AuditEntry.objects.get(action=AuditAction.CHANGE).fields == ["exit_date", "exit_reason"]


def test_an_exit_before_a_logged_service_is_refused(client_as, caseworker_a, case_a):
    ServiceFactory(victim=case_a, date=date(2026, 3, 5))
    response = client_as(caseworker_a).post(
        f"/cases/{case_a.pk}/exit/", {"exit_date": "2026-03-01", "exit_reason": "reintegrated"}
    )
    assert response.context["form"].errors["exit_date"] == [
        "Hay servicios registrados después de esta fecha de egreso."
    ]
    case_a.refresh_from_db()
    assert case_a.exit_date is None


def test_an_exit_needs_its_reason(client_as, caseworker_a, case_a):
    response = client_as(caseworker_a).post(f"/cases/{case_a.pk}/exit/", {"exit_date": "2026-03-01"})
    assert "exit_reason" in response.context["form"].errors
    assert 'value="2026-03-01"' in response.content.decode()


def test_a_follow_up_is_recorded_after_the_exit(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    refused = client.post(f"/cases/{case_a.pk}/follow-ups/new/", {"date": "2026-04-01", "method": "teléfono"})
    assert "Un seguimiento es solo para una víctima que ya egresó del refugio." in refused.content.decode()
    assert 'value="teléfono"' in refused.content.decode()
    client.post(f"/cases/{case_a.pk}/exit/", {"exit_date": "2026-03-01", "exit_reason": "reintegrated"})
    response = client.post(f"/cases/{case_a.pk}/follow-ups/new/", {"date": "2026-04-01", "method": "teléfono"})
    assert response.status_code == 302
    assert FollowUp.objects.get().method == "teléfono"


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("referrals", {"kind": "transfer", "date": "2026-02-01", "institution": "DIF"}),
        ("legal-actions", {"kind": "charges_filed", "crime": "tip", "date": "2026-02-01"}),
    ],
)
def test_referrals_and_legal_actions_are_logged(client_as, caseworker_a, case_a, kind, data):
    response = client_as(caseworker_a).post(f"/cases/{case_a.pk}/{kind}/new/", data)
    assert response.status_code == 302
    page = client_as(caseworker_a).get(f"/cases/{case_a.pk}/").content.decode()
    assert "01/02/2026" in page


# --- Trainings and Annex 2 ----------------------------------------------------------------------------------------


def test_trainings_are_listed_and_added(client_as, caseworker_a, shelter_a, shelter_b):
    TrainingFactory(shelter=shelter_b, institution="Otra fiscalía")
    client = client_as(caseworker_a)
    response = client.post(
        "/trainings/", {"date": "2026-02-01", "institution": "Fiscalía", "sector": "government", "attendees": "12"}
    )
    assert response.status_code == 302
    training = Training.objects.get(shelter=shelter_a)
    assert (training.institution, training.attendees) == ("Fiscalía", 12)
    page = client.get("/trainings/").content.decode()
    assert "Fiscalía" in page and "Otra fiscalía" not in page


def test_a_training_without_attendees_is_refused(client_as, caseworker_a):
    response = client_as(caseworker_a).post(
        "/trainings/", {"date": "2026-02-01", "institution": "Fiscalía", "sector": "private", "attendees": "0"}
    )
    assert "attendees" in response.context["form"].errors
    assert 'value="Fiscalía"' in response.content.decode()
    assert not Training.objects.exists()


def test_the_annex2_page_shows_the_shelters_table(client_as, caseworker_a, case_a):
    ServiceFactory(victim=case_a, date=date(2026, 2, 3), category="legal")
    recompute_indicators(first_month=date(2026, 1, 1), last_month=date(2026, 3, 1), shelter_id=case_a.shelter_id)
    response = client_as(caseworker_a).get("/annex2/", {"from": "2026-01", "to": "2026-03"})
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.context["table"]["rows"]}
    assert rows["services_legal"]["values"] == [0, 1, 0]
    assert rows["new_victims"]["values"] == [1, 0, 0]
    page = response.content.decode()
    assert "Número de víctimas que recibieron servicios" in page
    assert 'method="post"' not in page.split('id="annex2"')[1].split("</table>")[0]  # read-only


def test_the_annex2_page_refuses_a_bad_month_range(client_as, caseworker_a):
    response = client_as(caseworker_a).get("/annex2/", {"from": "2026-05", "to": "2026-02"})
    assert response.status_code == 200
    assert response.context["table"] is None
    assert "El último mes no puede ser anterior al primero." in response.content.decode()
    assert client_as(caseworker_a).get("/annex2/", {"from": "nonsense", "to": "2026-02"}).status_code == 200


def test_a_coordinator_submits_a_month_for_review(client_as, coordinator_a, shelter_a):
    client = client_as(coordinator_a)
    assert "Enviar a revisión" in client.get("/annex2/").content.decode()
    response = client.post(
        "/annex2/submit/", {"month": "2026-02", "confirm": "yes", "from": "2026-01", "to": "2026-03"}
    )
    assert response.status_code == 302 and response["Location"] == "/annex2/?from=2026-01&to=2026-03"
    assert MonthSubmission.objects.get().month == date(2026, 2, 1)
    assert "enviado a revisión" in client.get(response["Location"]).content.decode()


def test_a_month_not_started_cannot_be_submitted(client_as, coordinator_a):
    client = client_as(coordinator_a)
    next_month = (timezone.localdate().replace(day=28) + timedelta(days=5)).strftime("%Y-%m")
    response = client.post("/annex2/submit/", {"month": next_month}, follow=True)
    assert "todavía no ha comenzado" in response.content.decode()
    assert not MonthSubmission.objects.exists()


def test_a_caseworker_cannot_submit_a_month(client_as, caseworker_a):
    client = client_as(caseworker_a)
    assert "Enviar a revisión" not in client.get("/annex2/").content.decode()
    assert client.post("/annex2/submit/", {"month": "2026-02"}).status_code == 403
    assert not MonthSubmission.objects.exists()


def test_a_user_of_two_shelters_switches_between_them(client_as, caseworker_a, shelter_a, shelter_b):
    caseworker_a.memberships.create(shelter=shelter_b)
    client = client_as(caseworker_a)
    assert client.get("/").context["shelter"] == shelter_a
    client.post("/shelter/", {"shelter": shelter_b.pk})
    assert client.get("/").context["shelter"] == shelter_b


def test_a_shelter_that_is_not_ones_own_cannot_be_switched_to(client_as, caseworker_a, shelter_b):
    assert client_as(caseworker_a).post("/shelter/", {"shelter": shelter_b.pk}).status_code == 404


def test_bad_input_never_gives_a_500(client_as, caseworker_a, case_a):
    client = client_as(caseworker_a)
    assert client.post(f"/cases/{case_a.pk}/services/new/", {"category": "x", "date": "31-31-2026"}).status_code == 200
    assert client.post("/cases/new/", {"victim-birth_year": "abc"}).status_code == 200
    assert client.post("/shelter/", {"shelter": "abc"}).status_code == 404
    assert client.get("/cases/not-a-uuid/").status_code == 404
    assert client.get("/cases/?page=abc&status=nonsense").status_code == 200
    assert client.post("/annex2/submit/", {"month": "2026-13"}).status_code == 403
    assert Client().post("/accounts/login/", {"username": ""}).status_code == 200
