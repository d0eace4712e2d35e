"""The fiber network as the probes see it: which sites are down, and which are only cut off
behind a down site (upstream awareness, what Nagios calls parents and Zabbix dependencies).

The rules themselves are plain functions in ``state`` (``aggregate``, ``behind``); this module reads
what they need from the database in a fixed number of queries."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from infra.inventory.choices import FiberLinkStatus, SiteKind
from infra.inventory.models import Device, FiberLink, Site

from . import state
from .choices import CheckKind
from .models import Check, CheckStatus
from .state import State

# Links that carry traffic: a faulty link is still the path, it is what may be down.
CARRYING = (FiberLinkStatus.ACTIVE, FiberLinkStatus.FAULTY)


@dataclass(slots=True)
class Aggregate:
    state: State = State.UNKNOWN
    up: int = 0
    down: int = 0
    unknown: int = 0
    behind: int | None = None  # for a site: the down site that cuts it off


@dataclass
class Snapshot:
    """The current state of every device, site and organization with an enabled check."""

    devices: dict[int, Aggregate] = field(default_factory=dict)
    sites: dict[int, Aggregate] = field(default_factory=dict)
    organizations: dict[int, Aggregate] = field(default_factory=dict)
    site_of_device: dict[int, int] = field(default_factory=dict)

    def site_behind(self, site_id: int | None) -> int | None:
        return None if site_id is None else self.sites.get(site_id, Aggregate()).behind


def _fold(members: dict[int, list[str]]) -> dict[int, Aggregate]:
    """Aggregates from their members' states (as stored: plain strings, counted without enums)."""
    folded = {}
    for key, states in members.items():
        up, down = states.count("up"), states.count("down")
        folded[key] = Aggregate(
            state=state.aggregate_counts(up, down),
            up=up,
            down=down,
            unknown=len(states) - up - down,
        )
    return folded


def reachability(rows) -> list[tuple]:
    """(device, site, organization, state) of the checks that tell whether their device is reachable,
    from (device, site, organization, state, kind, ...) rows of enabled checks: a device's ICMP checks;
    SNMP only for a device without one (selectors does the same). Checks without a device tell nothing."""
    icmp = CheckKind.ICMP.value  # a plain string: compared 20,000 times, an enum's __eq__ shows
    rows = [row for row in rows if row[0] is not None]
    has_icmp = {row[0] for row in rows if row[4] == icmp}
    return [row[:4] for row in rows if row[4] == icmp or row[0] not in has_icmp]


# What ``reachability`` reads of a check's status, in its order (``status_rows`` may add columns after).
STATUS_COLUMNS = (
    "probe_check__device_id",
    "probe_check__device__site_id",
    "probe_check__device__site__organization_id",
    "state",
    "probe_check__kind",
)


def _reachability_rows(statuses) -> list[tuple]:
    return reachability(
        statuses.filter(probe_check__enabled=True, probe_check__device__isnull=False).values_list(*STATUS_COLUMNS)
    )


def _sites(rows: list[tuple]) -> tuple[dict[int, Aggregate], dict[int, Aggregate], dict[int, int], dict[int, int]]:
    """Devices from their checks, then sites from their devices (one rule: state.aggregate_counts).
    Counted in plain integers: 20,000 checks pass through here on every status page."""
    counts: dict[int, list[int]] = {}  # device: [up, down, checks]
    site_of_device, org_of_site = {}, {}
    for device_id, site_id, org_id, check_state in rows:
        found = counts.get(device_id)
        if found is None:
            found = counts[device_id] = [0, 0, 0]
            site_of_device[device_id] = site_id
            org_of_site[site_id] = org_id
        found[2] += 1
        if check_state == "up":
            found[0] += 1
        elif check_state == "down":
            found[1] += 1
    rule = state.aggregate_counts
    devices = {
        device_id: Aggregate(state=rule(up, down), up=up, down=down, unknown=total - up - down)
        for device_id, (up, down, total) in counts.items()
    }
    # a device is up while any of its checks is, down while none is up and one is down (the rule above)
    site_counts: dict[int, list[int]] = {}
    for device_id, (up, down, _) in counts.items():
        found = site_counts.get(site_of_device[device_id])
        if found is None:
            found = site_counts[site_of_device[device_id]] = [0, 0, 0]
        found[2] += 1
        if up:
            found[0] += 1
        elif down:
            found[1] += 1
    sites = {
        site_id: Aggregate(state=rule(up, down), up=up, down=down, unknown=total - up - down)
        for site_id, (up, down, total) in site_counts.items()
    }
    return devices, sites, site_of_device, org_of_site


def site_is_down(site_ids) -> dict[int, bool]:
    """{site id: whether it is down now} for these sites only: one query."""
    rows = _reachability_rows(CheckStatus.objects.filter(probe_check__device__site_id__in=[s for s in site_ids if s]))
    _, sites, _, _ = _sites(rows)
    return {site_id: agg.state is State.DOWN for site_id, agg in sites.items()}


def snapshot(rows: list[tuple] | None = None) -> Snapshot:
    """Devices from their checks, sites from their devices, OPDs from their sites; then the sites
    behind a down site. Three queries whatever the size of the city; two when the caller has read the
    enabled checks' ``STATUS_COLUMNS`` rows already (the status page reads them once for both)."""
    if rows is None:
        rows = CheckStatus.objects.filter(probe_check__enabled=True).values_list(*STATUS_COLUMNS)
    devices, sites, site_of_device, org_of_site = _sites(reachability(rows))
    snap = Snapshot(devices=devices, sites=sites, site_of_device=site_of_device)
    by_org: dict[int, list[str]] = defaultdict(list)
    for site_id, agg in snap.sites.items():
        if org_of_site.get(site_id):
            by_org[org_of_site[site_id]].append(agg.state.value)
    snap.organizations = _fold(by_org)
    down = [site_id for site_id, agg in snap.sites.items() if agg.state is state.State.DOWN]
    for site_id, cause in cut_off(down).items():
        snap.sites.setdefault(site_id, Aggregate()).behind = cause
    return snap


def cut_off(down_sites) -> dict[int, int]:
    """{site: the down site that cuts it off} over the carrying fiber from the data centers
    (``state.behind``): two queries, none when no site is down."""
    if not down_sites:
        return {}
    links = FiberLink.objects.filter(status__in=CARRYING).values_list("site_a_id", "site_b_id")
    roots = Site.objects.filter(Q(kind=SiteKind.DATA_CENTER)).values_list("pk", flat=True)
    return state.behind(list(links), list(roots), list(down_sites))


@dataclass
class DownNow:
    """What is down now, folded in the database: the status page's input without 20,000 rows."""

    devices: dict[int, tuple[int, int, str, str]]  # down device: (site, device's organization, kind, name)
    since: dict[int, datetime.datetime]  # device with a down check (any kind): its latest down check's "since"
    sites: set[int]  # sites down now
    down_checks: int  # enabled checks down, with or without a device
    unknown_checks: int


# The rule of ``reachability`` and ``_sites`` in SQL. A device's reachability checks are its enabled
# ICMP checks, or all of its enabled checks when it has no ICMP one (a check counts once it has a
# status); a device is up while one of them is up, down while none is up and one is down; a site is up
# while one of its devices is up, down while none is and one is down. The query starts from the down
# checks (a down device has one, a down site has a down device) and asks of each device and site only
# whether something in it is up, which an index answers at the first up check: the work follows the
# size of the outage, not of the city. {reach} is filled in for the device ``{device}`` and a state.
_REACH = """EXISTS (
    SELECT 1 FROM {check} r JOIN {checkstatus} rs ON rs.{s_check} = r.{c_pk}
    WHERE r.{c_device} = {{device}} AND r.{c_enabled} = %(enabled)s AND rs.{s_state} = {{state}}
        AND (r.{c_kind} = %(icmp)s OR NOT EXISTS (
            SELECT 1 FROM {check} i JOIN {checkstatus} si ON si.{s_check} = i.{c_pk}
            WHERE i.{c_device} = {{device}} AND i.{c_kind} = %(icmp)s AND i.{c_enabled} = %(enabled)s
        ))
)"""

_DOWN_NOW_SQL = """
WITH not_up AS (
    SELECT c.{c_device} AS device_id, s.{s_state} AS state, s.{s_since} AS since
    FROM {checkstatus} s JOIN {check} c ON c.{c_pk} = s.{s_check}
    WHERE s.{s_state} IN (%(down)s, %(unknown)s) AND c.{c_enabled} = %(enabled)s
), city AS (
    SELECT SUM(CASE WHEN state = %(down)s THEN 1 ELSE 0 END) AS down,
        SUM(CASE WHEN state = %(unknown)s THEN 1 ELSE 0 END) AS unknown
    FROM not_up
), with_down AS (
    SELECT device_id, MAX(since) AS since FROM not_up
    WHERE state = %(down)s AND device_id IS NOT NULL
    GROUP BY device_id
), devices AS (
    SELECT w.device_id, w.since, d.{d_site} AS site_id, d.{d_org} AS organization_id, d.{d_kind} AS kind,
        d.{d_name} AS name,
        CASE WHEN {reach_down} AND NOT {reach_up} THEN 1 ELSE 0 END AS down
    FROM with_down w JOIN {device} d ON d.{d_pk} = w.device_id
), candidates AS (
    SELECT DISTINCT site_id FROM devices WHERE down = 1
), down_sites AS (
    SELECT site_id FROM candidates x
    WHERE NOT EXISTS (SELECT 1 FROM {device} sd WHERE sd.{d_site} = x.site_id AND {site_up})
)
SELECT city.down, city.unknown, x.device_id, x.site_id, x.organization_id, x.kind, x.name, x.since, x.down,
    CASE WHEN x.site_id IN (SELECT site_id FROM down_sites) THEN 1 ELSE 0 END
FROM city LEFT JOIN devices x ON 1 = 1
"""


def _down_now_sql() -> str:
    quote = connection.ops.quote_name

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    names = {
        "checkstatus": quote(CheckStatus._meta.db_table),
        "check": quote(Check._meta.db_table),
        "device": quote(Device._meta.db_table),
        "s_state": column(CheckStatus, "state"),
        "s_since": column(CheckStatus, "since"),
        "s_check": column(CheckStatus, "probe_check"),
        "c_pk": column(Check, "id"),
        "c_device": column(Check, "device"),
        "c_kind": column(Check, "kind"),
        "c_enabled": column(Check, "enabled"),
        "d_pk": column(Device, "id"),
        "d_site": column(Device, "site"),
        "d_org": column(Device, "organization"),
        "d_kind": column(Device, "kind"),
        "d_name": column(Device, "name"),
    }
    reach = _REACH.format(**names)
    return _DOWN_NOW_SQL.format(
        **names,
        reach_down=reach.format(device="w.device_id", state="%(down)s"),
        reach_up=reach.format(device="w.device_id", state="%(up)s"),
        site_up=reach.format(device=f"sd.{names['d_pk']}", state="%(up)s"),
    )


def _moment(value) -> datetime.datetime | None:
    """A timestamp as a raw query gives it: aware from PostgreSQL, text in UTC from SQLite."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    parsed = parse_datetime(value)
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def down_now() -> DownNow:
    """The devices and sites down now and the city's check counts, in one query whatever the size of
    the city: the same answer as ``snapshot`` (tests/probes/test_status.py pins the two together), read
    as a few hundred rows instead of every check's state."""
    params = {
        "icmp": CheckKind.ICMP.value,
        "up": State.UP.value,
        "down": State.DOWN.value,
        "unknown": State.UNKNOWN.value,
        "enabled": True,
    }
    found = DownNow(devices={}, since={}, sites=set(), down_checks=0, unknown_checks=0)
    with connection.cursor() as cursor:
        cursor.execute(_down_now_sql(), params)
        rows = cursor.fetchall()
    for city_down, city_unknown, device_id, site_id, org_id, kind, name, since, device_down, site_down in rows:
        found.down_checks, found.unknown_checks = int(city_down or 0), int(city_unknown or 0)
        if device_id is None:
            continue  # nothing is down: the totals alone
        if since is not None:
            found.since[device_id] = _moment(since)
        if device_down:
            found.devices[device_id] = (site_id, org_id, kind, name)
        if site_down:
            found.sites.add(site_id)
    return found


# IF-MIB ifOperStatus: 1 up, 2 down, 3 testing, 4 unknown, 5 dormant, 6 notPresent, 7 lowerLayerDown.
IF_UP = 1


def interface_state(oper_status: int | None) -> State:
    """An interface end as the link's state sees it: up, down (any other reported status), or unknown."""
    if oper_status is None:
        return State.UNKNOWN
    return State.UP if oper_status == IF_UP else State.DOWN


def link_state(end_a: int | None, end_b: int | None) -> State:
    """A fiber link is down when either end reports its port not up (a cut fiber takes both ends down;
    one is enough to say the link does not carry), up when an end reports up and none reports down (an
    optical port is up only while it receives light from the far end), unknown when no end is read (no
    interface named, no SNMP check on its device, or no answer yet)."""
    ends = (interface_state(end_a), interface_state(end_b))
    if State.DOWN in ends:
        return State.DOWN
    if State.UP in ends:
        return State.UP
    return State.UNKNOWN


def fiber_link_states(link_ids: list[int] | None = None) -> dict[int, State]:
    """{fiber link id: operational state} from the interfaces at its two ends: one query."""
    links = FiberLink.objects.all() if link_ids is None else FiberLink.objects.filter(pk__in=link_ids)
    rows = links.values_list("pk", "interface_a__probe_status__oper_status", "interface_b__probe_status__oper_status")
    return {pk: link_state(a, b) for pk, a, b in rows}
