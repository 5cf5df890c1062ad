"""Walk the audit trail's hash chain and say where it breaks (exit status 1), after sealing what is queued.

Runs as the application's role (DATABASE_URL) or the owner: the database functions it calls run as the
owner, see every shelter's entries for their own length, and return only numbers, hashes and problems.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shelters.audit import close_refusal_minutes
from shelters.audit_chain import chain_available, seal_audit_trail, verify_audit_trail

_ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")


def anchor(value: str) -> tuple[int, str]:
    match = _ANCHOR.match(value.strip().lower())
    if not match:
        raise ValueError(value)
    return int(match[1]), match[2]


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain: every entry sealed, in order, none changed or missing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--unsealed-after",
            type=int,
            default=10,
            metavar="MINUTES",
            help="An entry older than this with no seal is a break (default 10; the task seals every minute).",
        )
        parser.add_argument(
            "--anchor",
            type=anchor,
            metavar="SEQ:SEAL",
            help="A head noted earlier (this command's output, the sealing task's log): it must still be there.",
        )
        parser.add_argument("--no-seal", action="store_true", help="Check only; seal nothing queued first.")
        parser.add_argument("--show", type=int, default=20, help="How many breaks to list (default 20).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not chain_available():
            raise CommandError("The audit chain needs PostgreSQL (the demo's SQLite keeps no chain).")
        if not options["no_seal"]:
            close_refusal_minutes()
            seal_audit_trail()
        report = verify_audit_trail(
            unsealed_after=timedelta(minutes=options["unsealed_after"]), anchor=options["anchor"]
        )
        head = report.head
        self.stdout.write(f"Checked {head.seals} sealed entries; {head.queued} committed entries not sealed yet.")
        if head.head_seq is not None:
            self.stdout.write(f"Head: {head.head_seq}:{head.head_seal}")
        if not report.breaks:
            self.stdout.write(self.style.SUCCESS("The audit chain is whole."))
            return
        for chain_break in report.breaks[: options["show"]]:
            self.stderr.write(f"Break at {chain_break}")
        if len(report.breaks) > options["show"]:
            self.stderr.write(f"... and {len(report.breaks) - options['show']} more.")
        raise CommandError(f"The audit chain is broken: {len(report.breaks)} problem(s).", returncode=1)
