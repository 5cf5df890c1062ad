# The lock and its refusal live in `shelters` (with the records a lock freezes); kept importable from here
# for code that names it by its old place.
from shelters.exceptions import MonthLocked

__all__ = ["MonthLocked"]
