"""Hostile input to every web page answers 200, 302, 400, 403 or 404, never a 500 (issue 9, item 5).

The API is fuzzed from its schema (tests/api/test_schemathesis.py); the web's pages have no schema,
so this does the same from the URL conf: every list page (each filter of its filter set, alone, and
with an export), every add, edit and bulk-edit form, and every other page without parameters (the
board, the progress page, the search, the import page). A page, filter or form field added later is
found here without editing this file.

Values: numbers past any column (``99999999999999999999999``), negative ones, digits that are not
ASCII (``²``, ``١٢``), NUL bytes, very long text, times with no UTC value, SQL, lists of values, and
what Hypothesis generates besides. Bounded and derandomized, so a CI run is repeatable and takes
about a minute; ``FUZZ_EXAMPLES=200 pytest tests/test_web_fuzz.py`` explores further.
"""

import datetime
import os
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from django.views.generic import TemplateView
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.core.views import BulkEditView, ObjectEditView, ObjectListView

from .inventory.test_views import city  # noqa: F401  (one object of every model)
from .urlconf import initkwargs, views_of

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
BIG = "99999999999999999999999"
# The values that broke pages before, and their kin: each filter is sent every one of them.
CLASSIC = [
    BIG,
    "-" + BIG,
    "9223372036854775808",
    "-1",
    "²",
    "١٢",
    "1e400",
    "NaN",
    "a\x00b",
    "x" * 5000,
    "' OR '1'='1' --",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00",
    "10000-01-01",
    "2025-02-30",
    "1,,2,",
    "[]",
    "\u202e🙂",
]
_OFFSETS = [datetime.timezone(datetime.timedelta(hours=h)) for h in (-23, -12, 0, 7, 14, 23)]
HOSTILE = st.one_of(
    st.sampled_from(CLASSIC),
    st.text(max_size=20),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.datetimes(timezones=st.sampled_from(_OFFSETS)).map(datetime.datetime.isoformat),
    st.dates().map(datetime.date.isoformat),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples on every run: CI fails on a real 500, never on luck
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

LISTS = views_of(ObjectListView)
FORMS = views_of(ObjectEditView)
BULK_FORMS = views_of(BulkEditView)
# Pages without parameters that are neither lists nor forms: the board, progress, search, import, home.
PAGES = [
    (route, pattern)
    for route, pattern in views_of(object)
    if "<" not in route
    and not route.startswith(("/api", "/admin", "/login", "/logout", "/i18n"))
    and not issubclass(pattern.callback.view_class, (ObjectListView, ObjectEditView, BulkEditView))
    and (hasattr(pattern.callback.view_class, "get") or issubclass(pattern.callback.view_class, TemplateView))
]
FILTER_NAMES = sorted({name for _route, p in LISTS for name in initkwargs(p)["filterset_class"].base_filters})
CONTROLS = ["q", "page", "per_page", "sort", "export", "kind", "return_url", "organization", "wave"]


def _ids(views):
    return [route for route, _pattern in views]


def test_the_pages_are_found():
    from infra.inventory.urls import PAGES as MODEL_PAGES

    assert len(LISTS) >= len(MODEL_PAGES) and len(FORMS) >= 2 * len(MODEL_PAGES) and BULK_FORMS
    assert {"/migrations/board/", "/migrations/progress/", "/search/", "/import/"} <= set(_ids(PAGES))


def _no_server_error(response, what) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if response.streaming:
        b"".join(response.streaming_content)  # an export fails while it streams, not before


# --- filters, at the filter set: every filter, every classic value ----------------------------------
@pytest.mark.parametrize(("route", "pattern"), LISTS, ids=_ids(LISTS))
def test_every_filter_takes_every_classic_value(admin_user, city, route, pattern):  # noqa: F811
    """What the list view does with its filters (validate, then read the page's rows), for every
    filter of the list alone with each value; fast enough to try them all. Each filter is tried in a
    filter set of its own (the others would be empty, and building seventy fields per try is slow)."""
    kwargs = initkwargs(pattern)
    filterset_class = kwargs["filterset_class"]
    request = RequestFactory().get(route)
    request.user = admin_user
    alone = type(filterset_class.__name__, (filterset_class,), {})
    for name, filter_ in filterset_class.base_filters.items():
        alone.base_filters = {name: filter_}
        for value in CLASSIC:
            data = QueryDict(mutable=True)
            data[name] = value
            filterset = alone(data, queryset=kwargs["queryset"].all(), request=request)
            if filterset.is_valid():
                list(filterset.qs.values_list("pk", flat=True)[:2])  # the page's WHERE, without its joins
            else:
                assert filterset.errors, (route, name, value)


# --- pages, over HTTP -------------------------------------------------------------------------------
@pytest.mark.parametrize(("route", "pattern"), LISTS, ids=_ids(LISTS))
def test_list_pages_and_their_exports_take_hostile_filters(client, admin_user, city, route, pattern):  # noqa: F811
    names = sorted(initkwargs(pattern)["filterset_class"].base_filters) + CONTROLS
    client.force_login(admin_user)

    @FUZZ
    @given(
        params=st.lists(st.tuples(st.sampled_from(names), HOSTILE), min_size=1, max_size=4),
        export=st.sampled_from(["", "csv", "xlsx"]),
    )
    def run(params, export):
        query = urlencode([*params, *([("export", export)] if export else [])])
        _no_server_error(client.get(f"{route}?{query}"), f"{route}?{query}")

    run()


def _form_data(draw, names: list[str], extra: dict) -> dict:
    data = dict(extra)
    for name in names:
        data[name] = draw(st.one_of(HOSTILE, st.lists(HOSTILE, max_size=3)))
    return data


def _first_pk(pattern) -> int:
    return initkwargs(pattern)["queryset"].model.objects.order_by("pk").values_list("pk", flat=True).first()


@pytest.mark.parametrize(("route", "pattern"), FORMS, ids=_ids(FORMS))
def test_forms_take_hostile_values(client, admin_user, city, route, pattern):  # noqa: F811
    form_class = initkwargs(pattern)["form_class"]
    url = route.replace("<int:pk>", str(_first_pk(pattern)))
    client.force_login(admin_user)

    @FUZZ
    @given(st.data())
    def run(data):
        fields = _form_data(data.draw, [*form_class.base_fields], {})
        _no_server_error(client.post(url, fields), f"{url} {fields!r:.300}")

    run()


@pytest.mark.parametrize(("route", "pattern"), BULK_FORMS, ids=_ids(BULK_FORMS))
def test_bulk_edit_forms_take_hostile_values(client, admin_user, city, route, pattern):  # noqa: F811
    form_class = initkwargs(pattern)["form_class"]
    pk = _first_pk(pattern)
    client.force_login(admin_user)

    @FUZZ
    @given(st.data(), st.lists(HOSTILE, max_size=3))
    def run(data, more_pks):
        fields = _form_data(data.draw, [*form_class.fields_to_edit, "_clear"], {"_apply": "1"})
        fields["pk"] = [str(pk), *more_pks]
        _no_server_error(client.post(route, fields), f"{route} {fields!r:.300}")

    run()


@pytest.mark.parametrize(("route", "pattern"), PAGES, ids=_ids(PAGES))
def test_other_pages_take_hostile_parameters(client, admin_user, city, route, pattern):  # noqa: F811
    client.force_login(admin_user)

    @FUZZ
    @given(params=st.lists(st.tuples(st.sampled_from(FILTER_NAMES + CONTROLS), HOSTILE), min_size=1, max_size=4))
    def run(params):
        query = urlencode(params)
        _no_server_error(client.get(f"{route}?{query}"), f"{route}?{query}")

    run()
