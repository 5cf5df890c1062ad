from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from meetings.importers import import_annex1_file

SEED = Path(settings.BASE_DIR) / "seed" / "proteja-quarterly-report-2007-q4.txt"


@pytest.fixture
def seed_path() -> Path:
    return SEED


@pytest.fixture
def seed_meetings(db):
    """The 57 meetings of the 2007-Q4 seed report, imported."""
    return import_annex1_file(SEED, year=2007)
