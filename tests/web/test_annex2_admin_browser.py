"""The Annex 2 table in admin, in Chromium at 1366x768 (the issue's laptop) in Spanish: a year of months fits,
every month's lock state ("Bloqueado" / "Abierto") is inside the viewport and not clipped, with no scrolling."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.test import Client

from indicators.catalogue import INDICATOR_KEYS
from indicators.models import IndicatorValue, Source
from shelters.models import MonthLock
from tests.factories import ShelterFactory
from tests.walls import seeing

from .test_browser import browser  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1366, 768
# A year approved but for one month: the widest the header gets.
LOCKED = [date(2007, month, 1) for month in range(1, 13) if month != 11]

# Every month header's lock state: its box, the viewport's width, and whether its text is cut.
MEASURE = """() => {
  const scroller = document.querySelector(".annex2-scroll");
  return {
    viewport: document.documentElement.clientWidth,
    pageScrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth,
    tableScrolls: scroller.scrollWidth > scroller.clientWidth,
    states: [...document.querySelectorAll("th.month .lock-state")].map((state) => {
      const box = state.getBoundingClientRect();
      return {
        month: state.closest("th").dataset.month,
        text: state.textContent.trim(),
        left: box.left,
        right: box.right,
        cut: state.scrollWidth > state.clientWidth + 1,
      };
    }),
  };
}"""


@pytest.fixture
def year_with_locks(program_staff):
    shelter = ShelterFactory(slug="casa-ejemplo")
    with seeing(shelter.pk):
        IndicatorValue.objects.bulk_create(
            IndicatorValue(
                shelter=shelter, month=date(2007, month, 1), indicator=key, value=month, source=Source.IMPORTED
            )
            for month in range(1, 13)
            for key in INDICATOR_KEYS
        )
        for month in LOCKED:
            MonthLock.objects.create(shelter=shelter, month=month, locked_by=program_staff)
    return shelter


def open_table(browser, live_server, user, width):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": HEIGHT}, locale="es-MX")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip
    page = context.new_page()
    response = page.goto(
        f"{live_server.url}/admin/indicators/indicatorvalue/annex2/?shelter=casa-ejemplo&start=2007-01&end=2007-12"
    )
    assert response.status == 200
    return context, page.evaluate(MEASURE)


def test_every_months_lock_state_is_inside_a_1366_screen(browser, live_server, program_staff, year_with_locks):  # noqa: F811
    context, seen = open_table(browser, live_server, program_staff, WIDTH)
    context.close()

    assert len(seen["states"]) == 12
    assert [state["text"] for state in seen["states"]] == [
        "Bloqueado" if date(2007, int(state["month"][5:]), 1) in LOCKED else "Abierto" for state in seen["states"]
    ]
    outside = [state for state in seen["states"] if state["left"] < 0 or state["right"] > seen["viewport"]]
    assert not outside, (seen["viewport"], outside)
    assert not [state for state in seen["states"] if state["cut"]]
    assert not seen["pageScrolls"] and not seen["tableScrolls"]


def test_the_measure_sees_a_column_pushed_out_of_a_narrow_screen(browser, live_server, program_staff, year_with_locks):  # noqa: F811
    # The same table on a 700 px window does not fit: the measure above would fail there.
    context, seen = open_table(browser, live_server, program_staff, 700)
    context.close()

    assert seen["tableScrolls"]
    assert seen["states"][-1]["right"] > seen["viewport"]
