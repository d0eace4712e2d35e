"""How fast are the status page and an OPD's monthly availability report on a big city?

Run: .venv/bin/python bench/probes_reports.py [--checks 20000] [--sites 500] [--days 365] [--hourly-days 2]
    [--runs 20]

On PostgreSQL: a fresh database ``simpul_bench_reports`` on PG_URL (default
postgres://postgres@127.0.0.1:5432), dropped and made again, migrated. It builds a city of
``--sites`` sites in 20 OPDs, joined by fiber as a tree under one data center, ``--checks`` devices
with one ICMP check each, and ``--days`` of probe history from the demo's history generator
(``services.history``: events, downtimes, daily figures, hourly ones for ``--hourly-days``). Then it takes one site with
the 20 sites behind it and 1 % of the devices elsewhere down, and times, as an administrator through
Django's test client (the whole request: queries, rules and template), the median of ``--runs``:

- the status page (``/probes/status/``: its largest 50 incidents; ``?all=1``: all of them) and its
  self-refresh fragment, the dashboard, and
  ``status.current()`` alone: "cold" as after a state change (computed again), and as most requests
  find it (the answer cached for ``status.CACHE_SECONDS`` while no event is written);
- an OPD's monthly availability report: the page, and the report's figures alone.

Prints a table and one JSON line (docs/benchmarks.md, "Status page and reports").
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "simpul_bench_reports"


def _bootstrap(pg_url: str, reuse: bool, db_name: str = DB_NAME) -> None:
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name]).fetchone()
        if not (reuse and exists):
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{db_name}"')
    os.environ["DATABASE_URL"] = f"{pg_url}/{db_name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infra.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DEBUG"] = "0"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # The pages render without collectstatic (as bench/web_pages.py: the same cost per {% static %}).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    call_command("migrate", verbosity=0)


def _city(checks: int, sites: int):
    """20 OPDs; sites in a fiber tree (four children each) under the data center; servers, switches
    and access points spread over the sites, one ICMP check each, with an application per 10 servers."""
    from infra.inventory.choices import Deployment, DeviceKind, FiberLinkStatus, OrganizationKind, SiteKind
    from infra.inventory.models import Application, Device, FiberLink, Organization, Site
    from infra.probes.models import Check, CheckStatus

    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Dinas {i}", short_name=f"D{i}", kind=OrganizationKind.AGENCY) for i in range(20)]
    )
    site_objs = Site.objects.bulk_create(
        [
            Site(
                name=f"Kantor {i:03d}",
                kind=SiteKind.DATA_CENTER if i == 0 else SiteKind.OPD_OFFICE,
                organization=orgs[i % 20],
            )
            for i in range(sites)
        ]
    )
    FiberLink.objects.bulk_create(
        [
            FiberLink(
                code=f"FO-{i:03d}",
                site_a=site_objs[(i - 1) // 4],
                site_b=site_objs[i],
                status=FiberLinkStatus.ACTIVE,
                core_count=12,
                length_km=Decimal("1.5"),
                deployment=Deployment.AERIAL,
            )
            for i in range(1, sites)
        ]
    )
    kinds = [DeviceKind.SERVER] * 6 + [DeviceKind.SWITCH] * 2 + [DeviceKind.ACCESS_POINT] * 2
    devices = Device.objects.bulk_create(
        [
            Device(
                name=f"dev-{i:05d}",
                organization=site_objs[i % sites].organization,
                site=site_objs[i % sites],
                kind=kinds[i % len(kinds)],
            )
            for i in range(checks)
        ]
    )
    apps = Application.objects.bulk_create(
        [Application(name=f"Aplikasi {i}", organization=orgs[i % 20]) for i in range(checks // 10)]
    )
    through = Application.devices.through
    through.objects.bulk_create(
        [through(application_id=apps[i // 10].pk, device_id=d.pk) for i, d in enumerate(devices) if i // 10 < len(apps)]
    )
    made = Check.objects.bulk_create(
        [
            Check(address=f"127.{1 + i // 65025}.{(i // 255) % 255}.{1 + i % 255}", device=d)
            for i, d in enumerate(devices)
        ]
    )
    CheckStatus.objects.bulk_create([CheckStatus(probe_check=c) for c in made])
    return made, site_objs, orgs


def _history(days: int, hourly_days: int) -> dict:
    """The demo's history generator (services.history) on this city: events, downtimes, daily figures
    for every day, hourly figures for the last ``hourly_days`` (the pages timed here read events and
    downtimes, not figures; a year of hourly figures for 20,000 checks is 175 million rows)."""
    from infra.probes.services import history

    counts = history.load(days=days, hourly_days=hourly_days, profile="fiber", seed=3)
    return {
        "history_s": counts["seconds"],
        "history_events": counts["events"],
        "history_downtimes": counts["downtimes"],
        "history_daily_rows": counts["daily"],
        "history_hourly_rows": counts["hourly"],
    }


def _outage(checks, sites) -> dict:
    """Site 21 down since an hour ago with the 20 sites behind it (its subtree: 21, 85-88, 341-356),
    about 4 % of the city; 1 % of the other devices down on their own."""
    from django.db import connection
    from django.utils import timezone

    from infra.probes.models import CheckStatus

    now = timezone.now()
    index = {site.pk: i for i, site in enumerate(sites)}

    def under_site_21(i: int) -> bool:
        while i > 21:
            i = (i - 1) // 4
        return i == 21

    rnd = random.Random(5)
    rows = CheckStatus.objects.values_list("pk", "probe_check__device__site_id")
    down = [pk for pk, site_id in rows if under_site_21(index[site_id]) or rnd.random() < 0.01]
    CheckStatus.objects.update(state="up", since=now - datetime.timedelta(days=3))
    CheckStatus.objects.filter(pk__in=down).update(state="down", since=now - datetime.timedelta(hours=1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"down_checks": len(down)}


def _median_ms(fn, runs: int) -> float:
    fn()
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - began)
    return round(statistics.median(timings) * 1000, 1)


def _measure(orgs, runs: int) -> dict:
    from django.core.cache import cache
    from django.test import Client

    from infra.core.choices import Role
    from infra.core.models import User
    from infra.probes import status

    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_user(
        "bench-admin", password="bench-only-Simpul-2026!", role=Role.ADMINISTRATOR, is_superuser=True
    )
    client = Client()
    client.force_login(admin)

    def get(url: str, **headers) -> None:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)

    def cold(fn):
        """As after a state change: the status computed again, not taken from the cache."""

        def run():
            cache.clear()
            fn()

        return run

    figures = {
        "incidents": len(status.current().incidents),
        "status_page_cold_ms": _median_ms(cold(lambda: get("/probes/status/")), runs),
        "status_page_all_cold_ms": _median_ms(cold(lambda: get("/probes/status/?all=1")), runs),
        "status_current_cold_ms": _median_ms(cold(status.current), runs),
        "dashboard_cold_ms": _median_ms(cold(lambda: get("/")), runs),
        "status_page_ms": _median_ms(lambda: get("/probes/status/"), runs),
        "status_fragment_ms": _median_ms(lambda: get("/probes/status/", **{"HX-Request": "true"}), runs),
        "status_page_all_ms": _median_ms(lambda: get("/probes/status/?all=1"), runs),
        "status_current_ms": _median_ms(status.current, runs),
        "dashboard_ms": _median_ms(lambda: get("/"), runs),
    }
    figures.update(_report(get, orgs, runs))
    return figures


def _report(get, orgs, runs: int) -> dict:
    from infra.probes import reports

    today = datetime.date.today()
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    org = orgs[1]
    report = reports.monthly(org.pk, month)
    return {
        "report_month": month.strftime("%Y-%m"),
        "report_checks": len(report.checks),
        "report_ms": _median_ms(lambda: reports.monthly(org.pk, month), runs),
        "report_page_ms": _median_ms(
            lambda: get(f"/probes/reports/availability/?organization={org.pk}&month={month:%Y-%m}"), runs
        ),
        "city_report_ms": _median_ms(lambda: reports.monthly(None, month), max(3, runs // 5)),
    }


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=20000)
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--hourly-days", type=int, default=2)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="measure again on the city a previous run left")
    parser.add_argument("--db", default=DB_NAME, help="the database's name (dropped and made again unless --reuse)")
    parser.add_argument("--pg-url", default=os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432"))
    args = parser.parse_args()
    _bootstrap(args.pg_url, args.reuse, args.db)
    from infra.inventory.models import Organization, Site
    from infra.probes.models import Check

    figures = {"checks": args.checks, "sites": args.sites, "days": args.days}
    if args.reuse and Check.objects.exists():
        checks, sites = list(Check.objects.order_by("pk")), list(Site.objects.order_by("pk"))
        orgs = list(Organization.objects.order_by("pk"))
    else:
        checks, sites, orgs = _city(args.checks, args.sites)
        figures.update(_history(args.days, args.hourly_days))
    figures.update(_outage(checks, sites))
    figures.update(_measure(orgs, args.runs))
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
