"""Writes for Annex 2: recomputing and storing indicator values."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date


def request_recompute(*, shelter_id: int, months: Iterable[date]) -> None:
    """Ask for the shelter's months to be recomputed once the current transaction commits.

    Called by every case-record write. Bursts of writes are coalesced.
    """
    # Filled in by the Annex 2 aggregation (issue 4).
    return None
