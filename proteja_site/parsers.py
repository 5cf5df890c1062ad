"""What the API reads from a request body: JSON of a bounded depth, from a body of a bounded size.

A record is at most three levels deep (a bulk list, a record, its list of exploitation types), so
`MAX_JSON_DEPTH` leaves room for any client's shape while refusing the 20,000 nested brackets that used to
reach Python's recursion limit (a 500). The body's size is bounded before anything reads it, by
`RequestBodyLimitMiddleware` (proteja_site/middleware.py), at `settings.API_MAX_BODY_BYTES`.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 32


def json_depth_exceeds(data: Any, limit: int) -> bool:
    """Whether `data` nests lists and objects more than `limit` deep; iterative, so no depth can overflow it."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what nests deeper than MAX_JSON_DEPTH with a 400 that says so."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        too_deep = ParseError(f"JSON parse error - the body nests lists and objects more than {MAX_JSON_DEPTH} deep.")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Python's decoder gives up past its recursion limit (about a thousand levels).
            raise too_deep from None
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise too_deep
        return data
