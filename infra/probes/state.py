"""The rules of state and availability, as plain functions over plain values.

Kept free of Django and the ORM so that every rule can be checked on its own, by property tests over
random sequences, and so that the services that persist trackers and events only load, call and save.
docs/probes.md explains the rules for people; the comments here say why each edge case is decided so.
Every instant taken in must be aware; every instant given back is in UTC.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = [
    "UPTIME_WRAP",
    "Availability",
    "Change",
    "Downtime",
    "Interval",
    "Rules",
    "State",
    "Tracker",
    "aggregate",
    "aggregate_counts",
    "apply",
    "availability",
    "behind",
    "combine",
    "downtimes",
    "flap_percent",
    "is_reboot",
    "outside",
    "period",
    "reboot_slack",
    "timeline",
]


class State(StrEnum):
    UP = "up"
    DOWN = "down"
    UNKNOWN = "unknown"


def _utc(moment: datetime) -> datetime:
    """The instant in UTC. Aware datetimes of one zone compare and subtract by wall clock in Python
    (a DST day would have 24 hours, two instants of the repeated hour compare equal), so every instant
    is taken to UTC first; naive ones are refused rather than guessed."""
    if moment.tzinfo is UTC:  # the common case (Django gives UTC): skip the conversion
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a naive datetime ({moment.isoformat()}): pass an aware one")
    return moment.astimezone(UTC)


# --- one check: results in, state changes out ------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """How many results make a state, and when a check counts as flapping (Nagios's defaults)."""

    down_after: int = 3  # consecutive failures to go down
    up_after: int = 2  # consecutive successes to go up (from UNKNOWN too: one result makes no state)
    flap_low: float = 5.0  # percent state change below which flapping stops
    flap_high: float = 20.0  # percent state change at or above which flapping starts
    flap_window: int = 21  # results looked at

    def __post_init__(self) -> None:
        if self.down_after < 1 or self.up_after < 1:
            raise ValueError("down_after and up_after must be at least 1")
        if not 0 <= self.flap_low <= self.flap_high:
            raise ValueError("flap_low must be between 0 and flap_high")
        if self.flap_window < 2:
            raise ValueError("flap_window must hold at least two results")


# Where the counts of results in a row stop: above any threshold (the models allow 20), inside the
# stored small integers.
RUN_CAP = 1000


@dataclass(frozen=True)
class Tracker:
    """What is persisted per check between two results."""

    state: State = State.UNKNOWN
    since: datetime | None = None  # when the state began; None: never changed (a new check)
    failures: int = 0  # consecutive failures up to the last result
    successes: int = 0  # consecutive successes up to the last result
    history: str = ""  # the last flap_window known results, oldest first: "u" answered, "d" did not
    flapping: bool = False
    last_at: datetime | None = None  # the last result applied: results at or before it are ignored


@dataclass(frozen=True)
class Change:
    """An event: a state change, or flapping starting or ending."""

    at: datetime
    kind: str  # "state" | "flap_start" | "flap_end"
    old: State  # for flap events: the state at the time (old == new)
    new: State
    held: bool  # its notification is held (the check flaps)


def flap_percent(history: str, window: int | None = None) -> float:
    """The weighted percent state change of a result history, as Nagios computes it.

    Each change between two neighbouring results weighs from 0.8 (the oldest pair of the window) to
    1.2 (the newest), so that recent changes count more and a settling check stops flapping sooner.
    The sum is divided by the number of pairs in the window. A history shorter than ``window`` sits at
    the newest end and the places before it count as no change (Nagios starts from a full history of
    one state), so that a new check's first state change alone does not look like flapping.
    """
    size = len(history) if window is None else window
    if size < len(history):
        history = history[-size:]
    pairs = size - 1
    if pairs < 1:
        return 0.0
    offset = size - len(history)  # places before the history starts
    total = 0.0
    for i in range(1, len(history)):
        if history[i] != history[i - 1]:
            position = offset + i - 1  # 0 for the oldest pair of the window, pairs - 1 for the newest
            total += 0.8 + 0.4 * position / (pairs - 1) if pairs > 1 else 1.0  # one pair: no curve
    return total * 100.0 / pairs


def apply(tracker: Tracker, rules: Rules, at: datetime, ok: bool | None) -> tuple[Tracker, list[Change]]:
    """One result applied to a check: its new tracker and the events it caused (none, one or two).

    ``ok`` None is an unknown result (the prober cut off, the check disabled): it says nothing of the
    target, so the state becomes UNKNOWN at once, both counters restart and the flap history is left as
    it was. A result at or before the last one applied changes nothing, which makes a chunk run twice
    harmless. Flapping is judged after the result enters the history, so a state change made by the
    same result that starts flapping is already held, and one made by the result that ends it is not.
    """
    at = _utc(at)
    if tracker.last_at is not None and at <= tracker.last_at:
        return tracker, []
    changes: list[Change] = []
    if ok is None:
        failures = successes = 0
        new_state = State.UNKNOWN
        history = tracker.history
        flapping = tracker.flapping
    else:
        # runs saturate: a threshold is at most 20, and the stored counters are small integers
        # (a check answering every minute would pass 32,767 in 23 days)
        failures = 0 if ok else min(tracker.failures + 1, RUN_CAP)
        successes = min(tracker.successes + 1, RUN_CAP) if ok else 0
        new_state = tracker.state
        if ok and successes >= rules.up_after:
            new_state = State.UP
        elif not ok and failures >= rules.down_after:
            new_state = State.DOWN
        history = (tracker.history + ("u" if ok else "d"))[-rules.flap_window :]
        percent = flap_percent(history, rules.flap_window)
        flapping = tracker.flapping
        if not flapping and percent >= rules.flap_high:
            flapping = True
        elif flapping and percent < rules.flap_low:
            flapping = False
    since = tracker.since
    if new_state != tracker.state:
        since = at
        changes.append(Change(at=at, kind="state", old=tracker.state, new=new_state, held=flapping))
    if flapping != tracker.flapping:
        kind = "flap_start" if flapping else "flap_end"
        changes.append(Change(at=at, kind=kind, old=new_state, new=new_state, held=False))
    new = Tracker(
        state=new_state,
        since=since,
        failures=failures,
        successes=successes,
        history=history,
        flapping=flapping,
        last_at=at,
    )
    return new, changes


# --- intervals: timelines, aggregates, availability, downtime ------------------------------------


@dataclass(frozen=True)
class Interval:
    """A state held over [start, end)."""

    start: datetime
    end: datetime
    state: State


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-empty intervals with neighbours of one state joined (gaps are kept)."""
    out: list[Interval] = []
    for item in intervals:
        if item.end <= item.start:
            continue
        if out and out[-1].state == item.state and out[-1].end == item.start:
            out[-1] = replace(out[-1], end=item.end)
        else:
            out.append(item)
    return out


def timeline(
    initial: State, events: Iterable[tuple[datetime, State]], start: datetime, end: datetime
) -> list[Interval]:
    """The state over [start, end) from the state before it and the state changes.

    Events at or before ``start`` set the state at ``start`` (so a caller may pass the state at start,
    or an older one and every change since); events at or after ``end`` are ignored; two events at one
    instant: the later one in the input wins. The result covers [start, end) without gaps.
    """
    start, end = _utc(start), _utc(end)
    if end <= start:
        return []
    ordered = sorted(
        ((_utc(at), new) for at, new in events), key=lambda item: item[0]
    )  # stable: ties keep their input order
    state = initial
    pieces: list[Interval] = []
    cursor = start
    for at, new in ordered:
        if at >= end:
            break
        if at <= start:
            state = new
            continue
        pieces.append(Interval(cursor, at, state))
        cursor, state = at, new
    pieces.append(Interval(cursor, end, state))
    return _merge(pieces)


def _clipped(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    """The intervals cut to [start, end), sorted, without overlaps (a later overlap gives way)."""
    out: list[Interval] = []
    cursor = start
    for item_start, item_end, state in sorted((_utc(i.start), _utc(i.end), i.state) for i in intervals):
        lo, hi = max(item_start, cursor), min(item_end, end)
        if lo < hi:
            out.append(Interval(lo, hi, state))
            cursor = hi
    return out


def combine(members: Sequence[Sequence[Interval]], start: datetime, end: datetime) -> list[Interval]:
    """The state of an aggregate (a device from its checks, a site from its devices, an OPD from its sites).

    UP while at least one member is UP; DOWN while every member whose state is known is DOWN; UNKNOWN
    while no member is known, or there are no members. A member's time outside its intervals is
    unknown. One sweep over every member's boundaries, so a site with thousands of checks over a month
    costs a sort, not a pass per instant.
    """
    start, end = _utc(start), _utc(end)
    if end <= start:
        return []
    # Only UP and DOWN count: each such interval adds one to its state's count at its start and takes it
    # away at its end. Every boundary at one instant is counted before the state is read, so their order
    # within the instant is irrelevant; a piece is cut only where the aggregate state changes.
    points: list[tuple[datetime, int, int]] = []
    for member in members:
        for item in _clipped(member, start, end):
            if item.state == State.UP:
                points += ((item.start, 1, 0), (item.end, -1, 0))
            elif item.state == State.DOWN:
                points += ((item.start, 0, 1), (item.end, 0, -1))
    points.sort(key=lambda p: p[0])
    up = down = 0
    pieces: list[Interval] = []
    current, since = State.UNKNOWN, start
    i = 0
    while i < len(points):
        moment = points[i][0]
        while i < len(points) and points[i][0] == moment:
            up += points[i][1]
            down += points[i][2]
            i += 1
        state = aggregate_counts(up, down)
        if state != current:
            if moment > since:
                pieces.append(Interval(since, moment, current))
            current, since = state, moment
    if since < end:
        pieces.append(Interval(since, end, current))
    return pieces


def aggregate(states: Iterable[State]) -> State:
    """The state of an aggregate now, from its members' states now: :func:`combine`'s rule at one instant."""
    up = down = 0
    for member in states:
        up += member == State.UP
        down += member == State.DOWN
    return aggregate_counts(up, down)


def aggregate_counts(up: int, down: int) -> State:
    """The aggregate rule on counts: UP while any member is up, DOWN while every known one is down."""
    if up:
        return State.UP
    if down:
        return State.DOWN
    return State.UNKNOWN


def _union(
    windows: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Windows cut to [start, end), overlapping or touching ones joined, sorted."""
    out: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted((max(_utc(lo), start), min(_utc(hi), end)) for lo, hi in windows):
        if lo >= hi:
            continue
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


@dataclass(frozen=True)
class Availability:
    """Time in each state over [start, end), in seconds; the four parts add up to the period."""

    start: datetime
    end: datetime
    up: float
    down: float
    unknown: float
    maintenance: float

    @property
    def percent(self) -> float | None:
        """Up over all time outside maintenance: unknown time never counts as up."""
        counted = self.up + self.down + self.unknown
        return None if counted <= 0 else 100.0 * (self.up / counted)

    @property
    def known_percent(self) -> float | None:
        """Up over the time the state was known (shown beside ``percent``, never instead of it)."""
        counted = self.up + self.down
        return None if counted <= 0 else 100.0 * (self.up / counted)


def availability(
    intervals: Sequence[Interval],
    start: datetime,
    end: datetime,
    maintenance: Sequence[tuple[datetime, datetime]] = (),
) -> Availability:
    """Time-weighted availability over [start, end), with maintenance windows taken out first.

    Windows may overlap each other and the period's edges; time under any window is maintenance
    whatever the state was. Time covered by no interval is unknown. The sums are kept in timedelta
    (whole microseconds) and converted once, so splitting a period and adding the parts gives the whole.
    """
    start, end = _utc(start), _utc(end)
    if end <= start:
        zero = 0.0
        return Availability(start, end, zero, zero, zero, zero)
    windows = _union(maintenance, start, end)
    held = sum((hi - lo for lo, hi in windows), timedelta())
    spent = {State.UP: timedelta(), State.DOWN: timedelta()}
    w = 0
    for item in _clipped(intervals, start, end):
        if item.state not in spent:
            continue
        length = item.end - item.start
        # windows are sorted and disjoint: skip those ending before this interval, subtract the overlaps
        while w < len(windows) and windows[w][1] <= item.start:
            w += 1
        k = w
        while k < len(windows) and windows[k][0] < item.end:
            length -= min(item.end, windows[k][1]) - max(item.start, windows[k][0])
            k += 1
        spent[item.state] += length
    unknown = (end - start) - held - spent[State.UP] - spent[State.DOWN]
    return Availability(
        start=start,
        end=end,
        up=spent[State.UP].total_seconds(),
        down=spent[State.DOWN].total_seconds(),
        unknown=unknown.total_seconds(),
        maintenance=held.total_seconds(),
    )


def outside(
    intervals: Sequence[Interval], windows: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime
) -> list[Interval]:
    """The intervals within [start, end) with the windows' time cut out (left as gaps).

    What a report counts as down time is what :func:`availability` counts as down: maintenance time is
    never down time, so a down stretch cut by a window is two stretches, and one inside it none.
    """
    start, end = _utc(start), _utc(end)
    cuts = _union(windows, start, end)
    out: list[Interval] = []
    w = 0
    for item in _clipped(intervals, start, end):
        while w < len(cuts) and cuts[w][1] <= item.start:
            w += 1
        cursor, k = item.start, w
        while k < len(cuts) and cuts[k][0] < item.end:
            if cuts[k][0] > cursor:
                out.append(Interval(cursor, cuts[k][0], item.state))
            cursor = max(cursor, cuts[k][1])
            k += 1
        if cursor < item.end:
            out.append(Interval(cursor, item.end, item.state))
    return out


@dataclass(frozen=True)
class Downtime:
    """One stretch of DOWN inside a query's period; ``end`` None: still down at the period's end."""

    start: datetime
    end: datetime | None
    seconds: float


def downtimes(intervals: Sequence[Interval], start: datetime, end: datetime) -> list[Downtime]:
    """The DOWN stretches within [start, end), cut to it, touching DOWN intervals joined.

    A stretch that began before ``start`` starts at ``start`` here, so that a month's records add up to
    the month's DOWN time; the service that keeps downtime records knows when it really began.
    """
    start, end = _utc(start), _utc(end)
    runs = _merge(i for i in _clipped(intervals, start, end) if i.state == State.DOWN)
    return [
        Downtime(run.start, None if run.end >= end else run.end, (run.end - run.start).total_seconds()) for run in runs
    ]


def period(kind: str, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The day, month or year containing ``day`` in the city's time zone, as UTC instants.

    From local midnight to the next local midnight, computed from the calendar (never as start plus
    24 hours), so a day with a DST change has 23 or 25 hours. Where midnight does not exist (a clock
    jumping from 00:00 to 01:00) fold=0 gives the first instant of the day all the same.
    """
    if isinstance(day, datetime):
        raise TypeError("period() takes the local date, not a datetime")
    if kind == "day":
        first, after = day, day + timedelta(days=1)
    elif kind == "month":
        first = day.replace(day=1)
        after = date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)
    elif kind == "year":
        first, after = date(day.year, 1, 1), date(day.year + 1, 1, 1)
    else:
        raise ValueError(f"unknown period kind {kind!r}: day, month or year")

    def midnight(d: date) -> datetime:
        return datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC)

    return midnight(first), midnight(after)


# --- reboots ----------------------------------------------------------------------------------------

UPTIME_WRAP = 2**32  # sysUpTime is TimeTicks: 32 bits of hundredths of a second, 497.1 days


def reboot_slack(elapsed: timedelta) -> timedelta:
    """How far sysUpTime may fall behind the prober's clock without being called a reboot.

    30 s for the time between the agent reading its clock and the prober stamping the result (an SNMP
    timeout with retries, a busy consumer), plus 0.1 % of the time between the two readings for the
    drift of a device's clock that has no NTP. A reboot is only missed when the boot before it lived
    less than this, which a reboot event then has already reported.
    """
    return timedelta(seconds=30) + abs(elapsed) / 1000


def is_reboot(prev_uptime: int, prev_at: datetime, uptime: int, at: datetime, slack: timedelta | None = None) -> bool:
    """Whether the agent restarted between two sysUpTime readings.

    Without a restart the uptime has grown by the time that passed, modulo 2**32 ticks. A restart shows
    as a shortfall: the new uptime is less than expected by the whole life of the boot before it. A
    shortfall of a whole number of wraps (within the slack) is the counter wrapping, not a restart; an
    uptime ahead of the expectation is clock skew, not a restart.
    """
    elapsed = _utc(at) - _utc(prev_at)
    tolerance = round((reboot_slack(elapsed) if slack is None else slack).total_seconds() * 100)
    elapsed_ticks = max(0, round(elapsed.total_seconds() * 100))
    shortfall = prev_uptime % UPTIME_WRAP + elapsed_ticks - uptime % UPTIME_WRAP
    if shortfall <= tolerance:
        return False
    rest = shortfall % UPTIME_WRAP
    return tolerance < rest < UPTIME_WRAP - tolerance


# --- upstream awareness -----------------------------------------------------------------------------


def behind(
    links: Iterable[tuple[Hashable, Hashable]], roots: Iterable[Hashable], down: Iterable[Hashable]
) -> dict[Hashable, Hashable]:
    """Which sites are cut off, and by which down site, in the fiber graph rooted at the data center(s).

    A site is cut off when every path from a root passes a down site. Its root cause is a down site
    that is itself reachable (or a down root): the nearest such site by fiber hops from the cut-off
    site through the cut-off part of the network, ties going to the smallest site key. Down sites
    behind another down site are cut off too and get that site as their cause; sites with no path to
    any root at all are left out (nothing upstream explains them).
    """
    graph: dict[Hashable, set[Hashable]] = {}
    for a, b in links:
        if a == b:
            continue
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set()).add(a)
    roots = set(roots)
    down = set(down)
    # The sites reachable through up sites only.
    reach = {r for r in roots if r not in down}
    queue = list(reach)
    while queue:
        node = queue.pop()
        for nxt in graph.get(node, ()):
            if nxt not in reach and nxt not in down:
                reach.add(nxt)
                queue.append(nxt)
    # The down sites that are their own root cause: down roots and down neighbours of reachable sites.
    causes = {r for r in roots if r in down}
    causes.update(n for node in reach for n in graph.get(node, ()) if n in down)
    if not causes:
        return {}
    rank = {node: i for i, node in enumerate(_ordered(causes))}
    # Breadth first from every cause at once into the rest; a site takes the best (nearest, smallest)
    # cause among its neighbours of the previous layer.
    result: dict[Hashable, Hashable] = {}
    layer = {c: c for c in causes}
    seen = set(reach) | causes
    while layer:
        candidates: dict[Hashable, Hashable] = {}
        for node, cause in layer.items():
            for nxt in graph.get(node, ()):
                if nxt in seen:
                    continue
                best = candidates.get(nxt)
                if best is None or rank[cause] < rank[best]:
                    candidates[nxt] = cause
        seen.update(candidates)
        result.update(candidates)
        layer = candidates
    return result


def _ordered(nodes: Iterable[Hashable]) -> list[Hashable]:
    """Site keys in their natural order when they have one (ids, names), else by type name and repr."""
    items = list(nodes)
    try:
        return sorted(items)  # type: ignore[type-var]
    except TypeError:
        return sorted(items, key=lambda n: (type(n).__name__, repr(n)))
