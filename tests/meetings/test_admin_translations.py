"""The meetings admin in Spanish for program staff: list columns, the quarter filter, the report link."""

from __future__ import annotations

import pytest


@pytest.fixture
def staff_client(client, program_staff):
    client.force_login(program_staff)
    return client


def test_the_meeting_list_in_spanish(seed_meetings, staff_client):
    html = staff_client.get("/admin/meetings/meeting/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert 'data-filter-title="trimestre"' in html
    assert '<a href="?o=-1">Fecha</a>' in html and "<span>Tema</span>" in html
    assert ">Informe trimestral</a>" in html


def test_the_meeting_list_in_english(seed_meetings, staff_client):
    html = staff_client.get("/admin/meetings/meeting/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-filter-title="quarter"' in html
    assert '<a href="?o=-1">Date</a>' in html and "<span>Topic</span>" in html
    assert ">Quarterly report</a>" in html
