"""Every filter of every list that takes ``as_of``, found from the filter sets (not listed by hand):
each either filters the list as it was (as of the latest change it must agree with the live list),
or is refused with a 400 naming it; never a list silently filtered wrong. Then the filters auditors
ask for (a device's migration state, a migration's OPD) at a past date; and an as_of before the
history starts, or in the future, is a 400 that says so."""

import datetime

import django_filters
import pytest
from django.core.exceptions import FieldError
from django.utils import timezone

from infra.core.api.urls import router as core_router
from infra.core.api.viewsets import AsOfMixin
from infra.core.models import ObjectChange
from infra.inventory.api.urls import router as inventory_router
from infra.inventory.services.migration import transition
from infra.probes.api.urls import router as probes_router

from ..factories import DeviceFactory, MigrationFactory, OrganizationFactory, SiteFactory
from .endpoints import BY_PREFIX, url

pytestmark = pytest.mark.django_db

NOT_AVAILABLE = "This filter is not available with as_of."
AS_OF_LISTS = sorted(
    (prefix, viewset)
    for router in (inventory_router, probes_router, core_router)
    for prefix, viewset, _basename in router.registry
    if issubclass(viewset, AsOfMixin) and getattr(viewset, "filterset_class", None) is not None
)


def test_the_lists_are_found():
    prefixes = {prefix for prefix, _viewset in AS_OF_LISTS}
    assert {"devices", "migrations", "organizations", "probes/checks"} <= prefixes
    assert "migration-transitions" not in prefixes  # no as_of there (not an AsOfMixin list)


def _path_value(model, path: str) -> object:
    try:
        return model.objects.order_by("pk").values_list(path, flat=True).first()
    except (FieldError, TypeError):
        return None


def _params(viewset) -> list[tuple[str, dict]]:
    """(filter name, query parameters) for each filter of the list, with a value its first object has."""
    model = viewset.queryset.model
    cases = []
    for name, flt in viewset.filterset_class.base_filters.items():
        value = _path_value(model, flt.field_name) if flt.method is None or flt.field_name != name else None
        if name == "q":
            search = viewset.filterset_class.search_fields
            text = _path_value(model, search[0]) if search else None
            cases.append((name, {"q": str(text or "a")[:3]}))
            continue
        if isinstance(flt, django_filters.RangeFilter):
            widget = flt.extra.get("widget") or flt.field_class.widget
            low, high = widget.suffixes
            if isinstance(value, datetime.datetime):
                cases.append((name, {f"{name}_{low}": (value - datetime.timedelta(hours=1)).isoformat()}))
            elif isinstance(value, datetime.date):
                cases.append((name, {f"{name}_{low}": value.isoformat(), f"{name}_{high}": value.isoformat()}))
            else:
                v = 0 if value is None else value
                cases.append((name, {f"{name}_{low}": str(v), f"{name}_{high}": str(v)}))
            continue
        if isinstance(flt, (django_filters.ModelMultipleChoiceFilter, django_filters.ModelChoiceFilter)):
            pk = value if value is not None else getattr(flt.queryset.order_by("pk").first(), "pk", None)
            if pk is None:
                continue
            cases.append((name, {name: str(pk)}))
            continue
        if isinstance(flt, django_filters.BooleanFilter):
            cases.append((name, {name: "true"}))
            cases.append((name, {name: "false"}))
            continue
        if isinstance(flt, (django_filters.MultipleChoiceFilter, django_filters.ChoiceFilter)):
            choice = value if value not in (None, "") else flt.extra["choices"][0][0]
            cases.append((name, {name: str(choice)}))
            continue
        lookup = flt.lookup_expr
        if isinstance(value, (datetime.date, datetime.datetime)):
            text = value.isoformat()
        elif value is None:
            text = "2020-01-01" if isinstance(flt, (django_filters.DateFilter, django_filters.DateTimeFilter)) else "1"
        else:
            text = str(value)
        if lookup in ("icontains", "istartswith", "iendswith"):
            text = text[:3] if lookup != "iendswith" else text[-3:]
        elif lookup == "in":
            text = f"{text},{text}"
        cases.append((name, {name: text}))
    return cases


@pytest.fixture
def city():
    """One object of every kind (and a tracked migration), each written with its change record."""
    for endpoint in BY_PREFIX.values():
        endpoint.make()
    migration = MigrationFactory(device=DeviceFactory())
    transition(migration, "assessed")


@pytest.mark.parametrize("prefix", [prefix for prefix, _viewset in AS_OF_LISTS])
def test_every_filter_filters_as_of_or_is_refused_by_name(admin_api, city, prefix):
    viewset = dict(AS_OF_LISTS)[prefix]
    moment = ObjectChange.objects.latest("id").time.isoformat()
    answered, refused = [], []
    for name, params in _params(viewset):
        live = admin_api.get(url(prefix), {**params, "limit": 1000}, HTTP_ACCEPT_LANGUAGE="en")
        then = admin_api.get(url(prefix), {**params, "as_of": moment, "limit": 1000}, HTTP_ACCEPT_LANGUAGE="en")
        if then.status_code == 400 and live.status_code == 200:
            body = then.json()
            assert any(body.get(key) == [NOT_AVAILABLE] for key in params), (prefix, params, body)
            refused.append(name)
            continue
        assert then.status_code == live.status_code, (prefix, params, then.content[:300], live.content[:300])
        if live.status_code == 400:
            assert then.json() == live.json(), (prefix, params)
            continue
        ids_live = sorted(r["id"] for r in live.json()["results"])
        ids_then = sorted(r["id"] for r in then.json()["results"])
        assert ids_then == ids_live, (prefix, params)
        answered.append(name)
    # Most filters are answered: what history holds, it filters on.
    assert len(answered) >= len(refused), (prefix, answered, refused)


# --- the filters auditors ask for, at a past date ------------------------------------------------


@pytest.fixture
def moved():
    """A server of Disdukcapil, assessed; then given to Dinkes and scheduled."""
    dukcapil, dinkes = OrganizationFactory(short_name="Disdukcapil"), OrganizationFactory(short_name="Dinkes")
    device = DeviceFactory(organization=dukcapil, site=SiteFactory(organization=dukcapil))
    other = DeviceFactory(organization=dinkes, site=SiteFactory(organization=dinkes))
    migration = MigrationFactory(device=device)
    MigrationFactory(device=other)
    transition(migration, "assessed")
    then = ObjectChange.objects.latest("id").time
    then = max(then, migration.transitions.latest("at").at)
    device.organization = dinkes
    device.save()
    migration.refresh_from_db()
    transition(migration, "scheduled")
    return {
        "device": device,
        "other": other,
        "migration": migration,
        "dukcapil": dukcapil,
        "dinkes": dinkes,
        "then": then,
    }


def _ids(api, prefix: str, **params) -> set[int]:
    response = api.get(url(prefix), params)
    assert response.status_code == 200, response.content[:300]
    return {r["id"] for r in response.json()["results"]}


def test_devices_filter_on_their_migration_state_as_of_a_past_date(api, moved):
    then = moved["then"].isoformat()
    device, other = moved["device"].pk, moved["other"].pk
    assert _ids(api, "devices", as_of=then, migration_state="assessed") == {device}
    assert _ids(api, "devices", as_of=then, migration_state="inventoried") == {other}
    assert _ids(api, "devices", as_of=then, migration_state="scheduled") == set()
    assert _ids(api, "devices", migration_state="scheduled") == {device}  # today


def test_migrations_filter_on_their_opd_as_of_a_past_date(api, moved):
    then = moved["then"].isoformat()
    migration = moved["migration"].pk
    assert _ids(api, "migrations", as_of=then, organization=moved["dukcapil"].pk) == {migration}
    assert migration not in _ids(api, "migrations", as_of=then, organization=moved["dinkes"].pk)
    assert migration in _ids(api, "migrations", organization=moved["dinkes"].pk)  # today
    assert _ids(api, "migrations", as_of=then, state="assessed") == {migration}


def test_a_filter_value_that_is_not_valid_is_a_400_as_of_too(api, moved):
    then = moved["then"].isoformat()
    response = api.get(url("devices"), {"as_of": then, "migration_state": "terbang"})
    assert response.status_code == 400 and "migration_state" in response.json()


# --- the moment itself ---------------------------------------------------------------------------


@pytest.mark.parametrize("language, words", [("en", "history starts"), ("id", "Riwayat perubahan dimulai")])
def test_an_as_of_before_the_history_starts_is_a_400_naming_the_start(api, moved, language, words):
    first = ObjectChange.objects.earliest("time").time
    before = (first - datetime.timedelta(days=1)).isoformat()
    response = api.get(url("devices"), {"as_of": before}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    (message,) = response.json()["as_of"]
    assert words in message
    assert timezone.localtime(first).date().isoformat() in message
    # The first moment itself is answered.
    assert api.get(url("devices"), {"as_of": first.isoformat()}).status_code == 200


def test_an_as_of_in_the_future_is_a_400(api, moved):
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    response = api.get(url("migrations"), {"as_of": future}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "future" in response.json()["as_of"][0]
    response = api.get(url("migrations"), {"as_of": "9999-12-31T23:59:59-12:00"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400


# --- the web lists: they show today, and say so -------------------------------------------------


def test_a_web_list_given_as_of_says_what_it_shows(client, engineer, moved):
    client.force_login(engineer)
    first = ObjectChange.objects.earliest("time").time
    before = (first - datetime.timedelta(days=1)).isoformat()
    html = client.get("/devices/", {"as_of": before}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The change history starts on" in html
    html = client.get("/migrations/", {"as_of": moved["then"].isoformat()}, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Halaman ini menampilkan inventaris saat ini" in html
    assert "?as_of=" in html
    html = client.get("/devices/", {"as_of": "kemarin"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Give a date and time with its offset" in html
    # Its export would pass for the past: refused, with the reason.
    response = client.get("/devices/", {"as_of": moved["then"].isoformat(), "export": "csv"})
    assert response.status_code == 400 and b"API" in response.content
    # Without as_of, no notice.
    assert "as it is now" not in client.get("/devices/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
