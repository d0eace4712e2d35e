"""A list's filters applied to historical rows (``?as_of=``): the same filter set as the live list,
its values cleaned by the same form, each filter compared with a row's values then.

A historical row is a dict of the object's column values as the change log recorded them (plus what
the viewset's ``as_of_annotate`` adds). A filter is answered when its field is one of those columns
(or a path the viewset maps to one, ``as_of_paths``) and its lookup is one of the plain ones below;
a filter with its own method or its own filter code (a region and the regions below it) is not, and
the list answers 400 naming it rather than a list silently filtered wrong.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import django_filters
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

Test = Callable[[dict], bool]


def _all(row: dict) -> bool:
    return True


_ALL: Test = _all  # a filter given no value filters nothing, as on the live list

# The suffixes of a range filter's two parameters (django-filter's widgets).
_RANGE_SUFFIXES = ("_after", "_before", "_min", "_max")
_RANGE_FILTERS = (django_filters.RangeFilter, django_filters.DateFromToRangeFilter)


_LOOKUPS = ("exact", "in", "iexact", "icontains", "istartswith", "iendswith", "isnull", "lt", "lte", "gt", "gte")


def _range_filter_of(key: str, filters: dict) -> str | None:
    """The range filter a parameter belongs to: ``purchased_after`` is ``purchased``'s."""
    for suffix in _RANGE_SUFFIXES:
        name = key.removesuffix(suffix)
        if name != key and isinstance(filters.get(name), _RANGE_FILTERS):
            return name
    return None


def _exact_test(column: str, wanted: set[str]) -> Test:
    """A column compared as text with the values given (a parameter that is a column, not a filter)."""

    def test(row: dict) -> bool:
        held = row.get(column)
        held = held if isinstance(held, list) else [held]
        return bool({"null" if v is None else str(v) for v in held} & wanted)

    return test


def _is_empty(value: object) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, slice):
        return value.start is None and value.stop is None
    if isinstance(value, (list, tuple, set, models.QuerySet)):
        return len(value) == 0
    return False


def _column(viewset, model, path: str, known: set[str]) -> tuple[str, models.Field | None] | None:
    """The row key of a filter's field path, and the model field that types its values; None when
    the historical rows do not hold it."""
    # A row's last record then is its last update then.
    mapped = {"last_updated": "as_of_change", **getattr(viewset, "as_of_paths", {})}.get(path)
    if mapped is not None:
        return (mapped, None) if mapped in known else None
    if "__" in path:
        return None
    try:
        field = model._meta.get_field(path)
    except FieldDoesNotExist:
        return None
    if not field.concrete and not field.many_to_many:
        return None
    key = field.attname if field.concrete else field.name
    return (key, field) if key in known else None


def _typed(field: models.Field | None, value: object) -> object:
    """A logged value (JSON: dates, times and amounts as text) as the model field's Python value."""
    if field is None or value is None or field.is_relation:
        return value
    try:
        return field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return value


def _bound(bound: object, held: object) -> object:
    """A range's end for comparing with ``held``: a day's date when the column holds dates."""
    if (
        isinstance(bound, datetime.datetime)
        and isinstance(held, datetime.date)
        and not isinstance(held, datetime.datetime)
    ):
        return bound.date()
    if (
        isinstance(bound, datetime.date)
        and not isinstance(bound, datetime.datetime)
        and isinstance(held, datetime.datetime)
    ):
        return datetime.datetime.combine(bound, datetime.time.min, tzinfo=held.tzinfo)
    return bound


def _key(value: object) -> object:
    """Objects by their primary key; numbers compared as numbers."""
    return getattr(value, "pk", value)


def _compare(lookup: str, held: object, value: object) -> bool:
    if held is None:
        return False
    if lookup in ("exact", "in"):
        wanted = value if isinstance(value, (list, tuple, set, models.QuerySet)) else [value]
        return any(_same(held, _key(v)) for v in wanted)
    if lookup in ("iexact", "icontains", "istartswith", "iendswith"):
        text, part = str(held).casefold(), str(value).casefold()
        return {
            "iexact": text == part,
            "icontains": part in text,
            "istartswith": text.startswith(part),
            "iendswith": text.endswith(part),
        }[lookup]
    bound = _bound(value, held)
    try:
        return {"lt": held < bound, "lte": held <= bound, "gt": held > bound, "gte": held >= bound}[lookup]
    except TypeError:
        return False


def _same(held: object, wanted: object) -> bool:
    if held == wanted:
        return True
    return str(held) == str(wanted)


def _range(held: object, value: slice) -> bool:
    if held is None:
        return False
    try:
        if value.start is not None and held < _bound(value.start, held):
            return False
        if value.stop is not None and held > _bound(value.stop, held):
            return False
    except TypeError:
        return False
    return True


def _search_test(viewset, filterset_field_names: tuple[str, ...], value: str, known: set[str]) -> Test | None:
    columns = [_column(viewset, viewset.model, name, known) for name in filterset_field_names]
    if not columns or any(c is None for c in columns):
        return None
    part = value.strip().casefold()
    if not part:
        return _ALL
    keys = [key for key, _field in columns]
    return lambda row: any(part in str(row.get(k) or "").casefold() for k in keys)


def as_of_test(viewset, flt: django_filters.Filter, value: object, known: set[str]) -> Test | None:
    """A test of a historical row for ``flt`` with its cleaned ``value``; None: history cannot answer it."""
    if flt.method is not None:
        if getattr(flt.method, "__name__", flt.method) != "search":
            return None
        search_fields = getattr(flt.parent, "search_fields", ()) if flt.parent is not None else ()
        return _search_test(viewset, tuple(search_fields), value or "", known)
    if not type(flt).__module__.startswith("django_filters"):
        return None  # its own filter code (a region and the regions below it)
    column = _column(viewset, viewset.model, flt.field_name, known)
    if column is None:
        return None
    if _is_empty(value) and not isinstance(value, bool):
        return _ALL
    key, field = column
    lookup = flt.lookup_expr

    def held_values(row: dict) -> list:
        held = row.get(key)
        return [_typed(field, v) for v in held] if isinstance(held, list) else [_typed(field, held)]

    if isinstance(value, slice):

        def test(row: dict) -> bool:
            return any(_range(h, value) for h in held_values(row))

    elif lookup not in _LOOKUPS:
        return None
    else:

        def test(row: dict) -> bool:
            held = held_values(row)
            if lookup == "isnull":
                return (held == [None] or held == []) == bool(value)
            return any(_compare(lookup, h, value) for h in held)

    if flt.exclude:
        return lambda row: not test(row)
    return test
