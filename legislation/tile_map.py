"""Mexico's 32 states as a tile grid (one square each, at a fixed place roughly where the state lies): an SVG
coloured by the state's anti-trafficking law status, with a pattern and a legend so that colour is not the only
cue, and each state's number of meetings in a quarter. No external map data.

    from legislation.tile_map import tile_map_svg
    svg = tile_map_svg(State.objects.all(), "2007-Q4")   # markup, safe to put in a page or a report

Used by the states' admin page; the quarterly report puts it in too.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from meetings.selectors import Quarter

from .models import State, TipLawStatus
from .selectors import meetings_per_state

# (column, row) of each state's tile, north-west at (0, 0).
TILE_POSITIONS: dict[str, tuple[int, int]] = {
    "BCN": (0, 0), "SON": (1, 0), "CHH": (2, 0), "COA": (3, 0), "NLE": (4, 0),
    "BCS": (0, 1), "SIN": (1, 1), "DUR": (2, 1), "ZAC": (3, 1), "SLP": (4, 1), "TAM": (5, 1),
    "NAY": (1, 2), "AGU": (2, 2), "GUA": (3, 2), "QUE": (4, 2), "HID": (5, 2), "VER": (6, 2), "YUC": (9, 2),
    "JAL": (1, 3), "MIC": (2, 3), "MEX": (3, 3), "CMX": (4, 3), "TLA": (5, 3), "PUE": (6, 3), "TAB": (7, 3),
    "CAM": (8, 3), "ROO": (9, 3),
    "COL": (1, 4), "GRO": (2, 4), "MOR": (3, 4), "OAX": (5, 4), "CHP": (6, 4),
}  # fmt: skip

# Fill, pattern (drawn over the fill) and text colour per status; the palette reads in grey as well.
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    TipLawStatus.NONE: ("#f2f2f2", "", "#222222"),
    TipLawStatus.BILL_IN_CONGRESS: ("#fdd49e", "hatch", "#222222"),
    TipLawStatus.APPROVED: ("#6baed6", "dots", "#111111"),
    TipLawStatus.IN_FORCE: ("#08519c", "cross", "#ffffff"),
}

TILE = 56
GAP = 4
MARGIN = 8
LEGEND_ROW = 22


def _patterns() -> str:
    return (
        "<defs>"
        '<pattern id="tm-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#7f4a00" stroke-width="2" stroke-opacity="0.55"/></pattern>'
        '<pattern id="tm-dots" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<circle cx="4" cy="4" r="1.6" fill="#08306b" fill-opacity="0.6"/></pattern>'
        '<pattern id="tm-cross" width="8" height="8" patternUnits="userSpaceOnUse">'
        '<path d="M0 0L8 8M8 0L0 8" stroke="#ffffff" stroke-width="1" stroke-opacity="0.45"/></pattern>'
        "</defs>"
    )


def _swatch(x: int, y: int, size: int, status: str) -> str:
    fill, pattern, _text = STATUS_STYLE[status]
    markup = f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{fill}" stroke="#555555"/>'
    if pattern:
        markup += f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="url(#tm-{pattern})"/>'
    return markup


def tile_map_svg(states: Iterable[State], quarter: Quarter | str | None = None) -> SafeString:
    """The states as an SVG tile map of Mexico: each tile coloured and patterned by `tip_law_status`, labelled
    with the state's code, and, when `quarter` ("2007-Q4" or a `Quarter`) is given, the number of meetings
    that started in that state in that quarter (one query). A legend names each status.

    `states`: State objects (or anything with `code`, `name` and `tip_law_status`); a state not given, or
    whose code has no tile, is not drawn. Labels are in the active language. ValueError for a bad quarter.
    """
    if isinstance(quarter, str):
        quarter = Quarter.parse(quarter)
    counts = meetings_per_state(quarter) if quarter is not None else None
    states = [state for state in states if state.code in TILE_POSITIONS]
    columns = 1 + max(column for column, _row in TILE_POSITIONS.values())
    rows = 1 + max(row for _column, row in TILE_POSITIONS.values())
    grid_width = columns * (TILE + GAP) - GAP
    grid_height = rows * (TILE + GAP) - GAP
    legend_items = [(status, label) for status, label in TipLawStatus.choices]
    width = grid_width + 2 * MARGIN
    legend_top = MARGIN + grid_height + 16
    height = legend_top + LEGEND_ROW * (len(legend_items) + (1 if counts is not None else 0)) + MARGIN

    title = _("Anti-trafficking law by state")
    if quarter is not None:
        title = _("Anti-trafficking law by state, and meetings in %(quarter)s") % {"quarter": quarter}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tile-map" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="tm-title" font-family="sans-serif">',
        f'<title id="tm-title">{escape(title)}</title>',
        _patterns(),
    ]
    for state in states:
        column, row = TILE_POSITIONS[state.code]
        x = MARGIN + column * (TILE + GAP)
        y = MARGIN + row * (TILE + GAP)
        status = state.tip_law_status if state.tip_law_status in STATUS_STYLE else TipLawStatus.NONE
        fill, _pattern, text_colour = STATUS_STYLE[status]
        label = f"{state.name}: {TipLawStatus(status).label}"
        count = None if counts is None else counts.get(state.code, 0)
        if count is not None:
            label += ", " + ngettext("%(count)s meeting", "%(count)s meetings", count) % {"count": count}
        parts.append(
            f'<g class="tile status-{status}" data-code="{escape(state.code)}" data-status="{status}"'
            + (f' data-meetings="{count}"' if count is not None else "")
            + f"><title>{escape(label)}</title>"
        )
        parts.append(_swatch(x, y, TILE, status))
        parts.append(
            f'<text x="{x + TILE / 2:g}" y="{y + 24}" text-anchor="middle" font-size="14" font-weight="bold" '
            f'fill="{text_colour}" stroke="{fill}" stroke-width="3" paint-order="stroke">{escape(state.code)}</text>'
        )
        if count is not None:
            parts.append(
                f'<circle cx="{x + TILE / 2:g}" cy="{y + 40}" r="10" fill="#ffffff" stroke="#333333"/>'
                f'<text class="meetings" x="{x + TILE / 2:g}" y="{y + 44}" text-anchor="middle" font-size="11" '
                f'fill="#111111">{count}</text>'
            )
        parts.append("</g>")

    legend_title = escape(_("Legend"))
    parts.append(f'<g class="legend" font-size="12" fill="#222222"><title>{legend_title}</title>')
    for index, (status, status_label) in enumerate(legend_items):
        y = legend_top + index * LEGEND_ROW
        parts.append(_swatch(MARGIN, y, 16, status))
        parts.append(f'<text x="{MARGIN + 24}" y="{y + 13}">{escape(str(status_label))}</text>')
    if counts is not None:
        y = legend_top + len(legend_items) * LEGEND_ROW
        parts.append(f'<circle cx="{MARGIN + 8}" cy="{y + 8}" r="8" fill="#ffffff" stroke="#333333"/>')
        parts.append(
            f'<text x="{MARGIN + 24}" y="{y + 13}">'
            + escape(_("Number of meetings in %(quarter)s") % {"quarter": quarter})
            + "</text>"
        )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every value in it is escaped above
