"""How fast are probe results written, how big are they, and how fast is a month's availability?

Run: .venv/bin/python bench/probes_store.py [--checks 20000] [--slots 50] [--sites 500]

On PostgreSQL (the issue's figures are PostgreSQL's): a fresh database ``simpul_bench_probes`` on
PG_URL (default postgres://postgres@127.0.0.1:5432), dropped and made again, migrated. It makes
``--checks`` ICMP checks on devices spread over ``--sites`` sites, then:

1. writes ``--slots`` sweeps of one result per check (5 % of them failures) through
   ``services.recording.record`` (raw results with ON CONFLICT, state rules, status rows, events) in
   chunks of 5,000, and reports results per second over all sweeps, over the sweeps after the first
   two (in which every check changes state), and for the raw INSERT alone;
2. measures the raw results table's size (all partitions, heap and indexes) per raw result while a
   day is written, and after its partition is compacted (``partitions.compact``);
3. writes a year of state history (``--events-per-month`` down/up pairs per check, spread over the
   year) and times ``selectors.report`` of one site over one month (median of 30 runs), and of an OPD.
Prints a table and one JSON line.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "simpul_bench_probes"


def _bootstrap(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = f"{pg_url}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infra.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _city(checks: int, sites: int):
    from infra.inventory.choices import DeviceKind, OrganizationKind, SiteKind
    from infra.inventory.models import Device, Organization, Site
    from infra.probes.models import Check, CheckStatus

    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Dinas {i}", short_name=f"D{i}", kind=OrganizationKind.AGENCY) for i in range(20)]
    )
    site_objs = Site.objects.bulk_create(
        [
            Site(
                name=f"Kantor {i}",
                kind=SiteKind.DATA_CENTER if i == 0 else SiteKind.OPD_OFFICE,
                organization=orgs[i % 20],
            )
            for i in range(sites)
        ]
    )
    devices = Device.objects.bulk_create(
        [
            Device(name=f"srv-{i:05d}", organization=orgs[i % 20], site=site_objs[i % sites], kind=DeviceKind.SERVER)
            for i in range(checks)
        ]
    )
    made = Check.objects.bulk_create(
        [
            Check(address=f"127.{1 + i // 65025}.{(i // 255) % 255}.{1 + i % 255}", device=d)
            for i, d in enumerate(devices)
        ]
    )
    CheckStatus.objects.bulk_create([CheckStatus(probe_check=c) for c in made])
    from django.db import connection

    with connection.cursor() as cursor:  # as autovacuum would soon after: plans for tables of this size
        cursor.execute("ANALYZE")
    return made, site_objs, orgs


def _write(checks, slots: int) -> dict:
    from django.db import connection

    from infra.probes.models import Prober, Result
    from infra.probes.services import partitions
    from infra.probes.services.recording import Observation, record, write_results

    prober = Prober.objects.create(name="bench")
    start = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    partitions.ensure(today=start.date(), days_ahead=2)
    rnd = random.Random(7)
    total, elapsed, per_slot = 0, 0.0, []
    for slot in range(slots):
        at = start + datetime.timedelta(minutes=slot)
        observations = []
        for c in checks:
            ok = rnd.random() > 0.05
            rtt = rnd.uniform(0.2, 30.0)
            observations.append(
                Observation(c.pk, at, 0 if ok else 1, 3, 3 if ok else 0, rtt * 0.9, rtt, rtt * 1.2, rtt * 0.1)
                if ok
                else Observation(c.pk, at, 1, 3, 0)
            )
        began = time.perf_counter()
        for i in range(0, len(observations), 5000):
            record(observations[i : i + 5000], prober.pk)
        per_slot.append(time.perf_counter() - began)
        elapsed += per_slot[-1]
        total += len(observations)
    # the raw INSERT alone, on slots of their own
    raw_total, raw_elapsed = 0, 0.0
    for slot in range(5):
        at = start + datetime.timedelta(days=1, minutes=slot)
        observations = [Observation(c.pk, at, 0, 3, 3, 1.0, 1.5, 2.0, 0.1) for c in checks]
        began = time.perf_counter()
        write_results(observations, prober.pk)
        raw_elapsed += time.perf_counter() - began
        raw_total += len(observations)

    def size() -> float:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE probes_result")
            cursor.execute(
                "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                "WHERE inhparent = 'probes_result'::regclass"
            )
            return float(cursor.fetchone()[0])

    rows = Result.objects.count()
    while_written = size() / rows
    partitions.compact(before=start.date() + datetime.timedelta(days=3))
    return {
        "results_per_second": round(total / elapsed),
        # after the first sweeps, in which every check changes state (unknown -> up) and has an event
        "results_per_second_steady": round(len(checks) * len(per_slot[2:]) / sum(per_slot[2:])) if slots > 2 else None,
        "raw_insert_per_second": round(raw_total / raw_elapsed),
        "results": rows,
        "bytes_per_result_while_written": round(while_written, 1),
        "bytes_per_result": round(size() / rows, 1),
    }


def _history(checks, sites, orgs, events_per_month: int) -> dict:
    from zoneinfo import ZoneInfo

    from infra.core.bulk import insert
    from infra.probes import selectors
    from infra.probes.models import CheckEvent

    year_start = datetime.datetime(2025, 11, 1, tzinfo=datetime.UTC)
    rnd = random.Random(11)
    events = []
    for c in checks:
        events.append(CheckEvent(probe_check_id=c.pk, at=year_start, kind="state", old_state="unknown", new_state="up"))
        for _ in range(events_per_month * 12):
            down = year_start + datetime.timedelta(seconds=rnd.uniform(60, 365 * 86400 - 7200))
            events.append(CheckEvent(probe_check_id=c.pk, at=down, kind="state", old_state="up", new_state="down"))
            up = down + datetime.timedelta(seconds=rnd.uniform(60, 3600))
            events.append(CheckEvent(probe_check_id=c.pk, at=up, kind="state", old_state="down", new_state="up"))
    began = time.perf_counter()
    insert(CheckEvent, events)
    inserted = time.perf_counter() - began
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE probes_checkevent")
    start, end = selectors.period("month", datetime.date(2026, 6, 15))
    assert ZoneInfo  # the city's zone is TIME_ZONE's
    site = sites[1]
    timings = []
    for _ in range(30):
        began = time.perf_counter()
        report = selectors.report("site", site.pk, start, end)
        timings.append(time.perf_counter() - began)
    org_timings = []
    for _ in range(10):
        began = time.perf_counter()
        selectors.report("organization", orgs[1].pk, start, end)
        org_timings.append(time.perf_counter() - began)
    return {
        "events": len(events),
        "events_insert_s": round(inserted, 1),
        "site_checks": report.checks,
        "site_month_ms": round(statistics.median(timings) * 1000, 1),
        "site_month_percent": round(report.availability.percent or 0, 3),
        "organization_month_ms": round(statistics.median(org_timings) * 1000, 1),
    }


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=20000)
    parser.add_argument("--slots", type=int, default=50)
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--events-per-month", type=int, default=4)
    parser.add_argument("--pg-url", default=os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432"))
    args = parser.parse_args()
    _bootstrap(args.pg_url)
    checks, sites, orgs = _city(args.checks, args.sites)
    figures = {"checks": args.checks, "slots": args.slots}
    figures.update(_write(checks, args.slots))
    figures.update(_history(checks, sites, orgs, args.events_per_month))
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
