"""A synthetic city of any size, written fast, for benchmarks and scale tests.

``generate_city(devices=20_000, seed=1)`` fills the current database with regions, OPDs and their
contacts, sites, racks, devices with interfaces and addresses, applications, migration waves,
migrations with their transition history and blockers, fiber links with their cores and yearly
targets. ``sites=`` and ``links=`` ask for a given number of sites (more POPs) and fiber links (a
tree out from the data center, then cross links between sites near each other in it, as a city's
rings are); without them every site has one link to the data center. Rows go in through the write
path, ``core.bulk.create_many`` (a 20,000-device city takes seconds, not the minutes single saves
would); every object still passes ``full_clean()``.
Addresses are in 127.0.0.0/8 and none is probed. With ``changelog=True`` each object also gets its
"created" change record (via ``record_bulk``), so history pages have something to show.
The agencies (OPDs), the contacts' names and the number of kecamatan are the demo city's, read from
its data files (``infra/inventory/demo/data/``).

From the shell: ``.venv/bin/python bench/citygen.py --devices 2000`` (a throwaway SQLite database
unless DATABASE_URL is set).
"""

import datetime
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path


def _bootstrap() -> None:
    """Run as a script: a Django of its own, on a throwaway SQLite database unless DATABASE_URL is set."""
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("SIMPUL_VAR_DIR", tempfile.mkdtemp(prefix="simpul-city-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infra.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


if __name__ == "__main__":
    _bootstrap()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from infra.core import changelog  # noqa: E402
from infra.core.bulk import create_many  # noqa: E402
from infra.core.choices import ChangeAction, ChangeSource  # noqa: E402
from infra.core.context import change_context  # noqa: E402
from infra.inventory import choices, models  # noqa: E402
from infra.inventory.demo import data as demo_data  # noqa: E402
from infra.inventory.models.fiber import core_colors  # noqa: E402

K = choices.DeviceKind
S = choices.MigrationState
BATCH = 2000

# The agencies every city has (read at each generation), the contact names and the number of kecamatan
# come from the demo city's data files, so that the benchmark city and the demo cannot drift apart.
FIRST_NAMES = demo_data.FIRST_NAMES
LAST_NAMES = demo_data.LAST_NAMES
DISTRICTS = len(demo_data.kecamatan_names())
VENDORS = {
    K.SERVER: [("Dell", "PowerEdge R740"), ("HPE", "ProLiant DL380 Gen10"), ("Lenovo", "ThinkSystem SR650")],
    K.VIRTUAL_MACHINE: [("VMware", "VM"), ("Proxmox", "KVM")],
    K.SWITCH: [("Cisco", "Catalyst 9200"), ("HPE Aruba", "2930F"), ("MikroTik", "CRS326")],
    K.ROUTER: [("MikroTik", "CCR2004"), ("Cisco", "ISR 4331")],
    K.FIREWALL: [("Fortinet", "FortiGate 100F"), ("Palo Alto", "PA-440")],
    K.ACCESS_POINT: [("Ubiquiti", "UniFi U6"), ("Ruijie", "RG-AP820")],
    K.STORAGE: [("Synology", "RS3621xs+"), ("Dell", "PowerVault ME5")],
    K.UPS: [("APC", "Smart-UPS 3000"), ("Eaton", "9PX")],
    K.OLT: [("ZTE", "C320"), ("Huawei", "MA5608T")],
    K.ONT: [("ZTE", "F670L"), ("Huawei", "HG8245H")],
}
OS = {
    K.SERVER: ["Ubuntu 22.04", "Windows Server 2019", "Rocky Linux 9", "VMware ESXi 8"],
    K.VIRTUAL_MACHINE: ["Ubuntu 22.04", "Debian 12", "Windows Server 2022", "CentOS 7"],
}
# Device kinds at an OPD office and their weights; the data center gets its own mix.
OFFICE_KINDS = [
    (K.SERVER, 10),
    (K.VIRTUAL_MACHINE, 14),
    (K.SWITCH, 24),
    (K.ROUTER, 6),
    (K.FIREWALL, 2),
    (K.ACCESS_POINT, 30),
    (K.STORAGE, 2),
    (K.UPS, 6),
    (K.ONT, 6),
]
DC_KINDS = [
    (K.SERVER, 30),
    (K.VIRTUAL_MACHINE, 40),
    (K.SWITCH, 12),
    (K.ROUTER, 3),
    (K.FIREWALL, 3),
    (K.STORAGE, 6),
    (K.UPS, 4),
    (K.OLT, 2),
]
HEIGHT = {K.SERVER: 2, K.STORAGE: 2, K.UPS: 2, K.SWITCH: 1, K.ROUTER: 1, K.FIREWALL: 1, K.OLT: 2}
# The main path of a migration and where a server can stop on it.
MAIN_PATH = [
    S.INVENTORIED,
    S.ASSESSED,
    S.SCHEDULED,
    S.MIGRATING,
    S.TESTING,
    S.CUT_OVER,
    S.ACCEPTED,
    S.SOURCE_DECOMMISSIONED,
]
FINAL_STATES = [
    (S.INVENTORIED, 22),
    (S.ASSESSED, 18),
    (S.SCHEDULED, 12),
    (S.MIGRATING, 5),
    (S.TESTING, 5),
    (S.CUT_OVER, 8),
    (S.ACCEPTED, 12),
    (S.SOURCE_DECOMMISSIONED, 8),
    (S.RETIRED, 6),
    (S.RETAINED, 4),
]
APPS = [
    "SIMPEG",
    "e-Office",
    "SIPD",
    "e-Kinerja",
    "Website",
    "SIMDA",
    "e-Perizinan",
    "Layanan Aduan",
    "SIMRS",
    "Dashboard",
    "e-Retribusi",
    "Absensi",
    "Arsip Digital",
    "GIS",
    "Portal Data",
]


@dataclass
class CityResult:
    """What was written, per model, and how long it took."""

    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    change_records: int = 0


def _pick(rng: random.Random, weighted: list[tuple[object, int]]) -> object:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _address(n: int) -> str:
    """The n-th address of 127.1.0.1 and up (250 per /24, so no .0 or .255)."""
    return f"127.{1 + n // 62_500}.{n // 250 % 250}.{n % 250 + 1}"


class _Generator:
    def __init__(self, devices: int, seed: int, prefix: str, sites: int | None = None, links: int | None = None):
        self.n_devices = devices
        self.n_sites = sites
        self.n_links = links
        self.rng = random.Random(seed)
        self.prefix = prefix
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.result = CityResult()
        self.created: list[list] = []  # every bulk-created batch, for the change log

    def bulk(self, model, objs: list) -> list:
        # The write path, logging left to record_changes (the final state, once relations are set);
        # the later bulk_update calls go through the base manager, which does not log, for the same reason.
        objs = create_many(model, objs, validate=False, log=False, batch_size=BATCH)
        self.result.counts[model._meta.model_name] += len(objs)
        self.created.append(objs)
        return objs

    # --- places and organizations ------------------------------------------------------------
    def regions(self) -> None:
        p = self.prefix
        city = models.Region(name=f"Kota {p}", kind=choices.RegionKind.CITY, code=f"{p}.71")
        self.city = self.bulk(models.Region, [city])[0]
        self.districts = self.bulk(
            models.Region,
            [
                models.Region(
                    name=f"Kecamatan {p} {i:02d}",
                    kind=choices.RegionKind.DISTRICT,
                    parent=self.city,
                    code=f"{p}.71.{i:02d}",
                )
                for i in range(1, DISTRICTS + 1)
            ],
        )
        villages = min(126, max(6, self.n_devices // 150))
        self.villages = self.bulk(
            models.Region,
            [
                models.Region(
                    name=f"Kelurahan {p} {i:03d}",
                    kind=choices.RegionKind.URBAN_VILLAGE,
                    parent=self.districts[i % DISTRICTS],
                    code=f"{p}.71.{i % DISTRICTS + 1:02d}.{1000 + i}",
                )
                for i in range(villages)
            ],
        )

    def organizations(self) -> None:
        p = self.prefix
        agencies = [
            models.Organization(name=f"{name} {p}", short_name=f"{short} {p}", kind=kind, region=self.city)
            for name, short, kind in demo_data.opd_rows()
        ]
        agencies = self.bulk(models.Organization, agencies)
        self.secretariat = agencies[0]
        self.kominfo = next(o for o in agencies if o.short_name.startswith("Diskominfo"))
        offices = self.bulk(
            models.Organization,
            [
                models.Organization(
                    name=f"Kecamatan {p} {i + 1:02d}",
                    short_name=f"Kec {p} {i + 1:02d}",
                    kind=choices.OrganizationKind.DISTRICT,
                    region=d,
                    parent=self.secretariat,
                )
                for i, d in enumerate(self.districts)
            ],
        )
        villages = self.bulk(
            models.Organization,
            [
                models.Organization(
                    name=f"Kelurahan {p} {i:03d}",
                    short_name=f"Kel {p} {i:03d}",
                    kind=choices.OrganizationKind.URBAN_VILLAGE,
                    region=v,
                    parent=offices[i % DISTRICTS],
                )
                for i, v in enumerate(self.villages)
            ],
        )
        self.orgs = agencies + offices + villages
        self.n_agencies = len(agencies)
        contacts = []
        for i, org in enumerate(self.orgs):
            for k in range(1 + (i % 3 == 0) + (org in agencies)):
                name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)} {i}-{k}"
                contacts.append(
                    models.Contact(
                        organization=org,
                        name=name,
                        title="Kepala Seksi" if k else "Kepala Bidang TIK",
                        phone=f"08{self.rng.randrange(10**9, 10**10)}",
                        email=f"pic{i}.{k}@{p.lower()}.go.id",
                        is_primary=k == 0,
                    )
                )
        self.bulk(models.Contact, contacts)

    def _point(self) -> tuple[Decimal, Decimal]:
        lat = Decimal(-5.45 + self.rng.random() * 0.1).quantize(Decimal("0.000001"))
        lon = Decimal(105.22 + self.rng.random() * 0.1).quantize(Decimal("0.000001"))
        return lat, lon

    def sites(self) -> None:
        p = self.prefix
        sites = []

        def site(name, kind, org, region, status=choices.SiteStatus.ACTIVE):
            lat, lon = self._point()
            sites.append(
                models.Site(
                    name=name,
                    kind=kind,
                    organization=org,
                    region=region,
                    status=status,
                    address=f"Jl. {name}",
                    latitude=lat,
                    longitude=lon,
                )
            )

        site(f"Pusat Data {p}", choices.SiteKind.DATA_CENTER, self.kominfo, self.city)
        site(f"Command Center {p}", choices.SiteKind.COMMAND_CENTER, self.kominfo, self.city)
        site(f"Mal Pelayanan Publik {p}", choices.SiteKind.MPP, self.secretariat, self.city)
        for org in self.orgs:
            kind = {"kecamatan": choices.SiteKind.DISTRICT_OFFICE, "kelurahan": choices.SiteKind.VILLAGE_OFFICE}.get(
                org.kind, choices.SiteKind.OPD_OFFICE
            )
            site(f"Kantor {org.name}", kind, org, org.region)
        pops = max(2, self.n_devices // 500)
        if self.n_sites is not None:
            pops = max(2, self.n_sites - len(sites))
        for i in range(pops):
            site(
                f"POP {p} {i:03d}",
                choices.SiteKind.POP,
                self.kominfo,
                self.districts[i % DISTRICTS],
                choices.SiteStatus.PLANNED if i % 7 == 0 else choices.SiteStatus.ACTIVE,
            )
        self.sites = self.bulk(models.Site, sites)
        self.dc = self.sites[0]
        self.office_of = {org.pk: s for org, s in zip(self.orgs, self.sites[3:], strict=False)}
        dc_racks = max(4, self.n_devices // 150)
        racks = [
            models.Rack(site=self.dc, name=f"DC-{i + 1:03d}", room=f"Ruang {1 + i // 20}") for i in range(dc_racks)
        ]
        racks += [
            models.Rack(site=s, name="R01", room="Ruang Server", u_height=24)
            for s in self.sites[1 : 3 + self.n_agencies]
        ]
        racks = self.bulk(models.Rack, racks)
        self.dc_racks = racks[:dc_racks]
        self.office_rack = {r.site_id: r for r in racks[dc_racks:]}

    # --- devices -----------------------------------------------------------------------------
    def devices(self) -> None:
        rng = self.rng
        n_dc = max(10, self.n_devices // 8)
        weights = [rng.paretovariate(1.2) for _ in self.orgs]
        plans = []  # (org, site, kind)
        for _ in range(n_dc):
            plans.append((self.kominfo, self.dc, _pick(rng, DC_KINDS)))
        chosen = rng.choices(self.orgs, weights=weights, k=self.n_devices - n_dc)
        for org in chosen:
            plans.append((org, self.office_of[org.pk], _pick(rng, OFFICE_KINDS)))
        rack_fill = {}  # rack pk -> next free U
        devices = []
        for i, (org, site, kind) in enumerate(plans):
            vendor, model = rng.choice(VENDORS[kind])
            year = rng.randint(2012, 2025)
            rack = position = None
            if kind in HEIGHT:
                rack = self.dc_racks[i % len(self.dc_racks)] if site.pk == self.dc.pk else self.office_rack.get(site.pk)
                if rack is not None:
                    position = rack_fill.get(rack.pk, 1)
                    if position + HEIGHT[kind] - 1 > rack.u_height:
                        position = None  # the rack is full: the device stands in the room
                    else:
                        rack_fill[rack.pk] = position + HEIGHT[kind]
            devices.append(
                models.Device(
                    name=f"{kind.replace('_', '-')}-{i:06d}",
                    organization=org,
                    site=site,
                    rack=rack,
                    position=position,
                    kind=kind,
                    status=choices.DeviceStatus.OFFLINE if i % 37 == 0 else choices.DeviceStatus.ACTIVE,
                    vendor=vendor,
                    model=model,
                    serial=f"SN{self.prefix}{i:08d}",
                    asset_number=f"02.06.{self.prefix}.{i:07d}",
                    os=rng.choice(OS.get(kind, [""])),
                    purchase_year=year,
                    warranty_end=datetime.date(min(year + 3, 2100), 12, 31),
                )
            )
        self.devices = self.bulk(models.Device, devices)
        servers = [d for d in self.devices if d.kind == K.SERVER]
        dc_servers = [d for d in servers if d.site_id == self.dc.pk] or servers[:1]
        self.dc_servers = dc_servers
        vms = [d for d in self.devices if d.kind == K.VIRTUAL_MACHINE]
        for vm in vms:
            candidates = dc_servers if vm.site_id == self.dc.pk else servers
            vm.host = rng.choice(candidates) if candidates and rng.random() < 0.8 else None
        models.Device._base_manager.bulk_update([vm for vm in vms if vm.host_id], ["host"], batch_size=500)

        interfaces = []
        for d in self.devices:
            names = ["eth0", "eth1"] if d.kind in (K.SERVER, K.SWITCH, K.ROUTER, K.FIREWALL) else ["eth0"]
            for k, name in enumerate(names):
                interfaces.append(
                    models.Interface(
                        device=d, name=name, if_index=k + 1, speed_mbps=1000, kind=choices.InterfaceKind.COPPER_1G
                    )
                )
        interfaces = self.bulk(models.Interface, interfaces)
        ips = self.bulk(
            models.IPAddress,
            [
                models.IPAddress(
                    address=address,
                    prefix_length=24,
                    interface=iface,
                    probe=False,
                    dns_name=f"{iface.device.name}.{self.prefix.lower()}.go.id" if iface.name == "eth0" else "",
                )
                for address, iface in zip(self.free_addresses(len(interfaces)), interfaces, strict=True)
            ],
        )
        by_device = {}
        for ip, iface in zip(ips, interfaces, strict=True):
            by_device.setdefault(iface.device_id, ip)
        for d in self.devices:
            d.primary_ip = by_device[d.pk]
        models.Device._base_manager.bulk_update(self.devices, ["primary_ip"], batch_size=500)

        apps = []
        hosted = []
        servers_of: dict[int, list] = {}
        for d in self.devices:
            if d.is_server:
                servers_of.setdefault(d.organization_id, []).append(d)
        for org in self.orgs:
            own = servers_of.get(org.pk, [])
            for k in range(min(len(APPS), max(1 if own else 0, len(own) // 6))):
                apps.append(
                    models.Application(
                        name=f"{APPS[k]} {org.short_name}",
                        short_name=APPS[k],
                        organization=org,
                        url=f"https://{APPS[k].lower().replace(' ', '-')}.{org.pk}.{self.prefix.lower()}.go.id",
                        status=_pick(
                            rng,
                            [
                                (choices.ApplicationStatus.PRODUCTION, 8),
                                (choices.ApplicationStatus.PLANNED, 1),
                                (choices.ApplicationStatus.DEVELOPMENT, 1),
                            ],
                        ),
                        criticality=rng.choice(choices.Criticality.values),
                        integration_status=rng.choice(choices.IntegrationStatus.values),
                        target_year=rng.randint(2025, 2030),
                    )
                )
                hosted.append(rng.sample(own, min(len(own), rng.randint(1, 3))))
        apps = self.bulk(models.Application, apps)
        through = models.Application.devices.through
        create_many(
            through,
            [through(application=a, device=d) for a, ds in zip(apps, hosted, strict=True) for d in ds],
            validate=False,
            batch_size=BATCH,
        )

    def free_addresses(self, count: int) -> list[str]:
        """``count`` loopback addresses no recorded address uses (another city may share the database)."""
        taken = set(models.IPAddress.objects.filter(address__startswith="127.").values_list("address", flat=True))
        found, n = [], 0
        while len(found) < count:
            if _address(n) not in taken:
                found.append(_address(n))
            n += 1
        return found

    # --- migration ---------------------------------------------------------------------------
    def migrations(self) -> None:
        rng = self.rng
        waves = []
        for i in range(12):
            start = datetime.date(2024, 1, 1) + datetime.timedelta(days=91 * i)
            end = start + datetime.timedelta(days=80)
            status = (
                choices.WaveStatus.DONE
                if end < self.today
                else choices.WaveStatus.IN_PROGRESS
                if start <= self.today
                else choices.WaveStatus.PLANNED
            )
            waves.append(
                models.MigrationWave(
                    name=f"Gelombang {self.prefix} {i + 1:02d}", start_date=start, end_date=end, status=status
                )
            )
        waves = self.bulk(models.MigrationWave, waves)
        servers = [d for d in self.devices if d.is_server and d.site_id != self.dc.pk]
        migrations, steps_of = [], []
        for d in servers:
            final = _pick(rng, FINAL_STATES)
            if final in (S.RETIRED, S.RETAINED):
                steps = [*MAIN_PATH[: rng.randint(1, 2)], final]
            else:
                steps = MAIN_PATH[: MAIN_PATH.index(final) + 1]
                if S.CUT_OVER in steps and rng.random() < 0.15:  # a rollback after a failed cut-over
                    at = steps.index(S.CUT_OVER) + 1
                    steps = [*steps[:at], S.TESTING, S.CUT_OVER, *steps[at:]]
            days = sorted(rng.sample(range(5, 700), len(steps)), reverse=True)
            times = [self.now - datetime.timedelta(days=day, minutes=rng.randint(0, 600)) for day in days]
            m = models.Migration(device=d, state=steps[-1], state_changed_at=times[-1])
            if len(steps) > 2 or steps[-1] in (S.SCHEDULED,):
                wave = waves[min(11, max(0, (700 - days[-1]) // 61))]
                m.wave = wave
                m.readiness = rng.choice([choices.Readiness.READY, choices.Readiness.READY_WITH_CONDITIONS])
                m.disposition = rng.choice([choices.Disposition.REHOST, choices.Disposition.MOVE_HARDWARE])
                m.target_rack = rng.choice(self.dc_racks)
                m.target_address = f"127.200.{len(migrations) // 250 % 250}.{len(migrations) % 250 + 1}"
                m.target_vlan = 100 + len(migrations) % 50
                m.planned_start = wave.start_date
                m.planned_cutover = wave.start_date + datetime.timedelta(days=30)
                m.planned_acceptance = wave.start_date + datetime.timedelta(days=45)
                m.planned_decommission = wave.start_date + datetime.timedelta(days=75)
            if steps[-1] == S.RETAINED:
                m.retain_justification = "Sistem terikat perangkat khusus di kantor OPD."
            if steps[-1] == S.RETIRED:
                m.disposition = choices.Disposition.RETIRE
            for state, at in zip(steps, times, strict=True):
                day = timezone.localtime(at).date()
                if state == S.MIGRATING and m.actual_start is None:
                    m.actual_start = day
                    m.backup_verified_on = day - datetime.timedelta(days=3)
                    m.owner_signed_off_on = day - datetime.timedelta(days=2)
                elif state == S.CUT_OVER and m.actual_cutover is None:
                    m.actual_cutover = day
                elif state == S.ACCEPTED:
                    m.actual_acceptance = day
                elif state == S.SOURCE_DECOMMISSIONED:
                    m.actual_decommission = day
            migrations.append(m)
            steps_of.append((steps, times))
        migrations = self.bulk(models.Migration, migrations)
        transitions = []
        for m, (steps, times) in zip(migrations, steps_of, strict=True):
            previous = ""
            for state, at in zip(steps, times, strict=True):
                transitions.append(
                    models.MigrationTransition(
                        migration=m,
                        from_state=previous,
                        to_state=state,
                        at=at,
                        reason="Diinventarisasi" if not previous else "",
                        is_rollback=(previous, state) in choices.MIGRATION_ROLLBACKS,
                    )
                )
                previous = state
        create_many(models.MigrationTransition, transitions, validate=False, batch_size=BATCH)
        self.result.counts["migrationtransition"] += len(transitions)
        blockers = []
        for m in migrations:
            if m.state in choices.MIGRATION_DONE_STATES or rng.random() > 0.15:
                continue
            opened = self.today - datetime.timedelta(days=rng.randint(1, 200))
            resolved = opened + datetime.timedelta(days=rng.randint(1, 30)) if rng.random() < 0.4 else None
            blockers.append(
                models.MigrationBlocker(
                    migration=m,
                    category=rng.choice(choices.BlockerCategory.values),
                    owner="Bidang Infrastruktur",
                    opened_on=opened,
                    due_on=opened + datetime.timedelta(days=30),
                    resolved_on=resolved if resolved and resolved <= self.today else None,
                )
            )
        self.bulk(models.MigrationBlocker, blockers)
        taken = set(models.YearTarget.objects.values_list("year", flat=True))
        self.bulk(
            models.YearTarget,
            [
                models.YearTarget(
                    year=2024 + i, servers_moved=len(migrations) * (i + 1) // 5, note="Renstra Diskominfo"
                )
                for i in range(5)
                if 2024 + i not in taken
            ],
        )

    # --- fiber -------------------------------------------------------------------------------
    def _spans(self) -> list[tuple[object, object]]:
        """(site a, site b) of each link: the data center to every site, or with ``links=`` a tree (each
        site hangs off one of the sites before it, four at most on each) plus cross links between sites
        a few places apart in it."""
        if self.n_links is None:
            return [(self.dc, site) for site in self.sites[1:]]
        sites = self.sites
        spans = [(sites[(i - 1) // 4], sites[i]) for i in range(1, len(sites))]
        pairs = {(a.pk, b.pk) for a, b in spans}
        attempts = 0
        while len(spans) < self.n_links and attempts < 20 * self.n_links:
            attempts += 1
            i = self.rng.randrange(1, len(sites))
            j = min(len(sites) - 1, max(1, i + self.rng.choice([-3, -2, -1, 1, 2, 3])))
            a, b = sorted((i, j))
            if a == b or (sites[a].pk, sites[b].pk) in pairs:
                continue
            pairs.add((sites[a].pk, sites[b].pk))
            spans.append((sites[a], sites[b]))
        return spans

    def fiber(self) -> None:
        rng = self.rng
        links = []
        for i, (site_a, site) in enumerate(self._spans()):
            status = _pick(
                rng,
                [
                    (choices.FiberLinkStatus.ACTIVE, 70),
                    (choices.FiberLinkStatus.PLANNED, 12),
                    (choices.FiberLinkStatus.UNDER_CONSTRUCTION, 10),
                    (choices.FiberLinkStatus.FAULTY, 5),
                    (choices.FiberLinkStatus.DECOMMISSIONED, 3),
                ],
            )
            length = Decimal(rng.uniform(0.3, 18)).quantize(Decimal("0.001"))
            link = models.FiberLink(
                code=f"FO-{self.prefix}-{i + 1:04d}",
                name=f"{site_a.name} - {site.name}"[:200],
                site_a=site_a,
                site_b=site,
                cable_type=choices.CableType.G652D,
                core_count=rng.choice([12, 24, 48]),
                deployment=rng.choice(choices.Deployment.values),
                length_km=length,
                splice_count=rng.randint(0, 8),
                status=status,
                contractor="PT Serat Nusantara",
                installed_date=datetime.date(2019 + i % 6, 1 + i % 12, 1) if status != "planned" else None,
            )
            if status == choices.FiberLinkStatus.ACTIVE:
                link.measured_loss_db = (link.loss_budget_db() * Decimal(rng.uniform(0.6, 1.2))).quantize(
                    Decimal("0.01")
                )
                link.measured_on = self.today - datetime.timedelta(days=rng.randint(1, 400))
            links.append(link)
        links = self.bulk(models.FiberLink, links)
        cores = []
        for link in links:
            used = rng.randint(0, link.core_count // 2) if link.status == choices.FiberLinkStatus.ACTIVE else 0
            for number in range(1, link.core_count + 1):
                tube, tube_color, color = core_colors(number)
                cores.append(
                    models.FiberCore(
                        link=link,
                        number=number,
                        tube=tube,
                        tube_color=tube_color,
                        color=color,
                        state=choices.CoreState.IN_USE if number <= used else choices.CoreState.SPARE,
                        carries=f"VLAN {100 + number}" if number <= used else "",
                    )
                )
        self.bulk(models.FiberCore, cores)

    # --- change log --------------------------------------------------------------------------
    def record_changes(self) -> int:
        def changes():
            for batch in self.created:
                for obj in batch:
                    yield obj, ChangeAction.CREATE, None, changelog.serialize(obj)

        with change_context(source=ChangeSource.COMMAND):
            written = changelog.record_bulk(changes())
        # Logging the applications makes their automatic website checks (their URLs), each logged as
        # it is saved: side effects, counted as written objects too.
        from infra.core.models import ObjectChange
        from infra.probes.models import Check

        app_ids = [obj.pk for batch in self.created for obj in batch if isinstance(obj, models.Application)]
        check_ids = list(Check.objects.filter(application_id__in=app_ids).values_list("pk", flat=True))
        self.result.counts["check"] += len(check_ids)
        return (
            written
            + ObjectChange.objects.filter(
                content_type__model="check", content_type__app_label="probes", object_id__in=check_ids
            ).count()
        )


def generate_city(
    devices: int = 20_000,
    seed: int = 1,
    *,
    prefix: str = "Sim",
    changelog: bool = False,
    sites: int | None = None,
    links: int | None = None,
) -> CityResult:
    """Write a synthetic city of about ``devices`` devices into the current database.

    ``prefix`` goes into every unique name, so several cities can share one database. ``sites`` and
    ``links`` (when given) set the number of sites and of fiber links (at least one per site but one).
    """
    start = time.perf_counter()
    gen = _Generator(devices, seed, prefix, sites, links)
    with transaction.atomic():
        gen.regions()
        gen.organizations()
        gen.sites()
        gen.devices()
        gen.migrations()
        gen.fiber()
        if changelog:
            gen.result.change_records = gen.record_changes()
    gen.result.seconds = time.perf_counter() - start
    return gen.result


def main() -> None:
    import argparse

    from django.core.management import call_command
    from django.db import connection

    parser = argparse.ArgumentParser(description="Generate a synthetic city into a database.")
    parser.add_argument("--devices", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sites", type=int, default=None, help="this many sites (more POPs)")
    parser.add_argument("--links", type=int, default=None, help="this many fiber links (a tree plus cross links)")
    parser.add_argument("--changelog", action="store_true", help="write the change records too")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    result = generate_city(args.devices, args.seed, changelog=args.changelog, sites=args.sites, links=args.links)
    for name, count in sorted(result.counts.items()):
        print(f"{name:22} {count:8d}")
    print(f"change records         {result.change_records:8d}")
    print(f"{result.seconds:.1f} s, into {connection.vendor} database {connection.settings_dict['NAME']}")


if __name__ == "__main__":
    main()
