"""What the diagrams read: the registry now or as the change log says it was, and the probes' view of it.

Every read here is one query per table whatever the size of the city, so a diagram costs a fixed number
of queries. The registry is read as plain rows (dicts keyed by the models' column names, the shape of
``infra.core.history.state_as_of``), so that one builder draws the present and the past alike.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from infra.core.history import state_as_of
from infra.core.models import ObjectChange
from infra.inventory.choices import CoreState, RegionKind
from infra.inventory.models import (
    Application,
    Device,
    FiberCore,
    FiberLink,
    Migration,
    MigrationWave,
    Organization,
    Rack,
    Region,
    Site,
)

if TYPE_CHECKING:
    from .builders.params import DiagramParams

# The columns each table is read with (attnames: foreign keys as ``<name>_id``), now and as of a date.
COLUMNS: dict[str, tuple[type, tuple[str, ...]]] = {
    "regions": (Region, ("id", "name", "kind", "code", "parent_id")),
    "organizations": (Organization, ("id", "name", "short_name", "kind", "parent_id", "region_id")),
    "sites": (
        Site,
        ("id", "name", "kind", "status", "region_id", "organization_id", "latitude", "longitude"),
    ),
    "racks": (Rack, ("id", "site_id", "name", "room", "u_height")),
    "devices": (Device, ("id", "name", "organization_id", "site_id", "rack_id", "kind", "status", "host_id")),
    "migrations": (Migration, ("id", "device_id", "state", "wave_id", "target_rack_id", "target_host_id")),
    "links": (
        FiberLink,
        ("id", "code", "name", "site_a_id", "site_b_id", "core_count", "deployment", "length_km", "status"),
    ),
    "applications": (
        Application,
        ("id", "name", "short_name", "organization_id", "status", "integration_status"),
    ),
    "waves": (MigrationWave, ("id", "name")),
}
# Tables every view reads: the region tree names the city, sites and OPDs are on every drawing.
BASE_TABLES = frozenset({"regions", "organizations", "sites"})


@dataclass
class CityData:
    """The registry's rows (now, or as of a moment), each table as {id: row}."""

    as_of: datetime.datetime | None
    regions: dict[int, dict] = field(default_factory=dict)
    organizations: dict[int, dict] = field(default_factory=dict)
    sites: dict[int, dict] = field(default_factory=dict)
    racks: dict[int, dict] = field(default_factory=dict)
    devices: dict[int, dict] = field(default_factory=dict)
    migrations: dict[int, dict] = field(default_factory=dict)  # keyed by device id
    links: dict[int, dict] = field(default_factory=dict)
    cores_in_use: Counter = field(default_factory=Counter)  # link id: cores in use
    applications: dict[int, dict] = field(default_factory=dict)  # each with "devices": [device ids]
    waves: dict[int, dict] = field(default_factory=dict)


def load(tables: set[str] | frozenset[str], as_of: datetime.datetime | None = None) -> CityData:
    """The tables a view needs (one query each; applications two now, cores one), now or at ``as_of``."""
    data = CityData(as_of=as_of)
    for name in sorted(set(tables) | BASE_TABLES):
        if name == "cores":
            data.cores_in_use = _cores_in_use(as_of)
            continue
        model, columns = COLUMNS[name]
        rows = _rows(model, columns, as_of)
        if name == "applications":
            _attach_hosts(rows, as_of)
        if name == "migrations":
            setattr(data, name, {row["device_id"]: row for row in rows})
        else:
            setattr(data, name, {row["id"]: row for row in rows})
    for row in data.sites.values():  # as of a date the log holds decimals as text
        row["latitude"], row["longitude"] = _coordinate(row.get("latitude")), _coordinate(row.get("longitude"))
    for row in data.links.values():
        row["length_km"] = _decimal(row.get("length_km"))
    return data


def _rows(model, columns: tuple[str, ...], as_of: datetime.datetime | None) -> list[dict]:
    if as_of is None:
        return list(model.objects.order_by().values(*columns))
    extra = ("devices",) if model is Application else ()
    return [{c: r.get(c) for c in (*columns, *extra)} for r in state_as_of(model, as_of)]


def _attach_hosts(rows: list[dict], as_of: datetime.datetime | None) -> None:
    """Each application's hosting devices: in its historical row already, one query now."""
    if as_of is not None:
        for row in rows:
            row["devices"] = list(row.get("devices") or ())
        return
    hosts: dict[int, list[int]] = {}
    for app_id, device_id in Application.devices.through.objects.values_list("application_id", "device_id"):
        hosts.setdefault(app_id, []).append(device_id)
    for row in rows:
        row["devices"] = hosts.get(row["id"], [])


def _cores_in_use(as_of: datetime.datetime | None) -> Counter:
    if as_of is None:
        rows = FiberCore.objects.filter(state=CoreState.IN_USE).order_by().values("link_id").annotate(n=Count("id"))
        return Counter({r["link_id"]: r["n"] for r in rows})
    return Counter(r["link_id"] for r in state_as_of(FiberCore, as_of) if r.get("state") == CoreState.IN_USE)


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _coordinate(value: object) -> float | None:
    number = _decimal(value)
    return None if number is None else float(number)


# --- names and times ---------------------------------------------------------------------------------


def city_name(regions: dict[int, dict]) -> str:
    """The city the registry describes: ``SIMPUL_CITY_NAME`` when set, else its top city or regency
    region (the demo's "Kota Bandar Lampung"); empty when neither is known."""
    configured = getattr(settings, "SIMPUL_CITY_NAME", "")
    if configured:
        return configured
    cities = [r for r in regions.values() if r["kind"] in (RegionKind.CITY, RegionKind.REGENCY)]
    cities.sort(key=lambda r: (r["parent_id"] in regions and regions[r["parent_id"]]["kind"] != "province", r["id"]))
    return cities[0]["name"] if cities else ""


def history_start() -> datetime.datetime | None:
    """When the change log begins: no diagram can be rebuilt for an earlier moment. One query."""
    return ObjectChange.objects.aggregate(first=Min("time"))["first"]


def newest_change() -> tuple[int | None, datetime.datetime | None]:
    """(id, time) of the newest change record: what "data as of" means for a diagram of now. One query."""
    row = ObjectChange.objects.order_by("-id").values_list("id", "time").first()
    return row if row else (None, None)


def data_version(params: DiagramParams) -> str:
    """A cheap key that changes whenever what the diagram shows changes (the web's cache uses it).

    The newest change record covers the registry (every write is logged, a past date's rows too); the
    newest probe event covers reachability colours (a state change is an event). One or two queries.
    """
    change_id, _time = newest_change()
    key = f"c{change_id or 0}"
    if params.colour_by == "reachability":
        from infra.probes.models import CheckEvent

        newest = CheckEvent.objects.order_by("-id").values_list("id", flat=True).first()
        # The status's maintenance windows begin and end without an event: the minute keeps them fresh.
        key += f"-e{newest or 0}-m{int(timezone.now().timestamp() // 60)}"
    return key


# --- reachability ------------------------------------------------------------------------------------


@dataclass
class Reachability:
    """The probes' current view, per device and site, in the diagrams' reachability words."""

    devices: dict[int, str] = field(default_factory=dict)
    sites: dict[int, str] = field(default_factory=dict)

    def device(self, device_id: int) -> str:
        return self.devices.get(device_id, "unmonitored")

    def site(self, site_id: int) -> str:
        return self.sites.get(site_id, "unmonitored")


def reachability(site_orgs: dict[int, int | None]) -> Reachability:
    """Device and site states from the probes' own snapshot (``infra.probes.topology.snapshot``, the
    figures the status page shows; not recomputed here): up, down, unknown; "unreachable" for a site
    cut off behind a down site (and its devices); "maintenance" for a down or cut-off thing inside a
    current maintenance window (of the device, its site or the site's OPD, the status page's rule;
    ``site_orgs`` gives each site's OPD); "unmonitored" for what no enabled check watches. Two queries,
    four when something is down (the snapshot then reads the fiber paths)."""
    from infra.probes.models import MaintenanceWindow
    from infra.probes.topology import snapshot

    snap = snapshot()
    now = timezone.now()
    windows = list(
        MaintenanceWindow.objects.filter(start__lte=now, end__gt=now).values_list(
            "device_id", "site_id", "organization_id"
        )
    )
    window_devices = {d for d, _s, _o in windows if d}
    window_sites = {s for _d, s, _o in windows if s}
    window_orgs = {o for _d, _s, o in windows if o}
    result = Reachability()

    def site_in_window(site_id: int | None) -> bool:
        return site_id in window_sites or site_orgs.get(site_id) in window_orgs

    for site_id, agg in snap.sites.items():
        word = "unreachable" if agg.behind else agg.state.value
        if word in ("down", "unreachable") and site_in_window(site_id):
            word = "maintenance"
        result.sites[site_id] = word
    for device_id, agg in snap.devices.items():
        site_id = snap.site_of_device.get(device_id)
        word = agg.state.value
        if snap.site_behind(site_id) and word != "up":
            word = "unreachable"
        if word in ("down", "unreachable") and (device_id in window_devices or site_in_window(site_id)):
            word = "maintenance"
        result.devices[device_id] = word
    return result
