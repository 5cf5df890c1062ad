"""services.victim_exit: a victim's exit and the children leaving with them, all or nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from shelters import services
from shelters.exceptions import MonthLocked
from shelters.models import AuditEntry, MonthLock, Victim, VictimRole
from tests.factories import VictimFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(shelter_a):
    mother = VictimFactory(shelter=shelter_a, intake_date=date(2026, 1, 5))
    child = VictimFactory(
        shelter=shelter_a, role=VictimRole.SECONDARY, primary_victim=mother, intake_date=date(2026, 1, 5)
    )
    late_child = VictimFactory(
        shelter=shelter_a, role=VictimRole.SECONDARY, primary_victim=mother, intake_date=date(2026, 4, 1)
    )
    return mother, child, late_child


def test_the_children_get_the_same_exit(caseworker_a, family):
    mother, child, _late = family
    services.victim_exit(
        actor=caseworker_a, victim=mother, exit_date=date(2026, 3, 1), exit_reason="transferred", children=[child]
    )
    child.refresh_from_db()
    assert (child.exit_date, child.exit_reason) == (date(2026, 3, 1), "transferred")
    assert AuditEntry.objects.filter(action="change").count() == 2


def test_a_child_refused_by_the_rules_saves_no_exit(caseworker_a, family):
    mother, child, late = family
    with pytest.raises(ValidationError) as refused, override("es"):
        services.victim_exit(
            actor=caseworker_a, victim=mother, exit_date=date(2026, 3, 1), exit_reason="other", children=[child, late]
        )
    assert refused.value.message_dict["children"] == [
        f"{late.case_code}: La fecha de egreso no puede ser anterior a la de ingreso."
    ]
    assert not Victim.objects.filter(exit_date__isnull=False).exists()
    assert not AuditEntry.objects.exists()


def test_a_locked_month_saves_no_exit(caseworker_a, family, shelter_a):
    mother, child, _late = family
    MonthLock.objects.create(shelter=shelter_a, month=date(2026, 1, 1))
    with pytest.raises(MonthLocked):
        services.victim_exit(
            actor=caseworker_a, victim=mother, exit_date=date(2026, 3, 1), exit_reason="other", children=[child]
        )
    assert not Victim.objects.filter(exit_date__isnull=False).exists()


def test_only_the_victims_own_children_leave_with_them(caseworker_a, family, shelter_a):
    mother, _child, _late = family
    stranger = VictimFactory(shelter=shelter_a)
    with pytest.raises(ValidationError):
        services.victim_exit(
            actor=caseworker_a, victim=mother, exit_date=date(2026, 3, 1), exit_reason="other", children=[stranger]
        )
    assert not Victim.objects.filter(exit_date__isnull=False).exists()
