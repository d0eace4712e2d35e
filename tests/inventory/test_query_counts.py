"""Every page runs the same number of SQL queries whatever the number of rows it shows, and exactly
the number pinned for it in tests/query_counts.json.

Each test opens a page on a small city (10 rows of everything hanging off one object of each kind,
a fiber link of 12 cores), counts its queries, grows the city to 200 rows (288 cores) and counts
again: an N+1 (a column, a ``__str__`` or a template following a relation per row) makes the
second count larger. Rows are written with bulk_create: only the page is under test here.

Both counts must also equal the page's pinned figure (``web/<kind>/<page>``), so a query added to a
page for every request shows up too, and so does a saving. When a change of figure is deliberate,
rerun with ``pytest --update-query-counts`` (SQLite, then PostgreSQL with DATABASE_URL) and commit
tests/query_counts.json with the change that explains it; see tests/query_counts.py.
"""

import datetime
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from infra.core import changelog
from infra.core.choices import ChangeAction
from infra.inventory import choices, models
from infra.inventory.models.fiber import core_colors
from infra.inventory.services.fiber import save_link
from infra.inventory.urls import PAGES

SMALL, LARGE = 10, 200
SMALL_CORES, LARGE_CORES = 12, 288
S = choices.MigrationState


class City:
    """One object of each kind (the hubs) with ``grow(n)`` rows of everything hanging off them."""

    def __init__(self, user):
        self.user = user
        self.size = 0
        self.region = models.Region.objects.create(name="Kota Uji", kind=choices.RegionKind.CITY, code="99.71")
        self.organization = models.Organization.objects.create(
            name="Dinas Komunikasi dan Informatika",
            short_name="Diskominfo",
            kind=choices.OrganizationKind.AGENCY,
            region=self.region,
        )
        self.contact = models.Contact.objects.create(organization=self.organization, name="Budi", is_primary=True)
        self.site = models.Site.objects.create(
            name="Pusat Data", kind=choices.SiteKind.DATA_CENTER, organization=self.organization, region=self.region
        )
        self.other_site = models.Site.objects.create(name="Kantor Walikota", kind=choices.SiteKind.OPD_OFFICE)
        self.rack = models.Rack.objects.create(site=self.site, name="R00")
        self.contract = models.Contract.objects.create(
            number="001/SPK/UJI/2026", year=2026, contracted_km=Decimal("3.200"), contracted_links=1
        )
        self.device = models.Device.objects.create(
            name="srv-hub",
            organization=self.organization,
            site=self.site,
            rack=self.rack,
            position=1,
            kind=choices.DeviceKind.SERVER,
            contract=self.contract,
        )
        self.interface = models.Interface.objects.create(device=self.device, name="eth-hub", if_index=1)
        self.ip = models.IPAddress.objects.create(address="127.21.255.1", prefix_length=24, interface=self.interface)
        self.device.primary_ip = self.ip
        self.device.save()
        self.application = models.Application.objects.create(name="SIPD", organization=self.organization)
        self.application.devices.add(self.device)
        self.link = save_link(
            models.FiberLink(
                code="FO-HUB",
                site_a=self.site,
                site_b=self.other_site,
                core_count=SMALL_CORES,
                deployment=choices.Deployment.DUCT,
                length_km=Decimal("3.200"),
                status=choices.FiberLinkStatus.ACTIVE,
                contract=self.contract,
            )
        )
        self.core = self.link.cores.get(number=1)
        self.wave = models.MigrationWave.objects.create(
            name="Gelombang Hub", start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 6, 30)
        )
        from infra.inventory.services.migration import start_tracking

        self.migration = start_tracking(self.device, wave=self.wave)
        self.blocker = models.MigrationBlocker.objects.create(
            migration=self.migration, category=choices.BlockerCategory.BACKUP
        )
        self.year_target = models.YearTarget.objects.create(year=2099, servers_moved=10)

    def hub(self, model: type) -> object:
        hubs = {
            models.Region: self.region,
            models.Organization: self.organization,
            models.Contact: self.contact,
            models.Site: self.site,
            models.Rack: self.rack,
            models.Device: self.device,
            models.Interface: self.interface,
            models.IPAddress: self.ip,
            models.Application: self.application,
            models.FiberLink: self.link,
            models.FiberCore: self.core,
            models.MigrationWave: self.wave,
            models.Migration: self.migration,
            models.MigrationBlocker: self.blocker,
            models.YearTarget: self.year_target,
            models.Contract: self.contract,
        }
        return hubs[model]

    def grow(self, n: int) -> None:
        """Add rows ``size..n`` of every kind, each pointing at the hubs (and its own fresh objects)."""
        new = range(self.size, n)
        districts = models.Region.objects.bulk_create(
            models.Region(
                name=f"Kecamatan {i}", kind=choices.RegionKind.DISTRICT, parent=self.region, code=f"99.71.{i:03d}"
            )
            for i in new
        )
        models.Organization.objects.bulk_create(
            models.Organization(
                name=f"Dinas Uji {i}",
                short_name=f"DU{i}",
                kind=choices.OrganizationKind.AGENCY,
                region=d,
                parent=self.organization,
            )
            for i, d in zip(new, districts, strict=True)
        )
        models.Contact.objects.bulk_create(
            models.Contact(organization=self.organization, name=f"Kontak {i}", phone=f"0812{i:06d}") for i in new
        )
        sites = models.Site.objects.bulk_create(
            models.Site(name=f"Kantor {i}", kind=choices.SiteKind.OPD_OFFICE, region=d, organization=self.organization)
            for i, d in zip(new, districts, strict=True)
        )
        racks = models.Rack.objects.bulk_create(models.Rack(site=self.site, name=f"R{i + 1:03d}") for i in new)
        devices = models.Device.objects.bulk_create(
            models.Device(
                name=f"srv-{i:04d}",
                organization=self.organization,
                site=self.site,
                rack=rack,
                position=2,
                kind=choices.DeviceKind.SERVER if i % 2 else choices.DeviceKind.VIRTUAL_MACHINE,
                host=None if i % 2 else self.device,
                vendor="Dell",
                model="R740",
                asset_number=f"BMD-{i:05d}",
                contract=self.contract,
            )
            for i, rack in zip(new, racks, strict=True)
        )
        own = models.Interface.objects.bulk_create(models.Interface(device=d, name="eth0", if_index=1) for d in devices)
        on_hub = models.Interface.objects.bulk_create(
            models.Interface(device=self.device, name=f"eth{i}", if_index=i + 2) for i in new
        )
        ips = models.IPAddress.objects.bulk_create(
            models.IPAddress(address=f"127.20.{i // 250}.{i % 250 + 1}", prefix_length=24, interface=iface)
            for i, iface in zip(new, own, strict=True)
        )
        models.IPAddress.objects.bulk_create(
            models.IPAddress(address=f"127.21.{i // 250}.{i % 250 + 1}", prefix_length=24, interface=iface)
            for i, iface in zip(new, on_hub, strict=True)
        )
        for device, ip in zip(devices, ips, strict=True):
            device.primary_ip = ip
        models.Device.objects.bulk_update(devices, ["primary_ip"])
        apps = models.Application.objects.bulk_create(
            models.Application(name=f"Aplikasi {i}", organization=self.organization, url=f"https://app{i}.example.id")
            for i in new
        )
        through = models.Application.devices.through
        through.objects.bulk_create(
            [through(application=a, device=d) for a, d in zip(apps, devices, strict=True)]
            + [through(application=a, device=self.device) for a in apps]
        )
        models.MigrationWave.objects.bulk_create(models.MigrationWave(name=f"Gelombang {i}") for i in new)
        migrations = models.Migration.objects.bulk_create(
            models.Migration(device=d, wave=self.wave, target_rack=r, target_host=self.device)
            for d, r in zip(devices, racks, strict=True)
        )
        models.MigrationTransition.objects.bulk_create(
            models.MigrationTransition(migration=m, to_state=S.INVENTORIED, user=self.user) for m in migrations
        )
        models.MigrationBlocker.objects.bulk_create(
            [models.MigrationBlocker(migration=m, category=choices.BlockerCategory.CAPACITY) for m in migrations]
            + [
                models.MigrationBlocker(
                    migration=self.migration, category=choices.BlockerCategory.BUDGET, owner=f"Pemilik {i}"
                )
                for i in new
            ]
        )
        self._grow_history(new)
        links = models.FiberLink.objects.bulk_create(
            models.FiberLink(
                code=f"FO-{i:04d}",
                site_a=self.site,
                site_b=s,
                core_count=2,
                deployment=choices.Deployment.AERIAL,
                length_km=Decimal("1.500"),
                contract=self.contract,
            )
            for i, s in zip(new, sites, strict=True)
        )
        models.FiberCore.objects.bulk_create(
            models.FiberCore(link=link, number=k, tube=1, tube_color="blue", color=core_colors(k)[2])
            for link in links
            for k in (1, 2)
        )
        models.YearTarget.objects.bulk_create(
            models.YearTarget(year=2000 + i, servers_moved=i) for i in new if 2000 + i < 2099
        )
        models.Contract.objects.bulk_create(
            models.Contract(number=f"{i:03d}/SPK/UJI", year=2026, contracted_km=Decimal(i), contracted_sites=i)
            for i in new
        )
        changelog.record_bulk(
            (hub, ChangeAction.UPDATE, {"note": f"sebelum {i}"}, {"note": f"sesudah {i}"})
            for hub in {self.hub(m) for m in (p.queryset.model for p in PAGES)}
            for i in new
        )
        self.size = n

    def _grow_history(self, new: range) -> None:
        """The hub migration goes back and forth between assessed and scheduled, one move per row."""
        last = self.migration.transitions.order_by("-at", "-id").first()
        state = last.to_state
        moves = []
        for i in new:
            to = S.ASSESSED if state in (S.INVENTORIED, S.SCHEDULED) else S.SCHEDULED
            moves.append(
                models.MigrationTransition(
                    migration=self.migration,
                    from_state=state,
                    to_state=to,
                    user=self.user,
                    reason=f"langkah {i}",
                    at=last.at + datetime.timedelta(minutes=i + 1),
                    is_rollback=(state, to) in choices.MIGRATION_ROLLBACKS,
                )
            )
            state = to
        models.MigrationTransition.objects.bulk_create(moves)
        models.Migration.objects.filter(pk=self.migration.pk).update(state=state)

    def grow_cores(self, count: int) -> None:
        models.FiberLink.objects.filter(pk=self.link.pk).update(core_count=count)
        have = set(self.link.cores.values_list("number", flat=True))
        models.FiberCore.objects.bulk_create(
            models.FiberCore(
                link=self.link,
                number=k,
                tube=core_colors(k)[0],
                tube_color=core_colors(k)[1],
                color=core_colors(k)[2],
                state=choices.CoreState.IN_USE if k % 3 else choices.CoreState.SPARE,
                carries=f"Sirkuit {k}",
            )
            for k in range(1, count + 1)
            if k not in have
        )


@pytest.fixture
def city(admin_user):
    city = City(admin_user)
    city.grow(SMALL)
    return city


def queries(client, url: str) -> list[str]:
    """The SQL one request for ``url`` runs, the response read to its end (exports stream)."""
    client.get(url)  # warm-up: the page size preference is saved, content types are cached
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)
    return [q["sql"] for q in ctx.captured_queries]


def _shape(sql: str) -> str:
    """The query with its literal values blanked: the same query for another row has the same shape."""
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


def assert_fixed(client, city: City, url: str, name: str, query_counts, grow=None) -> int:
    """The queries of ``url`` on the small city and the large one: the same, and ``name``'s pinned figure."""
    small = queries(client, url)
    (grow or (lambda: city.grow(LARGE)))()
    large = queries(client, url)
    small_shapes = Counter(map(_shape, small))
    repeated = [sql for sql, n in Counter(map(_shape, large)).items() if n > small_shapes[sql]]
    assert len(large) == len(small), (
        f"{url}: {len(small)} queries with the small city, {len(large)} with the large one; "
        f"repeated per row: {repeated[:3]}"
    )
    query_counts.check(name, len(small))
    return len(small)


def _list_url(pages) -> str:
    return reverse(f"inventory:{pages.queryset.model._meta.model_name}_list")


@pytest.mark.parametrize("pages", PAGES, ids=lambda p: p.slug)
def test_list_page(client, admin_user, city, pages, query_counts):
    client.force_login(admin_user)
    url = _list_url(pages) + "?per_page=200"
    assert_fixed(client, city, url, f"web/list/{pages.slug}", query_counts)
    rows = len(re.findall(r'<tr class="(?:odd|even)"', client.get(url).content.decode()))
    assert rows >= 99  # the large city's rows are on the page (yearly targets stop at 99)


@pytest.mark.parametrize("pages", PAGES, ids=lambda p: p.slug)
def test_list_export(client, admin_user, city, pages, query_counts):
    client.force_login(admin_user)
    url = _list_url(pages) + "?export=csv"
    assert_fixed(client, city, url, f"web/export/{pages.slug}", query_counts)
    lines = b"".join(client.get(url).streaming_content).decode().count("\n")
    assert lines >= 100


def test_list_page_with_every_column(client, admin_user, city, query_counts):
    """Columns hidden by default (rack, host...) are fixed-count too once a user shows them."""
    client.force_login(admin_user)
    for pages in PAGES:
        table = pages.table(pages.queryset.none())
        client.post(reverse("table_config", args=[type(table).__name__]), {"columns": table.available_columns})
    small = {p.slug: len(queries(client, _list_url(p) + "?per_page=200")) for p in PAGES}
    city.grow(LARGE)
    large = {p.slug: len(queries(client, _list_url(p) + "?per_page=200")) for p in PAGES}
    assert large == small
    for slug, count in small.items():
        query_counts.check(f"web/list-every-column/{slug}", count)


@pytest.mark.parametrize("pages", PAGES, ids=lambda p: p.slug)
@pytest.mark.parametrize("tab", ["", "history", "edit"])
def test_object_page(client, admin_user, city, pages, tab, query_counts):
    client.force_login(admin_user)
    model = pages.queryset.model
    obj = city.hub(model)
    name = model._meta.model_name
    url = reverse(f"inventory:{name}_{tab}" if tab else f"inventory:{name}", args=[obj.pk])
    grow = None
    if model is models.FiberLink or model is models.FiberCore:
        grow = lambda: (city.grow(LARGE), city.grow_cores(LARGE_CORES))  # noqa: E731
    assert_fixed(client, city, url, f"web/{tab or 'detail'}/{pages.slug}", query_counts, grow)


@pytest.mark.parametrize("pages", PAGES, ids=lambda p: p.slug)
def test_add_page(client, admin_user, city, pages, query_counts):
    """The empty form: its choices come from pickers, not from a list of every row."""
    client.force_login(admin_user)
    url = reverse(f"inventory:{pages.queryset.model._meta.model_name}_add")
    assert_fixed(client, city, url, f"web/add/{pages.slug}", query_counts)


def test_fiber_link_page_lists_every_core(client, admin_user, city):
    client.force_login(admin_user)
    city.grow_cores(LARGE_CORES)
    page = client.get(reverse("inventory:fiberlink", args=[city.link.pk])).content.decode()
    assert page.count('href="/fiber-cores/') >= LARGE_CORES


@pytest.mark.parametrize(
    "url", ["home", "inventory:migration_board", "inventory:migration_progress"], ids=["home", "board", "progress"]
)
def test_overview_page(client, admin_user, city, url, query_counts):
    client.force_login(admin_user)
    assert_fixed(client, city, reverse(url), f"web/{url.removeprefix('inventory:migration_')}", query_counts)


def test_search_page(client, admin_user, query_counts):
    """The search shows at most 10 hits per kind: the small city has fewer, so an N+1 shows."""
    client.force_login(admin_user)
    city = City(admin_user)
    city.grow(3)
    # "s" is in the names of devices (and so of their migrations), OPDs, applications, sites...
    url = reverse("search") + "?q=s"
    page = client.get(url).content.decode()
    assert "srv-0001" in page and "Aplikasi 1" in page
    assert len(re.findall(r"href=\"/migrations/\d+/\"", page)) == 4  # hub + 3, named by their server
    assert assert_fixed(client, city, url, "web/search", query_counts) > 0
