"""The tile map: 32 tiles at fixed places, coloured and patterned by law status, a legend, meetings counted."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from django.utils import translation

from legislation.models import State
from legislation.tile_map import STATUS_STYLE, TILE_POSITIONS, tile_map_svg
from meetings.models import Meeting

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def tiles(svg: str) -> dict[str, ElementTree.Element]:
    root = ElementTree.fromstring(svg)
    return {group.get("data-code"): group for group in root.iter(f"{SVG}g") if group.get("data-code")}


def test_every_state_has_its_own_place():
    assert len(TILE_POSITIONS) == 32
    assert len(set(TILE_POSITIONS.values())) == 32
    assert set(TILE_POSITIONS) == set(State.objects.values_list("code", flat=True))


def test_32_tiles_coloured_and_patterned_by_status(seeded):
    svg = tile_map_svg(State.objects.all(), "2007-Q4")
    drawn = tiles(svg)

    assert len(drawn) == 32
    for code, status in State.objects.values_list("code", "tip_law_status"):
        tile = drawn[code]
        assert tile.get("data-status") == status
        fill, pattern, _text = STATUS_STYLE[status]
        rects = tile.findall(f"{SVG}rect")
        assert rects[0].get("fill") == fill
        assert [rect.get("fill") for rect in rects[1:]] == ([f"url(#tm-{pattern})"] if pattern else [])
    assert drawn["CHH"].find(f"{SVG}rect").get("fill") != drawn["SON"].find(f"{SVG}rect").get("fill")
    assert drawn["SON"].find(f"{SVG}rect").get("fill") != drawn["JAL"].find(f"{SVG}rect").get("fill")


def test_meetings_in_the_quarter_on_each_tile(seeded):
    svg = tile_map_svg(State.objects.all(), "2007-Q4")
    drawn = tiles(svg)

    expected = {code: Meeting.objects.filter(state=code).count() for code in ("OAX", "SON", "COA", "AGU")}
    for code, count in expected.items():
        assert drawn[code].get("data-meetings") == str(count)
        assert drawn[code].find(f"{SVG}text[@class='meetings']").text == str(count)
    assert expected["SON"] == 3 and expected["AGU"] == 0  # Sonora: 9-10 Oct, 14-16 Nov, 14-16 Dec
    # Another quarter: none.
    assert tiles(tile_map_svg(State.objects.all(), "2008-Q1"))["OAX"].get("data-meetings") == "0"


def test_without_a_quarter_no_counts(states):
    svg = tile_map_svg(State.objects.all())

    assert all(tile.get("data-meetings") is None for tile in tiles(svg).values())
    assert "meetings" not in re.sub(r"<title[^<]*</title>", "", svg).replace("tile-map", "")


def test_the_legend_names_each_status_in_the_active_language(states):
    with translation.override("en"):
        english = tile_map_svg(State.objects.all(), "2007-Q4")
    with translation.override("es"):
        spanish = tile_map_svg(State.objects.all(), "2007-Q4")

    for label in ("No law", "Bill in congress", "Approved", "In force", "Number of meetings in 2007-Q4"):
        assert f">{label}</text>" in english
    for label in ("Sin ley", "Iniciativa en el congreso", "Aprobada", "Vigente", "Número de reuniones en 2007-Q4"):
        assert f">{label}</text>" in spanish
    assert "<title>Michoacán: Sin ley, 0 reuniones</title>" in spanish


def test_names_are_escaped(states):
    class Fake:
        code, name, tip_law_status = "SON", "<script>alert(1)</script>", "approved"

    svg = tile_map_svg([Fake()], None)

    assert "<script>" not in svg
    assert len(tiles(svg)) == 1


def test_a_bad_quarter_is_a_value_error(states):
    with pytest.raises(ValueError):
        tile_map_svg(State.objects.all(), "2007-Q9")
