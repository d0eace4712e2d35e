"""How long does one HTTP check round of a city's websites take? The HTTP part of bench/probes.py.

Run: .venv/bin/python bench/probes_http.py [--sites N] [--silent N] [--timeout S] [--runs R]
    [--concurrency C] [--per-host P] [--json]

A second process (tests/probes/webservers.py) serves ``--sites`` websites, each on an address of its
own in 127.40.0.0/16 (Linux routes all of 127/8 to ``lo``, so per-host politeness does not serialise
them), of ten kinds in equal parts: plain HTTP, HTTPS, HTTP sent on to HTTPS, 404, a page without
its expected text, an expired certificate, a certificate for another name, a self-signed one,
nothing listening, and ``--silent`` sites that accept connections and never answer. Certificates come
from a CA made for the run. This process checks them all with ``infra.probes.engines.http.check`` as
a huey consumer would (``--timeout`` 5 s, the engine's default concurrency and politeness), with the
network fence set to loopback. It reports per run the wall time (the issue's target: under 10 s for
500 sites, 50 silent), the CPU time of this process, the time to first byte of the sites that answered
(median, 99th percentile), and the misreports: sites whose outcome is not the one their kind must give.
Nothing leaves loopback. Prints a table and a one-line JSON summary; ``measure_http()`` returns it.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from infra.probes.engines.base import Outcome  # noqa: E402
from infra.probes.engines.http import HttpTarget, check  # noqa: E402

TARGET_SECONDS = 10.0  # the figure for 500 sites, 50 silent, 5 s timeout
PAGE = "<html><head><title>Pemerintah Kota</title></head><body><h1>Dinas {n}</h1><p>Pemerintah Kota</p></body></html>"
EXPECT = "Pemerintah Kota"
# kind -> the outcome a check of it must give
KINDS = {
    "http": Outcome.OK,
    "https": Outcome.OK,
    "upgrade": Outcome.OK,
    "not_found": Outcome.HTTP_ERROR,
    "no_text": Outcome.CONTENT_MISSING,
    "expired": Outcome.TLS_EXPIRED,
    "wrong_name": Outcome.TLS_WRONG_NAME,
    "self_signed": Outcome.TLS_UNTRUSTED,
    "refused": Outcome.CONNECTION_REFUSED,
    "silent": Outcome.TIMEOUT,
}

SERVER_CODE = """
import datetime, json, sys, tempfile
from pathlib import Path
from tests.probes.webservers import LocalCA, Reply, WebServers, closed_port, redirect, self_signed, server_context
spec = json.loads(sys.stdin.readline())
page = spec["page"]
now, day = datetime.datetime.now(datetime.UTC), datetime.timedelta(days=1)
folder = Path(tempfile.mkdtemp(prefix="bench-http-"))
ca = LocalCA(folder)
urls = []
with WebServers() as web:
    for n, (kind, host) in enumerate(spec["sites"]):
        body = page.replace("{n}", str(n))
        if kind == "http":
            site = web.site({"/": Reply(200, body)}, host=host)
        elif kind == "https":
            site = web.site({"/": Reply(200, body)}, host=host, tls=ca.context([host]))
        elif kind == "upgrade":
            secure = web.site({"/": Reply(200, body)}, host=host, tls=ca.context([host]))
            site = web.site({"/": redirect(secure.url())}, host=host)
        elif kind == "not_found":
            site = web.site({"/": Reply(404, "<html>tidak ada</html>")}, host=host)
        elif kind == "no_text":
            site = web.site({"/": Reply(200, "<html>Halaman dalam perbaikan</html>")}, host=host)
        elif kind == "expired":
            tls = ca.context([host], not_before=now - 100 * day, not_after=now - 3 * day)
            site = web.site({"/": Reply(200, body)}, host=host, tls=tls)
        elif kind == "wrong_name":
            site = web.site({"/": Reply(200, body)}, host=host, tls=ca.context(["lain.kota.test"]))
        elif kind == "self_signed":
            tls = server_context(*self_signed(folder, [host], f"self-{n}"))
            site = web.site({"/": Reply(200, body)}, host=host, tls=tls)
        elif kind == "refused":
            urls.append(f"http://{host}:{closed_port(host)}/")
            continue
        else:
            site = web.silent(host=host)
        urls.append(site.url())
    print(json.dumps({"ca_file": str(ca.ca_file), "urls": urls}), flush=True)
    sys.stdin.read()  # serve until the benchmark closes our stdin
"""


def plan(sites: int, silent: int) -> list[tuple[str, str]]:
    """(kind, address) per site: ``silent`` silent ones spread evenly through the list, the others
    cycling through the nine answering kinds; each site on its own loopback address."""
    step = sites // silent if silent else 0
    silent_at = set(range(step - 1, sites, step)[:silent]) if silent else set()
    answering = [k for k in KINDS if k != "silent"]
    kinds: list[str] = []
    for n in range(sites):
        answered = n - sum(1 for k in kinds if k == "silent")
        kinds.append("silent" if n in silent_at else answering[answered % len(answering)])
    base = int(ipaddress.IPv4Address("127.40.0.1"))
    return [(kind, str(ipaddress.IPv4Address(base + n))) for n, kind in enumerate(kinds)]


def loopback_only(address: str) -> str:
    """The network fence of the run: loopback only."""
    return "" if ipaddress.ip_address(address).is_loopback else f"{address} is not on loopback"


def measure_http(
    sites: int = 500,
    silent: int = 50,
    timeout: float = 5.0,
    runs: int = 3,
    concurrency: int = 200,
    per_host: int = 2,
) -> dict[str, Any]:
    layout = plan(sites, silent)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER_CODE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write(json.dumps({"page": PAGE, "sites": layout}) + "\n")
        server.stdin.flush()
        ready = json.loads(server.stdout.readline())
        targets = [HttpTarget(n, url, timeout=timeout, expect_text=EXPECT) for n, url in enumerate(ready["urls"])]
        expected = [KINDS[kind] for kind, _ in layout]
        rows = []
        for run in range(runs):
            cpu = time.process_time()
            started = time.perf_counter()
            results = check(
                targets,
                concurrency=concurrency,
                per_host=per_host,
                ca_file=ready["ca_file"],
                allowed=loopback_only,
                hosts={},
            )
            wall = time.perf_counter() - started
            ttfbs = sorted(r.ttfb_ms for r in results if r.ttfb_ms is not None)
            wrong = [
                (layout[r.key][0], r.outcome.name, r.detail)
                for r, want in zip(results, expected, strict=True)
                if r.outcome is not want
            ]
            rows.append(
                {
                    "run": run + 1,
                    "wall": round(wall, 3),
                    "cpu": round(time.process_time() - cpu, 3),
                    "ttfb_p50_ms": round(ttfbs[len(ttfbs) // 2], 1) if ttfbs else None,
                    "ttfb_p99_ms": round(ttfbs[int(len(ttfbs) * 0.99)], 1) if ttfbs else None,
                    "misreports": len(wrong),
                    "first_misreports": wrong[:5],
                    "outcomes": dict(Counter(r.outcome.name for r in results)),
                }
            )
    finally:
        if server.stdin:
            server.stdin.close()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    walls = [row["wall"] for row in rows]
    return {
        "sites": sites,
        "silent": silent,
        "timeout": timeout,
        "concurrency": concurrency,
        "per_host": per_host,
        "target_seconds": TARGET_SECONDS,
        "wall_median": round(statistics.median(walls), 3),
        "wall_max": max(walls),
        "misreports": sum(row["misreports"] for row in rows),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "runs": rows,
    }


def _print(summary: dict[str, Any]) -> None:
    print(
        f"HTTP check round: {summary['sites']} loopback sites ({summary['silent']} silent), "
        f"{summary['timeout']:g} s timeout, concurrency {summary['concurrency']}, {summary['per_host']} per host"
    )
    print(f"{'run':>4} {'wall s':>8} {'cpu s':>7} {'ttfb p50':>9} {'ttfb p99':>9} {'misreports':>11}  outcomes")
    for row in summary["runs"]:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(row["outcomes"].items()))
        print(
            f"{row['run']:>4} {row['wall']:>8.3f} {row['cpu']:>7.3f} {row['ttfb_p50_ms']:>9} "
            f"{row['ttfb_p99_ms']:>9} {row['misreports']:>11}  {outcomes}"
        )
        for kind, outcome, detail in row["first_misreports"]:
            print(f"     misreport: a {kind} site gave {outcome} ({detail})")
    verdict = "met" if summary["wall_max"] < summary["target_seconds"] and not summary["misreports"] else "NOT met"
    print(
        f"slowest run {summary['wall_max']:.3f} s, target under {summary['target_seconds']:g} s with no misreport: "
        f"{verdict} (load average {summary['loadavg']})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--silent", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print only the JSON summary")
    args = parser.parse_args(argv)
    summary = measure_http(args.sites, args.silent, args.timeout, args.runs, args.concurrency, args.per_host)
    if not args.json:
        _print(summary)
    print(json.dumps(summary))
    return 0 if summary["misreports"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
