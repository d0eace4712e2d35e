"""How fast does the REST API answer? Server time, in-process, on a 20,000-device city with a year of history.

Run: .venv/bin/python bench/api.py [--devices N] [--runs R] [--fiber-links N]

It sets Django up on a throwaway SQLite database under a temporary directory (or on DATABASE_URL,
which must then point to an empty database; it is emptied again at the end), generates a synthetic
city (bench/citygen.py), adds fiber links until there are ``--fiber-links`` of them, and writes a year
of change history: every object's "created" record and, for a third of the devices, one or two
updates, at times spread over the past twelve months (so ``?as_of=`` six months ago sees about half
of the devices, as they were then). Each request goes through DRF's APIClient with a token of an
administrator: a few warm-up requests, then ``--runs`` timed ones; the median wall time and the
median CPU time of the process are reported (CPU time shows the request's own cost when other work
shares the machine). Bulk create POSTs a list of 1,000 new devices (fresh names each run) and is
reported in devices per second. It prints a table and a one-line JSON summary.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bootstrap() -> None:
    """Run as a script: a Django of its own, on a throwaway SQLite database unless DATABASE_URL is set."""
    if not os.environ.get("DATABASE_URL"):
        os.environ["SIMPUL_VAR_DIR"] = tempfile.mkdtemp(prefix="simpul-apibench-")
        Path(os.environ["SIMPUL_VAR_DIR"], "static").mkdir()  # whitenoise warns of a missing STATIC_ROOT
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infra.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DEBUG"] = "0"
    sys.path.insert(0, str(ROOT))
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic here
    import django

    django.setup()


if __name__ == "__main__":
    _bootstrap()

from django.apps import apps  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from bench.citygen import generate_city  # noqa: E402
from infra.core import changelog  # noqa: E402
from infra.core.choices import ChangeAction, ChangeSource, Role  # noqa: E402
from infra.core.models import ChangeLoggingMixin, ObjectChange, Token, User  # noqa: E402
from infra.inventory import choices, models  # noqa: E402
from infra.inventory.services.fiber import create_links  # noqa: E402

WIB = datetime.timezone(datetime.timedelta(hours=7))
BULK_SIZE = 1000
# Targets on a 2-core machine (issue 4): the median wall time in ms, or devices per second.
TARGETS_MS = {
    "devices, limit=1000": 300,
    "devices, limit=1000, brief": 60,
    "one device": 30,
    "fiber links, limit=1000": 300,
}
TARGET_BULK_PER_S = 2000


# --- the city and its history ----------------------------------------------------------------
def add_fiber_links(total: int, seed: int) -> int:
    """Links between random pairs of sites (with their cores) until the city has ``total``."""
    have = models.FiberLink.objects.count()
    if have >= total:
        return 0
    rng = random.Random(seed)
    sites = list(models.Site.objects.values_list("pk", flat=True))
    links = []
    for i in range(total - have):
        a, b = rng.sample(sites, 2)
        status = rng.choice([choices.FiberLinkStatus.ACTIVE] * 7 + [choices.FiberLinkStatus.PLANNED])
        link = models.FiberLink(
            code=f"FO-X-{i + 1:05d}",
            name=f"Ring {i % 40:02d} segmen {i // 40 + 1}",
            site_a_id=a,
            site_b_id=b,
            cable_type=choices.CableType.G652D,
            core_count=rng.choice([12, 24, 48]),
            deployment=rng.choice(choices.Deployment.values),
            length_km=Decimal(rng.uniform(0.2, 12)).quantize(Decimal("0.001")),
            splice_count=rng.randint(0, 8),
            status=status,
            contractor="PT Serat Nusantara",
            installed_date=datetime.date(2019 + i % 6, 1 + i % 12, 1) if status == "active" else None,
        )
        if status == choices.FiberLinkStatus.ACTIVE:
            link.measured_loss_db = (link.loss_budget_db() * Decimal(rng.uniform(0.6, 1.2))).quantize(Decimal("0.01"))
            link.measured_on = datetime.date(2025, 1 + i % 12, 1 + i % 28)
        links.append(link)
    links = create_links(links, validate=False)
    return len(links)


def write_history(seed: int, now: datetime.datetime) -> int:
    """A year of change records for what is in the database, inserted with their own times.

    Places, organizations and cables appear in the first days of the year; devices one by one over
    the year, their interfaces and addresses with them; a third of the devices change afterwards
    (first registered as planned, then set to their current state, some with a note on the way).
    Rows go in ordered by time, so a later record of an object also has a larger id (``state_as_of``
    takes the largest id at or before the moment). The change log refuses UPDATE, hence the times
    are written by the INSERT itself.
    """
    rng = random.Random(seed)
    year_ago = now - datetime.timedelta(days=365)

    def early() -> datetime.datetime:
        return year_ago + datetime.timedelta(minutes=rng.randint(0, 7 * 24 * 60))

    def during_year() -> datetime.datetime:
        return year_ago + datetime.timedelta(seconds=rng.randint(8 * 86400, 364 * 86400))

    logged = [m for m in apps.get_models() if issubclass(m, ChangeLoggingMixin)]
    device_time: dict[int, datetime.datetime] = {}
    interface_time: dict[int, datetime.datetime] = {}
    link_time: dict[int, datetime.datetime] = {}
    migration_time: dict[int, datetime.datetime] = {}
    rows = []  # (time, instance, action, before, after)

    def later(base: datetime.datetime | None, hours: int = 2) -> datetime.datetime:
        base = base or early()
        return min(now, base + datetime.timedelta(seconds=rng.randint(1, hours * 3600)))

    order = [
        models.Region,
        models.Organization,
        models.Contact,
        models.Site,
        models.Rack,
        models.Device,
        models.Interface,
        models.IPAddress,
        models.Application,
        models.FiberLink,
        models.FiberCore,
        models.MigrationWave,
        models.Migration,
        models.MigrationBlocker,
        models.YearTarget,
    ]
    order += [m for m in logged if m not in order]
    for model in order:
        for obj in model.objects.order_by("pk").iterator(chunk_size=2000):
            after = changelog.serialize(obj)
            if model is models.Device:
                at = device_time[obj.pk] = during_year()
            elif model is models.Interface:
                at = interface_time[obj.pk] = later(device_time.get(obj.device_id), 1)
            elif model is models.IPAddress:
                at = later(interface_time.get(obj.interface_id), 1)
            elif model is models.FiberLink:
                at = link_time[obj.pk] = early()
            elif model is models.FiberCore:
                at = later(link_time.get(obj.link_id), 1)
            elif model is models.Migration:
                at = migration_time[obj.pk] = later(device_time.get(obj.device_id), 24 * 30)
            elif model is models.MigrationBlocker:
                at = later(migration_time.get(obj.migration_id), 24 * 60)
            elif model is models.Application:
                at = during_year()
            else:
                at = early()
            if model is models.Device and rng.random() < 1 / 3:
                created = {**after, "status": choices.DeviceStatus.PLANNED, "description": ""}
                rows.append((at, obj, ChangeAction.CREATE, None, created))
                before = created
                if rng.random() < 0.5:
                    noted = {**created, "description": "Didata ulang saat inventarisasi."}
                    at = later(at, 24 * 20)
                    rows.append((at, obj, ChangeAction.UPDATE, before, noted))
                    before = noted
                rows.append((later(at, 24 * 60), obj, ChangeAction.UPDATE, before, after))
            else:
                rows.append((at, obj, ChangeAction.CREATE, None, after))
    rows.sort(key=lambda r: r[0])
    return _insert_changes(rows)


def _insert_changes(rows: list) -> int:
    """The rows as record_bulk writes them, but each with its own time; one executemany per batch."""
    opts = ObjectChange._meta
    names = ["time", "user", "user_name", "request_id", "source", "action", "content_type", "object_id"]
    names += ["object_repr", "related_content_type", "related_object_id", "before", "after"]
    fields = [opts.get_field(n) for n in names]
    time_field, request_field, before_field, after_field = fields[0], fields[3], fields[11], fields[12]
    content_types: dict[type, int] = {}
    related: dict[type, tuple] = {}
    request_id = request_field.get_db_prep_save(uuid.uuid4(), connection)
    values = []
    for at, obj, action, before, after in rows:
        model = type(obj)
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(model).pk
        parent = model.changelog_parent
        if model not in related:
            related[model] = (
                (ContentType.objects.get_for_model(model._meta.get_field(parent).related_model).pk, f"{parent}_id")
                if parent
                else (None, None)
            )
        related_ct, related_attr = related[model]
        related_id = getattr(obj, related_attr) if related_attr else None
        values.append(
            (
                time_field.get_db_prep_save(at, connection),
                None,
                "",
                request_id,
                ChangeSource.IMPORT,
                str(action),
                content_types[model],
                obj.pk,
                str(obj)[:200],
                related_ct if related_id is not None else None,
                related_id,
                before_field.get_db_prep_save(before, connection),
                after_field.get_db_prep_save(after, connection),
            )
        )
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(opts.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(values), 5000):
            cursor.executemany(sql, values[start : start + 5000])
    return len(values)


def analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would gather them on a live server."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def empty_database() -> None:
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()


# --- the requests ----------------------------------------------------------------------------
def api_client() -> APIClient:
    user = User.objects.create(username="bench-api", role=Role.ADMINISTRATOR, is_staff=True)
    _token, key = Token.issue(user, description="bench/api.py", read_only=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def reads(now: datetime.datetime) -> list[tuple[str, str, dict]]:
    """(label, path, query) of every GET measured."""
    device = (
        models.Device.objects.filter(kind=choices.DeviceKind.VIRTUAL_MACHINE, host__isnull=False, rack__isnull=True)
        .order_by("pk")
        .first()
        or models.Device.objects.order_by("pk").first()
    )
    busiest = (
        models.Organization.objects.annotate(
            n=Count("devices", filter=Q(devices__kind=choices.DeviceKind.SERVER, devices__status="active"))
        )
        .order_by("-n", "pk")
        .first()
    )
    # The id before the 19,001st row: a keyset page as deep as the OFFSET ones below.
    deep_device = models.Device.objects.order_by("pk").values_list("pk", flat=True)[18_999]
    deep_change = ObjectChange.objects.order_by("pk").values_list("pk", flat=True)[18_999]
    six_months_ago = (now - datetime.timedelta(days=182)).astimezone(WIB).replace(microsecond=0).isoformat()
    return [
        ("devices, limit=1000", "/api/devices/", {"limit": 1000}),
        ("devices, limit=1000, brief", "/api/devices/", {"limit": 1000, "brief": 1}),
        ("devices, limit=50", "/api/devices/", {"limit": 50}),
        ("one device", f"/api/devices/{device.pk}/", {}),
        (
            "devices, filtered, limit=1000",
            "/api/devices/",
            {"organization": busiest.pk, "status": "active", "kind": "server", "limit": 1000},
        ),
        ("fiber links, limit=1000", "/api/fiber-links/", {"limit": 1000}),
        ("devices as_of -6 months, limit=1000", "/api/devices/", {"as_of": six_months_ago, "limit": 1000}),
        # The change log is the biggest table; a deep page shows what OFFSET costs.
        ("changes, limit=50", "/api/changes/", {"limit": 50}),
        ("changes, limit=50, offset=19000", "/api/changes/", {"limit": 50, "offset": 19_000}),
        ("devices, limit=50, offset=19000", "/api/devices/", {"limit": 50, "offset": 19_000}),
        ("changes, limit=50, after_id, deep", "/api/changes/", {"limit": 50, "after_id": deep_change}),
        ("devices, limit=50, after_id, deep", "/api/devices/", {"limit": 50, "after_id": deep_device}),
    ]


def _median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1)


def measure_get(client: APIClient, path: str, query: dict, runs: int, warmup: int = 3) -> dict:
    for _ in range(warmup):
        response = client.get(path, query)
        assert response.status_code == 200, (path, query, response.status_code, response.content[:500])
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path, query)
        body = response.content
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    data = json.loads(body)
    with CaptureQueriesContext(connection) as queries:
        client.get(path, query)
    return {
        "median_ms": _median_ms(walls),
        "median_cpu_ms": _median_ms(cpus),
        "min_ms": round(min(walls) * 1000, 1),
        "queries": len(queries),
        "kbytes": round(len(body) / 1024),
        "rows": len(data["results"]) if isinstance(data, dict) and "results" in data else 1,
        "count": data.get("count") if isinstance(data, dict) else None,
    }


def bulk_payload(run: str, size: int = BULK_SIZE) -> list[dict]:
    """``size`` new servers spread over the OPDs' offices, with names no run used before."""
    offices = list(
        models.Site.objects.filter(organization__isnull=False)
        .exclude(kind=choices.SiteKind.DATA_CENTER)
        .values_list("organization_id", "pk")[:50]
    )
    return [
        {
            "name": f"bench-{run}-{i:05d}",
            "organization": offices[i % len(offices)][0],
            "site": offices[i % len(offices)][1],
            "kind": choices.DeviceKind.SERVER,
            "status": choices.DeviceStatus.PLANNED,
            "vendor": "Dell",
            "model": "PowerEdge R750",
            "serial": f"SNB{run}{i:06d}",
            "asset_number": f"02.06.B{run}.{i:06d}",
            "os": "Rocky Linux 9",
            "purchase_year": 2025,
            "warranty_end": "2028-12-31",
        }
        for i in range(size)
    ]


def measure_bulk_create(client: APIClient, runs: int, warmup: int = 1) -> dict:
    walls, cpus = [], []
    for n in range(warmup + runs):
        payload = bulk_payload(f"r{n}")
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.post("/api/devices/", payload, format="json")
        seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
        assert response.status_code == 201, (response.status_code, response.content[:1000])
        assert len(response.json()) == len(payload)
        if n >= warmup:
            walls.append(seconds)
            cpus.append(cpu_seconds)
    payload = bulk_payload("q")
    with CaptureQueriesContext(connection) as queries:
        client.post("/api/devices/", payload, format="json")
    median = statistics.median(walls)
    return {
        "median_ms": _median_ms(walls),
        "median_cpu_ms": _median_ms(cpus),
        "min_ms": round(min(walls) * 1000, 1),
        "queries": len(queries),
        "devices_per_s": round(BULK_SIZE / median),
    }


def print_table(results: dict, bulk: dict, setup: dict) -> None:
    print(
        f"Database: {connection.vendor}; {setup['devices']} devices, {setup['fiber_links']} fiber links, "
        f"{setup['change_records']} change records; load average (1 min) now {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )
    print(f"{'request':38} {'median ms':>10} {'cpu ms':>8} {'min ms':>8} {'queries':>8} {'rows':>6} {'KiB':>6}  target")
    for label, r in results.items():
        target = TARGETS_MS.get(label)
        verdict = "" if target is None else f"< {target} ms {'met' if r['median_ms'] < target else 'NOT met'}"
        print(
            f"{label:38} {r['median_ms']:10.1f} {r['median_cpu_ms']:8.1f} {r['min_ms']:8.1f} {r['queries']:8d} "
            f"{r['rows']:6d} {r['kbytes']:6d}  {verdict}"
        )
    if bulk is None:
        return
    met = "met" if bulk["devices_per_s"] >= TARGET_BULK_PER_S else "NOT met"
    print(
        f"{f'bulk create {BULK_SIZE} devices':38} {bulk['median_ms']:10.1f} {bulk['median_cpu_ms']:8.1f} "
        f"{bulk['min_ms']:8.1f} {bulk['queries']:8d} {BULK_SIZE:6d} {'':>6}  "
        f"{bulk['devices_per_s']} devices/s (>= {TARGET_BULK_PER_S} {met})"
    )


def build_city(devices: int, fiber_links: int, seed: int) -> dict:
    """Generate the city, its extra fiber links and its year of history; return what was written."""
    started = time.perf_counter()
    city = generate_city(devices, seed)
    added = add_fiber_links(fiber_links, seed)
    now = timezone.now()
    records = write_history(seed, now)
    analyze()
    return {
        "devices": models.Device.objects.count(),
        "fiber_links": models.FiberLink.objects.count(),
        "added_fiber_links": added,
        "change_records": records,
        "city_seconds": round(city.seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "now": now,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=20_000)
    parser.add_argument("--fiber-links", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--bulk-runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only", action="append", default=[], help="measure only requests whose label contains this (repeatable)"
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if models.Device.objects.exists():
        sys.exit("The database already holds devices: point DATABASE_URL at an empty database.")
    try:
        setup = build_city(args.devices, args.fiber_links, args.seed)
        print(
            f"City of {setup['devices']} devices in {setup['city_seconds']} s; {setup['added_fiber_links']} fiber "
            f"links added; {setup['change_records']} change records; {setup['seconds']} s in all",
            flush=True,
        )
        client = api_client()
        results = {}

        def wanted(label: str) -> bool:
            return not args.only or any(part in label for part in args.only)

        for label, path, query in reads(setup["now"]):
            if not wanted(label):
                continue
            results[label] = measure_get(client, path, query, args.runs)
            print(f"  {label}: {results[label]['median_ms']} ms", flush=True)
        bulk = measure_bulk_create(client, args.bulk_runs) if wanted("bulk create") else None
    finally:
        if os.environ.get("DATABASE_URL"):
            empty_database()
    print_table(results, bulk, setup)
    summary = {
        "benchmark": "api",
        "database": connection.vendor,
        "devices": setup["devices"],
        "fiber_links": setup["fiber_links"],
        "change_records": setup["change_records"],
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "requests": {
            label: {k: r[k] for k in ("median_ms", "median_cpu_ms", "queries", "rows")} for label, r in results.items()
        },
        "bulk_create": {"size": BULK_SIZE, **bulk} if bulk else None,
        "targets_met": {
            **{label: results[label]["median_ms"] < ms for label, ms in TARGETS_MS.items() if label in results},
            **({"bulk create": bulk["devices_per_s"] >= TARGET_BULK_PER_S} if bulk else {}),
        },
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
