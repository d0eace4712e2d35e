"""The API's JSON parser: DRF's, with a limit on how deeply a body nests.

A body of ten thousand nested brackets made Python's JSON decoder raise RecursionError, a 500.
Simpul's bodies nest three levels (a list of objects naming related objects as {"id": ...}); a
body nested deeper than ``MAX_JSON_DEPTH`` is refused with a 400 that says so, before any
serializer or change-log code walks it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Lists and objects inside each other: far more than any body the API reads, far less than the
# depth at which Python's recursion stops (about 1,000).
MAX_JSON_DEPTH = 32


def nesting_exceeds(value: object, limit: int) -> bool:
    """Whether ``value`` has lists and objects nested more than ``limit`` deep (a walk with a
    stack, not recursion: the value may be as deep as the decoder allowed)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue  # a plain value at the top
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; a body nested deeper than ``MAX_JSON_DEPTH`` is a 400, never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = ParseError(_("The JSON body is nested more than %(limit)s levels deep.") % {"limit": MAX_JSON_DEPTH})
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if nesting_exceeds(data, MAX_JSON_DEPTH):
            raise too_deep
        return data
