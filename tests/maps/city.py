"""A small city for the builders' tests, written through the real services at a dated moment (``T0``), so
that the change log holds it as it was then; ``grow`` adds more of everything for the query-count tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from infra.core.choices import ChangeSource
from infra.core.context import change_context
from infra.inventory import choices
from infra.inventory.models import FiberCore
from infra.inventory.services.migration import transition

from ..factories import (
    ApplicationFactory,
    DeviceFactory,
    FiberLinkFactory,
    MigrationFactory,
    MigrationWaveFactory,
    OrganizationFactory,
    RackFactory,
    RegionFactory,
    SiteFactory,
)

WIB = ZoneInfo("Asia/Jakarta")
T0 = datetime.datetime(2026, 1, 10, 9, 0, tzinfo=WIB)
S = choices.MigrationState


@dataclass
class City:
    regions: dict = field(default_factory=dict)
    orgs: dict = field(default_factory=dict)
    sites: dict = field(default_factory=dict)
    racks: dict = field(default_factory=dict)
    devices: dict = field(default_factory=dict)
    migrations: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)
    apps: dict = field(default_factory=dict)
    wave: object = None
    grown: int = 0


def at(moment: datetime.datetime):
    """Writes inside are logged at ``moment`` (as the demo's history is)."""
    return change_context(source=ChangeSource.COMMAND, at=moment)


def make_city() -> City:
    """Kota Uji: a data center (racks R01, R02, a hypervisor), Dinkes's office (two servers, a VM on the
    first, a switch), Disdik's office (one server) and a post with no coordinates; three links (active,
    planned, faulty); two applications; the first Dinkes server scheduled in a wave for R01."""
    c = City()
    with at(T0):
        kota = RegionFactory(name="Kota Uji", kind=choices.RegionKind.CITY, code="99.01")
        c.regions["kota"] = kota
        c.regions["a"] = RegionFactory(name="Kec A", kind=choices.RegionKind.DISTRICT, code="99.01.01", parent=kota)
        c.regions["b"] = RegionFactory(name="Kec B", kind=choices.RegionKind.DISTRICT, code="99.01.02", parent=kota)
        c.orgs["kominfo"] = OrganizationFactory(name="Dinas Komunikasi dan Informatika", short_name="Diskominfo")
        c.orgs["dinkes"] = OrganizationFactory(name="Dinas Kesehatan", short_name="Dinkes", region=c.regions["a"])
        c.orgs["disdik"] = OrganizationFactory(name="Dinas Pendidikan", short_name="Disdik")
        c.sites["dc"] = SiteFactory(
            name="Pusat Data",
            kind=choices.SiteKind.DATA_CENTER,
            organization=c.orgs["kominfo"],
            region=kota,
            latitude=Decimal("-5.430000"),
            longitude=Decimal("105.260000"),
        )
        c.sites["a"] = SiteFactory(
            name="Kantor Dinkes",
            organization=c.orgs["dinkes"],
            region=c.regions["a"],
            latitude=Decimal("-5.400000"),
            longitude=Decimal("105.250000"),
        )
        c.sites["b"] = SiteFactory(
            name="Kantor Disdik",
            organization=c.orgs["disdik"],
            region=c.regions["b"],
            latitude=Decimal("-5.450000"),
            longitude=Decimal("105.300000"),
        )
        c.sites["c"] = SiteFactory(
            name="Pos Tanpa Koordinat",
            organization=c.orgs["disdik"],
            region=c.regions["b"],
            latitude=None,
            longitude=None,
        )
        c.racks["r1"] = RackFactory(site=c.sites["dc"], name="R01")
        c.racks["r2"] = RackFactory(site=c.sites["dc"], name="R02")
        dev = c.devices
        dev["hv"] = DeviceFactory(name="hv-01", organization=c.orgs["kominfo"], site=c.sites["dc"], rack=c.racks["r1"])
        dev["s1"] = DeviceFactory(name="srv-dinkes-1", organization=c.orgs["dinkes"], site=c.sites["a"])
        dev["s2"] = DeviceFactory(name="srv-dinkes-2", organization=c.orgs["dinkes"], site=c.sites["a"])
        dev["vm"] = DeviceFactory(
            name="vm-dinkes",
            organization=c.orgs["dinkes"],
            site=c.sites["a"],
            kind=choices.DeviceKind.VIRTUAL_MACHINE,
            host=dev["s1"],
        )
        dev["sw"] = DeviceFactory(
            name="sw-dinkes", organization=c.orgs["dinkes"], site=c.sites["a"], kind=choices.DeviceKind.SWITCH
        )
        dev["s3"] = DeviceFactory(name="srv-disdik-1", organization=c.orgs["disdik"], site=c.sites["b"])
        c.wave = MigrationWaveFactory(name="Gelombang 1")
        c.migrations["s1"] = MigrationFactory(device=dev["s1"], wave=c.wave, target_rack=c.racks["r1"], at=T0)
        c.migrations["s2"] = MigrationFactory(device=dev["s2"], at=T0)
        c.migrations["s3"] = MigrationFactory(device=dev["s3"], at=T0)
        transition(c.migrations["s1"], S.ASSESSED, at=T0)
        transition(c.migrations["s1"], S.SCHEDULED, at=T0)
        transition(c.migrations["s3"], S.ASSESSED, at=T0)
        c.links["l1"] = FiberLinkFactory(
            code="FO-01",
            site_a=c.sites["dc"],
            site_b=c.sites["a"],
            status=choices.FiberLinkStatus.ACTIVE,
            deployment=choices.Deployment.DUCT,
            length_km=Decimal("2.500"),
        )
        c.links["l2"] = FiberLinkFactory(
            code="FO-02",
            site_a=c.sites["dc"],
            site_b=c.sites["b"],
            status=choices.FiberLinkStatus.PLANNED,
            deployment=choices.Deployment.AERIAL,
            length_km=Decimal("4.000"),
        )
        c.links["l3"] = FiberLinkFactory(
            code="FO-03",
            site_a=c.sites["b"],
            site_b=c.sites["c"],
            status=choices.FiberLinkStatus.FAULTY,
            deployment=choices.Deployment.DIRECT_BURIED,
            length_km=Decimal("1.200"),
        )
        for core in FiberCore.objects.filter(link=c.links["l1"], number__lte=3):
            core.state = choices.CoreState.IN_USE
            core.save()
        c.apps["sik"] = ApplicationFactory(
            name="Sistem Informasi Kesehatan",
            short_name="SIK",
            organization=c.orgs["dinkes"],
            integration_status=choices.IntegrationStatus.SERVICE_BUS,
        )
        c.apps["sik"].devices.set([dev["s1"], dev["vm"]])
        c.apps["dapodik"] = ApplicationFactory(name="Dapodik", organization=c.orgs["disdik"])
        c.apps["dapodik"].devices.set([dev["s3"]])
    return c


def grow(c: City, n: int) -> None:
    """``n`` more of everything: OPD sites with servers, VMs, switches, migrations, links, racks, apps."""
    with at(T0):
        for i in range(c.grown, c.grown + n):
            org = OrganizationFactory(name=f"Dinas Tambahan {i}", short_name=f"DT{i}", region=c.regions["a"])
            site = SiteFactory(name=f"Kantor Tambahan {i}", organization=org, region=c.regions["a"])
            rack = RackFactory(site=c.sites["dc"], name=f"RX{i:02d}")
            servers = [DeviceFactory(name=f"srv-t{i}-{j}", organization=org, site=site) for j in range(3)]
            DeviceFactory(
                name=f"vm-t{i}", organization=org, site=site, kind=choices.DeviceKind.VIRTUAL_MACHINE, host=servers[0]
            )
            DeviceFactory(name=f"sw-t{i}", organization=org, site=site, kind=choices.DeviceKind.SWITCH)
            DeviceFactory(name=f"hv-t{i}", organization=c.orgs["kominfo"], site=c.sites["dc"], rack=rack)
            for j, server in enumerate(servers):
                m = MigrationFactory(device=server, wave=c.wave, target_rack=rack, at=T0)
                if j:
                    transition(m, S.ASSESSED, at=T0)
            FiberLinkFactory(code=f"FO-T{i:02d}", site_a=c.sites["dc"], site_b=site)
            app = ApplicationFactory(
                name=f"Aplikasi Tambahan {i}",
                organization=org,
                integration_status=choices.IntegrationStatus.API_GATEWAY,
            )
            app.devices.set(servers[:2])
    c.grown += n
