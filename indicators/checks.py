"""The checks an Annex 2 table must pass (annex2-indicators.md, "Checks that a table must pass").

Plain functions over plain data, so an imported table, a stored one and a hand-built
one in a test are checked alike. A failure is listed with shelter, month and rows,
never fixed. A cell that is missing (None) is not 0: a check that needs it is
skipped for that month rather than failed.

A failure says itself in words: the month by its name and year ("In October 2007, ...";
"In the period, ..." for the TOTAL column) and the rows by their catalogue labels, never
their keys. Its `message` is English, whatever language is active: `import_annex2` prints
it, and scripts and reviewers read that output. What the API, the admin and the web pages
show (`as_dict()["message"]`, `localized_message`) is the same sentence in the active
language: the template is marked with `gettext_noop`, and the labels and the month name are
chosen when it is said.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils import formats, translation
from django.utils.text import get_text_list
from django.utils.translation import gettext, gettext_noop

from .catalogue import INDICATORS, indicator_label

TIP_CRIME_KEYS = [indicator.key for indicator in INDICATORS if indicator.section == "tip_crime"]
ORIGIN_KEYS = [indicator.key for indicator in INDICATORS if indicator.section == "national_origin"]
TOTAL_ROWS = {indicator.key: indicator.parts for indicator in INDICATORS if indicator.is_total}

Cells = Sequence[int | None]


def _quoted(key: str) -> str:
    return gettext("“%(label)s”") % {"label": indicator_label(key)}


def _said(name: str, value: object) -> object:
    """A parameter as the sentence says it: `*_row` is one row's quoted label, `*_rows` a list of rows'."""
    if name.endswith("_rows"):
        return get_text_list([_quoted(key) for key in value], gettext("and"))  # type: ignore[attr-defined]
    if name.endswith("_labels"):
        return get_text_list([indicator_label(key) for key in value], gettext("and"))  # type: ignore[attr-defined]
    if name.endswith("_row"):
        return _quoted(str(value))
    return value


def _say(template: str, month: date | None, params: Mapping[str, object]) -> str:
    """The sentence in the active language."""
    if month is None:
        period = gettext("In the period")
    else:
        period = gettext("In %(month)s") % {"month": formats.date_format(month, "YEAR_MONTH_FORMAT")}
    said = {name: _said(name, value) for name, value in params.items()}
    return gettext(template) % {**said, "period": period}


@dataclass(frozen=True)
class CheckFailure:
    shelter: str
    # None for a check over the whole period (the TOTAL column).
    month: date | None
    check: str
    rows: tuple[str, ...]
    # In English, whatever language is active (see the module's docstring).
    message: str
    # The message's msgid (marked with gettext_noop) and its values (row keys for `*_row`/`*_rows`/`*_labels`),
    # to say it in the active language.
    template: str = field(default="", compare=False)
    params: Mapping[str, object] = field(default_factory=dict, compare=False)

    @classmethod
    def make(
        cls, *, shelter: str, month: date | None, check: str, rows: Sequence[str], template: str, **params: object
    ) -> CheckFailure:
        """A failure said by `template`: in English as `message`, in the active language through `template`."""
        with translation.override("en"):
            message = _say(template, month, params)
        return cls(
            shelter=shelter,
            month=month,
            check=check,
            rows=tuple(rows),
            message=message,
            template=template,
            params=params,
        )

    @property
    def localized_message(self) -> str:
        """The message in the active language (English when no translation is active or known)."""
        if not self.template:
            return self.message
        if translation.get_language() is None:
            return self.message
        return _say(self.template, self.month, self.params)

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}" if self.month else "TOTAL"

    def as_dict(self) -> dict[str, object]:
        """What the tables carry (API, admin, web pages): the message in the active language."""
        return {
            "shelter": self.shelter,
            "month": f"{self.month:%Y-%m}" if self.month else None,
            "check": self.check,
            "rows": list(self.rows),
            "message": self.localized_message,
        }

    def __str__(self) -> str:
        return f"{self.shelter} {self.month_label}: {self.message} [{', '.join(self.rows)}]"


def _cell(values: Mapping[str, Cells], key: str, index: int) -> int | None:
    cells = values.get(key)
    if cells is None or index >= len(cells):
        return None
    return cells[index]


def check_month(*, shelter: str, month: date, cells: Mapping[str, int | None]) -> list[CheckFailure]:
    """The per-month checks on one month's cells (row key -> value, None or absent when missing)."""
    failures: list[CheckFailure] = []

    def fail(check: str, rows: Sequence[str], template: str, **params: object) -> None:
        failures.append(
            CheckFailure.make(shelter=shelter, month=month, check=check, rows=rows, template=template, **params)
        )

    for total_key, parts in TOTAL_ROWS.items():
        total = cells.get(total_key)
        part_values = [cells.get(part) for part in parts]
        if total is None or None in part_values:
            continue
        if total != sum(part_values):
            fail(
                "total_equals_parts",
                (total_key, *parts),
                gettext_noop(
                    "%(period)s, %(total_row)s is %(total)s but its parts, %(part_rows)s, add up to %(parts_sum)s."
                ),
                total_row=total_key,
                total=total,
                part_rows=parts,
                parts_sum=sum(part_values),
            )

    victims = cells.get("victims_served")
    tip_victims = cells.get("tip_victims_served")
    new_victims = cells.get("new_victims")
    if victims is not None and tip_victims is not None and tip_victims > victims:
        fail(
            "tip_victims_within_victims",
            ("tip_victims_served", "victims_served"),
            gettext_noop(
                "%(period)s, %(tip_row)s is %(tip_victims)s, more than %(victims_row)s, which is %(victims)s."
            ),
            tip_row="tip_victims_served",
            victims_row="victims_served",
            tip_victims=tip_victims,
            victims=victims,
        )
    if victims is not None and new_victims is not None and new_victims > victims:
        fail(
            "new_victims_within_victims",
            ("new_victims", "victims_served"),
            gettext_noop(
                "%(period)s, %(new_row)s is %(new_victims)s, more than %(victims_row)s, which is %(victims)s."
            ),
            new_row="new_victims",
            victims_row="victims_served",
            new_victims=new_victims,
            victims=victims,
        )

    if tip_victims is not None:
        crimes = {key: cells.get(key) for key in TIP_CRIME_KEYS}
        for key, value in crimes.items():
            if value is not None and value > tip_victims:
                fail(
                    "tip_crime_within_tip_victims",
                    (key, "tip_victims_served"),
                    gettext_noop(
                        "%(period)s, the TIP crime %(crime_row)s counts %(crime)s victims, more than %(tip_row)s, "
                        "which is %(tip_victims)s."
                    ),
                    tip_row="tip_victims_served",
                    crime_row=key,
                    crime=value,
                    tip_victims=tip_victims,
                )
        known = [value for value in crimes.values() if value is not None]
        # With a crime row missing the sum could still reach the TIP victims: only a full set can fail.
        if len(known) == len(crimes) and sum(known) < tip_victims:
            fail(
                "tip_crimes_cover_tip_victims",
                (*TIP_CRIME_KEYS, "tip_victims_served"),
                gettext_noop(
                    "%(period)s, the TIP crimes (%(crime_labels)s) add up to %(crimes_sum)s, fewer than "
                    "%(tip_row)s, which is %(tip_victims)s."
                ),
                crime_labels=TIP_CRIME_KEYS,
                tip_row="tip_victims_served",
                crimes_sum=sum(known),
                tip_victims=tip_victims,
            )

        origins = [cells.get(key) for key in ORIGIN_KEYS]
        if None not in origins and sum(origins) != tip_victims:
            fail(
                "origins_sum_to_tip_victims",
                (*ORIGIN_KEYS, "tip_victims_served"),
                gettext_noop(
                    "%(period)s, the national origins (%(origin_labels)s) add up to %(origins_sum)s but "
                    "%(tip_row)s is %(tip_victims)s."
                ),
                origin_labels=ORIGIN_KEYS,
                tip_row="tip_victims_served",
                origins_sum=sum(origins),
                tip_victims=tip_victims,
            )
    return failures


def check_totals(*, shelter: str, values: Mapping[str, Cells], totals: Mapping[str, int | None]) -> list[CheckFailure]:
    """A printed TOTAL column against the sum of the months printed beside it."""
    failures = []
    for key, total in totals.items():
        if total is None:
            continue
        months_sum = sum(value for value in values.get(key, ()) if value is not None)
        if months_sum != total:
            failures.append(
                CheckFailure.make(
                    shelter=shelter,
                    month=None,
                    check="total_equals_sum_of_months",
                    rows=(key,),
                    template=gettext_noop(
                        "%(period)s, the TOTAL of %(total_row)s is %(total)s but its months add up to %(months_sum)s."
                    ),
                    total_row=key,
                    total=total,
                    months_sum=months_sum,
                )
            )
    return failures


def check_table(
    *,
    shelter: str,
    months: Sequence[date],
    values: Mapping[str, Cells],
    totals: Mapping[str, int | None] | None = None,
) -> list[CheckFailure]:
    """Every check on a table: `values` maps row key -> one cell per month; `totals` a printed TOTAL column."""
    failures: list[CheckFailure] = []
    for index, month in enumerate(months):
        cells = {key: _cell(values, key, index) for key in values}
        failures.extend(check_month(shelter=shelter, month=month, cells=cells))
    if totals:
        failures.extend(check_totals(shelter=shelter, values=values, totals=totals))
    return failures
