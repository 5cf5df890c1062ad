"""`manage.py aggregate_indicators`: the contract's options, its defaults, and one-line refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone

from indicators.models import IndicatorValue, Source
from shelters.models import MonthLock
from tests.factories import ServiceFactory, ShelterFactory, TrainingFactory, VictimFactory

pytestmark = pytest.mark.django_db

OCT, NOV, DEC = date(2007, 10, 1), date(2007, 11, 1), date(2007, 12, 1)


@pytest.fixture(autouse=True)
def no_pending_markers():
    cache.clear()


@pytest.fixture
def casa():
    shelter = ShelterFactory(slug="casa", agreement_start=date(2007, 5, 1))
    victim = VictimFactory(
        shelter=shelter, intake_date=date(2007, 10, 5), exit_date=date(2007, 11, 2), exit_reason="other"
    )
    ServiceFactory(victim=victim, date=date(2007, 10, 6), category="social")
    return shelter


@pytest.fixture
def ciam():
    shelter = ShelterFactory(slug="ciam", agreement_start=date(2007, 5, 1))
    VictimFactory(shelter=shelter, intake_date=date(2007, 11, 5))
    return shelter


def run(*args: str) -> str:
    out = StringIO()
    call_command("aggregate_indicators", *args, stdout=out)
    return out.getvalue()


def months_stored(shelter) -> set[date]:
    return set(IndicatorValue.objects.filter(shelter=shelter, source=Source.COMPUTED).values_list("month", flat=True))


@pytest.mark.parametrize("mode", [[], ["--sync"]])
def test_one_month_for_every_shelter(casa, ciam, mode):
    output = run("--month", "2007-10", *mode)

    assert months_stored(casa) == {OCT}
    # Ciam's first case record is of November: October is before its records, never computed (blank, not 0).
    assert months_stored(ciam) == set()
    value = IndicatorValue.objects.get(shelter=casa, month=OCT, indicator="services_social", source=Source.COMPUTED)
    assert value.value == 1
    assert "casa 2007-10: 1 month(s) stored" in output
    assert "ciam 2007-10: 0 month(s) stored" in output


@pytest.mark.parametrize("mode", [[], ["--sync"]])
def test_a_range_for_one_shelter(casa, ciam, mode):
    run("--shelter", "casa", "--from", "2007-10", "--to", "2007-12", *mode)

    assert months_stored(casa) == {OCT, NOV, DEC}
    assert months_stored(ciam) == set()
    served = dict(IndicatorValue.objects.filter(shelter=casa, indicator="victims_served").values_list("month", "value"))
    assert served == {OCT: 1, NOV: 1, DEC: 0}


def test_locked_months_are_reported_and_left_alone(casa):
    MonthLock.objects.create(shelter=casa, month=NOV)

    output = run("--shelter", "casa", "--from", "2007-10", "--to", "2007-12", "--sync")

    assert months_stored(casa) == {OCT, DEC}
    assert "2 month(s) stored, 1 locked month(s) left alone (2007-11)" in output


def test_without_months_each_shelter_runs_from_its_first_month_of_case_records_to_the_current_month(db):
    current = timezone.localdate().replace(day=1)
    previous = date(current.year - (current.month == 1), (current.month - 2) % 12 + 1, 1)
    started = ShelterFactory(slug="started", agreement_start=previous)
    VictimFactory(shelter=started, intake_date=current)
    unsigned = ShelterFactory(slug="unsigned", agreement_start=None)
    TrainingFactory(shelter=unsigned, date=current)
    legacy = ShelterFactory(slug="legacy", agreement_start=date(2007, 5, 1))

    output = run("--sync")

    # The agreement started a month before the first case record: that month is not computed.
    assert months_stored(started) == {current}
    # No agreement start: from the first case record.
    assert months_stored(unsigned) == {current}
    # No case records: nothing to compute, its months stay empty.
    assert months_stored(legacy) == set()
    assert "legacy" not in output


def test_a_shelter_without_records_named_with_months_gets_its_stale_values_cleared(db):
    legacy = ShelterFactory(slug="legacy")
    IndicatorValue.objects.create(shelter=legacy, month=OCT, indicator="new_victims", value=2, source="computed")

    output = run("--shelter", "legacy", "--month", "2007-10", "--sync")

    assert months_stored(legacy) == set()
    assert "no case records" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shelter", "nowhere"], "No shelter with slug 'nowhere'"),
        (["--month", "2007-13"], "--month must be a month written YYYY-MM"),
        (["--month", "2007-1"], "--month must be a month written YYYY-MM"),
        (["--month", "10-2007"], "--month must be a month written YYYY-MM"),
        (["--month", "1899-12"], "--month must be a month written YYYY-MM"),
        (["--from", "2007-xx", "--to", "2007-12"], "--from must be a month written YYYY-MM"),
        (["--month", "2007-10", "--from", "2007-10"], "either --month or --from/--to"),
        (["--month", "2007-10", "--to", "2007-10"], "either --month or --from/--to"),
        (["--from", "2007-12", "--to", "2007-10"], "--from 2007-12 is after --to 2007-10"),
        (["--month", "2999-01"], "--month 2999-01 is in the future"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(casa, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(*args, "--sync")

    assert not IndicatorValue.objects.exists()


def test_bad_input_exits_non_zero_with_a_one_line_reason():
    completed = subprocess.run(
        [sys.executable, "manage.py", "aggregate_indicators", "--month", "2007-10", "--from", "2007-09"],
        cwd=settings.BASE_DIR,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert completed.returncode != 0
    # The last line is the reason (django-axes may log its banner before it).
    assert completed.stderr.strip().splitlines()[-1] == "CommandError: Give either --month or --from/--to, not both."


def test_a_failed_recompute_is_reported_in_one_line(casa, monkeypatch):
    from indicators import services

    def broken(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(services, "recompute_indicators", broken)
    with pytest.raises(CommandError, match="^The recompute of casa failed: database on fire$"):
        run("--month", "2007-10")

    assert not IndicatorValue.objects.exists()
