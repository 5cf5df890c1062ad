from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from indicators.exceptions import MonthLocked


class TransferStateConflict(Exception):
    """The transfer is no longer proposed (another accept, a decline or a cancel came first): API 409."""

    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(
            _("This transfer is no longer proposed (it is %(status)s); nothing was changed.") % {"status": status}
        )


class TransferMonthLocked(MonthLocked):
    """Accepting would write into a locked month of the sending or the receiving shelter: API 409."""

    def __init__(self, *, sending: list[date], receiving: list[date]) -> None:
        super().__init__([*sending, *receiving])
        parts = []
        if sending:
            parts.append(
                _("the sending shelter's month %(months)s is locked")
                % {"months": ", ".join(f"{month:%Y-%m}" for month in sorted(sending))}
            )
        if receiving:
            parts.append(
                _("the receiving shelter's month %(months)s is locked")
                % {"months": ", ".join(f"{month:%Y-%m}" for month in sorted(receiving))}
            )
        self.args = (
            _("The transfer cannot be accepted: %(reasons)s; nothing was changed.") % {"reasons": "; ".join(parts)},
        )

    def __str__(self) -> str:
        return str(self.args[0])
