"""What the `legislation` app adds to the quarterly report: under "legislation", the federal law, a table of
every state whose law has moved (a bill, an approved law, one in force, or notes) and the tile map of Mexico;
under "networks", the networks, task forces and memorandums of understanding.

The parts are in `selectors.SECTION_PARTS`' shape. They show the laws and networks as recorded today: each
change keeps its own date and source in the state's history (/api/v1/states/{code}/changes/).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext

from legislation.models import FederalLaw, Network, State, TipLawStatus
from legislation.palermo import PALERMO_KEYS
from legislation.tile_map import tile_map_svg
from meetings.selectors import Quarter


def _day(value: Any) -> str:
    return date_format(value, "DATE_FORMAT") if value else ""


def _elements(law: FederalLaw | State) -> str:
    """How many of the Palermo Protocol's elements the law was found to have, of those checked."""
    checked = [flag for key, flag in (law.palermo_elements or {}).items() if key in PALERMO_KEYS]
    if not checked:
        return gettext("not checked")
    return gettext("%(yes)s of %(checked)s checked") % {"yes": sum(checked), "checked": len(checked)}


def legislation_parts(quarter: Quarter, language: str) -> list[dict[str, Any]]:
    """The laws' table (the federal law first) and the map with the quarter's meetings per state. Three queries."""
    laws = list(FederalLaw.objects.all())
    states = list(State.objects.order_by("name"))
    moved = [
        state for state in states if state.tip_law_status != TipLawStatus.NONE or state.tip_law_name or state.notes
    ]
    rows = [
        [gettext("Federal"), law.get_tip_law_status_display(), law.tip_law_name, _day(law.tip_law_date), _elements(law)]
        for law in laws
    ] + [
        [
            state.name,
            state.get_tip_law_status_display(),
            state.tip_law_name or state.notes,
            _day(state.tip_law_date),
            _elements(state),
        ]
        for state in moved
    ]
    columns = [
        gettext("State"),
        pgettext("of a law", "Status"),
        gettext("Law"),
        gettext("Date"),
        capfirst(gettext("Palermo Protocol elements")),
    ]
    counts = {status: sum(state.tip_law_status == status for state in states) for status in TipLawStatus.values}
    text = "; ".join(f"{label}: {counts[status]}" for status, label in TipLawStatus.choices)
    return [
        {"kind": "table", "title": gettext("Anti-trafficking laws"), "columns": columns, "rows": rows},
        {
            "kind": "html",
            "title": gettext("Anti-trafficking law by state, and meetings in %(quarter)s") % {"quarter": quarter},
            "html": tile_map_svg(states, quarter),
            "text": gettext("States by law status: %(counts)s.") % {"counts": text},
        },
    ]


def networks_parts(quarter: Quarter, language: str) -> list[dict[str, Any]]:
    """Every network, task force and memorandum of understanding established by the quarter's end. One query."""
    networks = (
        Network.objects.select_related("state")
        .annotate(organization_count=Count("organizations"))
        .exclude(established_on__gt=quarter.last_day)
        .order_by("established_on", "name")
    )
    columns = [gettext("Name"), gettext("Kind"), gettext("State"), gettext("Established on"), gettext("Organizations")]
    rows = [
        [
            network.name,
            network.get_kind_display(),
            network.state.name if network.state else gettext("National"),
            _day(network.established_on),
            network.organization_count,
        ]
        for network in networks
    ]
    return [{"kind": "table", "title": gettext("Networks, task forces and MOUs"), "columns": columns, "rows": rows}]
