"""How fast do the busiest web pages answer? Server time, in-process, on the demo city and on 20,000 devices.

Run: .venv/bin/python bench/web_pages.py [--devices N] [--runs R] [--skip-demo] [--only LABEL]

It sets Django up on a throwaway SQLite database under a temporary directory (or on DATABASE_URL,
which must then point to an empty database; it is emptied again at the end), loads (a) the demo
city (``manage.py load_demo``), measures, empties the database, generates (b) a synthetic city of
``--devices`` devices (bench/citygen.py) and measures again. Each page is requested through
Django's test client as an administrator: a few warm-up requests, then ``--runs`` timed ones; the
median wall time and the median CPU time of the process are reported (CPU time shows the page's
own cost when other work shares the machine). It prints a table and a one-line JSON summary.
"""

import argparse
import datetime
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = None if os.environ.get("DATABASE_URL") else tempfile.mkdtemp(prefix="simpul-bench-")
if WORK:
    os.environ["SIMPUL_VAR_DIR"] = WORK
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infra.settings")
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["DEBUG"] = "0"
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.citygen import generate_city  # noqa: E402
from infra.core.choices import Role  # noqa: E402
from infra.core.models import User  # noqa: E402
from infra.inventory.models import Device  # noqa: E402

# The pages render without collectstatic: plain static storage costs the same per {% static %}
# as the manifest storage a deployment uses (its manifest is read once and cached).
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TARGET_MS = 150  # the 100-row device list on the 20,000-device city


def sample_device() -> Device:
    """A server with the most to show: a migration, applications, several interfaces."""
    candidates = (
        Device.objects.filter(migration__isnull=False, applications__isnull=False)
        .annotate(n=Count("interfaces", distinct=True))
        .order_by("-n", "pk")
    )
    device = candidates.first() or Device.objects.order_by("pk").first()
    if device is None:
        raise SystemExit("The city has no devices.")
    return device


def pages() -> list[tuple[str, str]]:
    device = sample_device()
    total = Device.objects.count()
    return [
        ("device list, 100 rows", "/devices/?per_page=100"),
        ("device list, 200 rows", "/devices/?per_page=200"),
        ("device list, 100 rows, last page", f"/devices/?per_page=100&page={max(1, -(-total // 100))}"),
        ("device list, search", "/devices/?per_page=100&q=dell"),
        ("device list, 100 rows, page 150", "/devices/?per_page=100&page=150"),
        ("interface list, 100 rows", "/interfaces/?per_page=100"),
        ("device page", f"/devices/{device.pk}/"),
        ("dashboard", "/"),
        ("migration list, 100 rows", "/migrations/?per_page=100"),
        ("contract list", "/contracts/"),
        ("evidence page, today", "/evidence/"),
        # The figures rebuilt from the change log and the migration transitions, as an auditor asks.
        ("evidence page, 31 December", f"/evidence/?as_of={datetime.date.today().year - 1}-12-31"),
    ]


def measure(client: Client, url: str, runs: int, warmup: int = 3) -> dict:
    for _ in range(warmup):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        body = response.content
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {
        "url": url,
        "median_ms": round(statistics.median(walls) * 1000, 1),
        "median_cpu_ms": round(statistics.median(cpus) * 1000, 1),
        "min_ms": round(min(walls) * 1000, 1),
        "queries": len(queries),
        "kbytes": round(len(body) / 1024),
    }


def run_city(name: str, runs: int, only: list[str] = ()) -> dict:
    user = User.objects.create(username="bench-admin", role=Role.ADMINISTRATOR, is_staff=True)
    client = Client()
    client.force_login(user)
    wanted = [(label, url) for label, url in pages() if not only or any(part in label for part in only)]
    results = {label: measure(client, url, runs) for label, url in wanted}
    return {"city": name, "devices": Device.objects.count(), "pages": results}


def empty_database() -> None:
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()


def analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would gather them on a live server."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def print_table(cities: list[dict]) -> None:
    print(f"Database: {connection.vendor}; load average (1 min) now {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'city':12} {'page':34} {'median ms':>10} {'cpu ms':>8} {'min ms':>8} {'queries':>8} {'KiB':>6}")
    for city in cities:
        label = f"{city['city']} ({city['devices']})"
        for page, r in city["pages"].items():
            print(
                f"{label:12.12} {page:34} {r['median_ms']:10.1f} {r['median_cpu_ms']:8.1f} {r['min_ms']:8.1f} "
                f"{r['queries']:8d} {r['kbytes']:6d}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument(
        "--only", action="append", default=[], help="measure only pages whose label contains this (repeatable)"
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if Device.objects.exists():
        sys.exit("The database already holds devices: point DATABASE_URL at an empty database.")
    cities = []
    try:
        if not args.skip_demo:
            started = time.perf_counter()
            try:
                call_command("load_demo", stdout=open(os.devnull, "w"))
            except Exception as exc:  # the demo is optional here: the generated city is the target
                print(f"Demo city not measured: load_demo failed: {exc!r}", flush=True)
            else:
                print(f"Demo city loaded in {time.perf_counter() - started:.1f} s", flush=True)
                analyze()
                cities.append(run_city("demo", args.runs, args.only))
            empty_database()
        city = generate_city(args.devices, args.seed)
        print(f"Generated city of {args.devices} devices in {city.seconds:.1f} s", flush=True)
        analyze()
        cities.append(run_city("generated", args.runs, args.only))
    finally:
        if WORK:  # the throwaway SQLite database (a 20,000-device city is tens of MB)
            connection.close()
            shutil.rmtree(WORK, ignore_errors=True)
        else:
            empty_database()
    print_table(cities)
    generated = cities[-1]["pages"].get("device list, 100 rows", {}).get("median_ms")
    if generated is not None:
        print(
            f"Target: 100-row device list under {TARGET_MS} ms on {args.devices} devices: "
            f"{'met' if generated < TARGET_MS else 'NOT met'} ({generated} ms)"
        )
    summary = {
        "benchmark": "web_pages",
        "database": connection.vendor,
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cities": [
            {
                "city": c["city"],
                "devices": c["devices"],
                **{
                    page: {"median_ms": r["median_ms"], "median_cpu_ms": r["median_cpu_ms"], "queries": r["queries"]}
                    for page, r in c["pages"].items()
                },
            }
            for c in cities
        ],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
