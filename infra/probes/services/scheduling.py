"""The schedule: each minute one consumer (the one holding the schedule lease) finds the checks that
are due, claims them, splits them into chunks and enqueues one task per chunk; any consumer runs a
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

SCHEDULE_LEASE = datetime.timedelta(seconds=90)
# A run not finished this long after it was enqueued is lost (its checks are due again at their next slot).
LOST_AFTER = datetime.timedelta(minutes=5)
# A run started this long after its slot is late (consumers too few or too busy).
LATE_AFTER = datetime.timedelta(seconds=60)


def take_schedule(owner: str, now: datetime.datetime | None = None) -> bool:
    """Take or renew the schedule lease; False when another consumer holds it."""
    now = now or timezone.now()
    with transaction.atomic():
        marker, _ = ProbeMarker.objects.select_for_update().get_or_create(name="schedule")
        if marker.owner and marker.owner != owner and marker.at and marker.at > now:
            return False
        marker.owner, marker.at = owner, now + SCHEDULE_LEASE
        marker.save()
    return True


def mark_lost(now: datetime.datetime) -> int:
    lost = ProbeRun.objects.filter(
        status__in=(RunStatus.QUEUED, RunStatus.RUNNING), created__lt=now - LOST_AFTER
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
            lease = max(datetime.timedelta(seconds=interval), LOST_AFTER)
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


def schedule(enqueue: Callable[[int], object], now: datetime.datetime | None = None) -> dict[str, int]:
    """One tick of the schedule (every minute): returns what it did."""
    now = now or timezone.now()
    if not take_schedule(prober_name(), now):
        return {"owner": 0}
    partitions.ensure()
    check_service.reconcile()
    counts = {"owner": 1, "lost": mark_lost(now), "checks": 0, "runs": 0}
    for kind, items in sorted(claim_due(now).items()):
        size = settings.SIMPUL_PROBE_CHUNK if kind == CheckKind.ICMP else settings.SIMPUL_PROBE_SNMP_CHUNK
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
    taken = ProbeRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, prober=prober, started=now
    )
    if not taken:
        return {"skipped": 1}
    run = ProbeRun.objects.get(pk=run_id)
    late = now - run.due > LATE_AFTER
    if late:
        log.warning("Probe run %s started %s after its slot.", run.pk, now - run.due)
    slots = {check_id: datetime.datetime.fromisoformat(slot) for check_id, slot in run.checks}
    checks = list(Check.objects.filter(pk__in=list(slots), enabled=True).select_related("credential").order_by("pk"))
    observations = observe(checks, slots, prober)
    counts = record(observations, prober.pk)
    CheckStatus.objects.filter(probe_check_id__in=list(slots)).update(lease_until=None)
    ProbeRun.objects.filter(pk=run_id).update(
        status=RunStatus.DONE, finished=timezone.now(), results=len(observations), late=late
    )
    return counts
