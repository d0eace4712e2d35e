"""Every probes page and endpoint runs the same number of SQL queries whatever the number of rows, and
exactly the number pinned in tests/query_counts.json (``web/<page>/probes-<slug>``, ``api/.../probes``).

A small probed city (10 of everything around one hub check, device, credential and window) is measured,
grown to 200 (and the hub check to 400 raw results), and measured again: an N+1 (a column, a name or a
template following a relation per row) makes the second count larger. Rows are written with
bulk_create: only the pages are under test here. The API's CRUD lists and objects are measured with
the inventory's in tests/api/test_query_counts.py.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from infra.core import changelog
from infra.core.choices import ChangeAction
from infra.inventory import models as inv
from infra.probes import models
from infra.probes.urls import PAGES, READ_ONLY_LISTS

from ..api.conftest import token_client
from ..factories import DeviceFactory, OrganizationFactory, SiteFactory
from ..inventory.test_query_counts import queries

pytestmark = pytest.mark.django_db
SMALL, LARGE = 10, 200
T0 = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)


class ProbedCity:
    """A hub device with a hub ICMP check, an SNMP credential, a maintenance window and a prober; ``grow(n)``
    adds devices with an SNMP check each (on the hub credential), ICMP checks on the hub device, results,
    events and downtimes of the hub check and of the new ones, runs, windows and change records."""

    def __init__(self):
        self.size = 0
        self.organization = OrganizationFactory()
        self.site = SiteFactory(organization=self.organization)
        self.device = DeviceFactory(name="sw-hub", organization=self.organization, site=self.site)
        self.credential = models.SnmpCredential.objects.create(name="hub", version="2c", community="komunitas-hub")
        self.check = models.Check.objects.create(device=self.device, address="127.80.0.1")
        self.snmp = models.Check.objects.create(
            kind="snmp", device=self.device, address="127.80.0.1", credential=self.credential
        )
        self.window = models.MaintenanceWindow.objects.create(
            device=self.device, start=T0, end=T0 + datetime.timedelta(hours=2), reason="Ganti UPS"
        )
        self.prober = models.Prober.objects.create(name="konsumen-hub")
        self.results = 0

    def hub(self, model):
        return {
            models.Check: self.check,
            models.SnmpCredential: self.credential,
            models.MaintenanceWindow: self.window,
        }[model]

    def grow(self, n: int) -> None:
        new = range(self.size, n)
        devices = inv.Device.objects.bulk_create(
            inv.Device(name=f"sw-{i:04d}", organization=self.organization, site=self.site, kind="switch") for i in new
        )
        snmp = models.Check.objects.bulk_create(
            models.Check(kind="snmp", device=d, address=f"127.81.{i // 250}.{i % 250 + 1}", credential=self.credential)
            for i, d in zip(new, devices, strict=True)
        )
        icmp = models.Check.objects.bulk_create(
            models.Check(device=self.device, address=f"127.82.{i // 250}.{i % 250 + 1}") for i in new
        )
        checks = [*snmp, *icmp]
        models.CheckStatus.objects.bulk_create(
            models.CheckStatus(probe_check=c, state="down" if c.pk % 2 else "up", since=T0, last_outcome=1)
            for c in checks
        )
        models.CheckEvent.objects.bulk_create(
            models.CheckEvent(
                probe_check=c, at=T0, kind="state", old_state="up", new_state="down", outcome=1, root_cause=self.site
            )
            for c in checks
        )
        models.CheckEvent.objects.bulk_create(
            models.CheckEvent(
                probe_check=self.check,
                at=T0 + datetime.timedelta(minutes=i),
                kind="state",
                new_state="down" if i % 2 else "up",
                root_cause=self.site,
            )
            for i in new
        )
        models.Downtime.objects.bulk_create(
            models.Downtime(
                probe_check=c, start=T0, end=T0 + datetime.timedelta(minutes=3), cause=1, root_cause=self.site
            )
            for c in checks
        )
        models.Downtime.objects.bulk_create(
            models.Downtime(probe_check=self.check, start=T0 + datetime.timedelta(hours=i), cause=2) for i in new
        )
        probers = models.Prober.objects.bulk_create(models.Prober(name=f"konsumen-{i}") for i in new)
        models.ProbeRun.objects.bulk_create(
            models.ProbeRun(due=T0, kind="icmp", checks=[c.pk for c in checks[:5]], status="done", prober=p)
            for p in probers
        )
        targets = [lambda d: {"device": d}, lambda d: {"site": self.site}, lambda d: {"organization": d.organization}]
        models.MaintenanceWindow.objects.bulk_create(
            models.MaintenanceWindow(
                **targets[i % 3](d),
                start=T0,
                end=T0 + datetime.timedelta(hours=1),
                reason=f"Pemeliharaan {i}",
            )
            for i, d in zip(new, devices, strict=True)
        )
        # Raw results of the hub check, each from one of the probers (their names are read per page).
        count = 2 * n
        models.Result.objects.bulk_create(
            models.Result(
                probe_check=self.check,
                time=T0 + datetime.timedelta(minutes=k),
                outcome=k % 3,
                sent=3,
                received=0 if k % 3 else 3,
                prober=probers[(k - self.results) % len(probers)] if probers else self.prober,
                rtt_avg=0.5,
            )
            for k in range(self.results, count)
        )
        self.results = count
        changelog.record_bulk(
            (hub, ChangeAction.UPDATE, {"description": f"sebelum {i}"}, {"description": f"sesudah {i}"})
            for hub in (self.check, self.credential, self.window)
            for i in new
        )
        self.size = n


@pytest.fixture
def city(db):
    city = ProbedCity()
    city.grow(SMALL)
    return city


def assert_fixed(client, city: ProbedCity, url: str, name: str, query_counts) -> int:
    small = queries(client, url)
    city.grow(LARGE)
    large = queries(client, url)
    assert len(large) == len(small), f"{url}: {len(small)} queries with the small city, {len(large)} with the large one"
    query_counts.check(name, len(small))
    return len(small)


ALL_LISTS = [(p.slug, p.queryset.model._meta.model_name) for p in PAGES] + [
    (slug, queryset.model._meta.model_name) for slug, queryset, _f, _t in READ_ONLY_LISTS
]


@pytest.mark.parametrize(("slug", "name"), ALL_LISTS, ids=[slug for slug, _n in ALL_LISTS])
def test_list_page(client, admin_user, city, slug, name, query_counts):
    client.force_login(admin_user)
    url = reverse(f"probes:{name}_list") + "?per_page=200"
    assert_fixed(client, city, url, f"web/list/probes-{slug}", query_counts)


@pytest.mark.parametrize(("slug", "name"), ALL_LISTS, ids=[slug for slug, _n in ALL_LISTS])
def test_list_export(client, admin_user, city, slug, name, query_counts):
    client.force_login(admin_user)
    url = reverse(f"probes:{name}_list") + "?export=csv"
    assert_fixed(client, city, url, f"web/export/probes-{slug}", query_counts)


def test_check_list_with_every_column(client, admin_user, city, query_counts):
    client.force_login(admin_user)
    table = PAGES[0].table(PAGES[0].queryset.none())
    client.post(reverse("table_config", args=[type(table).__name__]), {"columns": table.available_columns})
    url = reverse("probes:check_list") + "?per_page=200"
    assert_fixed(client, city, url, "web/list-every-column/probes-checks", query_counts)


@pytest.mark.parametrize("pages", PAGES, ids=lambda p: p.slug)
@pytest.mark.parametrize("tab", ["", "history", "edit", "delete"])
def test_object_page(client, admin_user, city, pages, tab, query_counts):
    client.force_login(admin_user)
    model = pages.queryset.model
    name = model._meta.model_name
    url = reverse(f"probes:{name}_{tab}" if tab else f"probes:{name}", args=[city.hub(model).pk])
    assert_fixed(client, city, url, f"web/{tab or 'detail'}/probes-{pages.slug}", query_counts)


@pytest.mark.parametrize("pages", PAGES, ids=lambda p: p.slug)
def test_add_page(client, admin_user, city, pages, query_counts):
    client.force_login(admin_user)
    url = reverse(f"probes:{pages.queryset.model._meta.model_name}_add")
    assert_fixed(client, city, url, f"web/add/probes-{pages.slug}", query_counts)


def test_an_older_page_of_results(client, admin_user, city, query_counts):
    client.force_login(admin_user)
    url = reverse("probes:check", args=[city.check.pk]) + "?before=2026-03-01T00%3A15%3A00%2B00%3A00"
    assert_fixed(client, city, url, "web/detail-older/probes-checks", query_counts)


def test_a_device_page_with_its_checks(client, admin_user, city, query_counts):
    """The hub device gets an ICMP check per row: its panel shows the first 50, in one query."""
    client.force_login(admin_user)
    url = reverse("inventory:device", args=[city.device.pk])
    assert_fixed(client, city, url, "web/detail/devices-with-checks", query_counts)


def test_the_bulk_edit_form(client, admin_user, city, query_counts):
    """The selected checks are read once, however many: 10, then 200."""
    client.force_login(admin_user)
    url = reverse("probes:check_bulk_edit")

    def count(pks) -> int:
        client.post(url, {"pk": pks})
        with CaptureQueriesContext(connection) as ctx:
            assert client.post(url, {"pk": pks}).status_code == 200
        return len(ctx.captured_queries)

    small = count(list(models.Check.objects.values_list("pk", flat=True)[:SMALL]))
    city.grow(LARGE)
    assert count(list(models.Check.objects.values_list("pk", flat=True)[:LARGE])) == small
    query_counts.check("web/bulk-edit/probes-checks", small)


# --- the API ---------------------------------------------------------------------------------------
FOUND = ["events", "downtimes", "runs", "status"]


def _read(response):
    """The whole answer: a download left unread keeps its server-side cursor open on PostgreSQL."""
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def _api_queries(api, path: str) -> int:
    _read(api.get(path))
    with CaptureQueriesContext(connection) as ctx:
        response = _read(api.get(path))
        assert response.status_code == 200
    return len(ctx.captured_queries)


def _api_fixed(api, city, path: str, name: str, query_counts) -> None:
    small = _api_queries(api, path)
    city.grow(LARGE)
    assert _api_queries(api, path) == small, path
    query_counts.check(name, small)


@pytest.mark.parametrize("prefix", FOUND)
def test_found_lists(admin_user, city, prefix, query_counts):
    path = f"/api/probes/{prefix}/?limit=1000"
    _api_fixed(token_client(admin_user), city, path, f"api/list/probes/{prefix}", query_counts)


@pytest.mark.parametrize("prefix", FOUND)
def test_found_exports(admin_user, city, prefix, query_counts):
    path = f"/api/probes/{prefix}/?format=csv"
    _api_fixed(token_client(admin_user), city, path, f"api/export-csv/probes/{prefix}", query_counts)


@pytest.mark.parametrize("prefix", FOUND)
def test_found_objects(admin_user, city, prefix, query_counts):
    api = token_client(admin_user)
    one = api.get(f"/api/probes/{prefix}/?limit=1").json()["results"][0]["url"]
    _api_fixed(api, city, one, f"api/detail/probes/{prefix}", query_counts)


@pytest.mark.parametrize("query", ["limit=1000", "limit=1000&ordering=-time", "format=csv"])
def test_results(admin_user, city, query, query_counts):
    """A page of 20 results, then of 400, and their export: the probers' names are read once."""
    api = token_client(admin_user)
    name = "export-csv" if "format" in query else "list-newest" if "ordering" in query else "list"
    path = f"/api/probes/results/?check={city.check.pk}&{query}"
    _api_fixed(api, city, path, f"api/{name}/probes/results", query_counts)


def test_a_results_cursor_page(admin_user, city, query_counts):
    api = token_client(admin_user)

    def next_page() -> str:
        return api.get(f"/api/probes/results/?check={city.check.pk}&limit=5").json()["next"]

    small = _api_queries(api, next_page())
    city.grow(LARGE)
    assert _api_queries(api, next_page()) == small
    query_counts.check("api/list-cursor/probes/results", small)


def test_availability(admin_user, city, query_counts):
    """Needs the lead's selectors (infra.probes.selectors): a site of 10 checks, then of 400."""
    pytest.importorskip("infra.probes.selectors")
    api = token_client(admin_user)
    scopes = {
        "check": city.check.pk,
        "device": city.device.pk,
        "site": city.site.pk,
        "organization": city.organization.pk,
    }
    paths = {s: f"/api/probes/availability/?scope={s}&id={pk}&period=month&date=2026-03-15" for s, pk in scopes.items()}
    small = {scope: _api_queries(api, path) for scope, path in paths.items()}
    city.grow(LARGE)
    assert {scope: _api_queries(api, path) for scope, path in paths.items()} == small
    for scope, count in small.items():
        query_counts.check(f"api/availability/probes/{scope}", count)
