"""The figures the charts draw: state, availability, loss and latency of a device, site, OPD or fiber link
over a day, a month or a year of the city's calendar, bucket by bucket.

Everything comes from what is kept for that long: the state from the state change events (kept for
ever), loss and latency from the roll-ups (hourly figures for a day and a month, 400 days; daily figures
for a year, 10 years). Raw results are not read: a chart costs the same for a quiet device and an OPD of
thousands of checks, five queries (the checks with their state before the period, the events, the
maintenance windows, the roll-ups summed per bucket by the database; the scope object is the caller's).

The checks are those availability counts (``selectors``' reachability rule): a device's ICMP checks, its
SNMP checks only where it has no ICMP check. Across checks, per bucket:

- probes, answers, packets sent and received are summed; loss % = (sent - received) / sent;
- the average round-trip time is the average of the checks' averages weighted by their answered probes
  (what a single check would show had its probes been one check's), the 95th percentile and the
  maximum are the largest of the checks' (the worst check, an upper bound: percentiles do not add);
- availability % is time-weighted from the state intervals, as the reports compute it: up / (up + down
  + unknown), maintenance left out; none for a bucket spent in maintenance, not begun yet, or whose
  state was unknown throughout (the band shows it as unknown; a 0 % there would read as an outage).

A fiber link has no state history of its own (the ports' status is kept as it is now, not over
time), so its chart is drawn from the equipment at its two ends: at each end, the device of the port
the link is connected to, or every device of the end's site when no port is named; the link is
down while either end is down, up while an end is up and none is down, unknown otherwise
(``topology.link_state``'s rule, over the ends' reachability).
"""

from __future__ import annotations

import datetime
import itertools
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Exists, F, FloatField, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from . import state
from .choices import CheckKind, EventKind
from .models import Check, CheckEvent, DailyRollup, HourlyRollup
from .selectors import _windows, city_zone

RANGES = ("day", "month", "year")
SCOPES = ("device", "site", "organization", "fiberlink")
HOUR = datetime.timedelta(hours=1)
MAINTENANCE = "maintenance"


@dataclass
class Series:
    """A chart's figures: ``edges`` are the buckets' bounds (one more than the buckets), each list one
    value per bucket (None: nothing measured); ``band`` the state intervals (start, end, state)."""

    range: str
    start: datetime.datetime
    end: datetime.datetime
    edges: list[datetime.datetime]
    availability: list[float | None] = field(default_factory=list)
    loss: list[float | None] = field(default_factory=list)
    rtt_avg: list[float | None] = field(default_factory=list)
    rtt_p95: list[float | None] = field(default_factory=list)
    rtt_max: list[float | None] = field(default_factory=list)
    band: list[tuple[datetime.datetime, datetime.datetime, str]] = field(default_factory=list)
    checks: int = 0

    @property
    def empty(self) -> bool:
        """Nothing to draw: no probe figures and no known state in the period."""
        measured = any(v is not None for v in self.loss) or any(v is not None for v in self.rtt_avg)
        return not measured and all(s == state.State.UNKNOWN for _, _, s in self.band)


def period(kind: str, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The day, month or year of the city's calendar containing ``day``, as UTC instants."""
    return state.period(kind, day, city_zone())


def step(kind: str, day: datetime.date, by: int) -> datetime.date:
    """The first day of the period ``by`` periods after (or before) the one containing ``day``."""
    if kind == "day":
        return day + datetime.timedelta(days=by)
    if kind == "month":
        months = day.year * 12 + day.month - 1 + by
        return datetime.date(months // 12, months % 12 + 1, 1)
    return datetime.date(day.year + by, 1, 1)


def edges(kind: str, start: datetime.datetime, end: datetime.datetime) -> list[datetime.datetime]:
    """Bucket bounds: hours for a day and a month (the hourly roll-ups' UTC hours), the city's days for
    a year (the daily roll-ups' local midnights, so a day of a DST change keeps its 23 or 25 hours)."""
    if kind == "year":
        zone = city_zone()
        first = start.astimezone(zone).date()
        last = end.astimezone(zone).date()
        days = (last - first).days
        midnights = (first + datetime.timedelta(days=i) for i in range(days + 1))
        return [datetime.datetime.combine(d, datetime.time(), zone).astimezone(datetime.UTC) for d in midnights]
    bounds = []
    cursor = start
    while cursor < end:
        bounds.append(cursor)
        cursor += HOUR
    return [*bounds, end]


def _scope_checks(scope: str, obj) -> tuple[Q, dict[str, tuple[str, int]]]:
    """The checks of a scope, and for a fiber link what each end is: ("device_id" | "site_id", id)."""
    if scope == "device":
        return Q(device_id=obj.pk), {}
    if scope == "site":
        return Q(device__site_id=obj.pk), {}
    if scope == "organization":
        return Q(device__site__organization_id=obj.pk), {}
    if scope == "fiberlink":
        sides = (("a", obj.interface_a, obj.site_a_id), ("b", obj.interface_b, obj.site_b_id))
        ends = {
            end: ("device_id", interface.device_id) if interface is not None else ("site_id", site_id)
            for end, interface, site_id in sides
        }
        q = Q()
        for name, value in ends.values():
            q |= Q(device_id=value) if name == "device_id" else Q(device__site_id=value)
        return q, ends
    raise ValueError(f"unknown scope {scope!r}")


def _reachability_checks(q: Q) -> QuerySet:
    """``selectors._reachability`` in SQL: ICMP checks, SNMP ones only on devices without an ICMP check
    (so the roll-ups and events can be read through a subquery, whatever the number of checks)."""
    icmp_on_device = Check.objects.filter(device_id=OuterRef("device_id"), kind=CheckKind.ICMP)
    return Check.objects.filter(q).filter(Q(kind=CheckKind.ICMP) | Q(device__isnull=True) | ~Exists(icmp_on_device))


def _link(ends: list[list[state.Interval]], start: datetime.datetime, end: datetime.datetime) -> list[state.Interval]:
    """A fiber link's state from its two ends': down while either is down, up while one is up."""
    cuts = sorted({start, end, *(i.start for e in ends for i in e), *(i.end for e in ends for i in e)})
    cuts = [c for c in cuts if start <= c <= end]
    out: list[state.Interval] = []
    for lo, hi in itertools.pairwise(cuts):
        states = [next((i.state for i in e if i.start <= lo < i.end), state.State.UNKNOWN) for e in ends]
        if state.State.DOWN in states:
            now = state.State.DOWN
        elif state.State.UP in states:
            now = state.State.UP
        else:
            now = state.State.UNKNOWN
        if out and out[-1].state == now:
            out[-1] = state.Interval(out[-1].start, hi, now)
        else:
            out.append(state.Interval(lo, hi, now))
    return out


def _with_maintenance(
    intervals: list[state.Interval], windows: list[tuple[datetime.datetime, datetime.datetime]]
) -> list[tuple[datetime.datetime, datetime.datetime, str]]:
    """The intervals with the maintenance windows laid over them (time in a window is maintenance)."""
    joined: list[list[datetime.datetime]] = []
    for lo, hi in sorted(windows):
        if joined and lo <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], hi)
        else:
            joined.append([lo, hi])
    pieces: list[tuple[datetime.datetime, datetime.datetime, str]] = []
    for item in intervals:
        cursor = item.start
        for lo, hi in joined:
            if hi <= cursor or lo >= item.end:
                continue
            if lo > cursor:
                pieces.append((cursor, lo, item.state.value))
            pieces.append((max(lo, cursor), min(hi, item.end), MAINTENANCE))
            cursor = min(hi, item.end)
        if cursor < item.end:
            pieces.append((cursor, item.end, item.state.value))
    band: list[tuple[datetime.datetime, datetime.datetime, str]] = []
    for lo, hi, what in pieces:
        if band and band[-1][2] == what and band[-1][1] == lo:
            band[-1] = (band[-1][0], hi, what)
        elif hi > lo:
            band.append((lo, hi, what))
    return band


def _availability(band, bounds: list[datetime.datetime]) -> list[float | None]:
    """Time-weighted availability of each bucket: one pass over the band, bisecting into the buckets."""
    buckets = len(bounds) - 1
    seconds = [defaultdict(float) for _ in range(buckets)]
    for lo, hi, what in band:
        i = max(bisect_right(bounds, lo) - 1, 0)
        while i < buckets and bounds[i] < hi:
            part = min(hi, bounds[i + 1]) - max(lo, bounds[i])
            seconds[i][what] += part.total_seconds()
            i += 1
    out: list[float | None] = []
    for parts in seconds:
        known = parts["up"] + parts["down"]
        counted = known + parts["unknown"]
        # A bucket with no known state at all (not monitored yet, the prober cut off) has no figure: the
        # band says "unknown" there; a bucket partly unknown counts that time as not up, as reports do.
        out.append(round(100.0 * parts["up"] / counted, 3) if known > 0 else None)
    return out


def series(scope: str, obj, kind: str, day: datetime.date, now: datetime.datetime | None = None) -> Series:
    """The chart of ``obj`` (a device, site, organization or fiber link) over the ``kind`` period that
    contains the local date ``day``: five queries whatever the scope's size."""
    if kind not in RANGES:
        raise ValueError(f"unknown range {kind!r}")
    now = now or timezone.now()
    start, end = period(kind, day)
    bounds = edges(kind, start, end)
    result = Series(range=kind, start=start, end=end, edges=bounds)
    q, ends = _scope_checks(scope, obj)
    checks = _reachability_checks(q)
    until = min(end, now)  # the state is not drawn into the future

    before = (
        CheckEvent.objects.filter(probe_check=OuterRef("pk"), kind=EventKind.STATE, at__lt=start)
        .order_by("-at", "-id")
        .values("new_state")[:1]
    )
    rows = list(
        checks.annotate(initial=Subquery(before)).values(
            "pk", "device_id", "initial", site_id=F("device__site_id"), org_id=F("device__site__organization_id")
        )
    )
    result.checks = len(rows)
    events: dict[int, list[tuple[datetime.datetime, state.State]]] = defaultdict(list)
    for check_id, at, new_state in CheckEvent.objects.filter(
        probe_check_id__in=checks.values("pk"), kind=EventKind.STATE, at__gte=start, at__lt=until
    ).values_list("probe_check_id", "at", "new_state"):
        events[check_id].append((at, state.State(new_state)))
    windows_scope = "device" if scope == "fiberlink" else scope
    windows = [(max(lo, start), min(hi, until)) for lo, hi in _windows(windows_scope, obj.pk, rows, start, end)]

    if until > start:
        timelines = {
            r["pk"]: state.timeline(state.State(r["initial"] or "unknown"), events[r["pk"]], start, until) for r in rows
        }
        by_device: dict[object, list] = defaultdict(list)
        for r in rows:
            by_device[r["device_id"] or f"check-{r['pk']}"].append(timelines[r["pk"]])
        devices = {key: state.combine(members, start, until) for key, members in by_device.items()}
        if scope == "fiberlink":
            members = {"a": set(), "b": set()}
            for r in rows:
                for end_name in ("a", "b"):
                    name, value = ends[end_name]
                    if r[name] == value:
                        members[end_name].add(r["device_id"] or f"check-{r['pk']}")
            end_states = [
                _by_site(rows, {k: v for k, v in devices.items() if k in members[e]}, start, until) for e in "ab"
            ]
            intervals = _link(end_states, start, until)
        elif scope == "device":
            intervals = state.combine(list(devices.values()), start, until)
        else:
            intervals = _by_site(rows, devices, start, until)
        result.band = _with_maintenance(intervals, [w for w in windows if w[0] < w[1]])
    result.availability = _availability(result.band, bounds)
    if until < end:  # buckets not begun have no availability (the state is not known yet)
        for i, lo in enumerate(bounds[:-1]):
            if lo >= until:
                result.availability[i] = None

    _rollups(result, checks, bounds)
    return result


def _by_site(rows: list[dict], devices: dict, start, end) -> list[state.Interval]:
    """Devices -> sites -> the whole, each step by the aggregate rule (as ``selectors.report``)."""
    site_of = {r["device_id"] or f"check-{r['pk']}": r["site_id"] for r in rows}
    by_site: dict[object, list] = defaultdict(list)
    for key, timeline in devices.items():
        by_site[site_of[key]].append(timeline)
    sites = [state.combine(members, start, end) for members in by_site.values()]
    return state.combine(sites, start, end)


def _rollups(result: Series, checks: QuerySet, bounds: list[datetime.datetime]) -> None:
    """Loss and latency per bucket: the roll-ups of every check summed by the database, one query."""
    model = DailyRollup if result.range == "year" else HourlyRollup
    timed = Q(rtt_avg__isnull=False)
    rows = (
        model.objects.filter(probe_check_id__in=checks.values("pk"), start__gte=bounds[0], start__lt=bounds[-1])
        .values("start")
        .annotate(
            tx=Sum("sent"),
            rx=Sum("received"),
            weight=Sum("answered", filter=timed),
            weighted=Sum(Cast(F("rtt_avg"), FloatField()) * F("answered"), filter=timed),
            plain=Avg("rtt_avg"),
            p95=Max("rtt_p95"),
            top=Max("rtt_max"),
        )
        .order_by("start")
    )
    buckets = len(bounds) - 1
    sums = [[0, 0, 0, 0.0, None, None, None] for _ in range(buckets)]  # tx, rx, weight, weighted, plain, p95, max
    for row in rows:
        i = bisect_right(bounds, row["start"]) - 1
        if not 0 <= i < buckets:
            continue
        acc = sums[i]
        acc[0] += row["tx"] or 0
        acc[1] += row["rx"] or 0
        acc[2] += row["weight"] or 0
        acc[3] += row["weighted"] or 0.0
        acc[4] = row["plain"] if acc[4] is None else acc[4]
        acc[5] = _max(acc[5], row["p95"])
        acc[6] = _max(acc[6], row["top"])
    for tx, rx, weight, weighted, plain, p95, top in sums:
        result.loss.append(round(100.0 * (tx - rx) / tx, 3) if tx else None)
        avg = weighted / weight if weight else plain
        result.rtt_avg.append(None if avg is None else round(avg, 3))
        result.rtt_p95.append(None if p95 is None else round(p95, 3))
        result.rtt_max.append(None if top is None else round(top, 3))


def _max(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)
