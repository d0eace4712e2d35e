"""What is down now, and why: the status page's incidents, in a fixed number of queries.

An incident is either a down site that is not itself behind another down site, with every site cut
off behind it, or a device that is down at a site that is not (a server off, a switch port dead).
Each has its time, its root cause, whether it is in a maintenance window, and its impact: the
devices, servers, applications and OPDs affected. Incidents come largest first."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from infra.inventory.choices import SERVER_KINDS
from infra.inventory.models import Application, Device, Site

from .models import CheckStatus, MaintenanceWindow, Prober
from .state import State
from .topology import STATUS_COLUMNS, snapshot


@dataclass
class Incident:
    kind: str  # "site" (a down site and what sits behind it) or "device"
    site: Site | None
    device: Device | None
    since: datetime.datetime | None
    behind_sites: list[Site] = field(default_factory=list)
    devices: int = 0
    servers: int = 0
    applications: int = 0
    organizations: int = 0
    in_maintenance: bool = False

    @property
    def impact(self) -> tuple[int, int, int, int]:
        return (self.servers, self.applications, self.organizations, self.devices)


@dataclass
class Status:
    incidents: list[Incident]
    cut_off: list[Prober]  # probers whose reference does not answer: their checks are unknown
    down_checks: int
    unknown_checks: int
    checked_at: datetime.datetime


def current() -> Status:
    """The city now: nine queries, whatever the number of checks, devices or incidents."""
    now = timezone.now()
    # every enabled check's state, read once: the snapshot's input, the "since" times and the counts
    rows = list(CheckStatus.objects.filter(probe_check__enabled=True).values_list(*STATUS_COLUMNS, "since"))
    snap = snapshot(rows)  # two more queries
    down_since: dict[int, datetime.datetime] = {}
    for device_id, _site, _org, check_state, _kind, since in rows:
        # a device is down since its last reachability check went down
        if (
            device_id
            and check_state == State.DOWN
            and since
            and (device_id not in down_since or since > down_since[device_id])
        ):
            down_since[device_id] = since
    down_sites = {site_id for site_id, agg in snap.sites.items() if agg.state is State.DOWN}
    root_sites = [site_id for site_id in down_sites if not snap.sites[site_id].behind]
    behind: dict[int, list[int]] = defaultdict(list)
    for site_id, agg in snap.sites.items():
        if agg.behind:
            behind[_root(snap, site_id)].append(site_id)
    cut_sites = {site_id for sites in behind.values() for site_id in sites}
    lone_devices = [
        device_id
        for device_id, agg in snap.devices.items()
        if agg.state is State.DOWN and snap.site_of_device.get(device_id) not in down_sites | cut_sites
    ]
    affected_sites = set(root_sites) | cut_sites
    devices = {
        d.pk: d
        for d in Device.objects.filter(Q(site_id__in=affected_sites) | Q(pk__in=lone_devices)).select_related(
            "site", "organization"
        )
    }
    apps_of: dict[int, set[int]] = defaultdict(set)
    for app_id, device_id in Application.devices.through.objects.filter(device_id__in=list(devices)).values_list(
        "application_id", "device_id"
    ):
        apps_of[device_id].add(app_id)
    sites = {s.pk: s for s in Site.objects.filter(pk__in=affected_sites)}
    windows = list(MaintenanceWindow.objects.filter(start__lte=now, end__gt=now))

    def in_window(device: Device | None, site_id: int | None) -> bool:
        org_id = sites[site_id].organization_id if site_id in sites else None
        return any(
            (w.device_id and device is not None and w.device_id == device.pk)
            or (w.site_id and w.site_id == site_id)
            or (w.organization_id and w.organization_id == org_id)
            for w in windows
        )

    def impact(incident: Incident, members: list[Device]) -> Incident:
        incident.devices = len(members)
        incident.servers = sum(1 for d in members if d.kind in SERVER_KINDS)
        incident.applications = len({a for d in members for a in apps_of[d.pk]})
        incident.organizations = len({d.organization_id for d in members})
        return incident

    incidents = []
    for site_id in root_sites:
        cut = sorted(behind.get(site_id, []), key=lambda s: sites[s].name if s in sites else "")
        members = [d for d in devices.values() if d.site_id == site_id or d.site_id in cut]
        since = max((down_since[d.pk] for d in members if d.site_id == site_id and d.pk in down_since), default=None)
        incidents.append(
            impact(
                Incident(
                    kind="site",
                    site=sites.get(site_id),
                    device=None,
                    since=since,
                    behind_sites=[sites[s] for s in cut if s in sites],
                    in_maintenance=in_window(None, site_id),
                ),
                members,
            )
        )
    for device_id in lone_devices:
        device = devices.get(device_id)
        if device is None:
            continue
        incidents.append(
            impact(
                Incident(
                    kind="device",
                    site=device.site,
                    device=device,
                    since=down_since.get(device_id),
                    in_maintenance=in_window(device, device.site_id),
                ),
                [device],
            )
        )
    incidents.sort(key=lambda i: (i.in_maintenance, tuple(-n for n in i.impact), i.since or now))
    return Status(
        incidents=incidents,
        cut_off=list(Prober.objects.filter(reference_ok=False)),
        down_checks=sum(1 for row in rows if row[3] == State.DOWN),
        unknown_checks=sum(1 for row in rows if row[3] == State.UNKNOWN),
        checked_at=now,
    )


def _root(snap, site_id: int) -> int:
    """The down site at the top of the chain that cuts ``site_id`` off."""
    seen = set()
    cause = snap.sites[site_id].behind
    while cause in snap.sites and snap.sites[cause].behind and cause not in seen:
        seen.add(cause)
        cause = snap.sites[cause].behind
    return cause
