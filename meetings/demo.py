"""The seed report's Annex 1 meetings, for the demo."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from .importers import ImportResult, import_annex1_file

# A copy of ../shared/seed/ kept in the repository, so a deployment has it too.
SEED_REPORT = Path(settings.BASE_DIR) / "seed" / "proteja-quarterly-report-2007-q4.txt"


def load_demo_meetings(path: Path = SEED_REPORT) -> ImportResult:
    """Import the 57 meetings of the 2007-Q4 seed report; a second call adds nothing."""
    return import_annex1_file(path, year=2007)
