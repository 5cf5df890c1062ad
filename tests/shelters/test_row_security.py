"""The second wall: PostgreSQL's row-level security, as the application's role meets it.

Every test here runs as the application's role (DATABASE_URL), as the whole suite does. Without a
scope of the door, no query sees or changes a case record; in one shelter's scope, only that shelter's
rows pass, and a write cannot leave it; the aggregation path reads and never writes; the audit trail
can be appended to and read, and nothing else (tests/shelters/test_audit_chain.py: the chain).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.services import token_issue
from proteja_site.database_roles import owner_settings, privileges_problem, refuse_privileged_role
from shelters.audit import audit_account_event, audit_refusal
from shelters.models import (
    AuditEntry,
    FollowUp,
    LegalAction,
    RecomputeRequest,
    Referral,
    RefusalTally,
    Service,
    Training,
    Victim,
)
from shelters.outbox import request_recompute
from shelters.scopes import (
    CrossShelterCountingRefused,
    counting_scope,
    no_shelter_scope,
    shelter_scope,
    web_request_scope,
)
from tests.factories import (
    FollowUpFactory,
    LegalActionFactory,
    ReferralFactory,
    ServiceFactory,
    ShelterFactory,
    TrainingFactory,
    UserFactory,
    VictimFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level security is PostgreSQL's"),
]

CASE_RECORD_FACTORIES = {
    Victim: VictimFactory,
    Service: ServiceFactory,
    Referral: ReferralFactory,
    LegalAction: LegalActionFactory,
    FollowUp: FollowUpFactory,
    Training: TrainingFactory,
}
OUTBOX = RecomputeRequest._meta.db_table
TABLES = [model._meta.db_table for model in CASE_RECORD_FACTORIES] + [AuditEntry._meta.db_table, OUTBOX]


@pytest.fixture
def one_of_each(shelter_a, shelter_b):
    """One record of every kind in each shelter."""
    return {
        shelter: {model: factory(**_shelter_kwargs(model, shelter)) for model, factory in CASE_RECORD_FACTORIES.items()}
        for shelter in (shelter_a, shelter_b)
    }


def _shelter_kwargs(model, shelter) -> dict:
    if model in (Victim, Training):
        return {"shelter": shelter}
    if model is FollowUp:
        return {"victim__shelter": shelter, "victim__exit_date": date(2007, 10, 20), "victim__exit_reason": "other"}
    return {"victim__shelter": shelter}


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def _execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def test_row_level_security_is_on_and_forced_on_every_case_record_table_and_the_trail():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(%s)", [TABLES]
        )
        rows = {name: (enabled, forced) for name, enabled, forced in cursor.fetchall()}
    assert rows == dict.fromkeys(TABLES, (True, True))


@pytest.mark.parametrize("model", list(CASE_RECORD_FACTORIES), ids=lambda model: model._meta.model_name)
def test_without_the_setting_a_query_sees_and_changes_nothing(model, one_of_each):
    table = model._meta.db_table
    stored = _count(table)  # the test's own scope holds both shelters
    assert stored >= 2

    with no_shelter_scope():
        assert _count(table) == 0
        assert model.objects.count() == 0
        assert _execute(f"UPDATE {table} SET updated_at = now()") == 0
        assert _execute(f"DELETE FROM {table}") == 0
        # PostgreSQL checks the policy before the row's other constraints: a bare row is enough.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            _execute(
                f"INSERT INTO {table} (id, shelter_id, created_at, updated_at)"
                " VALUES (gen_random_uuid(), %s, now(), now())",
                [next(iter(one_of_each)).pk],
            )

    assert _count(table) == stored


@pytest.mark.parametrize("model", list(CASE_RECORD_FACTORIES), ids=lambda model: model._meta.model_name)
def test_one_shelters_scope_lets_its_rows_through_and_keeps_writes_in_it(model, one_of_each, shelter_a, shelter_b):
    table = model._meta.db_table
    record_b = one_of_each[shelter_b][model]

    with shelter_scope([shelter_a.pk]):
        assert set(model.objects.values_list("shelter_id", flat=True)) == {shelter_a.pk}
        assert not model.objects.filter(pk=record_b.pk).exists()
        assert _execute(f"UPDATE {table} SET updated_at = now() WHERE id = %s", [record_b.pk]) == 0
        assert _execute(f"UPDATE {table} SET updated_at = now()") == model.objects.count() > 0
        # WITH CHECK: a row of A cannot be moved to B.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            _execute(f"UPDATE {table} SET shelter_id = %s", [shelter_b.pk])


def test_the_recompute_outbox_is_behind_the_same_wall(shelter_a, shelter_b):
    with shelter_scope([shelter_a.pk]):
        request_recompute(shelter_id=shelter_a.pk, months=[date(2007, 10, 1)])
        # A write cannot leave a request for a shelter outside its door.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            request_recompute(shelter_id=shelter_b.pk, months=[date(2007, 10, 1)])
    with shelter_scope([shelter_b.pk]):
        request_recompute(shelter_id=shelter_b.pk, months=[date(2007, 11, 1)])
    assert _count(OUTBOX) == 2  # the test's own scope holds both shelters

    with no_shelter_scope():
        assert _count(OUTBOX) == 0
        assert _execute(f"DELETE FROM {OUTBOX}") == 0
    with shelter_scope([shelter_a.pk]):
        assert set(RecomputeRequest.objects.values_list("shelter_id", flat=True)) == {shelter_a.pk}
        assert _execute(f"DELETE FROM {OUTBOX} WHERE shelter_id = %s", [shelter_b.pk]) == 0
    with no_shelter_scope(), counting_scope([shelter_b.pk], purpose="test"):
        assert set(RecomputeRequest.objects.values_list("shelter_id", flat=True)) == {shelter_b.pk}
        assert _execute(f"DELETE FROM {OUTBOX}") == 0
    assert _count(OUTBOX) == 2


def test_a_write_into_another_shelter_is_refused_by_the_database(shelter_a, shelter_b):
    with shelter_scope([shelter_a.pk]), pytest.raises(DatabaseError, match="row-level security"):
        with transaction.atomic():
            Victim.objects.create(shelter=shelter_b, case_code="X-1", intake_date=date(2007, 10, 1), sex="female")


def test_the_aggregation_path_reads_and_never_writes(one_of_each, shelter_a, shelter_b):
    with no_shelter_scope(), counting_scope([shelter_a.pk], purpose="test"):
        assert set(Service.objects.values_list("shelter_id", flat=True)) == {shelter_a.pk}
        assert _execute("UPDATE shelters_service SET updated_at = now()") == 0
        assert _execute("DELETE FROM shelters_service") == 0
    with no_shelter_scope(), counting_scope(None, purpose="test"):
        assert set(Service.objects.values_list("shelter_id", flat=True)) == {shelter_a.pk, shelter_b.pk}


def test_counting_across_shelters_is_audited_and_refused_inside_a_web_request(one_of_each, caseworker_a, shelter_a):
    with counting_scope(None, purpose="nightly"):
        pass
    entry = AuditEntry.objects.get(action="aggregated")
    assert (entry.channel, entry.record_type, entry.record_id, entry.actor_id) == ("nightly", "shelter", "all", None)

    with web_request_scope(caseworker_a, may_open_door=True):
        with pytest.raises(CrossShelterCountingRefused):
            with counting_scope(None, purpose="nightly"):
                pass
        # One shelter's counts (a table's distinct column, a lock's drift) a request may take.
        with counting_scope([shelter_a.pk], purpose="distinct"):
            assert set(Service.objects.values_list("shelter_id", flat=True)) == {shelter_a.pk}


def test_a_forgotten_filter_in_a_request_still_sees_only_the_users_shelter(one_of_each, caseworker_b, shelter_b):
    # As if a new view forgot selectors.victims_visible_to: the database holds the wall.
    with web_request_scope(caseworker_b, may_open_door=False):
        assert set(Victim.objects.values_list("shelter_id", flat=True)) == {shelter_b.pk}
        assert set(Service.objects.values_list("shelter_id", flat=True)) == {shelter_b.pk}


@pytest.mark.parametrize("persona", ["program_staff", "partner", "anonymous"])
def test_a_request_of_someone_without_case_records_sees_none_whatever_the_query(persona, personas, one_of_each):
    from django.contrib.auth.models import AnonymousUser

    user = personas[persona] or AnonymousUser()
    with web_request_scope(user, may_open_door=True):
        assert Victim.objects.count() == 0
        assert AuditEntry.objects.filter(shelter__isnull=False).count() == 0


def test_the_trail_is_appended_to_and_read_never_rewritten(shelter_a, caseworker_a):
    audit_account_event(actor=None, action="unlocked", subject=caseworker_a, shelter_ids=[shelter_a.pk])
    entry_id = AuditEntry.objects.get(action="unlocked").pk

    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        _execute("UPDATE shelters_auditentry SET action = 'joined' WHERE id = %s", [entry_id])
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        _execute("DELETE FROM shelters_auditentry WHERE id = %s", [entry_id])
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        _execute("TRUNCATE shelters_auditentry")

    with no_shelter_scope():
        assert AuditEntry.objects.count() == 0
        # Whoever may not read an entry still appends it (a join by invitation, a failed sign-in).
        audit_account_event(actor=None, action="joined", subject=caseworker_a, shelter_ids=[shelter_a.pk])
        # A refusal's repeats are counted beside the trail (RefusalTally): its minute's entry names no shelter.
        for _ in range(3):
            audit_refusal(actor=None, record_type="victim", status=401, channel="api", address="192.0.2.1")
    assert AuditEntry.objects.get(action="refused").repeats == 1
    assert RefusalTally.objects.get(who="address:192.0.2.1").count == 3
    assert AuditEntry.objects.filter(action="joined", shelter=shelter_a).count() == 1


def test_an_entry_about_a_case_record_must_be_of_the_doors_shelters(shelter_a, shelter_b, caseworker_a):
    victim_b = VictimFactory(shelter=shelter_b)
    from shelters.audit import audit_write

    with shelter_scope([shelter_a.pk]), pytest.raises(DatabaseError, match="row-level security"):
        with transaction.atomic():
            audit_write(actor=caseworker_a, action="change", record=victim_b, fields=["notes"])


def test_the_application_role_is_neither_superuser_nor_owner_nor_bypasses():
    assert privileges_problem(connection) is None
    refuse_privileged_role(connection)


@pytest.mark.skipif(owner_settings() is None, reason="needs MIGRATION_DATABASE_URL")
def test_the_application_refuses_to_start_as_the_owner(settings):
    settings.DEBUG = False
    owner = connection.copy()
    owner.settings_dict = {**connection.settings_dict, **{key: owner_settings()[key] for key in ("USER", "PASSWORD")}}
    try:
        problem = privileges_problem(owner)
        assert problem is not None and owner_settings()["USER"] in problem
        with pytest.raises(Exception, match="Refusing to start: the database role"):
            refuse_privileged_role(owner)
    finally:
        owner.close()


@pytest.mark.django_db(transaction=True)
def test_a_request_pays_one_small_query_for_the_door(caseworker_a, partner):
    """Outside any transaction, as in production: shelter staff's door is opened for the database session
    and cleared when the request ends (two set_config, no transaction of its own); none for a partner."""
    VictimFactory(shelter=caseworker_a.shelters.get())
    other = ShelterFactory()
    VictimFactory(shelter=other)
    UserFactory(username="other", shelters=[other])

    def door_queries(user) -> tuple[int, list]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user)[1]}")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/victims/")
        return sum("set_config" in query["sql"] for query in queries.captured_queries), response

    count, response = door_queries(caseworker_a)
    assert count == 2
    assert response.json()["count"] == 1
    count, response = door_queries(partner)
    assert (count, response.status_code) == (0, 403)


# --- A request's door lives in the database session: nothing of it outlives the request ---------------------


def _door_settings() -> tuple[str, str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(current_setting('proteja.shelter_ids', true), ''),"
            " coalesce(current_setting('proteja.counted_shelter_ids', true), ''), pg_backend_pid()"
        )
        return cursor.fetchone()


def _victims_seen_without_a_scope() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM shelters_victim")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_never_carries_the_previous_users_shelters(settings, caseworker_a, caseworker_b):
    """CONN_MAX_AGE keeps the connection for the next request: it must come to it with nothing let through."""
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    VictimFactory(shelter=caseworker_a.shelters.get())
    VictimFactory(shelter=caseworker_b.shelters.get())
    *_settings, before = _door_settings()
    for user in (caseworker_a, caseworker_b):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user)[1]}")
        response = client.get("/api/v1/victims/")
        assert response.json()["count"] == 1
        door, counting, pid = _door_settings()
        assert pid == before  # the same database session, kept for the next request
        assert (door, counting) == ("", "")
        assert _victims_seen_without_a_scope() == 0


@pytest.mark.django_db(transaction=True)
def test_a_request_that_fails_clears_its_door_too(caseworker_a):
    VictimFactory(shelter=caseworker_a.shelters.get())
    with pytest.raises(RuntimeError):
        with web_request_scope(caseworker_a, may_open_door=False):
            assert _door_settings()[0] == str(caseworker_a.shelters.get().pk)
            assert Victim.objects.count() == 1
            raise RuntimeError("the view failed")
    assert _door_settings()[:2] == ("", "")
    assert _victims_seen_without_a_scope() == 0


@pytest.mark.django_db(transaction=True)
def test_a_connection_whose_door_cannot_be_cleared_is_closed(caseworker_a):
    VictimFactory(shelter=caseworker_a.shelters.get())
    *_settings, before = _door_settings()
    with web_request_scope(caseworker_a, may_open_door=False):
        assert Victim.objects.count() == 1
        # The database session is lost under the request (a restart, a network cut): clearing it fails.
        connection.connection.close()
    assert connection.connection is None
    door, counting, pid = _door_settings()
    assert pid != before and (door, counting) == ("", "")
    assert _victims_seen_without_a_scope() == 0


@pytest.mark.django_db(transaction=True)
def test_a_door_first_opened_in_a_transaction_that_rolls_back_is_closed(caseworker_a):
    """A token's user may first be let through inside a write's transaction: if it rolls back, so does the
    door (PostgreSQL undoes the setting); the request sees nothing more, and the next one nothing either."""
    from django.contrib.auth.models import AnonymousUser

    from shelters.scopes import open_door_for

    VictimFactory(shelter=caseworker_a.shelters.get())
    with web_request_scope(AnonymousUser(), may_open_door=True):
        with pytest.raises(DatabaseError), transaction.atomic():
            open_door_for(caseworker_a)
            assert Victim.objects.count() == 1
            raise DatabaseError("the write failed")
        assert _door_settings()[0] == ""
        assert _victims_seen_without_a_scope() == 0
    assert _door_settings()[:2] == ("", "")


def _parallel_workers() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_request_runs_without_parallel_workers_and_gives_them_back(caseworker_a, partner):
    """A request's statements run serial (workers started for one request's count take the cores the others
    need); the server's setting is back when it ends, for whatever uses the connection next, and a scope
    outside a request (a command, a Celery task: Annex 2's batches) keeps its parallel plans."""
    VictimFactory(shelter=caseworker_a.shelters.get())
    server_value = _parallel_workers()
    assert server_value != "0"
    with shelter_scope([caseworker_a.shelters.get().pk]):
        assert _parallel_workers() == server_value
    for user, door_opened in ((caseworker_a, True), (partner, False)):
        with web_request_scope(user, may_open_door=False):
            # Shelter staff's door carries the setting; a request that opens no door changes nothing.
            assert _parallel_workers() == ("0" if door_opened else server_value)
        assert _parallel_workers() == server_value
    with pytest.raises(RuntimeError), web_request_scope(caseworker_a, may_open_door=False):
        raise RuntimeError("the view failed")
    assert _parallel_workers() == server_value
