"""The audit trail's hash chain: sealing committed entries in order, and verifying the chain.

Entries are inserted unsealed (a trigger queues their ids), so a request's INSERT takes no lock and
computes no hash. Right after a transaction that wrote entries commits, `seal_after_commit` seals
what is queued; the minute's Celery task (`shelters.tasks.seal_audit_trail`) and `verify_audit_trail`
catch up whatever was missed. The sealing is the database function `proteja_seal_audit_trail`
(shelters migration 0011): it runs as the owner, under an advisory lock it only tries (a sealer
already at work seals the rest), and returns a count, never an entry.

PostgreSQL only: the demo's SQLite has no trigger, no chain and nothing to verify.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

logger = logging.getLogger(__name__)

# Entries sealed per transaction of the sealer: its lock is held no longer than this many take.
SEAL_BATCH = 1000


def chain_available(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].settings_dict["ENGINE"] == "django.db.backends.postgresql"


def seal_audit_trail(*, using: str = DEFAULT_DB_ALIAS, batch: int = SEAL_BATCH) -> int:
    """Seal every committed entry not sealed yet (0 when another sealer holds the head); how many."""
    if not chain_available(using):
        return 0
    total = 0
    while True:
        # One statement: outside a transaction it is its own, one round trip (which commits without waiting
        # for the disk, see the function); inside one (a command's, a test's) it holds the lock till its end.
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT proteja_seal_audit_trail(%s)", [batch])
            sealed = cursor.fetchone()[0]
        total += sealed
        if sealed < batch:
            return total


def seal_committed_entries() -> None:
    try:
        seal_audit_trail()
    except DatabaseError:
        # The entries are committed and queued: the minute's task seals them. Never the request's failure.
        logger.warning("Could not seal the audit trail after a commit; the periodic task will", exc_info=True)


# When this process last asked for a seal after a commit, per database alias (time.monotonic()).
_last_seal_requested: dict[str, float] = {}


def seal_after_commit(using: str = DEFAULT_DB_ALIAS) -> None:
    """Seal the entries this transaction wrote once it commits (once per transaction, however many).

    At most once per AUDIT_SEAL_INTERVAL_SECONDS per process: a seal takes every committed entry queued,
    so under load the next seal, a second later at most, takes this transaction's too; with nothing after
    it, the minute's task does. A seal after every commit cost the API a tenth to a third of its requests.
    """
    connection = connections[using]
    if not settings.AUDIT_SEAL_ON_COMMIT or not chain_available(using):
        return
    if any(callback is seal_committed_entries for _savepoints, callback, _robust in connection.run_on_commit):
        return
    now = time.monotonic()
    if now - _last_seal_requested.get(using, -math.inf) < settings.AUDIT_SEAL_INTERVAL_SECONDS:
        return
    _last_seal_requested[using] = now
    transaction.on_commit(seal_committed_entries, using=using)


@dataclass(frozen=True)
class ChainBreak:
    seq: int | None  # None: an entry with no seal at all
    entry_id: int | None  # None: the anchor's seal
    problem: str

    def __str__(self) -> str:
        where = ", ".join(
            f"{name} {value}" for name, value in (("seq", self.seq), ("entry", self.entry_id)) if value is not None
        )
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class ChainHead:
    seals: int
    head_seq: int | None
    head_seal: str | None
    queued: int  # entries committed, not sealed yet


@dataclass(frozen=True)
class ChainReport:
    head: ChainHead  # head.seals: how many seals were walked
    breaks: list[ChainBreak] = field(default_factory=list)


def chain_head(*, using: str = DEFAULT_DB_ALIAS) -> ChainHead:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT seals, head_seq, head_seal, queued FROM proteja_audit_chain_head()")
        return ChainHead(*cursor.fetchone())


def verify_audit_trail(
    *, unsealed_after: timedelta, anchor: tuple[int, str] | None = None, using: str = DEFAULT_DB_ALIAS
) -> ChainReport:
    """Walk the whole chain: every seal must follow the previous one, name an entry that exists, and
    match that entry's content; an entry older than `unsealed_after` must have a seal. `anchor`
    (seq, seal), noted earlier from a report, must still be in the chain: a chain rebuilt from an
    edited row by whoever owns the tables does not keep it."""
    if not chain_available(using):
        raise RuntimeError("The audit chain needs PostgreSQL.")
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT seq, entry_id, problem FROM proteja_verify_audit_trail(%s)", [unsealed_after])
        breaks = [ChainBreak(seq, entry_id, problem) for seq, entry_id, problem in cursor.fetchall()]
        head = chain_head(using=using)
        if anchor is not None:
            cursor.execute("SELECT proteja_audit_seal_at(%s)", [anchor[0]])
            found = cursor.fetchone()[0]
            if found != anchor[1]:
                problem = "anchor seal missing" if found is None else "anchor seal differs: the chain was rebuilt"
                breaks.insert(0, ChainBreak(anchor[0], None, problem))
    return ChainReport(head, breaks)
