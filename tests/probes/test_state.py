"""The state and availability rules (infra.probes.state): property tests against plain oracles, and
worked examples a reviewer can check by hand. No database: the rules are plain functions."""

import itertools
from collections.abc import Hashable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from infra.probes.state import (
    UPTIME_WRAP,
    Availability,
    Change,
    Downtime,
    Interval,
    Rules,
    State,
    Tracker,
    apply,
    availability,
    behind,
    combine,
    downtimes,
    flap_percent,
    is_reboot,
    outside,
    period,
    reboot_slack,
    timeline,
)

SETTINGS = settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))

UP, DOWN, UNKNOWN = State.UP, State.DOWN, State.UNKNOWN
BERLIN, NEW_YORK, JAKARTA = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Jakarta")
SAO_PAULO, LORD_HOWE = ZoneInfo("America/Sao_Paulo"), ZoneInfo("Australia/Lord_Howe")
ZONES = [UTC, BERLIN, NEW_YORK, JAKARTA, SAO_PAULO, LORD_HOWE]

# Instants close to DST changes (UTC): Berlin spring and autumn, New York autumn, and a plain one.
BASES = [
    datetime(2024, 3, 31, 0, 0, tzinfo=UTC),
    datetime(2024, 10, 27, 0, 0, tzinfo=UTC),
    datetime(2024, 11, 3, 5, 0, tzinfo=UTC),
    datetime(2024, 6, 1, 0, 0, tzinfo=UTC),
]
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def micros(seconds: float) -> int:
    """Seconds as whole microseconds: the exact value a float of timedelta.total_seconds() stands for."""
    return round(seconds * 1_000_000)


# --- apply: results in, state out ----------------------------------------------------------------------


@st.composite
def rules_st(draw) -> Rules:
    low = draw(st.floats(0, 60, allow_nan=False))
    high = draw(st.floats(low, 100, allow_nan=False))
    return Rules(
        down_after=draw(st.integers(1, 5)),
        up_after=draw(st.integers(1, 5)),
        flap_low=low,
        flap_high=high,
        flap_window=draw(st.integers(2, 25)),
    )


OUTCOMES = st.sampled_from([True, True, True, False, False, False, None])
# Runs of one outcome (steady stretches, which end flapping) mixed with single results (which start it).
RESULTS = st.lists(
    st.one_of(
        st.tuples(OUTCOMES, st.integers(1, 30)).map(lambda run: [run[0]] * run[1]),
        st.lists(OUTCOMES, min_size=1, max_size=8),
    ),
    max_size=12,
).map(lambda chunks: [ok for chunk in chunks for ok in chunk])


def timed(outcomes: list, gaps: list[int]) -> list[tuple[datetime, bool | None]]:
    moments, t = [], 0
    for ok, gap in zip(outcomes, gaps, strict=False):
        t += gap
        moments.append((at(t), ok))
    return moments


def run_all(rules: Rules, results, tracker: Tracker | None = None):
    tracker = tracker or Tracker()
    steps = []
    for moment, ok in results:
        tracker, changes = apply(tracker, rules, moment, ok)
        steps.append((tracker, changes))
    return tracker, steps


def nagios_percent(known: str, window: int) -> float:
    """The oracle: a full window of results, padded at the old end with the first one (as Nagios
    starts from a full history), each change weighted 0.8 (oldest pair) .. 1.2 (newest)."""
    if not known:
        return 0.0
    padded = (known[0] * window + known)[-window:]
    pairs = window - 1
    weights = [0.8 + 0.4 * i / (pairs - 1) if pairs > 1 else 1.0 for i in range(pairs)]
    return sum(w for i, w in enumerate(weights) if padded[i] != padded[i + 1]) * 100 / pairs


@SETTINGS
@given(rules=rules_st(), outcomes=RESULTS, data=st.data())
def test_apply_follows_the_rules_result_by_result(rules, outcomes, data):
    """Each result against an oracle written from the rules' wording: a state only after the run of
    results it needs (counted since the last unknown), unknown at once, since = the result's time,
    flapping by the weighted percent and the two thresholds, every state change while flapping held."""
    gaps = data.draw(st.lists(st.integers(1, 600), min_size=len(outcomes), max_size=len(outcomes)))
    results = timed(outcomes, gaps)
    tracker = Tracker()
    state, since, flapping, known = UNKNOWN, None, False, ""
    for i, (moment, ok) in enumerate(results):
        tracker, changes = apply(tracker, rules, moment, ok)
        old = state
        if ok is None:
            state = UNKNOWN
        else:
            tail = []  # the known results since the last unknown one
            for _, earlier in reversed(results[: i + 1]):
                if earlier is None:
                    break
                tail.append(earlier)
            run = next((n for n, value in enumerate(tail) if value != ok), len(tail))
            if ok and run >= rules.up_after:
                state = UP
            elif not ok and run >= rules.down_after:
                state = DOWN
            known += "u" if ok else "d"
            percent = nagios_percent(known[-rules.flap_window :], rules.flap_window)
            was_flapping = flapping
            if not flapping and percent >= rules.flap_high:
                flapping = True
            elif flapping and percent < rules.flap_low:
                flapping = False
            assert flap_percent(tracker.history, rules.flap_window) == pytest.approx(percent, abs=1e-9)
        expected = []
        if state != old:
            since = moment
            expected.append(Change(moment, "state", old, state, held=flapping))
        if ok is not None and flapping != was_flapping:
            expected.append(Change(moment, "flap_start" if flapping else "flap_end", state, state, held=False))
        assert changes == expected, (i, results[: i + 1])
        assert (tracker.state, tracker.since, tracker.flapping, tracker.last_at) == (state, since, flapping, moment)
        assert tracker.history == known[-rules.flap_window :]
        # The counters are the runs the state was decided on.
        if ok is None:
            assert tracker.failures == tracker.successes == 0
        # A state is never reached with fewer results than the rule asks for.
        if changes and changes[0].kind == "state" and changes[0].new == DOWN:
            assert tracker.failures >= rules.down_after
            assert [r[1] for r in results[i - rules.down_after + 1 : i + 1]] == [False] * rules.down_after
        if changes and changes[0].kind == "state" and changes[0].new == UP:
            assert tracker.successes >= rules.up_after
            assert [r[1] for r in results[i - rules.up_after + 1 : i + 1]] == [True] * rules.up_after


@SETTINGS
@given(rules=rules_st(), outcomes=RESULTS, cut=st.integers(0, 200))
def test_applying_results_again_changes_nothing(rules, outcomes, cut):
    """A chunk run twice: every result at or before the last one applied is ignored, whatever it says."""
    results = timed(outcomes, [60] * len(outcomes))
    final, steps = run_all(rules, results)
    again, repeat = run_all(rules, results, final)
    assert again == final and all(not changes for _, changes in repeat)
    # A prefix applied again to the tracker in the middle of the sequence, with its outcomes inverted.
    cut = min(cut, len(results))
    middle = steps[cut - 1][0] if cut else Tracker()
    inverted = [(moment, None if ok is None else not ok) for moment, ok in results[:cut]]
    assert run_all(rules, inverted, middle)[0] == middle
    # And the rest applied after it gives the same end as one pass.
    assert run_all(rules, results[cut:], middle)[0] == final


def test_down_after_three_failures_and_up_after_two_successes():
    rules = Rules()
    tracker, changes = apply(Tracker(), rules, at(0), False)
    assert (tracker.state, changes, tracker.failures) == (UNKNOWN, [], 1)
    tracker, changes = apply(tracker, rules, at(60), False)
    assert (tracker.state, changes) == (UNKNOWN, [])
    tracker, changes = apply(tracker, rules, at(120), False)
    assert changes == [Change(at(120), "state", UNKNOWN, DOWN, held=False)]
    assert (tracker.state, tracker.since, tracker.failures) == (DOWN, at(120), 3)
    tracker, changes = apply(tracker, rules, at(180), True)
    assert (tracker.state, changes, tracker.successes, tracker.failures) == (DOWN, [], 1, 0)
    tracker, changes = apply(tracker, rules, at(240), False)  # the run of successes starts again
    tracker, changes = apply(tracker, rules, at(300), True)
    assert (tracker.state, changes) == (DOWN, [])
    tracker, changes = apply(tracker, rules, at(360), True)
    assert changes == [Change(at(360), "state", DOWN, UP, held=False)]
    assert tracker.since == at(360)


def test_an_unknown_result_is_unknown_at_once_and_one_success_after_it_is_not_enough():
    rules = Rules()
    tracker, _ = run_all(rules, [(at(0), True), (at(60), True)])
    assert tracker.state == UP
    tracker, changes = apply(tracker, rules, at(120), None)
    assert changes == [Change(at(120), "state", UP, UNKNOWN, held=False)]
    assert (tracker.successes, tracker.failures, tracker.since, tracker.history) == (0, 0, at(120), "uu")
    tracker, changes = apply(tracker, rules, at(180), None)  # still unknown: no second event
    assert (changes, tracker.since) == ([], at(120))
    tracker, changes = apply(tracker, rules, at(240), True)
    assert (tracker.state, changes) == (UNKNOWN, [])
    tracker, changes = apply(tracker, rules, at(300), True)
    assert changes == [Change(at(300), "state", UNKNOWN, UP, held=False)]


def test_flap_percent_weighs_recent_changes_more():
    assert flap_percent("u" * 21) == 0.0
    assert flap_percent("ud" * 10 + "u") == pytest.approx(100.0)
    assert flap_percent("d" + "u" * 20) == pytest.approx(4.0)  # the oldest pair weighs 0.8: 0.8 / 20
    assert flap_percent("u" * 20 + "d") == pytest.approx(6.0)  # the newest weighs 1.2
    # A short history sits at the new end of the window: a new check's first change is not flapping.
    assert flap_percent("ud", 21) == pytest.approx(6.0)
    assert flap_percent("udud", 21) == pytest.approx((0.8 + 0.4 * (17 + 18 + 19) / 19 + 1.6) * 5)
    assert flap_percent("ududu", 21) > 20 > flap_percent("udud", 21)
    assert flap_percent("") == flap_percent("u") == 0.0


def test_flapping_holds_the_changes_it_covers_and_ends_on_a_steady_run():
    """Two results up, three down, over and over (each run long enough to change state): flapping
    starts, the state changes go on but are held, and a steady run ends it. The numbers by hand: at
    result 10 the history u u d d d u u d d d u has changes at window pairs 11, 14, 16 and 19, weighing
    (4 x 0.8 + 0.4 x 60 / 19) / 20 = 22.3 % >= 20; the steady run takes until result 42 to fall below 5 %."""
    rules = Rules()
    pattern = ([True] * 2 + [False] * 3) * 5 + [True] * 21
    _, steps = run_all(rules, timed(pattern, [60] * len(pattern)))
    events = [(i, c) for i, (_, changes) in enumerate(steps) for c in changes]
    assert [(i, c.kind) for i, c in events if c.kind != "state"] == [(10, "flap_start"), (42, "flap_end")]
    assert flap_percent(steps[10][0].history, 21) == pytest.approx((4 * 0.8 + 0.4 * 60 / 19) * 5)
    state_changes = [(i, c) for i, c in events if c.kind == "state"]
    assert len(state_changes) == 11  # every run still changes the state (the steady run brings it up)
    assert [i for i, c in state_changes if c.held] == [11, 14, 16, 19, 21, 24, 26]
    assert all(c.held == (10 <= i < 42) for i, c in state_changes)
    assert steps[-1][0].state == UP and not steps[-1][0].flapping
    # The flap events carry the state at the time and are never held themselves.
    flap_end = events[-1][1]
    assert (flap_end.old, flap_end.new, flap_end.held) == (UP, UP, False)


def test_flapping_starts_at_the_high_threshold_and_stops_only_below_the_low_one():
    """The edges themselves: a percent equal to flap_high starts flapping, one equal to flap_low does not
    stop it. A new check's first change weighs 1.2 / 20 = 6 %; one change at the oldest pair 0.8 / 20 = 4 %."""
    six, four = flap_percent("ud", 21), flap_percent("d" + "u" * 20)
    rules = Rules(flap_high=six, flap_low=four)
    tracker, changes = run_all(rules, [(at(0), True), (at(60), False)])
    assert tracker.flapping and changes[-1][1] == [Change(at(60), "flap_start", UNKNOWN, UNKNOWN, held=False)]
    steady = [(at(120 + 60 * i), False) for i in range(19)]  # the change moves to the oldest pair: 4 %
    tracker, steps = run_all(rules, steady, tracker)
    assert tracker.history == "u" + "d" * 20 and flap_percent(tracker.history, 21) == four and tracker.flapping
    tracker, changes = apply(tracker, rules, at(10_000), False)  # the change leaves the window: 0 %
    assert not tracker.flapping and changes == [Change(at(10_000), "flap_end", DOWN, DOWN, held=False)]
    assert [c.held for _, step in steps for c in step] == [True]  # the check went down while flapping


def test_rules_refuse_values_that_cannot_work():
    with pytest.raises(ValueError):
        Rules(down_after=0)
    with pytest.raises(ValueError):
        Rules(flap_low=30, flap_high=20)
    with pytest.raises(ValueError):
        Rules(flap_window=1)
    with pytest.raises(ValueError):
        apply(Tracker(), Rules(), datetime(2024, 1, 1), True)  # naive: refused, not guessed


def test_results_in_the_repeated_hour_of_a_dst_change_are_not_taken_for_repeats():
    """02:30 in Berlin happens twice on 2024-10-27; Python compares the two as equal in one zone."""
    first = datetime(2024, 10, 27, 2, 30, tzinfo=BERLIN)
    second = datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=BERLIN)
    tracker, _ = apply(Tracker(), Rules(), first, True)
    tracker, changes = apply(tracker, Rules(), second, True)
    assert changes == [Change(second.astimezone(UTC), "state", UNKNOWN, UP, held=False)]


# --- timelines and aggregates --------------------------------------------------------------------------

STATES = st.sampled_from([UP, DOWN, UNKNOWN])


def state_at(intervals: list[Interval], moment: datetime) -> State | None:
    """The brute-force reading: the state of the interval holding the instant, None when none does."""
    moment = moment.astimezone(UTC)
    held = [i.state for i in intervals if i.start.astimezone(UTC) <= moment < i.end.astimezone(UTC)]
    assert len(held) <= 1
    return held[0] if held else None


def probes(points: list[datetime], start: datetime, end: datetime) -> list[datetime]:
    """Instants that see every piece: each boundary inside [start, end) and the middle of each gap."""
    inside = sorted({p for p in points if start <= p < end} | {start})
    edges = [*inside, end]
    return inside + [a + (b - a) / 2 for a, b in itertools.pairwise(edges) if b > a]


def assert_well_formed(intervals: list[Interval], start: datetime, end: datetime) -> None:
    """Covers [start, end) exactly, without empty pieces or two neighbours of one state."""
    assert intervals[0].start == start and intervals[-1].end == end
    for a, b in itertools.pairwise(intervals):
        assert a.end == b.start and a.state != b.state
    assert all(i.start < i.end for i in intervals)


@SETTINGS
@given(
    initial=STATES,
    events=st.lists(st.tuples(st.integers(-100, 1100), STATES), max_size=15),
    span=st.tuples(st.integers(0, 1000), st.integers(1, 1000)),
)
def test_timeline_reads_the_last_change_at_every_instant(initial, events, span):
    start, end = at(span[0]), at(span[0] + span[1])
    dated = [(at(t), s) for t, s in events]
    intervals = timeline(initial, dated, start, end)
    assert_well_formed(intervals, start, end)
    ordered = sorted(dated, key=lambda e: e[0])
    for moment in probes([t for t, _ in dated], start, end):
        expected = next((s for t, s in reversed(ordered) if t <= moment), initial)
        assert state_at(intervals, moment) == expected


def test_timeline_examples():
    assert timeline(UP, [], at(0), at(10)) == [Interval(at(0), at(10), UP)]
    assert timeline(UP, [(at(5), UP)], at(0), at(10)) == [Interval(at(0), at(10), UP)]
    assert timeline(UP, [(at(-5), DOWN), (at(5), UP), (at(10), DOWN)], at(0), at(10)) == [
        Interval(at(0), at(5), DOWN),
        Interval(at(5), at(10), UP),
    ]
    assert timeline(UP, [(at(3), DOWN), (at(3), UNKNOWN)], at(0), at(10))[1] == Interval(at(3), at(10), UNKNOWN)
    assert timeline(UP, [], at(10), at(10)) == []


@st.composite
def member_st(draw, low: int = -50, high: int = 1050) -> list[Interval]:
    """One member's intervals, with gaps (a gap is time the member has no state for)."""
    cuts = sorted(draw(st.sets(st.integers(low, high), max_size=10)))
    out = []
    for a, b in itertools.pairwise(cuts):
        state = draw(st.sampled_from([UP, DOWN, UNKNOWN, None]))
        if state is not None:
            out.append(Interval(at(a), at(b), state))
    return out


@SETTINGS
@given(members=st.lists(member_st(), max_size=5), span=st.tuples(st.integers(0, 1000), st.integers(1, 1000)))
def test_combine_agrees_with_reading_every_member_at_every_instant(members, span):
    start, end = at(span[0]), at(span[0] + span[1])
    combined = combine(members, start, end)
    assert_well_formed(combined, start, end)
    points = [p for m in members for i in m for p in (i.start, i.end)]
    for moment in probes(points, start, end):
        known = [s for s in (state_at(m, moment) for m in members) if s in (UP, DOWN)]
        expected = UP if UP in known else DOWN if known else UNKNOWN
        assert state_at(combined, moment) == expected


def test_combine_examples():
    a = [Interval(at(0), at(10), UP), Interval(at(10), at(20), DOWN)]
    b = [Interval(at(0), at(5), DOWN), Interval(at(5), at(15), UNKNOWN)]
    assert combine([a, b], at(0), at(20)) == [Interval(at(0), at(10), UP), Interval(at(10), at(20), DOWN)]
    c = [Interval(at(0), at(20), DOWN)]
    assert combine([b, c], at(0), at(20)) == [Interval(at(0), at(20), DOWN)]
    assert combine([], at(0), at(20)) == [Interval(at(0), at(20), UNKNOWN)]
    assert combine([[Interval(at(5), at(8), UP)]], at(0), at(20)) == [
        Interval(at(0), at(5), UNKNOWN),
        Interval(at(5), at(8), UP),
        Interval(at(8), at(20), UNKNOWN),
    ]


# --- availability and downtime -------------------------------------------------------------------------

ZONE = st.sampled_from(ZONES)


@st.composite
def history_st(draw):
    """Intervals with gaps, maintenance windows (overlapping each other and the edges) and a period,
    in microseconds around a DST change, every instant expressed in a random time zone."""
    base = draw(st.sampled_from(BASES))
    hour = 3_600_000_000

    def moment(us: int) -> datetime:
        return (base + timedelta(microseconds=us)).astimezone(draw(ZONE))

    cuts = sorted(draw(st.sets(st.integers(-hour, 5 * hour), max_size=12)))
    intervals = []
    for a, b in itertools.pairwise(cuts):
        state = draw(st.sampled_from([UP, DOWN, UNKNOWN, None]))
        if state is not None:
            intervals.append(Interval(moment(a), moment(b), state))
    windows = [
        (moment(a), moment(a + length))
        for a, length in draw(
            st.lists(st.tuples(st.integers(-hour, 5 * hour), st.integers(-hour, 2 * hour)), max_size=4)
        )
    ]
    lo = draw(st.integers(0, 3 * hour))
    hi = draw(st.integers(lo + 1, 4 * hour))
    return intervals, windows, moment(lo), moment(hi)


def measure(intervals, windows, start, end) -> dict:
    """The oracle: cut [start, end) at every edge and add each piece to the part its middle is in.
    In UTC: Python compares and subtracts two datetimes of one zone by their wall clocks."""
    intervals = [Interval(i.start.astimezone(UTC), i.end.astimezone(UTC), i.state) for i in intervals]
    windows = [(lo.astimezone(UTC), hi.astimezone(UTC)) for lo, hi in windows]
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    edges = sorted(
        {start, end}
        | {p for i in intervals for p in (i.start, i.end) if start < p < end}
        | {p for w in windows for p in w if start < p < end}
    )
    parts = {"up": timedelta(), "down": timedelta(), "unknown": timedelta(), "maintenance": timedelta()}
    for a, b in itertools.pairwise(edges):
        middle = a + (b - a) / 2
        if any(lo <= middle < hi for lo, hi in windows):
            parts["maintenance"] += b - a
        else:
            parts[str(state_at(intervals, middle) or UNKNOWN)] += b - a
    return {k: v // timedelta(microseconds=1) for k, v in parts.items()}


def parts(result: Availability) -> dict:
    return {k: micros(getattr(result, k)) for k in ("up", "down", "unknown", "maintenance")}


@SETTINGS
@given(history=history_st())
def test_availability_is_the_time_in_each_state_and_adds_up_to_the_period(history):
    intervals, windows, start, end = history
    result = availability(intervals, start, end, windows)
    got = parts(result)
    assert got == measure(intervals, windows, start, end)  # maintenance never counted as up, or as anything else
    period_us = (end.astimezone(UTC) - start.astimezone(UTC)) // timedelta(microseconds=1)
    assert sum(got.values()) == period_us  # exactly, in every zone
    for value in (result.percent, result.known_percent):
        assert value is None or 0 <= value <= 100
    assert (result.percent is None) == (got["maintenance"] == sum(got.values()))
    # The same instants written in UTC give the same figures.
    in_utc = [Interval(i.start.astimezone(UTC), i.end.astimezone(UTC), i.state) for i in intervals]
    assert parts(availability(in_utc, start.astimezone(UTC), end.astimezone(UTC), windows)) == got


@SETTINGS
@given(history=history_st(), cut=st.floats(0, 1))
def test_availability_of_two_halves_adds_up_to_the_whole(history, cut):
    intervals, windows, start, end = history
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    middle = (start_utc + (end_utc - start_utc) * cut).astimezone(start.tzinfo)
    whole = parts(availability(intervals, start, end, windows))
    first = parts(availability(intervals, start, middle, windows))
    second = parts(availability(intervals, middle, end, windows))
    assert {k: first[k] + second[k] for k in whole} == whole


def test_availability_examples():
    """A 30-day month down for 3 hours, 1 hour of it in maintenance, 2 hours unknown."""
    start, end = at(0), at(30 * 86400)
    intervals = timeline(
        UP, [(at(3600), DOWN), (at(4 * 3600), UP), (at(10 * 3600), UNKNOWN), (at(12 * 3600), UP)], start, end
    )
    result = availability(intervals, start, end, [(at(3 * 3600), at(5 * 3600)), (at(4 * 3600), at(4.5 * 3600))])
    assert (result.up, result.down, result.unknown, result.maintenance) == (
        30 * 86400 - 6 * 3600,
        2 * 3600.0,
        2 * 3600.0,
        2 * 3600.0,
    )
    assert result.percent == pytest.approx(100 * (30 * 86400 - 6 * 3600) / (30 * 86400 - 2 * 3600))
    assert result.known_percent == pytest.approx(100 * (30 * 86400 - 6 * 3600) / (30 * 86400 - 4 * 3600))
    # All maintenance: no figure rather than 100 %.
    everything = availability(intervals, start, end, [(at(-1), at(31 * 86400))])
    assert (everything.percent, everything.known_percent, everything.up) == (None, None, 0.0)
    # Nothing known: 0 %, never counted as up; the known share has no figure.
    blank = availability([], start, end)
    assert (blank.unknown, blank.percent, blank.known_percent) == (30 * 86400.0, 0.0, None)


@SETTINGS
@given(history=history_st())
def test_downtimes_add_up_to_the_down_time(history):
    intervals, _, start, end = history
    records = downtimes(intervals, start, end)
    assert sum(micros(d.seconds) for d in records) == micros(availability(intervals, start, end).down)
    utc_start, utc_end = start.astimezone(UTC), end.astimezone(UTC)
    for d in records:
        assert utc_start <= d.start < (d.end or utc_end) <= utc_end
        assert micros(d.seconds) == ((d.end or utc_end) - d.start) // timedelta(microseconds=1)
        assert state_at(intervals, d.start) == DOWN
    for a, b in itertools.pairwise(records):
        assert a.end is not None and a.end < b.start  # touching stretches are one record
    assert all(d.end is not None for d in records[:-1])


@given(history=history_st())
def test_outside_leaves_exactly_the_time_availability_counts_outside_maintenance(history):
    """The monthly report's downtimes are read from ``outside``: they must add up to availability's
    down time with the windows taken out, and no piece may touch a window."""
    intervals, windows, start, end = history
    cut = outside(intervals, windows, start, end)
    with_windows = availability(intervals, start, end, windows)
    without = availability(cut, start, end)
    assert (micros(without.up), micros(without.down)) == (micros(with_windows.up), micros(with_windows.down))
    assert sum(micros(d.seconds) for d in downtimes(cut, start, end)) == micros(with_windows.down)
    for piece in cut:
        for lo, hi in windows:  # (a window drawn ending before it starts is none)
            assert not (piece.start < hi.astimezone(UTC) and lo.astimezone(UTC) < piece.end and lo < hi)


def test_downtime_examples():
    intervals = [
        Interval(at(0), at(10), DOWN),
        Interval(at(10), at(20), DOWN),  # touching: one record
        Interval(at(20), at(30), UP),
        Interval(at(40), at(60), DOWN),
    ]
    assert downtimes(intervals, at(5), at(50)) == [Downtime(at(5), at(20), 15.0), Downtime(at(40), None, 10.0)]
    assert downtimes(intervals, at(0), at(100)) == [Downtime(at(0), at(20), 20.0), Downtime(at(40), at(60), 20.0)]


# --- periods in the city's time zone -------------------------------------------------------------------


@SETTINGS
@given(
    kind=st.sampled_from(["day", "month", "year"]),
    day=st.dates(date(1990, 1, 1), date(2040, 12, 31)),
    tz=st.sampled_from([BERLIN, NEW_YORK, JAKARTA, SAO_PAULO, LORD_HOWE]),
)
def test_period_runs_from_local_midnight_to_local_midnight(kind, day, tz):
    """Each edge is the first instant of its local date (midnight, or the first instant after a
    midnight the clock skipped), and the period holds the given day."""
    start, end = period(kind, day, tz)
    assert start.tzinfo is UTC and end.tzinfo is UTC
    tiny = timedelta(microseconds=1)
    first, after = start.astimezone(tz).date(), end.astimezone(tz).date()
    assert (start - tiny).astimezone(tz).date() < first and (end - tiny).astimezone(tz).date() < after
    assert first <= day < after
    if kind == "day":
        assert after - first == timedelta(days=1)
    elif kind == "month":
        assert first == day.replace(day=1) and (after.day, first.day) == (1, 1)
    else:
        assert (first, after) == (date(day.year, 1, 1), date(day.year + 1, 1, 1))
    if tz is JAKARTA:  # no DST: UTC+7 throughout
        assert start == datetime.combine(first, datetime.min.time(), UTC) - timedelta(hours=7)


def test_period_examples():
    hours = lambda p: (p[1] - p[0]) / timedelta(hours=1)  # noqa: E731
    assert hours(period("day", date(2024, 3, 31), BERLIN)) == 23
    assert hours(period("day", date(2024, 10, 27), BERLIN)) == 25
    assert hours(period("day", date(2024, 3, 10), NEW_YORK)) == 23
    assert hours(period("day", date(2024, 11, 3), NEW_YORK)) == 25
    assert period("day", date(2024, 3, 31), BERLIN)[0] == datetime(2024, 3, 30, 23, tzinfo=UTC)
    assert period("month", date(2024, 1, 15), JAKARTA) == (
        datetime(2023, 12, 31, 17, tzinfo=UTC),
        datetime(2024, 1, 31, 17, tzinfo=UTC),
    )
    assert hours(period("year", date(2024, 7, 1), JAKARTA)) == 366 * 24
    # Sao Paulo skipped midnight on 2018-11-04 (00:00 became 01:00): the day starts at 01:00 local.
    start, end = period("day", date(2018, 11, 4), SAO_PAULO)
    assert (start, hours((start, end))) == (datetime(2018, 11, 4, 3, tzinfo=UTC), 23)
    with pytest.raises(ValueError):
        period("week", date(2024, 1, 1), JAKARTA)
    with pytest.raises(TypeError):
        period("day", datetime(2024, 1, 1), JAKARTA)


# --- reboots from sysUpTime ----------------------------------------------------------------------------

TICKS = st.one_of(st.integers(0, UPTIME_WRAP - 1), st.integers(UPTIME_WRAP - 10**6, UPTIME_WRAP - 1))


@SETTINGS
@given(
    prev=TICKS,
    elapsed=st.integers(0, 400 * 86400 * 100),  # ticks between the two readings, up to 400 days
    skew=st.floats(-1, 1),
    zone=ZONE,
)
def test_a_wrap_is_never_a_reboot(prev, elapsed, skew, zone):
    """Uptime that grew by the time passed (wrapping or not), give or take the slack, is no reboot."""
    prev_at = T0.astimezone(zone)
    now = (T0 + timedelta(seconds=elapsed / 100)).astimezone(zone)
    slack_ticks = int(reboot_slack(timedelta(seconds=elapsed / 100)).total_seconds() * 100)
    uptime = (prev + elapsed + round(skew * slack_ticks)) % UPTIME_WRAP
    assert not is_reboot(prev, prev_at, uptime, now)


@SETTINGS
@given(
    prev=TICKS,
    elapsed=st.integers(1, 30 * 86400 * 100),
    boot=st.floats(0, 1),
    lag=st.integers(0, 100),
)
def test_a_drop_to_a_small_uptime_is_always_a_reboot(prev, elapsed, boot, lag):
    """The agent restarted between the readings: its uptime is the time since the restart (plus up to
    a second of lag). Caught unless the boot before it lived less than the slack, or the shortfall
    is within the slack of a whole wrap (then the two cannot be told apart)."""
    restart = round(elapsed * boot)  # ticks after the first reading
    uptime = max(0, elapsed - restart - lag)
    lived = prev + restart  # the life of the boot before the restart, in ticks
    slack_ticks = reboot_slack(timedelta(seconds=elapsed / 100)).total_seconds() * 100
    assume(lived > slack_ticks + 100 and abs(lived - UPTIME_WRAP) > slack_ticks + 100)
    assert is_reboot(prev, at(0), uptime, at(elapsed / 100))


def test_reboot_examples():
    minute = 60 * 100
    near = UPTIME_WRAP - 1000  # ten seconds before the wrap
    assert not is_reboot(near, at(0), 5000, at(60))  # wrapped: 10 s before, 50 s after
    assert is_reboot(near, at(0), 100, at(60))  # at 1 s after 60 s: 49 s short of the wrap, a restart
    assert is_reboot(10**9, at(0), 3000, at(60))  # 116 days up, then 30 s
    assert not is_reboot(10**9, at(0), 10**9 + minute - 2000, at(60))  # 20 s behind: within the slack
    assert is_reboot(10**9, at(0), 10**9 + minute - 4000, at(60))  # 40 s behind: beyond it
    assert not is_reboot(10**9, at(0), 10**9 + 10 * minute, at(60))  # ahead of the clock: skew
    assert not is_reboot(10**9, at(0), 10**9 + minute - 4000, at(60), slack=timedelta(minutes=1))
    # Polled again 700 days later, the counter wrapped once in between: still no reboot.
    later = 700 * 86400 * 100
    assert not is_reboot(10**9, at(0), (10**9 + later) % UPTIME_WRAP, at(later / 100))
    assert reboot_slack(timedelta(days=1)) == timedelta(seconds=30 + 86.4)


# --- upstream awareness --------------------------------------------------------------------------------


def cut_off_oracle(links, roots, down) -> dict:
    """Straight from the definition: a site is cut off when no path from an up root avoids the down
    sites but some path from a root exists; its cause is the down site that has a path from a root
    with no other down site on it and is the fewest hops away through cut-off sites (smallest first)."""
    graph: dict[Hashable, set] = {}
    for a, b in links:
        if a != b:
            graph.setdefault(a, set()).add(b)
            graph.setdefault(b, set()).add(a)

    def reach(sources, allowed) -> dict:
        dist, frontier = {s: 0 for s in sources}, list(sources)
        while frontier:
            nxt = []
            for node in frontier:
                for n in graph.get(node, ()):
                    if n not in dist and allowed(n):
                        dist[n] = dist[node] + 1
                        nxt.append(n)
            frontier = nxt
        return dist

    connected = reach([r for r in roots], lambda n: True)
    up_reach = reach([r for r in roots if r not in down], lambda n: n not in down)
    causes = {d for d in down if d in roots or any(n in up_reach for n in graph.get(d, ()))}
    cut = {n for n in connected if n not in up_reach and n not in causes}
    result = {}
    for site in cut:
        hops = reach([site], lambda n: n in cut or n in causes)  # through cut-off sites, stopping at causes
        result[site] = min((hops[c], c) for c in causes if c in hops)[1]
    return result


@SETTINGS
@given(
    size=st.integers(1, 12),
    data=st.data(),
)
def test_behind_agrees_with_the_definition(size, data):
    nodes = list(range(size))
    links = data.draw(st.lists(st.tuples(st.sampled_from(nodes), st.sampled_from(nodes)), max_size=20))
    roots = data.draw(st.sets(st.sampled_from(nodes), max_size=2))
    down = data.draw(st.sets(st.sampled_from(nodes), max_size=size))
    result = behind(links, roots, down)
    assert result == cut_off_oracle(links, roots, down)
    assert not set(result.values()) & set(result)  # a cause is never behind anything itself
    assert set(result.values()) <= down


def test_behind_examples():
    # DC - A - B - C, and D hangs off B; A down: B, C, D are behind A; A itself is its own cause.
    chain = [("DC", "A"), ("A", "B"), ("B", "C"), ("B", "D")]
    assert behind(chain, ["DC"], {"A"}) == {"B": "A", "C": "A", "D": "A"}
    # A and C down: C is behind A as well (A explains it).
    assert behind(chain, ["DC"], {"A", "C"}) == {"B": "A", "C": "A", "D": "A"}
    # A ring DC - 1 - 2 - 3 - 4 - DC: one cut leaves the ring reachable the other way round.
    ring = [("DC", 1), (1, 2), (2, 3), (3, 4), (4, "DC")]
    assert behind(ring, ["DC"], {1}) == {}
    # Two cuts: each site behind the nearer one, the middle one (equal hops) behind the smaller id.
    assert behind(ring, ["DC"], {1, 4}) == {2: 1, 3: 4}
    assert behind([("DC", 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, "DC")], ["DC"], {1, 5}) == {2: 1, 3: 1, 4: 5}
    # A second data center keeps its side up; the data center itself down cuts off all it feeds.
    assert behind([*chain, ("DC2", "D")], ["DC", "DC2"], {"A"}) == {}
    assert behind(chain, ["DC"], {"DC"}) == {"A": "DC", "B": "DC", "C": "DC", "D": "DC"}
    # One data center down and a cut behind the other: each cut-off site is behind the site that cuts it off.
    assert behind([("DC", 1), ("DC2", 2), (2, 3), (3, 4)], ["DC", "DC2"], {"DC", 3}) == {1: "DC", 4: 3}
    # A site with no fiber path to a data center is behind nothing.
    assert behind([*chain, ("X", "Y")], ["DC"], {"A", "X"}) == {"B": "A", "C": "A", "D": "A"}
    assert behind([], ["DC"], {"DC"}) == {}


def test_runs_of_results_saturate_and_still_decide_the_state():
    from infra.probes.state import RUN_CAP, Rules

    rules = Rules()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    tracker = Tracker(state=UP, successes=RUN_CAP - 1, last_at=t0)
    tracker, _ = apply(tracker, rules, t0 + timedelta(minutes=1), True)
    tracker, _ = apply(tracker, rules, t0 + timedelta(minutes=2), True)
    assert tracker.successes == RUN_CAP
    for i in range(3, 3 + rules.down_after):
        tracker, changes = apply(tracker, rules, t0 + timedelta(minutes=i), False)
    assert tracker.state == DOWN and tracker.failures == rules.down_after and changes[0].new == DOWN
    tracker = Tracker(state=DOWN, failures=RUN_CAP, last_at=t0)
    tracker, _ = apply(tracker, rules, t0 + timedelta(minutes=1), False)
    assert tracker.failures == RUN_CAP
