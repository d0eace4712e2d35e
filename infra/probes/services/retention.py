"""Data that grows: raw results are rolled up into hourly and daily figures, then pruned.

A roll-up recomputes whole buckets from the raw results and replaces what a bucket held (an upsert),
so running it again, or after a crash half-way, never counts anything twice; the last buckets are
recomputed on each run to take in late results. Hours are UTC hours; days are the city's days
(``TIME_ZONE``), as availability is. Raw results are pruned only once their days are rolled up."""

import datetime
import itertools
import statistics
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..engines.base import Outcome
from ..models import DailyRollup, HourlyRollup, ProbeMarker, Result
from . import partitions

HOUR = datetime.timedelta(hours=1)
# Results may arrive this long after their slot (a late chunk); buckets this recent are redone.
SETTLE = datetime.timedelta(minutes=15)
ANSWERED = [int(o) for o in Outcome if o.answered]


def _hours(start: datetime.datetime, end: datetime.datetime) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
    cursor = start
    while cursor < end:
        yield cursor, cursor + HOUR
        cursor += HOUR


def _days(start: datetime.datetime, end: datetime.datetime) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
    """Local days (midnight to midnight in the city's zone, DST-proof) as UTC instants."""
    tz = ZoneInfo(settings.TIME_ZONE)
    day = start.astimezone(tz).date()
    while True:
        first = datetime.datetime.combine(day, datetime.time(), tz).astimezone(datetime.UTC)
        day += datetime.timedelta(days=1)
        last = datetime.datetime.combine(day, datetime.time(), tz).astimezone(datetime.UTC)
        if first >= end:
            return
        yield first, last


def figures(rows: list[tuple[int, int, int, float, float]]) -> dict[str, object]:
    """Roll-up figures of one check's results in one bucket: rows of (outcome, sent, received, rtt_avg, rtt_max)."""
    answered = [r for r in rows if r[0] in ANSWERED]
    rtts = sorted(r[3] for r in rows if r[2])
    result = {
        "count": len(rows),
        "answered": len(answered),
        "sent": sum(r[1] for r in rows),
        "received": sum(r[2] for r in rows),
        "rtt_avg": statistics.fmean(rtts) if rtts else None,
        "rtt_max": max((r[4] for r in rows if r[2]), default=None),
        "rtt_p50": None,
        "rtt_p95": None,
    }
    if len(rtts) == 1:
        result["rtt_p50"] = result["rtt_p95"] = rtts[0]
    elif rtts:
        cuts = statistics.quantiles(rtts, n=100, method="inclusive")
        result["rtt_p50"], result["rtt_p95"] = cuts[49], cuts[94]
    return result


def _roll(model, start: datetime.datetime, end: datetime.datetime) -> int:
    """Recompute one bucket, streaming one check's results at a time (a day of 20,000 checks is
    29 million rows: never all in memory), and replace what the bucket held."""
    rows = (
        Result.objects.filter(time__gte=start, time__lt=end)
        .order_by("probe_check_id")
        .values_list("probe_check_id", "outcome", "sent", "received", "rtt_avg", "rtt_max")
    )
    fields = ["count", "answered", "sent", "received", "rtt_avg", "rtt_p50", "rtt_p95", "rtt_max"]
    seen = 0
    batch: list = []
    with transaction.atomic():
        for check_id, items in itertools.groupby(rows.iterator(chunk_size=20000), key=lambda row: row[0]):
            seen += 1
            batch.append(model(probe_check_id=check_id, start=start, **figures([row[1:] for row in items])))
            if len(batch) >= 2000:
                model.objects.bulk_create(
                    batch, update_conflicts=True, unique_fields=["probe_check", "start"], update_fields=fields
                )
                batch = []
        model.objects.bulk_create(
            batch, update_conflicts=True, unique_fields=["probe_check", "start"], update_fields=fields
        )
        # The bucket is replaced as a whole: a check without results now has none left from before.
        in_bucket = Result.objects.filter(time__gte=start, time__lt=end).values("probe_check_id")
        model.objects.filter(start=start).exclude(probe_check_id__in=in_bucket).delete()
    return seen


def rollup(now: datetime.datetime | None = None) -> dict[str, int]:
    """Roll up every hour and day that ended since the last run (and the recent ones again)."""
    now = now or timezone.now()
    counts = {"hours": 0, "days": 0, "rows": 0}
    for name, model, buckets, step in (
        ("rollup_hour", HourlyRollup, _hours, HOUR),
        ("rollup_day", DailyRollup, _days, datetime.timedelta(days=1)),
    ):
        marker, _ = ProbeMarker.objects.get_or_create(name=name)
        oldest = Result.objects.order_by("time").values_list("time", flat=True).first()
        if oldest is None:
            continue
        start = marker.at - step - SETTLE if marker.at else oldest
        start = max(start, oldest).replace(minute=0, second=0, microsecond=0)
        done = marker.at
        for first, last in buckets(start, now):
            if last > now:
                break
            counts["rows"] += _roll(model, first, last)
            counts["hours" if model is HourlyRollup else "days"] += 1
            done = last
        if done != marker.at:
            ProbeMarker.objects.filter(name=name).update(at=done)
    return counts


def prune(now: datetime.datetime | None = None) -> dict[str, int]:
    """Drop raw results older than SIMPUL_PROBE_RAW_DAYS (whole partitions on PostgreSQL) and
    roll-ups older than theirs; never raw results whose days are not rolled up yet."""
    now = now or timezone.now()
    counts = {"partitions": 0, "results": 0, "hourly": 0, "daily": 0}
    cutoff = now - datetime.timedelta(days=settings.SIMPUL_PROBE_RAW_DAYS)
    rolled = ProbeMarker.objects.filter(name="rollup_day").values_list("at", flat=True).first()
    if rolled is not None:
        cutoff = min(cutoff, rolled)
        cutoff_day = cutoff.astimezone(datetime.UTC).date()
        counts["partitions"] = len(partitions.drop_before(cutoff_day))
        if partitions.supported():
            # Whole days went with their partitions; rows are deleted only from the default one, never
            # from a live day (which would leave it dead rows to vacuum).
            counts["results"] = partitions.delete_from_default_before(cutoff)
        else:
            counts["results"] = Result.objects.filter(time__lt=cutoff)._raw_delete(Result.objects.db)
    counts["hourly"] = HourlyRollup.objects.filter(
        start__lt=now - datetime.timedelta(days=settings.SIMPUL_PROBE_HOURLY_DAYS)
    )._raw_delete(HourlyRollup.objects.db)
    counts["daily"] = DailyRollup.objects.filter(
        start__lt=now - datetime.timedelta(days=settings.SIMPUL_PROBE_DAILY_DAYS)
    )._raw_delete(DailyRollup.objects.db)
    return counts
