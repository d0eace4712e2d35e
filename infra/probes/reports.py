"""The monthly availability report of one OPD or of the whole city: per site, device and check.

Read in four queries whatever the city's size (the OPD's name; the checks with their state before the
month, one subquery per check on the (check, time) index; the month's state events, read once; the
maintenance windows overlapping the month), then computed in Python by ``state``'s rules, the same
ones ``selectors.report`` applies to one scope: a row here and that report for the same scope and
month give the same figures (tests/probes/test_reports.py holds them together).
"""

from __future__ import annotations

import datetime
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from infra.inventory.models import Organization

from . import state
from .choices import CheckKind, EventKind
from .models import Check, CheckEvent, MaintenanceWindow
from .selectors import _reachability, city_zone, period

LEVELS = ("sites", "devices", "checks")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")
Window = tuple[datetime.datetime, datetime.datetime]


class BadMonth(ValueError):
    """A month that is not YYYY-MM, or is out of the range the calendar can hold."""


@dataclass(frozen=True)
class Figures:
    """What the report says of one site, device, check or the total: seconds, and percentages of
    the time outside maintenance (``state.Availability``'s definitions)."""

    up: float
    down: float
    unknown: float
    maintenance: float
    percent: float | None
    known_percent: float | None
    downtime_count: int
    downtime_seconds: float
    longest_seconds: float


@dataclass(frozen=True)
class Row:
    """One line of a table: the object, where it sits, its figures."""

    level: str  # site | device | check
    pk: int
    name: str
    url: str
    context: str  # the site's OPD, the device's site, the check's device
    checks: int
    figures: Figures

    # django-tables2 sorts by these names
    @property
    def percent(self) -> float | None:
        return self.figures.percent

    @property
    def downtime_count(self) -> int:
        return self.figures.downtime_count

    @property
    def downtime_seconds(self) -> float:
        return self.figures.downtime_seconds

    @property
    def longest_seconds(self) -> float:
        return self.figures.longest_seconds

    @property
    def unknown(self) -> float:
        return self.figures.unknown

    @property
    def maintenance(self) -> float:
        return self.figures.maintenance


@dataclass(frozen=True)
class MonthlyReport:
    organization_id: int | None
    organization: str  # the OPD's name, or "" for the whole city
    month: datetime.date  # the first day
    start: datetime.datetime  # UTC
    end: datetime.datetime  # UTC, excluded
    time_zone: str
    generated_at: datetime.datetime
    total: Figures
    checks_count: int
    sites: list[Row] = field(default_factory=list)
    devices: list[Row] = field(default_factory=list)
    checks: list[Row] = field(default_factory=list)

    @property
    def local_start(self) -> datetime.datetime:
        return self.start.astimezone(city_zone())

    @property
    def local_end(self) -> datetime.datetime:
        return self.end.astimezone(city_zone())

    def rows(self, level: str) -> list[Row]:
        return getattr(self, level)


def parse_month(raw: str | None) -> datetime.date:
    """``YYYY-MM`` as the first day of that month; BadMonth otherwise."""
    match = _MONTH.fullmatch((raw or "").strip())
    if not match:
        raise BadMonth(_("Give the month as YYYY-MM, for example 2026-03."))
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or not 1900 <= year <= 9998:
        raise BadMonth(_("There is no such month: give the month as YYYY-MM, for example 2026-03."))
    first = datetime.date(year, month, 1)
    if first > timezone.localdate(timezone=city_zone()):
        raise BadMonth(_("That month has not begun yet: a report covers time that has passed."))
    return first


def last_full_month(today: datetime.date | None = None) -> datetime.date:
    """The first day of the month before this one, in the city's calendar."""
    today = today or timezone.localdate(timezone=city_zone())
    first = today.replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


def _figures(intervals: list[state.Interval], start, end, windows: list[Window]) -> Figures:
    figures = state.availability(intervals, start, end, windows)
    stretches = state.downtimes(state.outside(intervals, windows, start, end), start, end)
    return Figures(
        up=figures.up,
        down=figures.down,
        unknown=figures.unknown,
        maintenance=figures.maintenance,
        percent=figures.percent,
        known_percent=figures.known_percent,
        downtime_count=len(stretches),
        downtime_seconds=sum(d.seconds for d in stretches),
        longest_seconds=max((d.seconds for d in stretches), default=0.0),
    )


def check_figures(intervals: list[state.Interval], start, end, windows: list[Window]) -> Figures:
    """One check's figures as this report's rows have them: the websites report reads its availability
    through this, so the two reports give the same figure for the same check and month."""
    return _figures(intervals, start, end, windows)


def _url(name: str, pk: int) -> str:
    from django.urls import reverse

    return reverse(name, args=[pk])


def monthly(organization_id: int | None, month: datetime.date) -> MonthlyReport:
    """The availability report of one OPD (its sites' devices and checks; ``None``: the whole city)
    over one month of the city's calendar. Four queries (three for the whole city)."""
    start, end = period("month", month)
    end = min(end, max(start, timezone.now()))  # the current month: up to now, not its days to come
    name = ""
    if organization_id is not None:
        org = Organization.objects.filter(pk=organization_id).values("name", "short_name").first()
        if org is None:
            raise Organization.DoesNotExist(organization_id)
        name = org["name"]
    scope = Q() if organization_id is None else Q(device__site__organization_id=organization_id)
    before = (
        CheckEvent.objects.filter(probe_check=OuterRef("pk"), kind=EventKind.STATE, at__lt=start)
        .order_by("-at", "-id")
        .values("new_state")[:1]
    )
    rows = list(
        Check.objects.filter(scope)
        .annotate(initial=Subquery(before))
        .values(
            "pk",
            "kind",
            "address",
            "device_id",
            "initial",
            device_name=F("device__name"),
            site_id=F("device__site_id"),
            site_name=F("device__site__name"),
            org_id=F("device__site__organization_id"),
            org_name=F("device__site__organization__short_name"),
        )
        .order_by("pk")
    )
    events: dict[int, list[tuple[datetime.datetime, state.State]]] = defaultdict(list)
    # An OPD's events through its checks' keys (the (check, time) index, check by check); the whole
    # city's by time alone.
    event_scope = Q() if organization_id is None else Q(probe_check__in=Check.objects.filter(scope).values("pk"))
    found = CheckEvent.objects.filter(event_scope, kind=EventKind.STATE, at__gte=start, at__lt=end)
    for check_id, at, new_state in found.order_by("at", "id").values_list("probe_check_id", "at", "new_state"):
        events[check_id].append((at, state.State(new_state)))
    # every window that can touch the scope: the OPD's own, and those of its sites and devices
    window_scope = Q()
    if organization_id is not None:
        window_scope = (
            Q(organization_id=organization_id)
            | Q(site__organization_id=organization_id)
            | Q(device__site__organization_id=organization_id)
        )
    by_org: dict[int, list[Window]] = defaultdict(list)
    by_site: dict[int, list[Window]] = defaultdict(list)
    by_device: dict[int, list[Window]] = defaultdict(list)
    for device_id, site_id, org_id, lo, hi in MaintenanceWindow.objects.filter(
        window_scope, start__lt=end, end__gt=start
    ).values_list("device_id", "site_id", "organization_id", "start", "end"):
        target = by_device[device_id] if device_id else by_site[site_id] if site_id else by_org[org_id]
        target.append((lo, hi))

    timelines = {
        r["pk"]: state.timeline(state.State(r["initial"] or state.State.UNKNOWN), events[r["pk"]], start, end)
        for r in rows
    }

    def windows_of(org_id, site_id=None, device_id=None) -> list[Window]:
        return [*by_org.get(org_id, ()), *by_site.get(site_id, ()), *by_device.get(device_id, ())]

    kinds = {kind.value: str(kind.label) for kind in CheckKind}  # translated once, not per row
    computed: dict[tuple, Figures] = {}

    def figures_of(line: list[state.Interval], windows: list[Window]) -> Figures:
        """The same line under the same windows is computed once: a device with one check, a site with
        one device, and above all the many checks up for the whole month (one interval each)."""
        key = (tuple(line), tuple(windows))
        if key not in computed:
            computed[key] = _figures(line, start, end, windows)
        return computed[key]

    def combined(members: list[list[state.Interval]]) -> list[state.Interval]:
        # one member: its line as it is (a timeline covers the month without gaps, as combine would)
        return members[0] if len(members) == 1 else state.combine(members, start, end)

    checks_out = []
    check_url = _url("probes:check", 0)[:-2]  # one reverse, not one per row: ".../0/" less its "0/"
    for r in rows:
        label = f"{kinds.get(r['kind'], r['kind'])} {r['address']}"
        checks_out.append(
            Row(
                "check",
                r["pk"],
                label,
                f"{check_url}{r['pk']}/",
                r["device_name"] or "",
                1,
                figures_of(timelines[r["pk"]], windows_of(r["org_id"], r["site_id"], r["device_id"])),
            )
        )
    # devices from their checks (reachability: ICMP where a device has any), sites from their devices
    counted = _reachability(rows)
    members: dict[object, list] = defaultdict(list)
    for r in counted:
        members[r["device_id"] or f"check-{r['pk']}"].append(timelines[r["pk"]])
    device_lines = {key: combined(m) for key, m in members.items()}
    info = {r["device_id"]: r for r in rows if r["device_id"]}
    check_count: dict[object, int] = defaultdict(int)
    for r in rows:
        check_count[r["device_id"]] += 1
        check_count[("site", r["site_id"])] += 1
    devices_out = []
    device_url = _url("inventory:device", 0)[:-2]
    site_members: dict[object, list] = defaultdict(list)
    for key, line in device_lines.items():
        r = info.get(key) if isinstance(key, int) else None
        site_members[r["site_id"] if r else None].append(line)
        if r is None:
            continue
        devices_out.append(
            Row(
                "device",
                key,
                r["device_name"],
                f"{device_url}{key}/",
                r["site_name"],
                check_count[key],
                figures_of(line, windows_of(r["org_id"], r["site_id"], key)),
            )
        )
    site_info = {r["site_id"]: r for r in rows if r["site_id"]}
    site_lines = {key: combined(m) for key, m in site_members.items()}
    sites_out = []
    site_url = _url("inventory:site", 0)[:-2]
    for key, line in site_lines.items():
        if key is None:
            continue
        r = site_info[key]
        sites_out.append(
            Row(
                "site",
                key,
                r["site_name"],
                f"{site_url}{key}/",
                r["org_name"] or "",
                check_count[("site", key)],
                figures_of(line, windows_of(r["org_id"], key)),
            )
        )
    total_line = state.combine(list(site_lines.values()), start, end)
    # the OPD's own windows; the city as a whole has none (a part's maintenance shows in its rows)
    total = _figures(total_line, start, end, list(by_org.get(organization_id, ())) if organization_id else [])
    return MonthlyReport(
        organization_id=organization_id,
        organization=name,
        month=month,
        start=start,
        end=end,
        time_zone=str(city_zone()),
        generated_at=timezone.now(),
        total=total,
        checks_count=len(rows),
        sites=sorted(sites_out, key=lambda row: (row.name.lower(), row.pk)),
        devices=sorted(devices_out, key=lambda row: (row.name.lower(), row.pk)),
        checks=sorted(checks_out, key=lambda row: (row.name.lower(), row.pk)),
    )


# --- how figures are written, the same on the page, in the PDF and the CSV --------------------------


def format_percent(value: float | None) -> str:
    """A percentage to two decimals, rounded down (99.996 % is not 100 %), in the user's language;
    "–" when there is none (a month spent wholly in maintenance)."""
    if value is None:
        return "–"
    return number_format(math.floor(value * 100) / 100, 2, use_l10n=True) + " %"


def format_span(seconds: float) -> str:
    """A duration as "2 h 14 m" ("2 j 14 m"), whole minutes rounded down; under a minute in seconds."""
    seconds = int(seconds)
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours:
        return _("%(h)d h %(m)d m") % {"h": hours, "m": minutes}
    return _("%(m)d m") % {"m": minutes}
