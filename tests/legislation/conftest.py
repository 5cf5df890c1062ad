from __future__ import annotations

import pytest

from legislation.seed import ensure_states, load_seed_legislation
from meetings.demo import load_demo_meetings


@pytest.fixture
def states(db):
    """The 32 states (made by the migration; made again if a transactional test flushed them)."""
    ensure_states()


@pytest.fixture
def seeded(states):
    """The seed's Annex 1 meetings, then its laws and networks."""
    load_demo_meetings()
    return load_seed_legislation()


@pytest.fixture
def staff_client(client, program_staff):
    client.force_login(program_staff)
    return client
