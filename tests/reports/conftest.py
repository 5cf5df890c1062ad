from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from meetings.importers import import_annex1_file

SEED = Path(settings.BASE_DIR) / "seed" / "proteja-quarterly-report-2007-q4.txt"


@pytest.fixture
def seed_meetings(db):
    return import_annex1_file(SEED, year=2007)
