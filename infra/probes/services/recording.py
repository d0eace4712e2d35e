"""Write what a chunk of probes found, once: raw results, then each check's state, events and downtimes.

Idempotent by construction: a raw result is keyed by (check, scheduled time) and inserted with
ON CONFLICT DO NOTHING; a check's state takes a result only if it is newer than the last one it took
(``state.apply`` ignores the rest); events are unique per (check, time, kind) and downtimes per
(check, start). So a chunk written twice, by one consumer or two, leaves the same rows."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce

from infra.inventory.models import Interface

from .. import state
from ..choices import CheckKind, EventKind
from ..engines.base import Outcome
from ..models import CheckEvent, CheckStatus, Downtime, InterfaceStatus, MaintenanceWindow
from ..topology import site_is_down, snapshot
from . import fastwrite

RESULT_BATCH = 5000
# Down events this recent get their root cause filled in when the site they sit behind goes down
# later in the same sweep (another chunk, another consumer).
LATE_CAUSE_WINDOW = datetime.timedelta(minutes=15)


@dataclass
class Observation:
    """One probe of one check, as the services hand it over to be written."""

    check_id: int
    time: datetime.datetime  # the schedule slot: the result's key
    outcome: int
    sent: int = 0
    received: int = 0
    rtt_min: float = 0.0
    rtt_avg: float = 0.0
    rtt_max: float = 0.0
    jitter: float = 0.0
    # False when the result says nothing of the target (the prober's own reference did not answer, or
    # the target was not probed): it is kept, and the check's state becomes unknown; ``note`` says why.
    trustworthy: bool = True
    note: str = ""
    sys_name: str | None = None
    sys_descr: str | None = None
    sys_uptime: int | None = None
    interfaces: dict = field(default_factory=dict)  # ifIndex -> engines.snmp.InterfaceReading
    # When the answer came (the slot may be minutes earlier for a late chunk): sysUpTime is read against it.
    observed_at: datetime.datetime | None = None

    @property
    def reachable(self) -> bool | None:
        return Outcome(self.outcome).answered if self.trustworthy else None


@dataclass
class _Status:
    """A check's status row and what the rules need of its check, read in one query without models."""

    check_id: int
    state: str
    since: datetime.datetime | None
    failures: int
    successes: int
    history: str
    flapping: bool
    last_at: datetime.datetime | None
    last_outcome: int | None
    last_rtt: float | None
    last_loss: float | None
    sys_name: str
    sys_descr: str
    sys_uptime: int | None
    uptime_at: datetime.datetime | None
    kind: str
    down_after: int
    up_after: int
    flap_low: float
    flap_high: float
    device_id: int | None
    site_id: int | None
    org_id: int | None

    @property
    def tracker(self) -> state.Tracker:
        return state.Tracker(
            state=state.State(self.state),
            since=self.since,
            failures=self.failures,
            successes=self.successes,
            history=self.history,
            flapping=self.flapping,
            last_at=self.last_at,
        )

    @property
    def rules(self) -> state.Rules:
        return state.Rules(
            down_after=self.down_after, up_after=self.up_after, flap_low=self.flap_low, flap_high=self.flap_high
        )

    def take(self, tracker: state.Tracker) -> None:
        self.state, self.since = tracker.state.value, tracker.since
        self.failures, self.successes = tracker.failures, tracker.successes
        self.history, self.flapping, self.last_at = tracker.history, tracker.flapping, tracker.last_at

    def row(self) -> tuple:
        return (self.check_id, *(getattr(self, c) for c in fastwrite.STATUS_COLUMNS))


_STATUS_FIELDS = ("probe_check_id", *fastwrite.STATUS_COLUMNS)
_CHECK_FIELDS = (
    "probe_check__kind",
    "probe_check__down_after",
    "probe_check__up_after",
    "probe_check__flap_low",
    "probe_check__flap_high",
    "probe_check__device_id",
    "probe_check__device__site_id",
)
# The OPD whose maintenance windows hold a check's alerts: its device's site's; a website check's, the
# OPD whose website it is or its application's owner.
_CHECK_ORGANIZATION = Coalesce(
    "probe_check__device__site__organization_id",
    "probe_check__organization_id",
    "probe_check__application__organization_id",
)


def _locked_statuses(check_ids: Sequence[int]) -> dict[int, _Status]:
    """The status rows of these checks, locked until the transaction ends (in key order)."""
    rows = (
        CheckStatus.objects.select_for_update(of=("self",))
        .filter(probe_check_id__in=list(check_ids))
        .order_by("probe_check_id")
        .values_list(*_STATUS_FIELDS, *_CHECK_FIELDS, _CHECK_ORGANIZATION)
    )
    return {row[0]: _Status(*row) for row in rows}


def write_results(observations: Sequence[Observation], prober_id: int) -> None:
    fastwrite.insert_results(
        [
            (o.check_id, o.time, o.outcome, o.sent, o.received, prober_id, o.rtt_min, o.rtt_avg, o.rtt_max, o.jitter)
            for o in observations
        ]
    )


def _in_maintenance(windows, at, device_id, site_id, org_id) -> bool:
    return any(
        w.start <= at < w.end
        and (
            (w.device_id and w.device_id == device_id)
            or (w.site_id and w.site_id == site_id)
            or (w.organization_id and w.organization_id == org_id)
        )
        for w in windows
    )


def record(observations: Sequence[Observation], prober_id: int) -> dict[str, int]:
    """Write ``observations`` (any order, any checks) and move each check's state. Returns counts."""
    counts = {"results": len(observations), "applied": 0, "events": 0}
    if not observations:
        return counts
    ordered = sorted(observations, key=lambda o: (o.check_id, o.time))
    with transaction.atomic():
        write_results(ordered, prober_id)
        statuses = _locked_statuses(sorted({o.check_id for o in ordered}))
        first = min(o.time for o in ordered)
        windows = list(MaintenanceWindow.objects.filter(end__gt=first, start__lte=max(o.time for o in ordered)))
        events: list[CheckEvent] = []
        opened: list[Downtime] = []
        closed: list[tuple[int, datetime.datetime]] = []
        changed: dict[int, _Status] = {}
        interface_readings: list[tuple[_Status, Observation]] = []
        for o in ordered:
            status = statuses.get(o.check_id)
            if status is None:
                continue  # the check was deleted meanwhile
            tracker, changes = state.apply(status.tracker, status.rules, o.time, o.reachable)
            if tracker.last_at == status.last_at:
                continue  # an old or repeated result: already taken
            counts["applied"] += 1
            in_window = bool(windows) and _in_maintenance(
                windows, o.time, status.device_id, status.site_id, status.org_id
            )
            for change in changes:
                events.append(
                    CheckEvent(
                        probe_check_id=status.check_id,
                        at=change.at,
                        kind=change.kind,
                        old_state=change.old.value,
                        new_state=change.new.value,
                        outcome=o.outcome,
                        held=change.held or in_window,
                        detail=o.note[:300],
                    )
                )
                if change.kind == "state":
                    if change.new is state.State.DOWN:
                        opened.append(Downtime(probe_check_id=status.check_id, start=change.at, cause=o.outcome))
                    elif change.old is state.State.DOWN:
                        closed.append((status.check_id, change.at))
            if status.kind == CheckKind.SNMP and o.reachable:
                observed = o.observed_at or o.time
                if (
                    o.sys_uptime is not None
                    and status.sys_uptime is not None
                    and status.uptime_at is not None
                    and state.is_reboot(status.sys_uptime, status.uptime_at, o.sys_uptime, observed)
                ):
                    events.append(
                        CheckEvent(
                            probe_check_id=status.check_id,
                            at=o.time,
                            kind=EventKind.REBOOT,
                            old_state=tracker.state.value,
                            new_state=tracker.state.value,
                            outcome=o.outcome,
                            held=in_window,
                            detail=f"sysUpTime {status.sys_uptime} -> {o.sys_uptime}",
                        )
                    )
                if o.sys_uptime is not None:
                    status.sys_uptime, status.uptime_at = o.sys_uptime, observed
                status.sys_name = (o.sys_name or status.sys_name)[:255]
                status.sys_descr = (o.sys_descr or status.sys_descr)[:1000]
                if o.interfaces:
                    interface_readings.append((status, o))
            status.take(tracker)
            status.last_outcome = o.outcome
            status.last_rtt = o.rtt_avg if o.received else None
            status.last_loss = round(100.0 * (o.sent - o.received) / o.sent, 2) if o.sent else None
            changed[status.check_id] = status
        fastwrite.update_statuses([s.row() for s in changed.values()])
        events.extend(_interface_events(interface_readings))
        if events:
            CheckEvent.objects.bulk_create(events, ignore_conflicts=True)
            counts["events"] = len(events)
        if opened:
            Downtime.objects.bulk_create(opened, ignore_conflicts=True)
        for check_id, end in closed:
            Downtime.objects.filter(probe_check_id=check_id, end__isnull=True, start__lte=end).update(end=end)
        # Only a site going down puts others behind it: look for root causes only when a check went
        # down and its whole site is down now (one small query), not on every flaky probe.
        went_down = {
            statuses[e.probe_check_id].site_id
            for e in events
            if e.kind == EventKind.STATE and e.new_state == state.State.DOWN.value
        }
        if went_down and any(site_is_down(went_down).values()):
            _mark_root_causes(first)
    return counts


def _interface_events(readings: list[tuple["_Status", Observation]]) -> list[CheckEvent]:
    """Store each read interface's status; an operational status that changed is an event."""
    if not readings:
        return []
    device_ids = {check.device_id for check, _ in readings}
    interfaces = {
        (i.device_id, i.if_index): i
        for i in Interface.objects.filter(device_id__in=device_ids, if_index__isnull=False).select_related(
            "probe_status"
        )
    }
    events, upserts = [], []
    for check, o in readings:
        for if_index, reading in o.interfaces.items():
            interface = interfaces.get((check.device_id, if_index))
            if interface is None:
                continue
            previous = getattr(interface, "probe_status", None)
            since = o.time
            if previous is not None and previous.at is not None and previous.at >= o.time:
                continue
            if previous is not None and previous.oper_status == reading.oper_status:
                since = previous.since
            elif previous is not None and previous.oper_status is not None:
                events.append(
                    CheckEvent(
                        probe_check_id=check.check_id,
                        at=o.time,
                        kind=EventKind.INTERFACE,
                        outcome=o.outcome,
                        detail=f"{interface.name}: ifOperStatus {previous.oper_status} -> {reading.oper_status}",
                    )
                )
            upserts.append(
                InterfaceStatus(
                    interface=interface,
                    oper_status=reading.oper_status,
                    admin_status=reading.admin_status,
                    in_octets=reading.in_octets,
                    out_octets=reading.out_octets,
                    at=o.time,
                    since=since,
                )
            )
    InterfaceStatus.objects.bulk_create(
        upserts,
        update_conflicts=True,
        unique_fields=["interface"],
        update_fields=["oper_status", "admin_status", "in_octets", "out_octets", "at", "since"],
    )
    return events


def _mark_root_causes(since: datetime.datetime) -> None:
    """Down events and open downtimes of sites behind a down site name that site and hold the alert:
    two updates per down site that cuts others off, whatever the number of sites behind it."""
    snap = snapshot()
    behind_by_cause: dict[int, list[int]] = {}
    for site_id, agg in snap.sites.items():
        if agg.behind:
            behind_by_cause.setdefault(agg.behind, []).append(site_id)
    recent = since - LATE_CAUSE_WINDOW
    for cause, site_ids in behind_by_cause.items():
        in_sites = Q(probe_check__device__site_id__in=site_ids)
        CheckEvent.objects.filter(
            in_sites, kind=EventKind.STATE, new_state=state.State.DOWN.value, at__gte=recent, root_cause__isnull=True
        ).update(root_cause_id=cause, held=True)
        # Only downtimes that began with this outage: an older one of the site had a cause of its own.
        Downtime.objects.filter(in_sites, end__isnull=True, root_cause__isnull=True, start__gte=recent).update(
            root_cause_id=cause
        )


def mark_unknown(check_ids: Sequence[int], at: datetime.datetime, detail: str) -> int:
    """Checks that stop being probed (disabled) become unknown at once, with their event: their time
    from now on is neither up nor down. Returns how many changed."""
    changed, events, closed = [], [], []
    with transaction.atomic():
        for status in _locked_statuses(check_ids).values():
            if status.state == state.State.UNKNOWN.value:
                continue
            # after the last result taken, so that the rules do not ignore it
            when = max(at, status.last_at + datetime.timedelta(microseconds=1)) if status.last_at else at
            tracker, changes = state.apply(status.tracker, status.rules, when, None)
            for change in changes:
                events.append(
                    CheckEvent(
                        probe_check_id=status.check_id,
                        at=change.at,
                        kind=change.kind,
                        old_state=change.old.value,
                        new_state=change.new.value,
                        held=True,
                        detail=detail,
                    )
                )
                if change.kind == "state" and change.old is state.State.DOWN:
                    closed.append((status.check_id, change.at))
            status.take(tracker)
            changed.append(status)
        fastwrite.update_statuses([s.row() for s in changed])
        CheckEvent.objects.bulk_create(events, ignore_conflicts=True)
        for check_id, end in closed:
            Downtime.objects.filter(probe_check_id=check_id, end__isnull=True, start__lte=end).update(end=end)
    return len(changed)
