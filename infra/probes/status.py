"""What is down now, and why: the status page's incidents, in a fixed number of queries.

An incident is either a down site that is not itself behind another down site, with every site cut
off behind it, or a device that is down at a site that is not (a server off, a switch port dead).
Each has its time, its root cause, whether it is in a maintenance window, and its impact: the
devices, servers, applications and OPDs affected. Incidents come largest first."""

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from infra.inventory.choices import SERVER_KINDS
from infra.inventory.models import Device, Site

from . import topology
from .models import CheckEvent, MaintenanceWindow, Prober

_PLACEHOLDER = 987654321  # an id no route holds as text otherwise: swapped for each object's id


@functools.lru_cache(maxsize=16)
def _route(name: str, script_prefix: str) -> str:
    return reverse(name, args=[_PLACEHOLDER])


@dataclass(frozen=True, slots=True)
class Ref:
    """A site or device as the status page names and links it. Not a model instance: a few hundred of
    those cost more to build, cache (pickled) and link (``reverse`` each) than the rest of the page."""

    route: str  # its page's URL name
    pk: int
    name: str

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return _route(self.route, get_script_prefix()).replace(str(_PLACEHOLDER), str(self.pk))


@dataclass
class Incident:
    kind: str  # "site" (a down site and what sits behind it) or "device"
    site: Ref | None
    device: Ref | None
    since: datetime.datetime | None
    behind_sites: list[Ref] = field(default_factory=list)
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
SITE_ROUTE, DEVICE_ROUTE = "inventory:site", "inventory:device"


def current() -> Status:
    """The city now: one query when nothing changed in the last ``CACHE_SECONDS``; otherwise at most
    eight (four when nothing is down), whatever the number of checks, devices or incidents."""
    newest = CheckEvent.objects.order_by("-id").values_list("id", flat=True).first()
    key = f"probes:status:{newest}"
    found = cache.get(key)
    if found is None:
        found = _compute()
        cache.set(key, found, CACHE_SECONDS)
    return found


def _compute() -> Status:
    now = timezone.now()
    # What is down, folded in the database (one query: a few hundred rows, not every check's state);
    # then which sites are cut off behind which (two more, none when no site is down).
    down = topology.down_now()
    behind = topology.cut_off(down.sites)
    root_sites = sorted(site_id for site_id in down.sites if site_id not in behind)
    cut_behind: dict[int, list[int]] = defaultdict(list)
    for site_id in behind:
        cut_behind[_root(behind, site_id)].append(site_id)
    cut_sites = set(behind)
    excluded = down.sites | cut_sites
    lone_devices = sorted(device_id for device_id, row in down.devices.items() if row[0] not in excluded)
    affected_sites = set(root_sites) | cut_sites
    # Thousands of devices sit behind a down core site: read them as plain rows, not models, with
    # their applications in the same query (a row per device and application), and group them by
    # site once; only a lone device is shown by name.
    rows: dict[int, tuple] = {}
    apps_of: dict[int, set[int]] = defaultdict(set)
    for pk, site_id, organization_id, kind, name, app_id in Device.objects.filter(
        Q(site_id__in=affected_sites) | Q(pk__in=lone_devices)
    ).values_list("pk", "site_id", "organization_id", "kind", "name", "applications"):
        rows.setdefault(pk, (pk, site_id, organization_id, kind, name))
        if app_id is not None:
            apps_of[pk].add(app_id)
    by_site: dict[int, list[tuple]] = defaultdict(list)
    for row in rows.values():
        by_site[row[1]].append(row)
    lone_rows = {pk: rows[pk] for pk in lone_devices if pk in rows}
    lone_sites = {row[1] for row in lone_rows.values()}
    sites, org_of_site = {}, {}
    for pk, name, organization_id in Site.objects.filter(pk__in=affected_sites | lone_sites).values_list(
        "pk", "name", "organization_id"
    ):
        sites[pk], org_of_site[pk] = Ref(SITE_ROUTE, pk, name), organization_id
    down_since = down.since
    windows = list(MaintenanceWindow.objects.filter(start__lte=now, end__gt=now))

    def in_window(device_id: int | None, site_id: int | None) -> bool:
        org_id = org_of_site.get(site_id)
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
        cut = sorted(cut_behind.get(site_id, []), key=lambda s: sites[s].name if s in sites else "")
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
        pk, site_id, _organization, _kind, name = row
        incidents.append(
            impact(
                Incident(
                    kind="device",
                    site=sites.get(site_id),
                    device=Ref(DEVICE_ROUTE, pk, name),
                    since=down_since.get(device_id),
                    in_maintenance=in_window(device_id, site_id),
                ),
                [row],
            )
        )
    # largest first; then the oldest; then by name, so that equal incidents keep their places on each refresh
    incidents.sort(
        key=lambda i: (i.in_maintenance, tuple(-n for n in i.impact), i.since or now, str(i.device or i.site or ""))
    )
    return Status(
        incidents=incidents,
        cut_off=list(Prober.objects.filter(reference_ok=False)),
        down_checks=down.down_checks,
        unknown_checks=down.unknown_checks,
        checked_at=now,
    )


def _root(behind: dict[int, int], site_id: int) -> int:
    """The down site at the top of the chain that cuts ``site_id`` off."""
    seen = set()
    cause = behind[site_id]
    while cause in behind and cause not in seen:
        seen.add(cause)
        cause = behind[cause]
    return cause
