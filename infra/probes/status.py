"""What is down now, and why: the status page's incidents, in a fixed number of queries.

An incident is either a down site that is not itself behind another down site, with every site cut
off behind it, or a device that is down at a site that is not (a server off, a switch port dead).
Each has its time, its root cause, whether it is in a maintenance window, and its impact: the
devices, servers, applications and OPDs affected. Incidents come largest first."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Case, F, Q, When
from django.utils import timezone

from infra.inventory.choices import SERVER_KINDS
from infra.inventory.models import Application, Device, Site

from .models import CheckEvent, CheckStatus, MaintenanceWindow, Prober
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


# The status page refreshes itself, the dashboard shows it, and a command center keeps it open all day:
# each process computes it at most this often while no check changes state (a state change, an
# unknown, a flap is an event, and a new event means a new answer at once). What changes without an
# event (a maintenance window begun, a device moved) shows within these seconds.
CACHE_SECONDS = 10


def current() -> Status:
    """The city now: one query when nothing changed in the last ``CACHE_SECONDS``; otherwise ten,
    whatever the number of checks, devices or incidents."""
    newest = CheckEvent.objects.order_by("-id").values_list("id", flat=True).first()
    key = f"probes:status:{newest}"
    found = cache.get(key)
    if found is None:
        found = _compute()
        cache.set(key, found, CACHE_SECONDS)
    return found


def _compute() -> Status:
    now = timezone.now()
    # every enabled check's state, read once: the snapshot's input, the "since" times and the counts
    # (the time only of down checks: thousands of timestamps nobody reads cost more to parse than to fetch)
    rows = list(
        CheckStatus.objects.filter(probe_check__enabled=True)
        .annotate(down_since=Case(When(state=State.DOWN.value, then=F("since"))))
        .values_list(*STATUS_COLUMNS, "down_since")
    )
    snap = snapshot(rows)  # two more queries
    down_since: dict[int, datetime.datetime] = {}
    for device_id, _site, _org, _state, _kind, since in rows:
        # a device is down since its last reachability check went down
        if since and device_id and (device_id not in down_since or since > down_since[device_id]):
            down_since[device_id] = since
    down_sites = {site_id for site_id, agg in snap.sites.items() if agg.state is State.DOWN}
    root_sites = [site_id for site_id in down_sites if not snap.sites[site_id].behind]
    behind: dict[int, list[int]] = defaultdict(list)
    for site_id, agg in snap.sites.items():
        if agg.behind:
            behind[_root(snap, site_id)].append(site_id)
    cut_sites = {site_id for sites in behind.values() for site_id in sites}
    excluded = down_sites | cut_sites
    lone_devices = [
        device_id
        for device_id, agg in snap.devices.items()
        if agg.state is State.DOWN and snap.site_of_device.get(device_id) not in excluded
    ]
    affected_sites = set(root_sites) | cut_sites
    # Thousands of devices sit behind a down core site: read them as plain rows, not models, and
    # group them by site once; only a lone device is shown by name.
    by_site: dict[int, list[tuple]] = defaultdict(list)
    lone_rows = {}
    for row in Device.objects.filter(Q(site_id__in=affected_sites) | Q(pk__in=lone_devices)).values_list(
        "pk", "site_id", "organization_id", "kind", "name"
    ):
        by_site[row[1]].append(row)
        lone_rows[row[0]] = row
    apps_of: dict[int, set[int]] = defaultdict(set)
    for app_id, device_id in Application.devices.through.objects.filter(
        Q(device__site_id__in=affected_sites) | Q(device_id__in=lone_devices)
    ).values_list("application_id", "device_id"):
        apps_of[device_id].add(app_id)
    lone_sites = {snap.site_of_device.get(device_id) for device_id in lone_devices}
    sites = {s.pk: s for s in Site.objects.filter(pk__in=affected_sites | lone_sites)}
    windows = list(MaintenanceWindow.objects.filter(start__lte=now, end__gt=now))

    def in_window(device_id: int | None, site_id: int | None) -> bool:
        org_id = sites[site_id].organization_id if site_id in sites else None
        return any(
            (w.device_id and w.device_id == device_id)
            or (w.site_id and w.site_id == site_id)
            or (w.organization_id and w.organization_id == org_id)
            for w in windows
        )

    def impact(incident: Incident, members: list[tuple]) -> Incident:
        incident.devices = len(members)
        incident.servers = sum(1 for row in members if row[3] in SERVER_KINDS)
        incident.applications = len({a for row in members for a in apps_of[row[0]]})
        incident.organizations = len({row[2] for row in members})
        return incident

    incidents = []
    for site_id in root_sites:
        cut = sorted(behind.get(site_id, []), key=lambda s: sites[s].name if s in sites else "")
        members = [row for member in (site_id, *cut) for row in by_site[member]]
        since = max((down_since[row[0]] for row in by_site[site_id] if row[0] in down_since), default=None)
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
        row = lone_rows.get(device_id)
        if row is None:
            continue
        pk, site_id, organization_id, kind, name = row
        incidents.append(
            impact(
                Incident(
                    kind="device",
                    site=sites.get(site_id),
                    device=Device(pk=pk, site_id=site_id, organization_id=organization_id, kind=kind, name=name),
                    since=down_since.get(device_id),
                    in_maintenance=in_window(device_id, site_id),
                ),
                [row],
            )
        )
    incidents.sort(key=lambda i: (i.in_maintenance, tuple(-n for n in i.impact), i.since or now))
    return Status(
        incidents=incidents,
        cut_off=list(Prober.objects.filter(reference_ok=False)),
        down_checks=sum(1 for row in rows if row[3] == "down"),
        unknown_checks=sum(1 for row in rows if row[3] == "unknown"),
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
