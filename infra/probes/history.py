"""A synthetic, self-consistent year of probe history for a set of checks (the demo city, benchmarks).

Plain Python (no Django): ``plan`` chooses what went wrong and when (an upstream outage, flapping
links, single-device outages, maintenance work, the prober cut off), as runs of probe results over
each check's slot grid; ``derive`` turns those results into everything the probes would have written
from them: state events (by driving ``state.apply``, the rules live probing uses), downtimes, and
hourly and daily figures (``count``/``answered`` as ``services.retention`` counts raw results).

Why it is fast at 20,000 checks: a check is "all answered" except in its episodes, so only the
episodes' slots (plus a settling tail) go through ``state.apply``; the answered stretches in between
are skipped in O(1) (the tracker is steady there), and their hourly and daily figures come from a
small deterministic noise table. Everything is deterministic for a seed.
"""

from __future__ import annotations

import bisect
import functools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import state

# Marks every synthetic event (detail) and names the prober and marker rows, so no one mistakes it.
SYNTHETIC = "demo history (synthetic)"
CUT_OFF = "prober cut off: its reference target did not answer"
TIMEOUT, NETWORK_UNREACHABLE, OK = 1, 3, 0  # engines.base.Outcome values (kept plain here)
RTT_PROFILES = {"loopback": (0.02, 0.12), "fiber": (0.4, 4.0)}
_NOISE = 4096


@dataclass(frozen=True)
class CheckInfo:
    """What the generator needs of a check."""

    id: int
    interval: int = 60
    packets: int = 3
    device_id: int | None = None
    site_id: int | None = None
    org_id: int | None = None
    rules: state.Rules = field(default_factory=state.Rules)


@dataclass(frozen=True)
class Window:
    """A maintenance window on a device or a site (the service creates it as a MaintenanceWindow)."""

    start: datetime
    end: datetime
    device_id: int | None = None
    site_id: int | None = None
    reason: str = ""


@dataclass
class Episode:
    """Probe results of one check from ``start`` (a time on its grid): 'u' answered, 'd' failed,
    '?' unknown (prober cut off). ``cause``: the down site an upstream outage puts it behind."""

    start: datetime
    results: str
    cause: int | None = None
    outcome: int = TIMEOUT


@dataclass
class Scenario:
    """What went wrong, per check, and the maintenance windows; ``notes`` for people (the docs, the command)."""

    start: datetime
    end: datetime
    episodes: dict[int, list[Episode]] = field(default_factory=dict)
    windows: list[Window] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    upstream: list[int] = field(default_factory=list)  # the sites whose outage cut others off
    flapping_sites: list[int] = field(default_factory=list)

    def add(self, check_id: int, episode: Episode) -> None:
        self.episodes.setdefault(check_id, []).append(episode)


def _grid(moment: datetime, interval: int, up: bool = True) -> datetime:
    """The first slot of the check's grid (epoch multiples of its interval) at or after ``moment``."""
    seconds = int(moment.timestamp())
    slot = -(-seconds // interval) * interval if up else seconds // interval * interval
    return datetime.fromtimestamp(slot, UTC)


def _run(check: CheckInfo, start: datetime, end: datetime, char: str) -> tuple[datetime, str]:
    first = _grid(start, check.interval)
    slots = max(0, -(-int((end - first).total_seconds()) // check.interval))
    return first, char * slots


def _when(rng: random.Random, start: datetime, end: datetime, length: timedelta, margin: timedelta) -> datetime:
    """A whole minute in [start + margin, end - margin - length)."""
    lo = start + margin
    span = int((end - margin - length - lo).total_seconds() // 60)
    return lo + timedelta(minutes=rng.randrange(max(span, 1)))


def plan(
    checks: Sequence[CheckInfo],
    links: Iterable[tuple[int, int]],
    roots: Iterable[int],
    start: datetime,
    end: datetime,
    seed: int = 1871,
    zone: ZoneInfo | None = None,
) -> Scenario:
    """Choose the year's trouble, scaled to the city: about one upstream outage per 40 sites (at least
    one where a site has others behind it), a flapping link per 25 sites (at least three), a day-long
    device outage per 200 devices (at least two), a maintenance window per 30 sites (at least two), and
    the prober cut off twice. Episodes stay two days clear of both ends (the history ends answered)."""
    rng = random.Random(seed)
    zone = zone or ZoneInfo("Asia/Jakarta")
    scenario = Scenario(start=start, end=end)
    links, roots = list(links), set(roots)
    by_site: dict[int, list[CheckInfo]] = {}
    by_device: dict[int, list[CheckInfo]] = {}
    for c in checks:
        if c.site_id is not None:
            by_site.setdefault(c.site_id, []).append(c)
        if c.device_id is not None:
            by_device.setdefault(c.device_id, []).append(c)
    sites = sorted(by_site)
    margin = timedelta(days=2)
    busy: dict[int, list[tuple[datetime, datetime]]] = {}  # per check: when it already has trouble

    def free(targets: Sequence[CheckInfo], lo: datetime, hi: datetime) -> bool:
        pad = timedelta(hours=2)
        return all(not (a - pad < hi and lo < b + pad) for c in targets for a, b in busy.get(c.id, ()))

    def place(targets: Sequence[CheckInfo], length: timedelta, night: bool = False) -> datetime | None:
        for _ in range(50):
            at = _when(rng, start, end, length, margin)
            if night:  # 22:00 local, when planned work is done
                local = at.astimezone(zone)
                at = datetime.combine(local.date(), time(22), zone).astimezone(UTC)
                if at < start + margin or at + length > end - margin:
                    continue
            if free(targets, at, at + length):
                for c in targets:
                    busy.setdefault(c.id, []).append((at, at + length))
                return at
        return None

    # An upstream outage: a site on the way to the data center down for hours, the sites behind it cut off.
    cut_off = {s: state.behind(links, roots, [s]) for s in sites if s not in roots}
    candidates = [s for s in sites if any(b in by_site for b in cut_off.get(s, {}))]
    for site in sorted(rng.sample(candidates, min(len(candidates), max(1, len(sites) // 40)))):
        behind = sorted(b for b in cut_off[site] if b in by_site)
        targets = [c for s in (site, *behind) for c in by_site[s]]
        length = timedelta(minutes=rng.randrange(150, 360))
        at = place(targets, length)
        if at is None:
            continue
        scenario.upstream.append(site)
        for c in targets:
            first, results = _run(c, at, at + length, "d")
            cause = None if c.site_id == site else site
            scenario.add(c.id, Episode(first, results, cause, NETWORK_UNREACHABLE if cause else TIMEOUT))
        scenario.notes.append(f"upstream outage: site {site} down {length}, {len(behind)} sites behind it, from {at}")
    # Flapping links: sites that cut nothing off, their link going up and down for a few hours.
    leaves = [s for s in sites if s not in roots and s not in scenario.upstream and not cut_off.get(s)]
    for site in sorted(rng.sample(leaves, min(len(leaves), max(3, len(sites) // 25)))):
        targets = by_site[site]
        length = timedelta(minutes=rng.randrange(90, 240))
        at = place(targets, length)
        if at is None:
            continue
        scenario.flapping_sites.append(site)
        pattern = []
        while sum(map(len, pattern)) * 60 < length.total_seconds():
            # failures long enough to go down, answers long enough to come back: every run is a change
            pattern.append("d" * rng.randint(3, 6) + "u" * rng.randint(2, 5))
        pattern_text = "".join(pattern)
        for c in targets:
            first = _grid(at, c.interval)
            scenario.add(c.id, Episode(first, pattern_text))
        scenario.notes.append(f"flapping link: site {site} for {length} from {at}")
    # Single devices down for most of a day (a server's power supply, a disk).
    devices = sorted(by_device)
    for device in sorted(rng.sample(devices, min(len(devices), max(2, len(devices) // 200)))):
        targets = by_device[device]
        length = timedelta(minutes=rng.randrange(8 * 60, 30 * 60))
        at = place(targets, length)
        if at is None:
            continue
        for c in targets:
            first, results = _run(c, at, at + length, "d")
            scenario.add(c.id, Episode(first, results))
        scenario.notes.append(f"device {device} down {length} from {at}")
    # Maintenance windows at night, on a site or a device, with the downtime inside them.
    for i in range(max(2, len(sites) // 30)):
        if i % 2 == 0 and leaves:  # a site that cuts nothing off (its work puts no one behind it)
            site = rng.choice(leaves)
            targets, window = by_site[site], {"site_id": site}
        elif devices:
            device = rng.choice(devices)
            targets, window = by_device[device], {"device_id": device}
        else:
            continue
        length = timedelta(hours=rng.randint(2, 6))
        at = place(targets, length, night=True)
        if at is None:
            continue
        scenario.windows.append(Window(at, at + length, reason=f"Pemeliharaan terjadwal ({SYNTHETIC})", **window))
        work = at + timedelta(minutes=rng.randrange(10, 40))
        down = timedelta(minutes=rng.randrange(20, int(length.total_seconds() // 60) - 50))
        for c in targets:
            first, results = _run(c, work, work + down, "d")
            scenario.add(c.id, Episode(first, results))
        scenario.notes.append(f"maintenance: {window} {at} for {length}, down {down} inside")
    # The prober cut off from its reference: every check unknown for a while.
    for _ in range(2):
        length = timedelta(minutes=rng.randrange(20, 90))
        at = _when(rng, start, end, length, margin)
        for c in checks:
            first, results = _run(c, at, at + length, "?")
            scenario.add(c.id, Episode(first, results, outcome=TIMEOUT))
        scenario.notes.append(f"prober cut off {length} from {at}")
    return scenario


# --- deriving what the probes would have written ----------------------------------------------------


@dataclass
class Event:
    check_id: int
    at: datetime
    kind: str
    old: str
    new: str
    outcome: int | None
    held: bool
    root_cause: int | None
    detail: str


@dataclass
class Down:
    check_id: int
    start: datetime
    end: datetime | None
    cause: int | None
    root_cause: int | None


@dataclass
class Derived:
    """Rows to write: events, downtimes, hourly and daily figures (tuples in ROLLUP_COLUMNS order), and
    each check's tracker at the end (for its status row)."""

    events: list[Event] = field(default_factory=list)
    downtimes: list[Down] = field(default_factory=list)
    trackers: dict[int, state.Tracker] = field(default_factory=dict)
    last_rtt: dict[int, float] = field(default_factory=dict)


ROLLUP_COLUMNS = (
    "check_id",
    "start",
    "count",
    "answered",
    "sent",
    "received",
    "rtt_avg",
    "rtt_p50",
    "rtt_p95",
    "rtt_max",
)


def _merged(check: CheckInfo, episodes: list[Episode]) -> list[tuple[datetime, str, dict[int, Episode]]]:
    """Episodes painted onto one stretch per group (overlaps: '?' over 'd' over 'u'), each group followed
    by a tail of answers long enough for the tracker to settle (up, flapping over, full history)."""
    interval = timedelta(seconds=check.interval)
    tail = check.rules.flap_window + check.rules.up_after + 1
    rank = {"u": 0, "d": 1, "?": 2}
    groups: list[tuple[datetime, list[Episode]]] = []
    for ep in sorted(episodes, key=lambda e: e.start):
        end = ep.start + interval * (len(ep.results) + tail)
        if groups and ep.start <= groups[-1][0]:
            groups[-1][1].append(ep)
            groups[-1] = (max(groups[-1][0], end), groups[-1][1])
        else:
            groups.append((end, [ep]))
    out = []
    for end, members in groups:
        first = min(e.start for e in members)
        size = int((end - first) / interval)
        chars = ["u"] * size
        owner: dict[int, Episode] = {}
        for ep in members:
            offset = int((ep.start - first) / interval)
            for i, ch in enumerate(ep.results):
                if rank[ch] > rank[chars[offset + i]]:
                    chars[offset + i] = ch
                    owner[offset + i] = ep
        out.append((first, "".join(chars), owner))
    return out


def derive(
    checks: Sequence[CheckInfo],
    scenario: Scenario,
    maintenance_of: dict[int, list[tuple[datetime, datetime]]] | None = None,
) -> Derived:
    """Drive each check's results through ``state.apply`` and keep what live recording would keep.

    Every check starts unknown at the scenario's start and answers from there (its first event is
    unknown -> up after ``up_after`` answers); between episodes it answers steadily. ``maintenance_of``:
    per check, the windows of its device, site or OPD (their events are held, as recording holds them).
    """
    out = Derived()
    maintenance_of = maintenance_of or {}
    for check in checks:
        interval = timedelta(seconds=check.interval)
        first_slot = _grid(scenario.start, check.interval)
        episodes = [Episode(first_slot, "u"), *scenario.episodes.get(check.id, [])]
        tracker = state.Tracker()
        opened: Down | None = None
        windows = maintenance_of.get(check.id, ())
        for begin, results, owner in _merged(check, episodes):
            if tracker.last_at is not None and begin - interval > tracker.last_at:
                # the steady stretch before this group: every probe answered, nothing changes
                skipped = int((begin - tracker.last_at) / interval) - 1
                tracker = replace(
                    tracker, successes=min(tracker.successes + skipped, state.RUN_CAP), last_at=begin - interval
                )
            for i, ch in enumerate(results):
                at = begin + interval * i
                ep = owner.get(i)
                outcome = OK if ch == "u" else (ep.outcome if ep else TIMEOUT)
                tracker, changes = state.apply(tracker, check.rules, at, None if ch == "?" else ch == "u")
                for change in changes:
                    in_window = any(lo <= at < hi for lo, hi in windows)
                    cause = ep.cause if ep and change.kind == "state" and change.new is state.State.DOWN else None
                    detail = f"{CUT_OFF}; {SYNTHETIC}" if ch == "?" else SYNTHETIC
                    out.events.append(
                        Event(
                            check.id,
                            change.at,
                            change.kind,
                            change.old.value,
                            change.new.value,
                            outcome,
                            change.held or in_window or cause is not None,
                            cause,
                            detail,
                        )
                    )
                    if change.kind == "state":
                        if change.new is state.State.DOWN:
                            opened = Down(check.id, change.at, None, outcome, cause)
                            out.downtimes.append(opened)
                        elif change.old is state.State.DOWN and opened is not None:
                            opened.end, opened = change.at, None
        last = _grid(scenario.end, check.interval, up=False)
        if last >= scenario.end:
            last -= interval
        if tracker.last_at is not None and last > tracker.last_at:
            skipped = int((last - tracker.last_at) / interval)
            tracker = replace(tracker, successes=min(tracker.successes + skipped, state.RUN_CAP), last_at=last)
        out.trackers[check.id] = tracker
    return out


# --- hourly and daily figures -----------------------------------------------------------------------


@functools.lru_cache(maxsize=20000)
def _hour(epoch: int) -> datetime:
    """One datetime object per hour, shared by every check (and by the writer's conversion cache)."""
    return datetime.fromtimestamp(epoch, UTC)


@functools.cache
def _noise(seed: int) -> list[tuple[float, float, float, float, int]]:
    """Hour-to-hour variation of a check's round-trip times: (p50, avg, p95, max factors, packets lost)."""
    rng = random.Random(seed * 7919 + 1)
    table = []
    for _ in range(_NOISE):
        p50 = rng.lognormvariate(0, 0.08)
        avg = p50 * rng.uniform(1.01, 1.12)
        p95 = p50 * rng.uniform(1.25, 2.2)
        peak = p95 * rng.uniform(1.1, 3.0)
        lost = 0 if rng.random() < 0.93 else rng.randint(1, 3)
        table.append((p50, avg, p95, peak, lost))
    return table


def rollups(
    check: CheckInfo,
    scenario: Scenario,
    zone: ZoneInfo,
    hourly_from: datetime,
    seed: int = 1871,
    profile: str = "loopback",
) -> tuple[list[tuple], list[tuple], float]:
    """(hourly rows from ``hourly_from``, daily rows for every whole local day, the check's base RTT).

    ``count`` is the check's slots in the bucket and ``answered`` those whose result answered, exactly
    what ``services.retention.figures`` would count from raw results; packets are ``check.packets`` a
    probe, a few lost now and then. RTT figures: the check's base (profile, per check) times an hourly
    noise factor, p95 above p50, and a few latency spikes a year (about 1 hour in 500)."""
    rng = random.Random(seed * 100003 + check.id)
    lo, hi = RTT_PROFILES[profile]
    base = rng.uniform(lo, hi)
    noise = _noise(seed)
    offset = rng.randrange(_NOISE)
    step = check.interval
    t0 = int(_grid(scenario.start, step).timestamp())
    end_s = int(scenario.end.timestamp())
    # failed slots (epoch seconds), sorted
    failed: list[int] = []
    for ep in scenario.episodes.get(check.id, ()):
        s = int(ep.start.timestamp())
        failed.extend(s + i * step for i, ch in enumerate(ep.results) if ch != "u")
    failed = sorted(set(failed))

    def slots(a: int, b: int) -> int:
        lo_k = max(0, -(-(a - t0) // step))
        hi_k = -(-(min(b, end_s) - t0) // step)
        return max(0, hi_k - lo_k)

    def fails(a: int, b: int) -> int:
        return bisect.bisect_left(failed, b) - bisect.bisect_left(failed, a)

    hour0 = int(scenario.start.timestamp()) // 3600 * 3600
    hours_total = (end_s - hour0) // 3600
    spikes = {hour0 + 3600 * rng.randrange(hours_total) for _ in range(max(1, hours_total // 500))}
    packets = check.packets

    full_hour = 3600 // step if 3600 % step == 0 else None  # slots of an hour inside the history

    def hour_figures(h: int, clean: bool) -> tuple:
        """One hour's figures; ``clean``: its day has no failed probe (the common case, no lookups)."""
        if clean and full_hour and t0 <= h and h + 3600 <= end_s:
            count = answered = full_hour
        else:
            count = slots(h, h + 3600)
            answered = count - fails(h, h + 3600)
        p50, avg, p95, peak, lost = noise[(offset + h // 3600 * 7) % _NOISE]
        received = answered * packets - lost if answered * packets > lost else 0
        if not received:
            return (count, answered, count * packets, 0, None, None, None, None)
        if h in spikes:
            factor = 5 + 25 * (p95 - p50)  # a spike: some 10 to 35 times the usual tail
            return (count, answered, count * packets, received, base * avg * (0.8 + 0.2 * factor), base * p50,
                    base * p95 * factor, base * peak * factor)  # fmt: skip
        return (count, answered, count * packets, received, base * avg, base * p50, base * p95, base * peak)

    hourly: list[tuple] = []
    daily: list[tuple] = []
    hourly_start = max(int(hourly_from.timestamp()) // 3600 * 3600, hour0)
    day = scenario.start.astimezone(zone).date()
    while True:
        first = datetime.combine(day, time(), zone).astimezone(UTC)
        day += timedelta(days=1)
        last = datetime.combine(day, time(), zone).astimezone(UTC)
        if first >= scenario.end:
            break
        a, b = int(first.timestamp()), int(last.timestamp())
        whole = first >= scenario.start and last <= scenario.end  # a daily row only for whole days
        count = slots(a, b)
        answered = count - fails(a, b)
        # whole hours only (as the roll-up task: a bucket is rolled up once it has ended)
        hours = range(max(a // 3600 * 3600, hour0), min(b, end_s // 3600 * 3600), 3600)
        keep = b > hourly_start
        clean = answered == count
        if keep or (whole and (not clean or not spikes.isdisjoint(hours))):
            figs = [(h, hour_figures(h, clean)) for h in hours]
            if keep:
                hourly.extend((check.id, _hour(h), *f) for h, f in figs if h >= hourly_start and f[0])
            if not whole or not count:
                continue
            rtts = [f for _, f in figs if f[3]]
            sent = sum(f[2] for _, f in figs)
            received = sum(f[3] for _, f in figs)
            if rtts:
                weight = sum(f[3] for f in rtts)
                avg = sum(f[4] * f[3] for f in rtts) / weight
                p50s = sorted(f[5] for f in rtts)
                p95s = sorted(f[6] for f in rtts)
                row = (avg, p50s[len(p50s) // 2], p95s[int(0.95 * (len(p95s) - 1))], max(f[7] for f in rtts))
            else:
                row = (None, None, None, None)
            daily.append((check.id, first, count, answered, sent, received, *row))
        elif whole and count:
            p50, avg, p95, peak, lost = noise[(offset + a // 86400 * 13) % _NOISE]
            daily.append(
                (
                    check.id,
                    first,
                    count,
                    answered,
                    count * packets,
                    count * packets - lost * 3,
                    base * avg,
                    base * p50,
                    base * p95 * 1.1,
                    base * peak * 1.4,
                )
            )
    return hourly, daily, base
