"""A trail nobody can rewrite: append-only for every role, and a hash chain that shows an edited or removed entry.

The tests that edit the trail do it as the tables' owner (`as_owner`), the documented way: the session sets
`proteja.rewrite_trail` to 'operator', which the trigger lets through and the application role cannot use
(it has no UPDATE or DELETE privilege). They commit (the owner connects anew), so they read through the
database functions or as the owner, never through a test's scope.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from proteja_site.database_roles import as_owner, owner_settings
from shelters import tasks
from shelters.audit import audit_account_event, audit_refusal, audit_write
from shelters.audit_chain import chain_head, seal_audit_trail, verify_audit_trail
from shelters.models import AuditEntry
from shelters.scopes import shelter_scope
from tests.factories import ShelterFactory, UserFactory, VictimFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the chain and the trigger are PostgreSQL's"),
]

LATER = timedelta(minutes=10)


def _execute(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def as_the_operator(sql: str, params: list | None = None, *, rewrite: bool = True) -> list[tuple]:
    """Run SQL as the tables' owner, in its own transaction; `rewrite`: past the trigger, the documented way."""
    with as_owner(connection), transaction.atomic():
        if rewrite:
            _execute("SET LOCAL proteja.rewrite_trail = 'operator'")
        return _execute(sql, params)


def write_entries(count: int, *, shelter_ids: list[int] = ()) -> list[int]:
    """`count` account events, each committed on its own (a test that commits): their ids, in order."""
    user = UserFactory()
    for number in range(count):
        audit_account_event(actor=None, action="unlocked", subject=user, shelter_ids=shelter_ids, channel=str(number))
    rows = as_the_operator(
        "SELECT id FROM shelters_auditentry WHERE record_type = 'user' AND record_id = %s ORDER BY id",
        [str(user.pk)],
        rewrite=False,
    )
    return [entry_id for (entry_id,) in rows]


def seq_of(entry_id: int) -> int:
    return as_the_operator("SELECT seq FROM shelters_auditseal WHERE entry_id = %s", [entry_id], rewrite=False)[0][0]


def breaks() -> list[tuple[int | None, int | None, str]]:
    return [(b.seq, b.entry_id, b.problem) for b in verify_audit_trail(unsealed_after=LATER).breaks]


# --- Append-only ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE shelters_auditentry SET repeats = 2",
        "DELETE FROM shelters_auditentry",
        "TRUNCATE shelters_auditentry",
        "SELECT * FROM shelters_auditseal",
        "INSERT INTO shelters_auditseal (seq, entry_id, seal) VALUES (1, 1, 'x')",
        "UPDATE shelters_auditseal SET seal = 'x'",
        "DELETE FROM shelters_auditseal",
        "SELECT * FROM shelters_auditunsealed",
        "DELETE FROM shelters_auditunsealed",
    ],
)
def test_the_application_role_may_not_rewrite_the_trail_nor_touch_its_seals(sql, shelter_a, caseworker_a):
    audit_account_event(actor=None, action="unlocked", subject=caseworker_a, shelter_ids=[shelter_a.pk])

    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        _execute(sql)


@pytest.mark.django_db
def test_the_application_role_cannot_use_the_operators_way_past_the_trigger(shelter_a, caseworker_a):
    audit_account_event(actor=None, action="unlocked", subject=caseworker_a, shelter_ids=[shelter_a.pk])
    _execute("SET LOCAL proteja.rewrite_trail = 'operator'")

    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        _execute("UPDATE shelters_auditentry SET action = 'joined'")
    assert AuditEntry.objects.get().action == "unlocked"


@pytest.mark.skipif(owner_settings() is None, reason="needs MIGRATION_DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_the_trigger_refuses_the_owner_too():
    (entry_id,) = write_entries(1)

    for sql in (
        "UPDATE shelters_auditentry SET action = 'joined' WHERE id = %s",
        "DELETE FROM shelters_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            as_the_operator(sql, [entry_id], rewrite=False)
    with pytest.raises(DatabaseError, match="append-only"):
        as_the_operator("UPDATE shelters_auditseal SET seal = 'x'", rewrite=False)
    assert breaks() == []


# --- Sealing ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_clean_trail_verifies(shelter_a, shelter_b, caseworker_a, program_staff):
    victim = VictimFactory(shelter=shelter_a)
    with shelter_scope([shelter_a.pk]):
        audit_write(actor=caseworker_a, action="change", record=victim, fields=["notes"])
    audit_account_event(actor=None, action="unlocked", subject=caseworker_a, shelter_ids=[shelter_a.pk, shelter_b.pk])
    audit_account_event(actor=program_staff, action="token_issued", subject=program_staff, address="192.0.2.1")
    audit_refusal(actor=None, record_type="victim", status=401, channel="api", address="192.0.2.9")
    entries = AuditEntry.objects.count()

    # Every shelter's entries and those of none are sealed, whatever the caller's scope.
    with shelter_scope([shelter_b.pk]):
        assert seal_audit_trail() == entries
    report = verify_audit_trail(unsealed_after=LATER)

    assert report.breaks == []
    assert (report.head.seals, report.head.head_seq, report.head.queued) == (entries, entries, 0)
    assert len(report.head.head_seal) == 64
    assert seal_audit_trail() == 0


@pytest.mark.django_db
def test_an_entry_older_than_the_limit_and_not_sealed_is_reported(shelter_a, caseworker_a, monkeypatch):
    long_ago = timezone.now() - timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: long_ago)
    audit_account_event(actor=None, action="unlocked", subject=caseworker_a, shelter_ids=[shelter_a.pk])
    monkeypatch.undo()
    audit_account_event(actor=None, action="joined", subject=caseworker_a, shelter_ids=[shelter_a.pk])
    old = AuditEntry.objects.get(action="unlocked")

    assert breaks() == [(None, old.pk, "not sealed")]
    seal_audit_trail()
    assert breaks() == []


@pytest.mark.django_db(transaction=True)
def test_each_commit_seals_its_entries_and_the_task_catches_up_what_was_missed(settings, caplog):
    write_entries(3)
    assert chain_head().queued == 0  # sealed after each commit

    settings.AUDIT_SEAL_ON_COMMIT = False
    write_entries(2)
    assert chain_head().queued == 2

    with caplog.at_level("INFO", logger="shelters.tasks"):
        assert tasks.seal_audit_trail() == 2
    head = chain_head()
    assert (head.seals, head.queued) == (5, 0)
    assert f"head {head.head_seq}:{head.head_seal}" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_process_seals_at_most_once_per_interval_and_the_next_seal_takes_the_skipped(settings, monkeypatch):
    settings.AUDIT_SEAL_INTERVAL_SECONDS = 1.0
    clock = [1000.0]
    monkeypatch.setattr("shelters.audit_chain.time.monotonic", lambda: clock[0])
    monkeypatch.setattr("shelters.audit_chain._last_seal_requested", {})

    write_entries(1)
    write_entries(2)  # within the second: not sealed yet
    assert chain_head().queued == 2

    clock[0] += 1.0
    write_entries(1)  # a second later: its seal takes the skipped entries too
    head = chain_head()
    assert (head.seals, head.queued) == (4, 0)


@pytest.mark.skipif(owner_settings() is None, reason="needs MIGRATION_DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_one_gap_free_chain():
    shelters = [ShelterFactory().pk for _ in range(4)]
    user = UserFactory()
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(shelters))

    def writer(shelter_id: int) -> None:
        try:
            barrier.wait()
            for number in range(15):
                with transaction.atomic():
                    audit_account_event(
                        actor=None, action="unlocked", subject=user, shelter_ids=[shelter_id], channel=str(number)
                    )
                    audit_account_event(actor=None, action="joined", subject=user, shelter_ids=[shelter_id])
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(pk,)) for pk in shelters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    seal_audit_trail()

    assert errors == []
    chain = as_the_operator("SELECT seq, entry_id FROM shelters_auditseal ORDER BY seq", rewrite=False)
    seqs, sealed = zip(*chain, strict=True)
    entries = [pk for (pk,) in as_the_operator("SELECT id FROM shelters_auditentry ORDER BY id", rewrite=False)]
    assert len(entries) == len(shelters) * 30
    assert list(seqs) == list(range(1, len(entries) + 1))
    assert sorted(sealed) == entries
    assert breaks() == []


@pytest.mark.skipif(owner_settings() is None, reason="needs MIGRATION_DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_the_sealer_sees_every_shelters_entries_under_row_level_security(settings):
    """The test database's owner is a superuser, which row-level security does not hold; a production owner
    may not be. Owned by a role that is neither, the sealing and checking functions still see every entry."""
    settings.AUDIT_SEAL_ON_COMMIT = False
    shelters = [ShelterFactory().pk for _ in range(2)]
    write_entries(2, shelter_ids=shelters)
    write_entries(1)
    role = connection.ops.quote_name(f"sealer_{connection.settings_dict['NAME']}"[:63])
    (owner,) = as_the_operator("SELECT current_user", rewrite=False)[0]
    functions = ("proteja_seal_audit_trail(integer)", "proteja_verify_audit_trail(interval)")
    as_the_operator(
        f"CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS;"
        f" GRANT SELECT ON shelters_auditentry, shelters_shelter TO {role};"
        f" GRANT SELECT, INSERT ON shelters_auditseal TO {role};"
        f" GRANT SELECT, DELETE ON shelters_auditunsealed TO {role};"
        + "".join(f" ALTER FUNCTION {function} OWNER TO {role};" for function in functions),
        rewrite=False,
    )
    try:
        assert seal_audit_trail() == 5
        assert breaks() == []
        assert chain_head().seals == 5
    finally:
        as_the_operator(
            "".join(
                f"ALTER FUNCTION {function} OWNER TO {connection.ops.quote_name(owner)}; " for function in functions
            )
            + f"DROP OWNED BY {role}; DROP ROLE {role};",
            rewrite=False,
        )


# --- Breaks ----------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(owner_settings() is None, reason="needs MIGRATION_DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_an_edited_entry_is_reported_where_it_is():
    entry_ids = write_entries(5)
    edited = entry_ids[2]

    as_the_operator("UPDATE shelters_auditentry SET action = 'joined' WHERE id = %s", [edited])

    assert breaks() == [(seq_of(edited), edited, "content changed")]


@pytest.mark.skipif(owner_settings() is None, reason="needs MIGRATION_DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_a_deleted_entry_is_reported_where_it_was():
    entry_ids = write_entries(5)
    deleted = entry_ids[1]
    seq = seq_of(deleted)

    as_the_operator("DELETE FROM shelters_auditentry WHERE id = %s", [deleted])

    assert breaks() == [(seq, deleted, "entry missing")]


@pytest.mark.skipif(owner_settings() is None, reason="needs MIGRATION_DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_an_entry_deleted_with_its_seal_leaves_a_gap():
    entry_ids = write_entries(5)
    seq = seq_of(entry_ids[3])

    as_the_operator("DELETE FROM shelters_auditentry WHERE id = %s", [entry_ids[3]])
    as_the_operator("DELETE FROM shelters_auditseal WHERE seq = %s", [seq])

    assert breaks() == [(seq + 1, entry_ids[4], "seals missing before this one")]


@pytest.mark.skipif(owner_settings() is None, reason="needs MIGRATION_DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_a_chain_rebuilt_after_an_edit_no_longer_holds_its_anchor():
    entry_ids = write_entries(4)
    head = chain_head()
    anchor = (head.head_seq, head.head_seal)

    as_the_operator("UPDATE shelters_auditentry SET action = 'joined' WHERE id = %s", [entry_ids[0]])
    as_the_operator("DELETE FROM shelters_auditseal")
    as_the_operator("INSERT INTO shelters_auditunsealed SELECT id FROM shelters_auditentry")
    seal_audit_trail()

    assert breaks() == []  # whoever owns the tables can rebuild a whole chain...
    report = verify_audit_trail(unsealed_after=LATER, anchor=anchor)
    assert [(b.seq, b.problem) for b in report.breaks] == [(anchor[0], "anchor seal differs: the chain was rebuilt")]


@pytest.mark.skipif(owner_settings() is None, reason="needs MIGRATION_DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_an_entry_deleted_before_it_was_sealed_is_reported(settings):
    settings.AUDIT_SEAL_ON_COMMIT = False
    entry_ids = write_entries(3)

    as_the_operator("DELETE FROM shelters_auditentry WHERE id = %s", [entry_ids[1]])
    seal_audit_trail()

    assert breaks() == [(seq_of(entry_ids[1]), entry_ids[1], "entry missing")]


# --- The command -----------------------------------------------------------------------------------------------------


@pytest.mark.skipif(owner_settings() is None, reason="needs MIGRATION_DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_the_command_says_how_many_it_checked_and_where_the_chain_breaks(settings):
    settings.AUDIT_SEAL_ON_COMMIT = False
    entry_ids = write_entries(3)
    out = StringIO()

    call_command("verify_audit_trail", stdout=out)  # seals the queued entries first

    head = chain_head()
    assert "Checked 3 sealed entries" in out.getvalue()
    assert f"Head: {head.head_seq}:{head.head_seal}" in out.getvalue()
    call_command("verify_audit_trail", "--anchor", f"{head.head_seq}:{head.head_seal}", stdout=StringIO())

    as_the_operator("UPDATE shelters_auditentry SET channel = 'x' WHERE id = %s", [entry_ids[1]])
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("verify_audit_trail", stdout=StringIO(), stderr=err)
    assert raised.value.returncode == 1
    assert f"Break at seq {seq_of(entry_ids[1])}, entry {entry_ids[1]}: content changed" in err.getvalue()
