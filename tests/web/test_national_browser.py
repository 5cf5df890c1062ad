"""The national Annex 2 table's admin page in a real browser: it runs under the Content-Security-Policy (its
inline style has the nonce, its charts are plain SVG), and its table and charts pass axe's WCAG 2.x A/AA rules."""

from __future__ import annotations

from datetime import date

import pytest

from indicators.models import IndicatorValue, Source
from tests.factories import ShelterFactory
from tests.walls import seeing

from .axe_corrections import _axe
from .test_browser import browser  # noqa: F401  (fixture)
from .test_csp_browser import seen  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = "/admin/indicators/indicatorvalue/national/?start=2007-09&end=2007-12"


def test_the_national_page_runs_under_the_policy_and_its_charts_are_accessible(seen, program_staff):  # noqa: F811
    for value in (12, 0):
        shelter = ShelterFactory()
        with seeing(shelter.pk):
            IndicatorValue.objects.create(
                shelter=shelter,
                month=date(2007, 10, 1),
                indicator="victims_served",
                value=value,
                source=Source.COMPUTED,
            )
    watched = seen(program_staff)
    watched.open(PAGE)
    charts = watched.page.locator("svg.national-chart")
    assert charts.count() > 30
    served = watched.page.locator('figure[data-key="victims_served"] svg')
    assert served.get_attribute("role") == "img"
    assert "2007-10: 12" in served.locator("desc").text_content()
    assert served.locator("rect").count() == 1
    watched.assert_no_violation("national table")
    for region in ("table.annex2", ".national-charts"):
        violations = _axe.run(
            watched.page,
            context=region,
            options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}},
        ).response["violations"]
        assert not violations, (
            region,
            [(violation["id"], violation["nodes"][0]["target"]) for violation in violations],
        )
