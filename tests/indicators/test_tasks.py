"""Storing computed values, recomputing after writes, and the Celery tasks (eager here; see test_celery_worker)."""

from __future__ import annotations

import os
import threading
import time
from datetime import date, timedelta

import pytest
from django.core.cache import cache, caches
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from indicators import services as indicator_services
from indicators import tasks
from indicators.aggregation import compute_indicator_values
from indicators.catalogue import INDICATOR_KEYS
from indicators.models import IndicatorValue, Source
from indicators.services import recompute_indicators, request_recompute
from shelters import services as case_services
from shelters.audit_chain import seal_committed_entries
from shelters.models import LegalAction, MonthLock, Service
from tests.factories import ServiceFactory, ShelterFactory, TrainingFactory, VictimFactory

OCT, NOV, DEC = date(2007, 10, 1), date(2007, 11, 1), date(2007, 12, 1)


@pytest.fixture(autouse=True)
def no_pending_markers():
    """The local-memory cache outlives a test; coalescing markers must not."""
    cache.clear()
    yield
    cache.clear()


REDIS_CACHE_URL = os.environ.get("TEST_CACHE_URL", "")


@pytest.fixture(params=["local memory", "redis"])
def marker_cache(request, settings):
    """The pending markers on the local-memory cache (demo) and on Redis (production: one pipeline)."""
    if request.param == "redis":
        if not REDIS_CACHE_URL:
            pytest.skip("TEST_CACHE_URL is not set (make test sets it)")
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_CACHE_URL}
        }
    cache.clear()
    yield request.param
    cache.clear()


@pytest.fixture
def shelter(db):
    shelter = ShelterFactory(slug="casa")
    victim = VictimFactory(shelter=shelter, intake_date=date(2007, 10, 5))
    ServiceFactory(victim=victim, date=date(2007, 10, 6), category="medical")
    ServiceFactory(victim=victim, date=date(2007, 11, 6), category="medical")
    return shelter


def stored(shelter, source=Source.COMPUTED) -> dict[tuple[date, str], int | None]:
    rows = IndicatorValue.objects.filter(shelter=shelter, source=source)
    return {(row.month, row.indicator): row.value for row in rows}


def as_stored(values) -> dict[tuple[date, str], int]:
    return {(month, key): value for (_shelter, month), cells in values.items() for key, value in cells.items()}


# --- recompute_indicators ---------------------------------------------------------------------------------------


def test_recompute_stores_every_row_of_every_month_as_computed(shelter):
    result = recompute_indicators(first_month=OCT, last_month=DEC, shelter_id=shelter.pk)

    expected = compute_indicator_values(first_month=OCT, last_month=DEC, shelter_ids=[shelter.pk])
    assert stored(shelter) == as_stored(expected)
    assert len(stored(shelter)) == 3 * len(INDICATOR_KEYS)
    assert stored(shelter)[NOV, "services_medical"] == 1
    assert stored(shelter)[DEC, "victims_served"] == 1
    assert result.months_stored == 3 and result.months_skipped == 0
    assert sorted(result.stored) == [(shelter.pk, OCT), (shelter.pk, NOV), (shelter.pk, DEC)]


def test_recompute_replaces_stale_values_and_running_it_twice_changes_nothing(shelter):
    recompute_indicators(first_month=OCT, last_month=DEC, shelter_id=shelter.pk)
    Service.objects.filter(shelter=shelter, date__month=11).delete()

    recompute_indicators(first_month=OCT, last_month=DEC, shelter_id=shelter.pk)
    once = stored(shelter)
    recompute_indicators(first_month=OCT, last_month=DEC, shelter_id=shelter.pk)

    assert stored(shelter) == once
    assert once[NOV, "services_medical"] == 0
    assert IndicatorValue.objects.filter(shelter=shelter).count() == 3 * len(INDICATOR_KEYS)


def test_an_unchanged_value_keeps_its_time_and_a_changed_one_gets_a_new_one(shelter):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite (the demo) rewrites every value")
    recompute_indicators(first_month=OCT, last_month=NOV, shelter_id=shelter.pk)
    before = dict(IndicatorValue.objects.filter(shelter=shelter, month=NOV).values_list("indicator", "updated_at"))
    Service.objects.filter(shelter=shelter, date__month=11).delete()

    recompute_indicators(first_month=OCT, last_month=NOV, shelter_id=shelter.pk)

    after = dict(IndicatorValue.objects.filter(shelter=shelter, month=NOV).values_list("indicator", "updated_at"))
    assert after["services_medical"] > before["services_medical"]
    assert after["victims_served"] == before["victims_served"]


def test_a_locked_month_is_never_recomputed(shelter):
    recompute_indicators(first_month=OCT, last_month=DEC, shelter_id=shelter.pk)
    MonthLock.objects.create(shelter=shelter, month=NOV)
    Service.objects.filter(shelter=shelter).delete()
    locked_before = IndicatorValue.objects.filter(shelter=shelter, month=NOV).values_list("id", "value", "updated_at")
    locked_before = sorted(locked_before)

    result = recompute_indicators(first_month=OCT, last_month=DEC, shelter_id=shelter.pk)

    assert sorted(
        IndicatorValue.objects.filter(shelter=shelter, month=NOV).values_list("id", "value", "updated_at")
    ) == (locked_before)
    assert stored(shelter)[NOV, "services_medical"] == 1
    assert stored(shelter)[OCT, "services_medical"] == 0
    assert result.skipped_locked == [(shelter.pk, NOV)]
    assert sorted(result.stored) == [(shelter.pk, OCT), (shelter.pk, DEC)]


def test_a_locked_month_with_nothing_stored_stays_empty(shelter):
    MonthLock.objects.create(shelter=shelter, month=OCT)

    recompute_indicators(first_month=OCT, last_month=NOV, shelter_id=shelter.pk)

    assert {month for month, _key in stored(shelter)} == {NOV}


def test_imported_values_are_never_touched(shelter):
    IndicatorValue.objects.create(shelter=shelter, month=OCT, indicator="victims_served", value=7, source="imported")
    IndicatorValue.objects.create(
        shelter=shelter, month=OCT, indicator="sentences_other", value=None, source="imported"
    )

    recompute_indicators(first_month=OCT, last_month=OCT, shelter_id=shelter.pk)

    assert stored(shelter, Source.IMPORTED) == {(OCT, "victims_served"): 7, (OCT, "sentences_other"): None}
    assert stored(shelter)[OCT, "victims_served"] == 1


def test_other_shelters_and_months_outside_the_range_are_left_alone(shelter):
    other = ShelterFactory()
    VictimFactory(shelter=other, intake_date=date(2007, 10, 1))
    recompute_indicators(first_month=OCT, last_month=DEC)
    outside = IndicatorValue.objects.create(
        shelter=shelter, month=date(2007, 9, 1), indicator="new_victims", value=3, source="computed"
    )

    recompute_indicators(first_month=OCT, last_month=OCT, shelter_id=shelter.pk)

    assert len(stored(other)) == 3 * len(INDICATOR_KEYS)
    outside.refresh_from_db()
    assert outside.value == 3


def test_a_shelter_without_case_records_keeps_its_months_empty(db):
    legacy = ShelterFactory()
    IndicatorValue.objects.create(shelter=legacy, month=OCT, indicator="victims_served", value=0, source="computed")
    IndicatorValue.objects.create(shelter=legacy, month=OCT, indicator="victims_served", value=9, source="imported")

    result = recompute_indicators(first_month=OCT, last_month=NOV, shelter_id=legacy.pk)

    assert stored(legacy) == {}
    assert stored(legacy, Source.IMPORTED) == {(OCT, "victims_served"): 9}
    assert result.shelters_without_records == [legacy.pk]
    assert result.months_stored == 0


def test_a_shelter_that_only_gives_trainings_keeps_case_records(db):
    trainer = ShelterFactory()
    TrainingFactory(shelter=trainer, date=date(2007, 10, 3), sector="private", attendees=5)

    recompute_indicators(first_month=OCT, last_month=NOV, shelter_id=trainer.pk)

    assert stored(trainer)[OCT, "personnel_trained_private"] == 5
    assert stored(trainer)[NOV, "personnel_trained_private"] == 0


def test_recompute_of_an_unknown_shelter_stores_nothing(db):
    result = recompute_indicators(first_month=OCT, last_month=OCT, shelter_id=987_654)

    assert result.months_stored == 0
    assert not IndicatorValue.objects.exists()


def test_recompute_of_one_shelter_month_takes_a_fixed_number_of_queries(shelter, django_assert_num_queries):
    MonthLock.objects.create(shelter=shelter, month=NOV)
    if connection.vendor == "postgresql":
        # 1 savepoint, 2 advisory lock, 3 the shelter and whether it keeps records, 4 locked months,
        # 5-12 the aggregation (shelters, its settings, people and services, the settings reset, referrals,
        # legal actions, follow-ups, trainings), 13 upsert the values, 14 release the savepoint; and the
        # aggregation path's setting (shelters.scopes.counting_scope), set after the savepoint and given back
        # before its release.
        expected = 14 + 2
    else:
        # The same without the lock and the settings, plus 10 delete the old values, 11 insert the new.
        expected = 12
    with django_assert_num_queries(expected):
        recompute_indicators(first_month=OCT, last_month=DEC, shelter_id=shelter.pk)


# --- Concurrency --------------------------------------------------------------------------------------------------


def run_in_threads(count: int, target) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run() -> None:
        try:
            barrier.wait()
            target()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_for_one_shelter_store_what_one_run_stores():
    if connection.vendor != "postgresql":
        pytest.skip("an in-memory SQLite test database refuses a second writer instead of waiting")
    shelter = ShelterFactory()
    victims = [VictimFactory(shelter=shelter, intake_date=date(2007, 9, day)) for day in range(1, 25)]
    for victim in victims:
        ServiceFactory(victim=victim, date=date(2007, 10, 2), category="legal")
    recompute_indicators(first_month=date(2007, 9, 1), last_month=DEC, shelter_id=shelter.pk)
    one_run = stored(shelter)

    for _attempt in range(5):
        errors = run_in_threads(
            2, lambda: recompute_indicators(first_month=date(2007, 9, 1), last_month=DEC, shelter_id=shelter.pk)
        )
        assert errors == []
        assert stored(shelter) == one_run
        assert IndicatorValue.objects.filter(shelter=shelter).count() == 4 * len(INDICATOR_KEYS)


@pytest.mark.django_db(transaction=True)
def test_a_run_waits_for_the_run_that_holds_the_shelter():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer at a time by itself")
    shelter = ShelterFactory()
    VictimFactory(shelter=shelter, intake_date=date(2007, 10, 1))
    holding, release, finished = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                indicator_services.lock_shelters_for_recompute([shelter.pk])
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    def recompute() -> None:
        try:
            recompute_indicators(first_month=OCT, last_month=OCT, shelter_id=shelter.pk)
            finished.set()
        finally:
            connection.close()

    holder, runner = threading.Thread(target=hold), threading.Thread(target=recompute)
    holder.start()
    assert holding.wait(10)
    runner.start()
    time.sleep(0.5)
    assert not finished.is_set()
    release.set()
    holder.join(10)
    runner.join(10)
    assert finished.is_set()
    assert stored(shelter)[OCT, "victims_served"] == 1


# --- request_recompute: after commit, coalesced ------------------------------------------------------------------


def test_a_write_recomputes_its_months_after_commit(shelter, django_capture_on_commit_callbacks):
    victim = VictimFactory(
        shelter=shelter, intake_date=date(2007, 10, 1), exit_date=date(2007, 12, 31), exit_reason="other"
    )

    with django_capture_on_commit_callbacks() as callbacks:
        case_services.record_create(
            actor=None, model=Service, data={"victim": victim, "date": date(2007, 11, 20), "category": "legal"}
        )
        # Nothing happens before the commit.
        assert not IndicatorValue.objects.exists()

    # The audit entry's seal comes after the commit too (shelters.audit_chain); the recompute is the other one.
    recomputes = [callback for callback in callbacks if callback is not seal_committed_entries]
    assert len(recomputes) == 1
    recomputes[0]()
    assert set(stored(shelter)) == {(NOV, key) for key in INDICATOR_KEYS}
    assert stored(shelter)[NOV, "services_legal"] == 1
    assert stored(shelter)[NOV, "victims_served"] == 2


def test_a_new_victim_recomputes_every_month_of_their_stay(db, django_capture_on_commit_callbacks):
    shelter = ShelterFactory()
    with django_capture_on_commit_callbacks(execute=True):
        case_services.victim_create(
            actor=None,
            shelter=shelter,
            data={"intake_date": date(2007, 10, 31), "exit_date": date(2007, 12, 1), "exit_reason": "reintegrated"},
        )

    assert {month for month, _key in stored(shelter)} == {OCT, NOV, DEC}
    assert stored(shelter)[OCT, "new_victims"] == 1
    assert stored(shelter)[DEC, "victims_reintegrated"] == 1


def test_a_write_that_rolls_back_queues_nothing(shelter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                request_recompute(shelter_id=shelter.pk, months=[OCT])
                raise RuntimeError("the write failed")
        except RuntimeError:
            pass

    assert callbacks == []
    assert not IndicatorValue.objects.exists()


def test_writes_in_one_transaction_queue_one_task_per_shelter(
    shelter, marker_cache, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.recompute_shelter_months, "apply_async", lambda **kwargs: queued.append(kwargs))

    with django_capture_on_commit_callbacks(execute=True):
        for month in (NOV, OCT, DEC, OCT):
            request_recompute(shelter_id=shelter.pk, months=[month])

    assert [call["args"] for call in queued] == [(shelter.pk, "2007-10-01", "2007-12-01")]
    assert queued[0]["countdown"] == indicator_services.COALESCE_SECONDS


def test_a_burst_of_writes_queues_one_task_until_it_starts(
    shelter, marker_cache, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.recompute_shelter_months, "apply_async", lambda **kwargs: queued.append(kwargs["args"]))

    for _write in range(100):
        with django_capture_on_commit_callbacks(execute=True):
            request_recompute(shelter_id=shelter.pk, months=[OCT])
    with django_capture_on_commit_callbacks(execute=True):
        request_recompute(shelter_id=shelter.pk, months=[OCT, NOV])
    assert queued == [(shelter.pk, "2007-10-01", "2007-10-01"), (shelter.pk, "2007-11-01", "2007-11-01")]

    # The task starts: from now on a write needs a new task, for its month only.
    indicator_services.recompute_pending_months(shelter_id=shelter.pk, first_month=OCT, last_month=OCT)
    with django_capture_on_commit_callbacks(execute=True):
        request_recompute(shelter_id=shelter.pk, months=[OCT, NOV])
    assert queued[2:] == [(shelter.pk, "2007-10-01", "2007-10-01")]


def test_a_failed_queueing_leaves_no_marker_behind(
    shelter, marker_cache, django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(**kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.recompute_shelter_months, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        request_recompute(shelter_id=shelter.pk, months=[OCT])

    queued = []
    monkeypatch.setattr(tasks.recompute_shelter_months, "apply_async", lambda **kwargs: queued.append(kwargs["args"]))
    with django_capture_on_commit_callbacks(execute=True):
        request_recompute(shelter_id=shelter.pk, months=[OCT])
    assert queued == [(shelter.pk, "2007-10-01", "2007-10-01")]


def test_in_the_eager_demo_a_write_is_recomputed_in_process(shelter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_recompute(shelter_id=shelter.pk, months=[NOV, OCT])

    assert {month for month, _key in stored(shelter)} == {OCT, NOV}
    assert cache.get(indicator_services._pending_key(shelter.pk, OCT)) is None


# --- The tasks --------------------------------------------------------------------------------------------------


def test_the_shelter_task_recomputes_its_range(shelter):
    outcome = tasks.recompute_shelter_months.delay(shelter.pk, "2007-10-01", "2007-11-01").get()

    assert outcome["months_stored"] == 2
    assert stored(shelter)[NOV, "services_medical"] == 1


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_the_task_retries_on_a_database_error(shelter, monkeypatch, error):
    calls = []
    real = indicator_services.recompute_pending_months

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise error("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(indicator_services, "recompute_pending_months", flaky)
    # throw=False: the eager run retries in place instead of raising celery.exceptions.Retry to the caller.
    result = tasks.recompute_shelter_months.apply(args=(shelter.pk, "2007-10-01", "2007-10-01"), throw=False)

    assert result.successful()

    assert len(calls) == 2
    assert stored(shelter)[OCT, "victims_served"] == 1


def test_the_tasks_ack_late_and_have_time_limits():
    for task in (tasks.recompute_shelter_months, tasks.recompute_recent_months):
        assert task.acks_late is True
        assert 0 < task.soft_time_limit < task.time_limit
        assert OperationalError in task.autoretry_for
        assert task.retry_backoff and task.max_retries


def test_the_nightly_task_recomputes_the_current_and_previous_month_of_every_shelter(db):
    today = timezone.localdate()
    current = today.replace(day=1)
    previous = (current - timedelta(days=1)).replace(day=1)
    first, second = ShelterFactory(), ShelterFactory()
    VictimFactory(shelter=first, intake_date=previous)
    VictimFactory(shelter=second, intake_date=today)

    tasks.recompute_recent_months.delay().get()

    assert {month for month, _key in stored(first)} == {previous, current}
    assert stored(first)[previous, "new_victims"] == 1
    assert stored(second)[current, "new_victims"] == 1
    # The second shelter's records begin this month: its previous month is never computed (missing, not 0).
    assert {month for month, _key in stored(second)} == {current}


def test_the_nightly_task_is_on_the_beat_schedule():
    from proteja_site.celery import app

    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert tasks.recompute_recent_months.name in schedule


def test_a_victims_tip_status_change_recomputes_their_charges_after_the_stay(db, django_capture_on_commit_callbacks):
    shelter = ShelterFactory()
    with django_capture_on_commit_callbacks(execute=True):
        victim = case_services.victim_create(
            actor=None,
            shelter=shelter,
            data={
                "intake_date": date(2007, 10, 1),
                "exit_date": date(2007, 10, 15),
                "exit_reason": "other",
                "tip_victim": True,
                "exploitation_types": ["forced_labor"],
            },
        )
    with django_capture_on_commit_callbacks(execute=True):
        case_services.record_create(
            actor=None,
            model=LegalAction,
            data={"victim": victim, "date": date(2007, 12, 20), "kind": "charges_filed", "crime": "tip"},
        )
    assert stored(shelter)[DEC, "tip_victims_pressed_charges"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        case_services.record_update(actor=None, record=victim, data={"tip_victim": False, "exploitation_types": []})

    # December lies outside the stay, yet its charges count by the victim's TIP status.
    assert stored(shelter)[DEC, "tip_victims_pressed_charges"] == 0


def test_pending_markers_are_set_once_and_expire(db, marker_cache):
    assert indicator_services._add_markers(["casa:2007-10", "casa:2007-11"], 60) == [True, True]
    assert indicator_services._add_markers(["casa:2007-11", "casa:2007-12"], 60) == [False, True]
    assert indicator_services._add_markers([], 60) == []
    assert cache.get("casa:2007-12") == 1
    if marker_cache == "redis":
        backend = caches["default"]
        client = backend._cache.get_client()
        assert 0 < client.ttl(backend.make_and_validate_key("casa:2007-12")) <= 60
