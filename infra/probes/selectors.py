"""Read-side questions about the probes: availability and downtime of a check, device, site or
OPD over a period. Each answer costs a fixed number of queries; the arithmetic is ``state``'s."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, OuterRef, Q, Subquery

from infra.inventory.models import Device, Organization, Site

from . import state
from .choices import CheckKind, EventKind
from .models import Check, CheckEvent, MaintenanceWindow

SCOPES = ("check", "device", "site", "organization")


@dataclass(frozen=True)
class Report:
    """Availability and downtimes of one scope over one period."""

    scope: str
    pk: int
    name: str
    availability: state.Availability
    downtimes: list[state.Downtime]
    checks: int


def city_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def period(kind: str, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """A day, month or year of the city's calendar, as UTC instants."""
    return state.period(kind, day, city_zone())


def _checks_in(scope: str, pk: int) -> Q:
    if scope == "check":
        return Q(pk=pk)
    if scope == "device":
        return Q(device_id=pk)
    if scope == "site":
        return Q(device__site_id=pk)
    if scope == "organization":
        return Q(device__site__organization_id=pk)
    raise ValueError(f"unknown scope {scope!r}")


def _reachability(rows: list[dict]) -> list[dict]:
    """A device's reachability follows its ICMP checks; SNMP only where a device has no ICMP check
    (a host may answer ping while its agent fails: that is health, not reachability)."""
    has_icmp = {r["device_id"] for r in rows if r["kind"] == CheckKind.ICMP}
    return [r for r in rows if r["kind"] == CheckKind.ICMP or r["device_id"] not in has_icmp or r["device_id"] is None]


def _windows(scope: str, pk: int, rows: list[dict], start, end) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """Maintenance windows of the scope and of what contains it (a site's OPD, a device's site and OPD)."""
    devices = {r["device_id"] for r in rows if r["device_id"]}
    sites = {r["site_id"] for r in rows if r["site_id"]}
    orgs = {r["org_id"] for r in rows if r["org_id"]}
    target = Q(organization_id__in=orgs) if orgs else Q(pk__in=[])
    if scope in ("check", "device", "site"):
        target |= Q(site_id__in=sites)
    if scope in ("check", "device"):
        target |= Q(device_id__in=devices)
    return list(MaintenanceWindow.objects.filter(target, start__lt=end, end__gt=start).values_list("start", "end"))


def report(scope: str, pk: int, start: datetime.datetime, end: datetime.datetime) -> Report:
    """Availability of one check, device, site or OPD over [start, end): four queries and its name."""
    before = (
        CheckEvent.objects.filter(probe_check=OuterRef("pk"), kind=EventKind.STATE, at__lt=start)
        .order_by("-at", "-id")
        .values("new_state")[:1]
    )
    rows = list(
        Check.objects.filter(_checks_in(scope, pk))
        .annotate(initial=Subquery(before))
        .values(
            "pk",
            "kind",
            "device_id",
            "initial",
            site_id=F("device__site_id"),
            org_id=F("device__site__organization_id"),
        )
    )
    if scope != "check":
        rows = _reachability(rows)
    events: dict[int, list[tuple[datetime.datetime, state.State]]] = defaultdict(list)
    for check_id, at, new_state in CheckEvent.objects.filter(
        probe_check_id__in=[r["pk"] for r in rows], kind=EventKind.STATE, at__gte=start, at__lt=end
    ).values_list("probe_check_id", "at", "new_state"):
        events[check_id].append((at, state.State(new_state)))
    timelines: dict[int, list[state.Interval]] = {
        r["pk"]: state.timeline(state.State(r["initial"] or "unknown"), events[r["pk"]], start, end) for r in rows
    }
    if scope == "check":
        intervals = timelines.get(pk, state.timeline(state.State.UNKNOWN, [], start, end))
    else:
        # checks -> devices -> sites -> organizations, each by the one aggregate rule
        by_device: dict[object, list] = defaultdict(list)
        for r in rows:
            by_device[r["device_id"] or f"check-{r['pk']}"].append(timelines[r["pk"]])
        devices = {key: state.combine(members, start, end) for key, members in by_device.items()}
        site_of = {r["device_id"] or f"check-{r['pk']}": r["site_id"] for r in rows}
        if scope == "device":
            intervals = devices.get(pk) or state.timeline(state.State.UNKNOWN, [], start, end)
        else:
            by_site: dict[object, list] = defaultdict(list)
            for key, timeline in devices.items():
                by_site[site_of[key]].append(timeline)
            sites = {key: state.combine(members, start, end) for key, members in by_site.items()}
            if scope == "site":
                intervals = sites.get(pk) or state.timeline(state.State.UNKNOWN, [], start, end)
            else:
                intervals = state.combine(list(sites.values()), start, end)
    windows = _windows(scope, pk, rows, start, end)
    return Report(
        scope=scope,
        pk=pk,
        name=_name(scope, pk),
        availability=state.availability(intervals, start, end, windows),
        downtimes=state.downtimes(intervals, start, end),
        checks=len(rows),
    )


def availability_for(scope: str, pk: int, start: datetime.datetime, end: datetime.datetime) -> state.Availability:
    return report(scope, pk, start, end).availability


def _name(scope: str, pk: int) -> str:
    model = {"check": Check, "device": Device, "site": Site, "organization": Organization}[scope]
    obj = model.objects.filter(pk=pk).first()
    return str(obj) if obj else ""
