"""Fixtures for the Annex 2 tests (shared file: append only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

# --- tables, import, locks -------------------------------------------------

SEED_REPORT = Path(settings.BASE_DIR) / "seed" / "proteja-quarterly-report-2007-q4.txt"


@pytest.fixture
def seed_report() -> Path:
    """The seed quarterly report (its Annex 2 holds the four 2007 tables)."""
    return SEED_REPORT


@pytest.fixture
def imported_seed(db, seed_report):
    """The seed's four Annex 2 tables, imported."""
    from indicators.importers import import_annex2_file

    return import_annex2_file(seed_report)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Personas get passwords; the production hasher's cost is no part of what these tests check."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
