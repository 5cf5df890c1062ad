"""Every case-record rule rejects bad input with the field's name and saves nothing.

The rules live in the models (clean() and validators); the services call full_clean,
so these tests go through the services, as the API, web forms, admin and imports do.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from shelters import services
from shelters.models import AuditEntry, FollowUp, LegalAction, Referral, Service, Training, Victim

from ..factories import FollowUpFactory, SecondaryVictimFactory, ServiceFactory, ShelterFactory, VictimFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English here; the web tests check them in Spanish."""
    with translation.override("en"):
        yield


def assert_rejected(field: str, call, model) -> ValidationError:
    """`call` raises a ValidationError naming `field`, and no row of `model` nor audit entry was added."""
    rows_before = model.objects.count()
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        call()
    assert field in excinfo.value.message_dict, excinfo.value.message_dict
    assert model.objects.count() == rows_before
    assert AuditEntry.objects.count() == audit_before
    return excinfo.value


def create_victim(shelter, actor, **data):
    data.setdefault("intake_date", date(2007, 10, 1))
    return services.victim_create(actor=actor, shelter=shelter, data=data)


# Victims -------------------------------------------------------------------------------------------


def test_a_valid_victim_is_saved_with_a_generated_case_code(shelter_a, caseworker_a):
    first = create_victim(shelter_a, caseworker_a, given_name="Rosa")
    second = create_victim(shelter_a, caseworker_a)

    assert first.case_code == "SA-00001"
    assert second.case_code == "SA-00002"
    assert "Rosa" not in first.case_code


def test_case_codes_are_per_shelter(shelter_a, shelter_b, caseworker_a, caseworker_b):
    create_victim(shelter_a, caseworker_a)
    in_b = create_victim(shelter_b, caseworker_b)

    assert in_b.case_code == "SB-00001"


def test_it_rejects_an_intake_date_in_the_future(shelter_a, caseworker_a):
    error = assert_rejected(
        "intake_date", lambda: create_victim(shelter_a, caseworker_a, intake_date=TODAY() + timedelta(days=1)), Victim
    )
    assert error.message_dict["intake_date"] == ["Intake date cannot be in the future."]


def test_it_rejects_an_intake_date_before_1900(shelter_a, caseworker_a):
    assert_rejected(
        "intake_date", lambda: create_victim(shelter_a, caseworker_a, intake_date=date(1899, 12, 31)), Victim
    )


def test_it_rejects_a_missing_intake_date(shelter_a, caseworker_a):
    assert_rejected("intake_date", lambda: create_victim(shelter_a, caseworker_a, intake_date=None), Victim)


def test_it_rejects_an_exit_before_intake(shelter_a, caseworker_a):
    assert_rejected(
        "exit_date",
        lambda: create_victim(
            shelter_a, caseworker_a, intake_date=date(2007, 10, 5), exit_date=date(2007, 10, 4), exit_reason="other"
        ),
        Victim,
    )


def test_an_exit_on_the_intake_day_is_allowed(shelter_a, caseworker_a):
    victim = create_victim(
        shelter_a, caseworker_a, intake_date=date(2007, 10, 5), exit_date=date(2007, 10, 5), exit_reason="other"
    )
    assert victim.exit_date == victim.intake_date


def test_it_rejects_an_exit_date_without_a_reason(shelter_a, caseworker_a):
    assert_rejected("exit_reason", lambda: create_victim(shelter_a, caseworker_a, exit_date=date(2007, 11, 1)), Victim)


def test_it_rejects_an_exit_reason_without_an_exit_date(shelter_a, caseworker_a):
    assert_rejected("exit_date", lambda: create_victim(shelter_a, caseworker_a, exit_reason="reintegrated"), Victim)


def test_it_rejects_an_unknown_exit_reason(shelter_a, caseworker_a):
    assert_rejected(
        "exit_reason",
        lambda: create_victim(shelter_a, caseworker_a, exit_date=date(2007, 11, 1), exit_reason="escaped"),
        Victim,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("role", "tertiary"), ("sex", "f"), ("nationality", "XX"), ("nationality", "M"), ("birth_year", 1850)],
)
def test_it_rejects_values_outside_the_choices(shelter_a, caseworker_a, field, value):
    assert_rejected(field, lambda: create_victim(shelter_a, caseworker_a, **{field: value}), Victim)


def test_it_rejects_a_birth_year_in_the_future(shelter_a, caseworker_a):
    assert_rejected("birth_year", lambda: create_victim(shelter_a, caseworker_a, birth_year=TODAY().year + 1), Victim)


def test_it_rejects_a_secondary_victim_without_a_primary(shelter_a, caseworker_a):
    error = assert_rejected("primary_victim", lambda: create_victim(shelter_a, caseworker_a, role="secondary"), Victim)
    assert "primary victim" in error.message_dict["primary_victim"][0]


def test_it_rejects_a_primary_victim_linked_to_another(shelter_a, caseworker_a):
    other = create_victim(shelter_a, caseworker_a)
    assert_rejected("primary_victim", lambda: create_victim(shelter_a, caseworker_a, primary_victim=other), Victim)


def test_it_rejects_a_secondary_victim_linked_to_another_shelters_victim(shelter_a, shelter_b, caseworker_a):
    in_b = VictimFactory(shelter=shelter_b)
    assert_rejected(
        "primary_victim",
        lambda: create_victim(shelter_a, caseworker_a, role="secondary", primary_victim=in_b),
        Victim,
    )


def test_it_rejects_a_secondary_victim_linked_to_a_secondary_victim(shelter_a, caseworker_a):
    child = SecondaryVictimFactory(shelter=shelter_a)
    assert_rejected(
        "primary_victim", lambda: create_victim(shelter_a, caseworker_a, role="secondary", primary_victim=child), Victim
    )


def test_a_secondary_victim_with_a_primary_in_the_same_shelter_is_saved(shelter_a, caseworker_a):
    mother = create_victim(shelter_a, caseworker_a, tip_victim=True, exploitation_types=["forced_labor"])
    child = create_victim(shelter_a, caseworker_a, role="secondary", primary_victim=mother)

    assert child.primary_victim == mother
    assert list(mother.secondary_victims.all()) == [child]


def test_it_rejects_a_secondary_tip_victim(shelter_a, caseworker_a):
    mother = create_victim(shelter_a, caseworker_a)
    assert_rejected(
        "tip_victim",
        lambda: create_victim(
            shelter_a,
            caseworker_a,
            role="secondary",
            primary_victim=mother,
            tip_victim=True,
            exploitation_types=["child_labor"],
        ),
        Victim,
    )


def test_it_rejects_a_tip_victim_without_exploitation_types(shelter_a, caseworker_a):
    assert_rejected("exploitation_types", lambda: create_victim(shelter_a, caseworker_a, tip_victim=True), Victim)


def test_it_rejects_exploitation_types_without_tip(shelter_a, caseworker_a):
    assert_rejected(
        "exploitation_types", lambda: create_victim(shelter_a, caseworker_a, exploitation_types=["other"]), Victim
    )


@pytest.mark.parametrize("types", [["slavery"], ["other", "other"], [""]])
def test_it_rejects_unknown_or_repeated_exploitation_types(shelter_a, caseworker_a, types):
    assert_rejected(
        "exploitation_types",
        lambda: create_victim(shelter_a, caseworker_a, tip_victim=True, exploitation_types=types),
        Victim,
    )


def test_several_exploitation_types_round_trip(shelter_a, caseworker_a):
    victim = create_victim(
        shelter_a, caseworker_a, tip_victim=True, exploitation_types=["sexual_exploitation", "forced_labor"]
    )

    assert Victim.objects.get(pk=victim.pk).exploitation_types == ["forced_labor", "sexual_exploitation"]
    assert Victim.objects.filter(exploitation_types__contains=",forced_labor,").count() == 1
    assert Victim.objects.filter(exploitation_types__contains=",other,").count() == 0


def test_it_rejects_a_name_past_its_length(shelter_a, caseworker_a):
    assert_rejected("given_name", lambda: create_victim(shelter_a, caseworker_a, given_name="x" * 101), Victim)


def test_it_rejects_moving_the_exit_before_logged_services(shelter_a, caseworker_a):
    victim = create_victim(shelter_a, caseworker_a)
    ServiceFactory(victim=victim, date=date(2007, 10, 20))

    with pytest.raises(ValidationError) as excinfo:
        services.record_update(
            actor=caseworker_a, record=victim, data={"exit_date": date(2007, 10, 10), "exit_reason": "other"}
        )
    assert "exit_date" in excinfo.value.message_dict
    assert Victim.objects.get(pk=victim.pk).exit_date is None


def test_the_database_backs_the_exit_rule(shelter_a):
    victim = VictimFactory(shelter=shelter_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Victim.objects.filter(pk=victim.pk).update(exit_date=date(2007, 9, 1), exit_reason="other")


def test_the_database_backs_the_secondary_link_rule(shelter_a):
    victim = VictimFactory(shelter=shelter_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Victim.objects.filter(pk=victim.pk).update(role="secondary")


# Services, referrals, legal actions, follow-ups, trainings -----------------------------------------


@pytest.fixture
def victim(shelter_a):
    return VictimFactory(shelter=shelter_a, intake_date=date(2007, 10, 5))


def test_a_service_takes_its_victims_shelter(victim, caseworker_a, shelter_b):
    service = services.record_create(
        actor=caseworker_a,
        model=Service,
        data={"victim": victim, "date": date(2007, 10, 6), "category": "medical", "shelter": shelter_b},
    )

    assert service.shelter_id == victim.shelter_id


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date": date(2007, 10, 4), "category": "legal"}, "date"),  # before intake
        ({"date": date(2007, 10, 6), "category": "dental"}, "category"),
        ({"date": date(2007, 10, 6)}, "category"),
        ({"category": "legal"}, "date"),
        ({"date": date(1899, 1, 1), "category": "legal"}, "date"),
    ],
)
def test_it_rejects_bad_services(victim, caseworker_a, data, field):
    assert_rejected(
        field,
        lambda: services.record_create(actor=caseworker_a, model=Service, data={"victim": victim, **data}),
        Service,
    )


def test_it_rejects_a_service_in_the_future(shelter_a, caseworker_a):
    today_victim = VictimFactory(shelter=shelter_a, intake_date=TODAY())
    assert_rejected(
        "date",
        lambda: services.record_create(
            actor=caseworker_a,
            model=Service,
            data={"victim": today_victim, "date": TODAY() + timedelta(days=1), "category": "legal"},
        ),
        Service,
    )


def test_it_rejects_a_service_after_the_victims_exit(shelter_a, caseworker_a):
    left = VictimFactory(shelter=shelter_a, exit_date=date(2007, 10, 31), exit_reason="reintegrated")
    error = assert_rejected(
        "date",
        lambda: services.record_create(
            actor=caseworker_a, model=Service, data={"victim": left, "date": date(2007, 11, 1), "category": "legal"}
        ),
        Service,
    )
    assert "exit" in error.message_dict["date"][0]


def test_a_service_on_the_exit_day_is_allowed(shelter_a, caseworker_a):
    left = VictimFactory(shelter=shelter_a, exit_date=date(2007, 10, 31), exit_reason="reintegrated")
    services.record_create(
        actor=caseworker_a, model=Service, data={"victim": left, "date": date(2007, 10, 31), "category": "legal"}
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date": date(2007, 10, 6), "kind": "deportation", "institution": "INM"}, "kind"),
        ({"date": date(2007, 10, 6), "kind": "transfer"}, "institution"),
        ({"date": date(2007, 10, 6), "kind": "transfer", "institution": "x" * 201}, "institution"),
    ],
)
def test_it_rejects_bad_referrals(victim, caseworker_a, data, field):
    assert_rejected(
        field,
        lambda: services.record_create(actor=caseworker_a, model=Referral, data={"victim": victim, **data}),
        Referral,
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date": date(2007, 10, 6), "kind": "appeal", "crime": "tip"}, "kind"),
        ({"date": date(2007, 10, 6), "kind": "sentence", "crime": "fraud"}, "crime"),
        ({"date": date(2007, 10, 6), "kind": "sentence"}, "crime"),
    ],
)
def test_it_rejects_bad_legal_actions(victim, caseworker_a, data, field):
    assert_rejected(
        field,
        lambda: services.record_create(actor=caseworker_a, model=LegalAction, data={"victim": victim, **data}),
        LegalAction,
    )


def test_it_rejects_a_follow_up_for_a_victim_who_has_not_left(victim, caseworker_a):
    assert_rejected(
        "victim",
        lambda: services.record_create(
            actor=caseworker_a, model=FollowUp, data={"victim": victim, "date": date(2007, 11, 1)}
        ),
        FollowUp,
    )


@pytest.mark.parametrize("day", [date(2007, 10, 19), date(2007, 10, 20)])
def test_it_rejects_a_follow_up_on_or_before_the_exit(shelter_a, caseworker_a, day):
    left = VictimFactory(shelter=shelter_a, exit_date=date(2007, 10, 20), exit_reason="reintegrated")
    assert_rejected(
        "date",
        lambda: services.record_create(actor=caseworker_a, model=FollowUp, data={"victim": left, "date": day}),
        FollowUp,
    )


def test_removing_the_exit_of_a_followed_up_victim_is_refused(shelter_a, caseworker_a):
    follow_up = FollowUpFactory(victim__shelter=shelter_a)

    with pytest.raises(ValidationError) as excinfo:
        services.record_update(actor=caseworker_a, record=follow_up.victim, data={"exit_date": None, "exit_reason": ""})
    assert "exit_date" in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"attendees": 0}, "attendees"),
        ({"attendees": -3}, "attendees"),
        ({"sector": "ngo"}, "sector"),
        ({"institution": ""}, "institution"),
        ({"date": date(1890, 1, 1)}, "date"),
    ],
)
def test_it_rejects_bad_trainings(shelter_a, caseworker_a, data, field):
    good = {
        "shelter": shelter_a,
        "date": date(2007, 10, 6),
        "institution": "PGR",
        "sector": "government",
        "attendees": 5,
    }
    assert_rejected(
        field, lambda: services.record_create(actor=caseworker_a, model=Training, data={**good, **data}), Training
    )


def test_the_database_backs_the_attendees_rule(shelter_a):
    training = Training.objects.create(
        shelter=shelter_a, date=date(2007, 10, 6), institution="PGR", sector="government", attendees=3
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Training.objects.filter(pk=training.pk).update(attendees=0)


def test_a_bulk_create_with_one_bad_item_saves_nothing(victim, caseworker_a):
    items = [{"victim": victim, "date": date(2007, 10, 6), "category": "legal"} for _ in range(5)]
    items[3] = {"victim": victim, "date": date(2007, 10, 6), "category": "astrology"}

    with pytest.raises(services.BulkValidationError) as excinfo:
        services.records_create_bulk(actor=caseworker_a, model=Service, items=items)

    assert list(excinfo.value.item_errors) == [3]
    assert "category" in excinfo.value.item_errors[3]
    assert Service.objects.count() == 0


def test_a_bulk_create_saves_all_and_audits_each(victim, caseworker_a):
    items = [{"victim": victim, "date": date(2007, 10, 6), "category": "legal"} for _ in range(5)]

    created = services.records_create_bulk(actor=caseworker_a, model=Service, items=items)

    assert Service.objects.count() == 5
    assert AuditEntry.objects.filter(action="create", record_type="service").count() == 5
    assert {entry.record_id for entry in AuditEntry.objects.filter(record_type="service")} == {
        str(service.pk) for service in created
    }


def test_deleting_a_victim_with_children_linked_is_refused(shelter_a, caseworker_a):
    child = SecondaryVictimFactory(shelter=shelter_a)

    with pytest.raises(ValidationError):
        services.record_delete(actor=caseworker_a, record=child.primary_victim)
    assert Victim.objects.filter(pk=child.primary_victim_id).exists()


def test_shelters_in_other_tenants_are_untouched_by_case_code_generation(shelter_a, caseworker_a):
    other = ShelterFactory()
    create_victim(shelter_a, caseworker_a)
    other.refresh_from_db()
    assert other.last_case_number == 0
