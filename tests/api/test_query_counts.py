"""Every list answers with the same number of SQL queries for 10 objects as for 1,000: an N+1 in a
viewset's queryset (a related object read per row) shows up here as a failing test.

Each count is also pinned exactly in tests/query_counts.json (``api/<kind>/<endpoint>``), for few
rows and many alike, so one query more per request fails too, and so does one less until pinned.
When a change of figure is deliberate, rerun with ``pytest --update-query-counts`` (SQLite, then
PostgreSQL with DATABASE_URL) and commit tests/query_counts.json with the change that explains it;
see tests/query_counts.py.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from infra.core import changelog
from infra.core.choices import ChangeAction
from infra.core.models import ObjectChange, Token
from infra.core.models.tokens import hash_key
from infra.inventory import choices
from infra.inventory import models as inv
from infra.inventory.services.fiber import sync_cores
from infra.probes import models as probes

from ..factories import MigrationFactory, OrganizationFactory, RackFactory, RegionFactory, SiteFactory
from .endpoints import ENDPOINTS, url

pytestmark = pytest.mark.django_db

N = 1000
KIND = choices.DeviceKind


def _servers(n: int, prefix: str = "srv") -> list[inv.Device]:
    org = OrganizationFactory()
    site = SiteFactory(organization=org)
    return inv.Device.objects.bulk_create(
        inv.Device(name=f"{prefix}-{i:05d}", organization=org, site=site, kind=KIND.SERVER) for i in range(n)
    )


def _migrations(n: int) -> list[inv.Migration]:
    wave = inv.MigrationWave.objects.create(name="Gelombang Uji")
    rack = RackFactory()
    host = _servers(1, "host")[0]
    return inv.Migration.objects.bulk_create(
        inv.Migration(device=d, wave=wave, target_rack=rack, target_host=host) for d in _servers(n)
    )


def make_regions():
    city = RegionFactory()
    inv.Region.objects.bulk_create(
        inv.Region(name=f"Kecamatan {i}", kind=choices.RegionKind.DISTRICT, parent=city) for i in range(N)
    )


def make_organizations():
    parent, region = OrganizationFactory(), RegionFactory()
    inv.Organization.objects.bulk_create(
        inv.Organization(name=f"Dinas {i}", short_name=f"D{i}", kind="dinas", parent=parent, region=region)
        for i in range(N)
    )


def make_contacts():
    orgs = [OrganizationFactory() for _ in range(10)]
    inv.Contact.objects.bulk_create(inv.Contact(organization=orgs[i % 10], name=f"PIC {i}") for i in range(N))


def make_sites():
    org, region = OrganizationFactory(), RegionFactory()
    inv.Site.objects.bulk_create(
        inv.Site(name=f"Kantor Cabang {i}", kind="opd_office", organization=org, region=region) for i in range(N)
    )


def make_racks():
    sites = [SiteFactory() for _ in range(10)]
    inv.Rack.objects.bulk_create(inv.Rack(site=sites[i % 10], name=f"R{i}") for i in range(N))


def make_devices():
    rack = RackFactory()
    org = OrganizationFactory()
    host = inv.Device.objects.create(name="host", organization=org, site=rack.site, kind=KIND.SERVER)
    devices = inv.Device.objects.bulk_create(
        inv.Device(
            name=f"vm-{i:05d}", organization=org, site=rack.site, rack=rack, kind=KIND.VIRTUAL_MACHINE, host=host
        )
        for i in range(N - 1)
    )
    interfaces = inv.Interface.objects.bulk_create(inv.Interface(device=d, name="eth0") for d in devices)
    ips = inv.IPAddress.objects.bulk_create(
        inv.IPAddress(address=f"127.50.{i // 250}.{i % 250 + 1}", interface=iface) for i, iface in enumerate(interfaces)
    )
    for device, ip in zip(devices, ips, strict=True):
        device.primary_ip = ip
    inv.Device.objects.bulk_update(devices, ["primary_ip"])


def make_interfaces():
    devices = _servers(10)
    inv.Interface.objects.bulk_create(inv.Interface(device=devices[i % 10], name=f"eth{i}") for i in range(N))


def make_ip_addresses():
    interfaces = inv.Interface.objects.bulk_create(inv.Interface(device=d, name="eth0") for d in _servers(10))
    inv.IPAddress.objects.bulk_create(
        inv.IPAddress(address=f"127.60.{i // 250}.{i % 250 + 1}", interface=interfaces[i % 10]) for i in range(N)
    )


def make_applications():
    devices = _servers(20)
    org = devices[0].organization
    apps = inv.Application.objects.bulk_create(
        inv.Application(name=f"Aplikasi {i}", organization=org) for i in range(N)
    )
    through = inv.Application.devices.through
    through.objects.bulk_create(
        through(application=a, device=devices[(i + k) % 20]) for i, a in enumerate(apps) for k in range(2)
    )


def make_fiber_links():
    a, b = SiteFactory(), SiteFactory()
    contracts = inv.Contract.objects.bulk_create(inv.Contract(number=f"{i:03d}/SPK/UJI") for i in range(10))
    inv.FiberLink.objects.bulk_create(
        inv.FiberLink(
            code=f"FO-{i:05d}",
            site_a=a,
            site_b=b,
            deployment="duct",
            length_km=Decimal("1.5"),
            measured_loss_db=Decimal("2.10"),
            contract=contracts[i % 10],
        )
        for i in range(N)
    )


def make_fiber_cores():
    a, b = SiteFactory(), SiteFactory()
    links = inv.FiberLink.objects.bulk_create(
        inv.FiberLink(code=f"FO-{i:03d}", site_a=a, site_b=b, deployment="duct", length_km=1, core_count=12)
        for i in range(N // 12 + 1)
    )
    sync_cores(links)


def make_migration_waves():
    inv.MigrationWave.objects.bulk_create(inv.MigrationWave(name=f"Gelombang Ke-{i}") for i in range(N))


def make_migrations():
    _migrations(N)


def make_migration_blockers():
    migrations = _migrations(10)
    inv.MigrationBlocker.objects.bulk_create(
        inv.MigrationBlocker(migration=migrations[i % 10], category="backup", opened_on=datetime.date(2026, 1, 1))
        for i in range(N)
    )


def make_contracts():
    """Contracts, each with links and a device under it: the reconciliation is computed per row."""
    a, b = SiteFactory(), SiteFactory()
    contracts = inv.Contract.objects.bulk_create(
        inv.Contract(number=f"{i:04d}/SPK/UJI/2026", year=2026, contracted_km=Decimal("3.000"), contracted_sites=2)
        for i in range(N)
    )
    inv.FiberLink.objects.bulk_create(
        inv.FiberLink(code=f"FO-K{i:05d}", site_a=a, site_b=b, deployment="duct", length_km=1, contract=c)
        for i, c in enumerate(contracts[:100])
    )


def make_yearly_targets():
    inv.YearTarget.objects.bulk_create(inv.YearTarget(year=3000 + i, servers_moved=i) for i in range(N))


def make_migration_transitions(user):
    migrations = [MigrationFactory(device=d) for d in _servers(10)]
    inv.MigrationTransition.objects.bulk_create(
        inv.MigrationTransition(migration=migrations[i % 10], from_state="inventoried", to_state="assessed", user=user)
        for i in range(N)
    )


def make_changes(user):
    devices = _servers(N // 2)
    interfaces = inv.Interface.objects.bulk_create(inv.Interface(device=d, name="eth0") for d in devices)
    changelog.record_bulk((obj, ChangeAction.CREATE, None, changelog.serialize(obj)) for obj in [*devices, *interfaces])
    assert ObjectChange.objects.count() >= N


def make_tokens(user):
    Token.objects.bulk_create(Token(user=user, prefix=f"p{i:07d}", key_hash=hash_key(f"kunci-{i}")) for i in range(N))


def make_checks():
    devices = _servers(N)
    checks = probes.Check.objects.bulk_create(
        probes.Check(device=d, address=f"127.70.{i // 250}.{i % 250 + 1}") for i, d in enumerate(devices)
    )
    probes.CheckStatus.objects.bulk_create(probes.CheckStatus(probe_check=c, state="up") for c in checks)


def make_snmp_credentials():
    probes.SnmpCredential.objects.bulk_create(
        probes.SnmpCredential(name=f"kredensial-massal-{i}", version="2c", community=f"komunitas-{i}") for i in range(N)
    )


def make_maintenance_windows():
    """Windows of devices, sites and OPDs alike: each names its target."""
    device = _servers(1)[0]
    start = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    targets = [{"device": device}, {"site": device.site}, {"organization": device.organization}]
    probes.MaintenanceWindow.objects.bulk_create(
        probes.MaintenanceWindow(
            **targets[i % 3],
            start=start + datetime.timedelta(hours=i),
            end=start + datetime.timedelta(hours=i + 1),
            reason=f"Pemeliharaan {i}",
        )
        for i in range(N)
    )


LISTS = {
    "regions": make_regions,
    "organizations": make_organizations,
    "contacts": make_contacts,
    "sites": make_sites,
    "racks": make_racks,
    "devices": make_devices,
    "interfaces": make_interfaces,
    "ip-addresses": make_ip_addresses,
    "applications": make_applications,
    "fiber-links": make_fiber_links,
    "fiber-cores": make_fiber_cores,
    "migration-waves": make_migration_waves,
    "migrations": make_migrations,
    "migration-blockers": make_migration_blockers,
    "yearly-targets": make_yearly_targets,
    "contracts": make_contracts,
    "probes/checks": make_checks,
    "probes/snmp-credentials": make_snmp_credentials,
    "probes/maintenance-windows": make_maintenance_windows,
}
NEEDS_USER = {
    "migration-transitions": make_migration_transitions,
    "changes": make_changes,
    "tokens": make_tokens,
}


def queries_for(api, path: str, **params) -> tuple[int, int]:
    """(queries, rows) of one GET."""
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path, params)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("prefix", [*LISTS, *NEEDS_USER])
def test_a_list_costs_the_same_for_10_and_1000_rows(api, prefix, query_counts):
    if prefix in LISTS:
        LISTS[prefix]()
    else:
        NEEDS_USER[prefix](api.user)
    path = url(prefix)
    api.get(path, {"limit": 1})  # the token's last-used stamp and the content-type cache, once
    for extra in ({}, {"brief": 1}) if prefix in LISTS else ({},):
        few, few_rows = queries_for(api, path, limit=10, **extra)
        many, many_rows = queries_for(api, path, limit=1000, **extra)
        assert (few_rows, many_rows) == (10, 1000)
        assert few == many, f"{prefix} {extra}: {few} queries for 10 rows, {many} for 1000"
        assert many <= 6, f"{prefix} {extra}: {many} queries"
        query_counts.check(f"api/{'list-brief' if extra else 'list'}/{prefix}", many)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_costs_the_same_for_10_and_1000_rows(api, fmt, query_counts):
    make_devices()
    api.get(url("devices"), {"limit": 1})

    def export_queries(**params) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(url("devices"), {"format": fmt, **params})
            b"".join(response.streaming_content)
        return len(ctx.captured_queries)

    few, many = export_queries(name__istartswith="vm-0000"), export_queries()  # 10 rows, 999 rows
    assert few == many
    query_counts.check(f"api/export-{fmt}/devices", many)


def test_an_objects_history_costs_the_same_however_long(api, query_counts):
    device = _servers(1)[0]
    interfaces = inv.Interface.objects.bulk_create(inv.Interface(device=device, name=f"eth{i}") for i in range(N))
    changelog.record_bulk((i, ChangeAction.CREATE, None, changelog.serialize(i)) for i in interfaces)
    path = url("devices", device.pk, "history")
    api.get(path)
    few, many = queries_for(api, path, limit=10)[0], queries_for(api, path, limit=1000)[0]
    assert few == many
    query_counts.check("api/history/devices", many)


@pytest.mark.parametrize("prefix", ["devices", "migrations"])
def test_an_as_of_list_costs_the_same_for_10_and_1000_rows(api, prefix, query_counts):
    """One query for the rows as they were, one for each related kind's names then; a device's
    migration state and a migration's OPD, site and rack then: a few more, whatever the rows."""
    if prefix == "devices":
        objects = _servers(N)
    else:
        objects = _migrations(N)
        inv.MigrationTransition.objects.bulk_create(
            inv.MigrationTransition(migration=m, to_state=m.state, is_imported_start=True) for m in objects
        )
        devices = inv.Device.objects.all()
        changelog.record_bulk((d, ChangeAction.CREATE, None, changelog.serialize(d)) for d in devices)
    changelog.record_bulk((o, ChangeAction.CREATE, None, changelog.serialize(o)) for o in objects)
    moment = ObjectChange.objects.latest("id").time.isoformat()
    api.get(url(prefix), {"limit": 1})
    few, few_rows = queries_for(api, url(prefix), as_of=moment, limit=10)
    many, many_rows = queries_for(api, url(prefix), as_of=moment, limit=1000)
    assert (few_rows, many_rows) == (10, 1000)
    assert few == many <= 16, few
    query_counts.check(f"api/list-as-of/{prefix}", many)


@pytest.mark.parametrize("extra", [{}, {"brief": 1}])
def test_head_costs_what_get_costs(api, extra, query_counts):
    """HEAD reads the list as GET does (the same serializer), only without the body."""
    make_devices()
    api.get(url("devices"), {"limit": 1})
    with CaptureQueriesContext(connection) as head:
        assert api.head(url("devices"), {"limit": 1000, **extra}).status_code == 200
    with CaptureQueriesContext(connection) as get:
        assert api.get(url("devices"), {"limit": 1000, **extra}).status_code == 200
    assert len(head) == len(get) <= 6
    query_counts.check(f"api/{'head-brief' if extra else 'head'}/devices", len(head))


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_an_object_costs_the_same_among_few_or_many_rows(api, endpoint, query_counts):
    """One object (GET /api/<kind>/<id>/): its pinned count, the same next to 1,000 other rows."""
    obj = endpoint.make()
    path = url(endpoint.prefix, obj.pk)
    api.get(path)  # the token's last-used stamp and the content-type cache, once

    def detail_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(path)
        assert response.status_code == 200, response.content[:300]
        assert response.json()["id"] == obj.pk
        return len(ctx.captured_queries)

    few = detail_queries()
    LISTS[endpoint.prefix]()
    assert detail_queries() == few
    query_counts.check(f"api/detail/{endpoint.prefix}", few)
