"""The schedule: each minute exactly one worker of the cluster (the first to claim the minute's tick)
finds the checks that are due, claims them, splits them into chunks and enqueues one task per chunk; any consumer runs a
chunk (``run_chunk``). A chunk is taken by one consumer only (a conditional update of its run), a
check is claimed by one chunk only (its lease), and a run that never finishes is marked lost."""

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ..choices import CheckKind, RunStatus
from ..models import Check, CheckStatus, ProbeMarker, ProbeRun
from . import checks as check_service
from . import partitions
from .probing import current_prober, observe, prober_name
from .recording import record

log = logging.getLogger(__name__)

MINUTE = datetime.timedelta(minutes=1)

# A run not started this long after it was enqueued, or not finished this long after it started, is
# lost (and logged); its checks are probed again at their next slot once their lease has run out.
LOST_AFTER = datetime.timedelta(minutes=5)
RUN_LIMIT = datetime.timedelta(minutes=5)
# A claimed check stays leased until its run ends, or for longer than any run may live.
LEASE = LOST_AFTER + RUN_LIMIT
# A run started this long after its slot is late (consumers too few or too busy).
LATE_AFTER = datetime.timedelta(seconds=60)


def take_tick(name: str, now: datetime.datetime | None = None, period: datetime.timedelta = MINUTE) -> bool:
    """Claim this period's tick of a periodic job, once for the whole cluster.

    huey's consumers each put the periodic tasks into the shared queue, and any worker of any machine
    may run them; the first to claim the period (a locked row keyed by the job's name, holding the
    last period claimed) runs it, the others return. So every period runs exactly once, whoever runs it."""
    now = now or timezone.now()
    start = datetime.datetime.fromtimestamp(
        now.timestamp() // period.total_seconds() * period.total_seconds(), tz=datetime.UTC
    )
    with transaction.atomic():
        marker, _ = ProbeMarker.objects.select_for_update().get_or_create(name=name)
        if marker.at is not None and marker.at >= start:
            return False
        marker.owner, marker.at = prober_name(), start
        marker.save()
    return True


def mark_lost(now: datetime.datetime) -> int:
    lost = ProbeRun.objects.filter(
        Q(status=RunStatus.QUEUED, created__lt=now - LOST_AFTER)
        | Q(status=RunStatus.RUNNING, started__lt=now - RUN_LIMIT)
    ).update(status=RunStatus.LOST, finished=now)
    if lost:
        log.warning("%s probe run(s) did not finish within %s: marked lost.", lost, LOST_AFTER)
    return lost


def _slot(next_due: datetime.datetime, interval: int, now: datetime.datetime) -> datetime.datetime:
    """The latest slot of the check's series at or before now (a consumer that was away catches up
    with one probe, not a backlog)."""
    behind = int((now - next_due).total_seconds() // interval)
    return next_due + datetime.timedelta(seconds=interval * max(behind, 0))


def claim_due(now: datetime.datetime) -> dict[str, list[tuple[int, datetime.datetime]]]:
    """{kind: [(check id, slot)]} of the due checks, now claimed (their next slot set and leased)."""
    claimed: dict[str, list[tuple[int, datetime.datetime]]] = {}
    with transaction.atomic():
        rows = list(
            CheckStatus.objects.select_for_update(of=("self",))
            .filter(probe_check__enabled=True, next_due__lte=now)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .order_by("probe_check_id")
            .values_list("probe_check_id", "next_due", "probe_check__interval", "probe_check__kind")
        )
        updates = []
        for check_id, next_due, interval, kind in rows:
            slot = _slot(next_due, interval, now)
            claimed.setdefault(kind, []).append((check_id, slot))
            lease = max(datetime.timedelta(seconds=interval), LEASE)
            updates.append((slot + datetime.timedelta(seconds=interval), now + lease, check_id))
        if updates:
            quote = connection.ops.quote_name
            sql = (
                f"UPDATE {quote(CheckStatus._meta.db_table)} SET next_due = %s, lease_until = %s "
                f"WHERE {quote(CheckStatus._meta.pk.column)} = %s"
            )
            with connection.cursor() as cursor:
                cursor.executemany(sql, updates)
    return claimed


def chunk_size(kind: str) -> int:
    """Checks per run of a kind: ICMP sweeps thousands at once, SNMP and HTTP fewer (a slow agent or
    site holds its slot in the run for its whole timeout)."""
    return {
        CheckKind.ICMP: settings.SIMPUL_PROBE_CHUNK,
        CheckKind.SNMP: settings.SIMPUL_PROBE_SNMP_CHUNK,
        CheckKind.HTTP: settings.SIMPUL_PROBE_HTTP_CHUNK,
    }.get(kind, settings.SIMPUL_PROBE_SNMP_CHUNK)


def schedule(
    enqueue: Callable[[int], object], now: datetime.datetime | None = None, *, force: bool = False
) -> dict[str, int]:
    """One tick of the schedule (every minute): returns what it did. ``force``: run even if this
    minute's tick ran (``manage.py probe schedule``); due checks are claimed once either way."""
    now = now or timezone.now()
    if not take_tick("schedule", now) and not force:
        return {"owner": 0}  # this minute's tick ran elsewhere
    partitions.ensure()
    check_service.reconcile()
    counts = {"owner": 1, "lost": mark_lost(now), "checks": 0, "runs": 0}
    for kind, items in sorted(claim_due(now).items()):
        size = chunk_size(kind)
        runs = [
            ProbeRun(
                due=min(slot for _, slot in items[i : i + size]),
                kind=kind,
                checks=[[check_id, slot.isoformat()] for check_id, slot in items[i : i + size]],
            )
            for i in range(0, len(items), size)
        ]
        for run in runs:
            run.save()
            transaction.on_commit(lambda pk=run.pk: enqueue(pk))
        counts["checks"] += len(items)
        counts["runs"] += len(runs)
    return counts


def run_chunk(run_id: int) -> dict[str, int]:
    """Run one enqueued chunk, once: a second delivery (or a second consumer) finds it taken."""
    prober = current_prober()
    now = timezone.now()
    # Not a run enqueued so long ago that the schedule counts it lost: its checks' leases may be
    # running out, and another run may take them.
    taken = ProbeRun.objects.filter(pk=run_id, status=RunStatus.QUEUED, created__gte=now - LOST_AFTER).update(
        status=RunStatus.RUNNING, prober=prober, started=now
    )
    if not taken:
        ProbeRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(status=RunStatus.LOST, finished=now)
        return {"skipped": 1}
    run = ProbeRun.objects.get(pk=run_id)
    late = now - run.due > LATE_AFTER
    if late:
        log.warning("Probe run %s started %s after its slot.", run.pk, now - run.due)
    slots = {check_id: datetime.datetime.fromisoformat(slot) for check_id, slot in run.checks}
    checks = list(
        Check.objects.filter(pk__in=list(slots), enabled=True).select_related("credential", "website").order_by("pk")
    )
    observations = observe(checks, slots, prober)
    counts = record(observations, prober.pk)
    finish(run_id, list(slots), len(observations), late)
    return counts


def finish(run_id: int, check_ids: list[int], results: int, late: bool) -> bool:
    """Mark a run done and let its checks go, if it still holds them: a run counted lost meanwhile may
    see its checks claimed by a newer run, whose leases are not its to clear. Its results are kept."""
    finished = ProbeRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.DONE, finished=timezone.now(), results=results, late=late
    )
    if finished:
        CheckStatus.objects.filter(probe_check_id__in=check_ids).update(lease_until=None)
    else:
        log.warning("Probe run %s finished after it was counted lost; its results are kept.", run_id)
    return bool(finished)
