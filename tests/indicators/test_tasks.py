"""Storing computed values, recomputing after writes, and the Celery tasks (eager here; see test_celery_worker)."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from indicators import services as indicator_services
from indicators import tasks
from indicators.aggregation import compute_indicator_values
from indicators.catalogue import INDICATOR_KEYS
from indicators.models import IndicatorValue, Source
from indicators.services import recompute_indicators
from shelters import services as case_services
from shelters.audit_chain import seal_committed_entries
from shelters.models import LegalAction, MonthLock, RecomputeRequest, Service
from shelters.outbox import request_recompute
from tests.factories import ServiceFactory, ShelterFactory, TrainingFactory, VictimFactory

OCT, NOV, DEC = date(2007, 10, 1), date(2007, 11, 1), date(2007, 12, 1)


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
        # 1 the aggregation path's setting (shelters.scopes.counting_scope), 2 advisory lock, 3 the shelter,
        # whether it keeps records and its locked months, 4 people and services, 5 referrals, legal actions,
        # follow-ups and trainings in one statement (4 and 5 sent together), 6 upsert the values; and, this
        # test's transaction going on, 7 the setting given back. No savepoint, and no statement for the
        # counting's own settings.
        expected = 7
    else:
        # Without the lock and the settings; plus delete the old values, insert the new.
        expected = 5
    with django_assert_num_queries(expected):
        recompute_indicators(first_month=OCT, last_month=DEC, shelter_id=shelter.pk)


@pytest.mark.django_db(transaction=True)
def test_a_recompute_in_a_transaction_of_its_own_gives_nothing_back(django_assert_num_queries):
    """The production case (a worker's task): the scope opens the transaction and its setting ends with it."""
    shelter = ShelterFactory()
    victim = VictimFactory(shelter=shelter, intake_date=date(2007, 10, 5))
    ServiceFactory(victim=victim, date=date(2007, 10, 6), category="medical")
    assert not connection.in_atomic_block
    # BEGIN, the statements of the nested case less the setting given back, COMMIT.
    with django_assert_num_queries(2 + (6 if connection.vendor == "postgresql" else 5)) as queries:
        result = recompute_indicators(first_month=NOV, last_month=NOV, shelter_id=shelter.pk)
    assert result.stored == [(shelter.pk, NOV)]
    assert stored(shelter)[NOV, "victims_served"] == 1
    statements = [query["sql"] for query in queries]
    assert (statements[0], statements[-1]) == ("BEGIN", "COMMIT")
    if connection.vendor == "postgresql":
        # The setting of the path is written first and never again; nothing is left set on the connection.
        assert [sql.startswith("SELECT set_config('proteja.") for sql in statements[1:-1]] == [True] + [False] * 5
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('proteja.counted_shelter_ids', true)")
            assert cursor.fetchone()[0] in (None, "")


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


# --- The outbox: a write's request, its nudge, the drain -----------------------------------------------------


def requests_of(shelter) -> set[date]:
    return set(RecomputeRequest.objects.filter(shelter=shelter).values_list("month", flat=True))


@pytest.fixture
def nudges(monkeypatch):
    """The drain tasks the writes' nudges queue (shelter ids), instead of running them."""
    queued = []
    monkeypatch.setattr(
        tasks.drain_recompute_requests, "apply_async", lambda **kwargs: queued.append((kwargs["args"], kwargs))
    )
    return queued


def test_a_write_leaves_its_request_in_its_own_transaction_and_is_drained_after_commit(
    shelter, django_capture_on_commit_callbacks
):
    victim = VictimFactory(
        shelter=shelter, intake_date=date(2007, 10, 1), exit_date=date(2007, 12, 31), exit_reason="other"
    )

    with django_capture_on_commit_callbacks() as callbacks:
        case_services.record_create(
            actor=None, model=Service, data={"victim": victim, "date": date(2007, 11, 20), "category": "legal"}
        )
        # The request is there before the commit, in the write's transaction; nothing is counted yet.
        assert requests_of(shelter) == {NOV}
        assert not IndicatorValue.objects.exists()

    # The audit entry's seal comes after the commit too (shelters.audit_chain); the nudge is the other one.
    recomputes = [callback for callback in callbacks if callback is not seal_committed_entries]
    assert len(recomputes) == 1
    recomputes[0]()  # eager Celery: the drain runs here
    assert set(stored(shelter)) == {(NOV, key) for key in INDICATOR_KEYS}
    assert stored(shelter)[NOV, "services_legal"] == 1
    assert stored(shelter)[NOV, "victims_served"] == 2
    assert requests_of(shelter) == set()


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


def test_a_write_that_rolls_back_leaves_no_request_and_no_nudge(shelter, nudges, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                request_recompute(shelter_id=shelter.pk, months=[OCT])
                raise RuntimeError("the write failed")
        except RuntimeError:
            pass

    assert callbacks == [] and nudges == []
    assert requests_of(shelter) == set()


def test_writes_in_one_transaction_leave_one_request_per_month_and_one_nudge(
    shelter, nudges, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for month in (NOV, OCT, DEC, OCT):
            request_recompute(shelter_id=shelter.pk, months=[month])

    assert requests_of(shelter) == {OCT, NOV, DEC}
    assert [args for args, _kwargs in nudges] == [(shelter.pk,)]
    assert nudges[0][1]["countdown"] == indicator_services.COALESCE_SECONDS == 1


def test_a_burst_of_writes_nudges_once_until_the_drain_takes_its_requests(
    shelter, nudges, django_capture_on_commit_callbacks
):
    for _write in range(20):
        with django_capture_on_commit_callbacks(execute=True):
            request_recompute(shelter_id=shelter.pk, months=[OCT])
    assert len(nudges) == 1
    # A month not yet requested is a new row: nudged.
    with django_capture_on_commit_callbacks(execute=True):
        request_recompute(shelter_id=shelter.pk, months=[OCT, NOV])
    assert len(nudges) == 2

    indicator_services.drain_recompute_requests(shelter_id=shelter.pk)
    assert requests_of(shelter) == set()
    with django_capture_on_commit_callbacks(execute=True):
        request_recompute(shelter_id=shelter.pk, months=[OCT])
    assert len(nudges) == 3


def test_a_nudge_that_cannot_be_sent_never_raises_and_the_beats_drain_makes_the_recompute(
    shelter, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from kombu.exceptions import OperationalError as BrokerError

    from shelters import outbox

    def broker_down(**kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.drain_recompute_requests, "apply_async", broker_down)
    failures = outbox.nudge_failures
    with caplog.at_level("WARNING", logger="shelters.outbox"), django_capture_on_commit_callbacks(execute=True):
        request_recompute(shelter_id=shelter.pk, months=[OCT, NOV])

    assert outbox.nudge_failures == failures + 1
    assert f"Recompute nudge for shelter {shelter.pk} not sent (OperationalError" in caplog.text
    assert requests_of(shelter) == {OCT, NOV}
    assert not IndicatorValue.objects.exists()

    # The beat's task, a minute on: every shelter's requests.
    outcome = tasks.drain_recompute_requests.apply().get()
    assert outcome["months_recomputed"] == 2
    assert stored(shelter)[NOV, "services_medical"] == 1
    assert requests_of(shelter) == set()


def test_a_request_renewed_while_the_drain_counts_is_kept_for_the_next_drain(shelter, monkeypatch):
    request_recompute(shelter_id=shelter.pk, months=[OCT, NOV])
    real = indicator_services.recompute_indicators

    def a_write_commits_meanwhile(**kwargs):
        outcome = real(**kwargs)
        request_recompute(shelter_id=shelter.pk, months=[NOV])
        return outcome

    monkeypatch.setattr(indicator_services, "recompute_indicators", a_write_commits_meanwhile)
    indicator_services.drain_recompute_requests(shelter_id=shelter.pk)

    assert requests_of(shelter) == {NOV}
    monkeypatch.setattr(indicator_services, "recompute_indicators", real)
    indicator_services.drain_recompute_requests()
    assert requests_of(shelter) == set()


def test_a_locked_months_request_is_dropped_and_the_month_left_alone(shelter):
    MonthLock.objects.create(shelter=shelter, month=NOV)
    request_recompute(shelter_id=shelter.pk, months=[NOV])

    result = indicator_services.drain_recompute_requests(shelter_id=shelter.pk)

    assert result.dropped_locked == [(shelter.pk, NOV)] and result.recomputed == []
    assert requests_of(shelter) == set()
    assert not IndicatorValue.objects.filter(shelter=shelter).exists()


def test_a_drain_that_fails_keeps_every_request(shelter, monkeypatch):
    request_recompute(shelter_id=shelter.pk, months=[OCT])

    def broken(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(indicator_services, "recompute_indicators", broken)
    with pytest.raises(OperationalError):
        indicator_services.drain_recompute_requests(shelter_id=shelter.pk)

    assert requests_of(shelter) == {OCT}


def test_the_drain_takes_a_fixed_number_of_queries(shelter, django_assert_num_queries):
    request_recompute(shelter_id=shelter.pk, months=[OCT, NOV])
    if connection.vendor != "postgresql":
        pytest.skip("counted on PostgreSQL")
    # 1 savepoint, 2 the door's setting, 3 advisory lock, 4 the requests, 5 locked months, the recompute of one
    # shelter-month range inside this transaction (7, test_recompute_of_one_shelter_month_takes_a_fixed_number_
    # of_queries), 13 delete the requests read, 14 the setting given back, 15 release.
    with django_assert_num_queries(15):
        indicator_services.drain_recompute_requests(shelter_id=shelter.pk)


def test_in_the_eager_demo_a_write_is_recomputed_in_process(shelter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_recompute(shelter_id=shelter.pk, months=[NOV, OCT])

    assert {month for month, _key in stored(shelter)} == {OCT, NOV}
    assert requests_of(shelter) == set()


# --- The tasks --------------------------------------------------------------------------------------------------


def test_the_shelter_task_recomputes_its_range(shelter):
    outcome = tasks.recompute_shelter_months.delay(shelter.pk, "2007-10-01", "2007-11-01").get()

    assert outcome["months_stored"] == 2
    assert stored(shelter)[NOV, "services_medical"] == 1


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_the_task_retries_on_a_database_error(shelter, monkeypatch, error):
    calls = []
    real = indicator_services.recompute_indicators

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise error("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(indicator_services, "recompute_indicators", flaky)
    # throw=False: the eager run retries in place instead of raising celery.exceptions.Retry to the caller.
    result = tasks.recompute_shelter_months.apply(args=(shelter.pk, "2007-10-01", "2007-10-01"), throw=False)

    assert result.successful()

    assert len(calls) == 2
    assert stored(shelter)[OCT, "victims_served"] == 1


def test_the_tasks_ack_late_and_have_time_limits():
    for task in (tasks.recompute_shelter_months, tasks.drain_recompute_requests, tasks.recompute_recent_months):
        assert task.acks_late is True and task.reject_on_worker_lost is True
        # Redis gives an unacknowledged task to another worker only after the visibility timeout.
        assert task.time_limit < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
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

    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert tasks.recompute_recent_months.name in schedule
    # The outbox is drained every minute whatever messages were lost.
    assert schedule[tasks.drain_recompute_requests.name] == 60.0


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


@pytest.mark.django_db(transaction=True)
def test_a_write_committed_while_a_drain_counts_neither_waits_for_it_nor_is_lost(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("an in-memory SQLite test database refuses a second writer instead of waiting")
    from tests.walls import past_the_wall, seeing

    shelter = ShelterFactory()
    # Made in its shelter's scope by the factory (tests/walls.py).
    victim = VictimFactory(
        shelter=shelter, intake_date=date(2007, 10, 2), exit_date=date(2007, 10, 30), exit_reason="other"
    )
    monkeypatch.setattr(tasks.drain_recompute_requests, "apply_async", lambda **kwargs: None)

    def write() -> None:
        with seeing(shelter.pk), transaction.atomic():
            case_services.record_create(
                actor=None, model=Service, data={"victim": victim, "date": date(2007, 10, 9), "category": "legal"}
            )

    write()
    counted, release = threading.Event(), threading.Event()
    real = indicator_services.recompute_indicators

    def slow_recompute(**kwargs):
        outcome = real(**kwargs)
        counted.set()
        assert release.wait(10)
        return outcome

    monkeypatch.setattr(indicator_services, "recompute_indicators", slow_recompute)
    errors: list[BaseException] = []
    drainer = threading.Thread(
        target=lambda: errors.extend(run_in_threads(1, indicator_services.drain_recompute_requests))
    )
    drainer.start()
    assert counted.wait(10)
    started = time.monotonic()
    write()  # while the drain holds its transaction open
    waited = time.monotonic() - started
    release.set()
    drainer.join(10)
    monkeypatch.setattr(indicator_services, "recompute_indicators", real)

    assert errors == []
    assert waited < 1
    # The drain counted one service; the second write's request is still there, and the next drain counts it.
    assert past_the_wall(lambda: stored(shelter)[OCT, "services_legal"]) == 1
    assert past_the_wall(lambda: requests_of(shelter)) == {OCT}
    past_the_wall(indicator_services.drain_recompute_requests)
    assert past_the_wall(lambda: stored(shelter)[OCT, "services_legal"]) == 2
    assert past_the_wall(lambda: requests_of(shelter)) == set()
