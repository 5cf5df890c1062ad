"""The seed report's Annex 1 style: its dates ("16-17-Oct.", "24 and 26-Oct.") and state names.

Both directions live here so that what the import reads is what the report prints.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from shelters.states import MEXICAN_STATES, STATE_NAMES_EN

from .models import Component

# As the seed prints months in Annex 1: a three-letter abbreviation and a point.
MONTH_ABBREVIATIONS = ["Jan.", "Feb.", "Mar.", "Apr.", "May", "Jun.", "Jul.", "Aug.", "Sep.", "Oct.", "Nov.", "Dec."]

# Month words the import accepts, English and Spanish, by their first three letters.
_MONTHS_READ = {
    **{name: number for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)},
    "ene": 1, "abr": 4, "ago": 8, "set": 9, "dic": 12,
}  # fmt: skip

TABLE_TITLES = {
    Component.PUBLIC_AWARENESS: "PROTEJA TIP Meetings: Public Awareness Component",
    Component.LEGISLATIVE: "PROTEJA TIP Meetings: Legislative Technical Assistance Component",
    Component.SHELTER_CAPACITY: "PROTEJA TIP Meetings: Shelter Capacity Building Component",
    Component.NETWORKS: "PROTEJA TIP Meetings: Anti-TIP Networks and Task Forces Component",
}
TABLE_COMPONENTS = list(TABLE_TITLES)  # Table 1 is public awareness ... Table 4 networks.
COLUMN_HEADINGS = ["Date", "Participant Organization or Government Representative", "Topic/Activity", "State"]

# The seed writes the capital the way it was called in 2007.
_STATE_LABEL_OVERRIDES = {"CMX": "Mexico City, D.F."}


def _plain(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: for matching printed names."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def state_label(code: str) -> str:
    """A state as Annex 1 prints it: English, without accents ("Queretaro"), the capital as "Mexico City, D.F."."""
    if not code:
        return ""
    if code in _STATE_LABEL_OVERRIDES:
        return _STATE_LABEL_OVERRIDES[code]
    english = STATE_NAMES_EN.get(code, code)
    return unicodedata.normalize("NFKD", english).encode("ascii", "ignore").decode()


_STATE_BY_PLAIN_NAME: dict[str, str] = {}
for _code, _spanish, _english in MEXICAN_STATES:
    _STATE_BY_PLAIN_NAME[_plain(_spanish)] = _code
    _STATE_BY_PLAIN_NAME[_plain(_english)] = _code
    _STATE_BY_PLAIN_NAME[_plain(_code)] = _code
_STATE_BY_PLAIN_NAME.update(
    {
        "mexico city d f": "CMX",
        "mexico city df": "CMX",
        "distrito federal": "CMX",
        "d f": "CMX",
        "df": "CMX",
        "mexico d f": "CMX",
        "ciudad de mexico d f": "CMX",
        "mexico": "MEX",
        "edomex": "MEX",
        "coahuila de zaragoza": "COA",
        "michoacan de ocampo": "MIC",
        "veracruz de ignacio de la llave": "VER",
        "baja california norte": "BCN",
    }
)


def state_code(printed: str) -> str | None:
    """The ISO 3166-2:MX code (without `MX-`) of a state as printed, or None if it names no state."""
    return _STATE_BY_PLAIN_NAME.get(_plain(printed))


def format_annex1_date(start: date, end: date, dates: list[str] | list[date] | None = None) -> str:
    """A meeting's days in the seed's style: "2-Oct.", "16-17-Oct.", "24 and 26-Oct.", "30-Oct.-2-Nov."."""
    days = sorted(day if isinstance(day, date) else date.fromisoformat(day) for day in (dates or []))
    if days and any(later - earlier > timedelta(days=1) for earlier, later in zip(days, days[1:], strict=False)):
        return _format_separate_days(days)
    if days:
        start, end = days[0], days[-1]
    if start == end:
        return f"{start.day}-{MONTH_ABBREVIATIONS[start.month - 1]}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}-{end.day}-{MONTH_ABBREVIATIONS[end.month - 1]}"
    return f"{start.day}-{MONTH_ABBREVIATIONS[start.month - 1]}-{end.day}-{MONTH_ABBREVIATIONS[end.month - 1]}"


def _format_separate_days(days: list[date]) -> str:
    """Days grouped by month: "24 and 26-Oct.", "3, 5 and 7-Oct.", "30-Oct. and 2-Nov."."""
    groups: list[tuple[date, list[int]]] = []
    for day in days:
        if groups and (groups[-1][0].year, groups[-1][0].month) == (day.year, day.month):
            groups[-1][1].append(day.day)
        else:
            groups.append((day, [day.day]))
    parts = [f"{_join(list(map(str, numbers)))}-{MONTH_ABBREVIATIONS[first.month - 1]}" for first, numbers in groups]
    return _join(parts)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


class DateNotUnderstood(ValueError):
    pass


_DATE_RE = re.compile(r"^(?P<days>\d{1,2}(?:\s*(?:-|–|,|and|y|&)\s*\d{1,2})*)\s*-\s*(?P<month>[A-Za-zé]{3,})\.?$")


def parse_annex1_date(text: str, *, year: int) -> tuple[date, date, list[date]]:
    """Read a printed Annex 1 date: (start, end, listed days or [] for a plain range).

    "2-Oct." is one day; "16-17-Oct." and "14-16-Nov." are ranges; "24 and 26-Oct."
    lists separate days. Raises DateNotUnderstood for anything else.
    """
    cleaned = " ".join(text.replace("–", "-").split())
    match = _DATE_RE.match(cleaned)
    if not match:
        raise DateNotUnderstood(f"date {text!r} not understood")
    month = _MONTHS_READ.get(_plain(match["month"])[:3])
    if month is None:
        raise DateNotUnderstood(f"month {match['month']!r} not understood")
    tokens = re.findall(r"\d{1,2}|-|,|and|y|&", match["days"])
    try:
        days: list[date] = [date(year, month, int(tokens[0]))]
        separate = False
        for separator, number in zip(tokens[1::2], tokens[2::2], strict=True):
            day = date(year, month, int(number))
            if day <= days[-1]:
                raise DateNotUnderstood(f"days in {text!r} are not in order")
            if separator == "-":
                while days[-1] < day:
                    days.append(days[-1] + timedelta(days=1))
            else:
                separate = True
                days.append(day)
    except ValueError as exc:  # day 31 of a 30-day month, and the like
        raise DateNotUnderstood(f"date {text!r} is not a day of {year}") from exc
    return days[0], days[-1], days if separate else []
