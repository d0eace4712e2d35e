"""How long does each diagram take, on the demo city and on a city of 500 sites and 20,000 devices?

Run: .venv/bin/python bench/diagrams.py [--reuse] [--skip-demo] [--skip-large] [--runs 3] [--cache-runs 20]
    [--devices 20000] [--sites 500] [--links 1000] [--profile VIEW]

On PostgreSQL (PG_URL, default postgres://postgres@127.0.0.1:5432): each city gets its own database,
``simpul_bench_diagrams_demo`` (``manage.py load_demo``) and ``simpul_bench_diagrams_large``
(bench/citygen.py with ``sites=500, links=1000``: a fiber tree out from the data center plus cross
links, every object with its "created" change record). Each is dropped and made again unless
``--reuse`` finds it filled by an earlier run. Each city runs in a child process of its own (Django
binds one database per process); this process prints the table.

For each view (``infra.maps.builders.VIEWS``; the site view draws the site with the most devices, the
OPD view the OPD with the most servers, both the worst case), the median of ``--runs``:

- build: ``build(view, params)``, its wall time and SQL queries; the drawing's nodes and edges;
- svg, png, pdf: ``diagrams.render()`` from the topology (layout included, as every request does;
  graphviz keeps no warm state), the PDF on A3 landscape with its number of pages;
- cold: what a request finds on an empty cache: the data version, build and SVG, through the web's
  ``infra.maps.cache.render_diagram(use_cache=False)``;
- cache: the same request answered from the cache (Django's cache as configured; the default is the
  per-process local-memory cache), median of ``--cache-runs``, with its queries.

Then the time limit: the large city's city view asked as a PDF on A4 portrait (500 sites printed at
6 pt or more: some two hundred pages) through ``render_diagram`` under the limit
(``SIMPUL_DIAGRAM_TIMEOUT``, or ``--limit``): it must end with the "takes longer than" message within
the limit plus a second, with no graphviz process left behind.

Targets (issue 12): a demo-city view under 1 s cold and under 50 ms from the cache; the large city
view under 10 s; every view bounded by the limit. Prints a Markdown table and one JSON line
(docs/benchmarks.md, "Diagrams (issue 12)").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on the path, and this file is named like the package
# it measures: take the folder off, put the project on.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
DB_NAMES = {"demo": "simpul_bench_diagrams_demo", "large": "simpul_bench_diagrams_large"}
TARGET_DEMO_COLD_MS = 1000
TARGET_DEMO_CACHE_MS = 50
TARGET_LARGE_MS = 10_000


# ------------------------------------------------------------------------------------------ child: one city


def _bootstrap(pg_url: str, db_name: str, reuse: bool) -> None:
    """A Django of its own on ``db_name``, made afresh unless ``reuse`` and it exists."""
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name]).fetchone()
        if not (reuse and exists):
            conn.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {db_name}")
    os.environ["DATABASE_URL"] = f"{pg_url}/{db_name}"
    os.environ.setdefault("SIMPUL_VAR_DIR", tempfile.mkdtemp(prefix="simpul-bench-diagrams-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infra.settings")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fill(city: str, args: argparse.Namespace) -> str:
    """Load the city unless the database already holds one; say what was done."""
    from django.core.management import call_command
    from django.db import connection

    from infra.inventory.models import Device

    if Device.objects.exists():
        return "reused"
    started = time.perf_counter()
    if city == "demo":
        call_command("load_demo", stdout=open(os.devnull, "w"))
    else:
        from bench.citygen import generate_city

        generate_city(args.devices, args.seed, sites=args.sites, links=args.links, changelog=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics after a bulk load, as autovacuum would gather
    return f"loaded in {time.perf_counter() - started:.1f} s"


def _params(view: str):
    """The view's parameters: the busiest site and the OPD with the most servers (the worst cases)."""
    from django.db.models import Count, Q

    from infra.inventory.choices import DeviceKind
    from infra.inventory.models import Organization, Site
    from infra.maps.builders import NEEDS_ORGANIZATION, NEEDS_SITE, DiagramParams

    kwargs = {}
    if view in NEEDS_SITE:
        kwargs["site"] = Site.objects.annotate(n=Count("devices")).order_by("-n", "pk").first()
    if view in NEEDS_ORGANIZATION:
        servers = Q(devices__kind__in=[DeviceKind.SERVER, DeviceKind.VIRTUAL_MACHINE])
        kwargs["organization"] = (
            Organization.objects.annotate(n=Count("devices", filter=servers)).order_by("-n", "pk").first()
        )
    return DiagramParams(view=view, **kwargs)


def _cache_functions():
    """The web's cached render (``infra.maps.cache.render_diagram``): what the page, wall, API and CLI call."""
    from infra.maps.cache import render_diagram

    return render_diagram, "web"


def _median_ms(fn, runs: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 1), value


def _pdf_pages(data: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def measure_view(view: str, runs: int, cache_runs: int, limit: float) -> dict:
    """One view's figures; a drawing that fails is recorded with its error (the other figures still count)."""
    try:
        return _measure_view(view, runs, cache_runs, limit)
    except Exception as exc:  # a failed view is a result: reported, not fatal
        return {"view": view, "error": f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"[:300]}


def _measure_view(view: str, runs: int, cache_runs: int, limit: float) -> dict:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import diagrams
    from infra.maps.builders import build

    render_diagram, cache_kind = _cache_functions()
    params = _params(view)
    with CaptureQueriesContext(connection) as queries:
        topology = build(view, params)
    build_ms, topology = _median_ms(lambda: build(view, params), runs)
    row = {
        "view": view,
        "scope": str(params.site or params.organization or ""),
        "nodes": len(topology.nodes),
        "edges": len(topology.edges),
        "groups": len(topology.groups),
        "build_ms": build_ms,
        "build_queries": len(queries),
    }
    for fmt, paper in (("svg", None), ("png", None), ("pdf", diagrams.Paper("A3", "landscape"))):
        if "svg_error" in row:  # the other formats lay the same graph out: they would fail the same way
            row[f"{fmt}_error"] = "not tried (SVG failed)"
            continue
        started = time.perf_counter()
        try:
            ms, data = _median_ms(lambda f=fmt, p=paper: diagrams.render(topology, f, paper=p, timeout=limit), runs)
        except diagrams.DiagramError as exc:
            row[f"{fmt}_error"] = f"{type(exc).__name__} after {time.perf_counter() - started:.1f} s"
            row.setdefault("error_detail", str(exc)[:200])
            continue
        row[f"{fmt}_ms"] = ms
        row[f"{fmt}_kb"] = round(len(data) / 1024)
        if fmt == "pdf":
            row["pdf_pages"] = _pdf_pages(data)
    if "svg_error" in row:
        return row
    row["cold_ms"], _ = _median_ms(lambda: render_diagram(view, params, "svg", use_cache=False, timeout=limit), runs)
    cache.clear()
    render_diagram(view, params, "svg", timeout=limit)  # fills the cache
    row["cache_ms"], _ = _median_ms(lambda: render_diagram(view, params, "svg", timeout=limit), cache_runs)
    with CaptureQueriesContext(connection) as queries:
        render_diagram(view, params, "svg", timeout=limit)
    row["cache_queries"] = len(queries)
    row["cache_path"] = cache_kind
    return row


def _graphviz_children() -> list[int]:
    """Processes whose parent is this one (a graphviz left running or unreaped would be one)."""
    me, found = str(os.getpid()), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            found.append(int(entry))
    return found


def oversize(limit: float) -> dict:
    """The whole large city as a PDF on A4 portrait (its 500 sites at 6 pt or more: about two hundred
    pages), asked through the web's path under the limit: it must stop with the message, not hang."""
    import diagrams

    render_diagram, cache_kind = _cache_functions()
    params = _params("city")
    start = time.perf_counter()
    try:
        render_diagram("city", params, "pdf", diagrams.Paper("A4", "portrait"), use_cache=False, timeout=limit)
        outcome, message = "drawn", ""
    except Exception as exc:  # the outcome is the figure: which exception, and its message
        outcome, message = type(exc).__name__, getattr(exc, "message", str(exc))
    elapsed = time.perf_counter() - start
    return {
        "what": "the city view of the whole large city as a PDF on A4 portrait",
        "limit_s": limit,
        "elapsed_s": round(elapsed, 2),
        "outcome": outcome,
        "message": message,
        "within_limit": elapsed <= limit + 1.0,
        "processes_left": len(_graphviz_children()),
        "cache_path": cache_kind,
    }


def profile(view: str, limit: float) -> None:
    """cProfile of one cold request of ``view`` (build and SVG), the 25 costliest calls by own time."""
    import cProfile
    import pstats

    import diagrams
    from infra.maps.builders import build

    params = _params(view)
    profiler = cProfile.Profile()
    profiler.enable()
    diagrams.render(build(view, params), "svg", timeout=limit)
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)


def run_city(city: str, args: argparse.Namespace) -> dict:
    _bootstrap(args.pg_url, DB_NAMES[city], args.reuse)
    from django.conf import settings

    from infra.inventory.models import Device, FiberLink, Site
    from infra.maps.builders import VIEWS

    filled = _fill(city, args)
    limit = args.limit or float(getattr(settings, "SIMPUL_DIAGRAM_TIMEOUT", 20.0))
    print(
        f"{city}: {Site.objects.count()} sites, {Device.objects.count()} devices, "
        f"{FiberLink.objects.count()} fiber links ({filled}); time limit {limit:g} s",
        file=sys.stderr,
        flush=True,
    )
    runs = args.runs if city == "demo" else args.large_runs
    views = []
    for view in VIEWS:
        started = time.perf_counter()
        views.append(measure_view(view, runs, args.cache_runs, limit))
        print(f"  {view}: measured in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    result = {
        "city": city,
        "sites": Site.objects.count(),
        "devices": Device.objects.count(),
        "links": FiberLink.objects.count(),
        "limit_s": limit,
        "views": views,
    }
    if city == "large" and not args.skip_oversize:
        result["oversize"] = oversize(limit)
    if args.profile:
        profile(args.profile, limit)
    return result


# ------------------------------------------------------------------------------------------ parent: the table


def _targets(city: dict, row: dict) -> str:
    if "cold_ms" not in row:
        return "NOT met: " + (row.get("error_detail") or "not drawn")
    if city["city"] == "demo":
        cold, cached = row["cold_ms"] < TARGET_DEMO_COLD_MS, row["cache_ms"] < TARGET_DEMO_CACHE_MS
        return (
            "met"
            if cold and cached
            else "NOT met: " + ", ".join(what for what, ok in (("cold", cold), ("cache", cached)) if not ok)
        )
    return "met" if row["cold_ms"] < TARGET_LARGE_MS else "NOT met"


def print_table(cities: list[dict]) -> None:
    print(f"\nPostgreSQL; load average (1 min) {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; median times in ms\n")
    print(
        "| city | view | nodes / edges | build ms (queries) | SVG ms | PNG ms | PDF A3 ms (pages) "
        "| cold ms | cache ms (queries) | target |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for city in cities:
        label = f"{city['city']} ({city['sites']} sites, {city['devices']} devices, {city['links']} links)"
        for r in city["views"]:
            if "error" in r:
                print(f"| {label} | {r['view']} | FAILED: {r['error']} | | | | | | | NOT met |")
                label = ""
                continue
            cells = [
                r.get(f"{fmt}_error") or (f"{r[f'{fmt}_ms']} ({r['pdf_pages']})" if fmt == "pdf" else r[f"{fmt}_ms"])
                for fmt in ("svg", "png", "pdf")
            ]
            cached = f"{r['cache_ms']} ({r['cache_queries']})" if "cache_ms" in r else "-"
            print(
                f"| {label} | {r['view']} | {r['nodes']} / {r['edges']} | {r['build_ms']} ({r['build_queries']}) "
                f"| {' | '.join(str(c) for c in cells)} | {r.get('cold_ms', '-')} | {cached} | {_targets(city, r)} |"
            )
            label = ""
    for city in cities:
        paths = {r["cache_path"] for r in city["views"] if "cache_path" in r}
        print(f"\n{city['city']}: cache path: {', '.join(sorted(paths))}")
        over = city.get("oversize")
        if over:
            verdict = "bounded" if over["within_limit"] and over["outcome"] != "drawn" else "NOT shown bounded"
            print(
                f"Time limit {over['limit_s']:g} s: {over['what']}: {over['outcome']} after {over['elapsed_s']} s "
                f"({verdict}; graphviz processes left: {over['processes_left']})"
            )
            if over["message"]:
                print(f"  message: {over['message']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--reuse", action="store_true", help="keep the databases between runs (load only once)")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--skip-oversize", action="store_true")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure on the demo city")
    parser.add_argument("--large-runs", type=int, default=1, help="timed runs per figure on the large city")
    parser.add_argument("--cache-runs", type=int, default=20)
    parser.add_argument("--limit", type=float, default=0, help="time limit in s (default: the setting)")
    parser.add_argument("--devices", type=int, default=20_000)
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--links", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", default="", help="also print a cProfile of one cold request of this view")
    parser.add_argument("--city", choices=sorted(DB_NAMES), help=argparse.SUPPRESS)  # the child's city
    parser.add_argument("--out", help=argparse.SUPPRESS)  # where the child writes its JSON
    args, _unknown = parser.parse_known_args()

    if args.city:
        Path(args.out).write_text(json.dumps(run_city(args.city, args)))
        return
    cities = []
    for city in ("demo", "large"):
        if getattr(args, f"skip_{city}"):
            continue
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            child = [sys.executable, __file__, *sys.argv[1:], "--city", city, "--out", out.name]
            if subprocess.run(child, check=False).returncode != 0:
                sys.exit(f"The {city} city's run failed (above).")
            cities.append(json.loads(Path(out.name).read_text()))
    print_table(cities)
    print(json.dumps({"benchmark": "diagrams", "load_average_1min": round(os.getloadavg()[0], 2), "cities": cities}))


if __name__ == "__main__":
    main()
