"""How fast and how right are the probes? ``make bench-probes`` runs this: ICMP, SNMP, HTTP, then storage.

1. ICMP (below): the engine against fping, on the same targets.
2. SNMP: GETs per second per consumer against local snmpd agents (bench/probes_snmp.py).
3. HTTP: one check round of 500 websites on loopback addresses (50 silent, the rest of nine kinds:
   plain, HTTPS, redirected, 404, text missing, expired / wrong-name / self-signed certificates,
   refused) with a 5 s timeout: the wall time (target under 10 s) and every outcome right
   (bench/probes_http.py, which serves the sites from a second process).
4. Storage, on PostgreSQL: results written per second, bytes per raw result, and the availability of
   one site over a month with a year of history for 20,000 checks (bench/probes_store.py, run as a
   process of its own since it sets Django up on a database of its own).
5. Pages, on PostgreSQL: the status page and an OPD's monthly availability report on a city of 20,000
   checks with a year of history (bench/probes_reports.py, a process of its own likewise).
``--only icmp|snmp|http|store|reports`` runs one part.

Run (as root: it builds network namespaces): .venv/bin/python bench/probes.py [--live N] [--silent N]
    [--timeout S] [--concurrency N[,N...]] [--repeat R] [--ping3-threads N] [--packets N] [--interval S]
    [--json]

Inside a prober namespace made for the run (tests/probes/netns.py), ``--live`` loopback addresses
(127.1.0.1 on; all of 127/8 answers) and ``--silent`` addresses blackholed at a router namespace
behind it (one in every live/silent+1 targets, spread through the list) are probed with one packet
each and a ``--timeout`` of 1 s: by the engine (``infra.probes.engines.icmp.sweep``, timed inside
the namespace, in-process) and by Debian's ``fping -c1 -t1000 -i0 -q`` (timed as a process). Each
reports its wall time and its misreports: a live target not answered or a silent one answered.
``--ping3-threads N`` adds ping3.ping() in N threads as root (raw sockets: the way that misreported,
DESIGN.md section 5) for comparison. The issue's target: the engine within 2x of fping's wall time
with zero misreports. Nothing leaves the namespaces. Prints a table and a one-line JSON summary.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.probes.netns import Lab, lab_skip_reason, mixed  # noqa: E402

ENGINE_CODE = """
import json, resource, sys, time
from infra.probes.engines.icmp import IcmpTarget, sweep
data = json.load(sys.stdin)
targets = [
    IcmpTarget(i, a, packets=data["packets"], timeout=data["timeout"], interval=data["interval"])
    for i, a in enumerate(data["addresses"])
]
cpu = time.process_time()
started = time.perf_counter()
results = sweep(targets, concurrency=data["concurrency"])
wall = time.perf_counter() - started
rtts = sorted(r.rtt_avg for r in results if r.rtt_avg is not None)
print(json.dumps({
    "wall": wall, "cpu": time.process_time() - cpu,
    "answered": [r.received > 0 for r in results],
    "outcomes": [r.outcome.name for r in results],
    "rtt_p50": rtts[len(rtts) // 2] if rtts else None,
    "rtt_p99": rtts[int(len(rtts) * 0.99)] if rtts else None,
}))
"""

PING3_CODE = """
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
import ping3
data = json.load(sys.stdin)
started = time.perf_counter()
with ThreadPoolExecutor(max_workers=data["threads"]) as pool:
    delays = list(pool.map(lambda a: ping3.ping(a, timeout=data["timeout"]), data["addresses"]))
print(json.dumps({"wall": time.perf_counter() - started, "answered": [bool(d) for d in delays]}))
"""

FPING_LINE = re.compile(r"^(\S+)\s*:\s*xmt/rcv/%loss = (\d+)/(\d+)/")


def misreports(answered: list[bool], expected: list[bool]) -> int:
    return sum(a != e for a, e in zip(answered, expected, strict=True))


def run_engine(
    lab: Lab, addresses: list[str], timeout: float, concurrency: int, packets: int = 1, interval: float = 0.2
) -> dict[str, Any]:
    """The engine in-process inside the prober namespace: its wall and CPU time, and each answer."""
    payload = json.dumps(
        {
            "addresses": addresses,
            "timeout": timeout,
            "concurrency": concurrency,
            "packets": packets,
            "interval": interval,
        }
    )
    return lab.python(ENGINE_CODE, stdin=payload)


def run_fping(lab: Lab, addresses: list[str], timeout: float) -> dict[str, Any]:
    """fping on the same addresses in the same namespace: one packet each, no pause between targets."""
    command = ["fping", "-c1", f"-t{int(timeout * 1000)}", "-i0", "-q"]
    started = time.perf_counter()
    result = lab.exec(command, stdin="\n".join(addresses) + "\n")
    wall = time.perf_counter() - started
    received: dict[str, bool] = {}
    for line in result.stderr.splitlines():
        match = FPING_LINE.match(line)
        if match:
            received[match.group(1)] = int(match.group(3)) > 0
    return {"wall": wall, "answered": [received.get(a, False) for a in addresses], "lines": len(received)}


def run_ping3(lab: Lab, addresses: list[str], timeout: float, threads: int) -> dict[str, Any]:
    payload = json.dumps({"addresses": addresses, "timeout": timeout, "threads": threads})
    return lab.python(PING3_CODE, stdin=payload)


def icmp_bench(
    live: int = 5000,
    silent_count: int = 500,
    timeout: float = 1.0,
    concurrency: list[int] | None = None,
    repeat: int = 1,
    ping3_threads: int = 0,
    packets: int = 1,
    interval: float = 0.2,
) -> dict[str, Any]:
    """Run the comparison ``repeat`` times in one pair of fresh namespaces; the figures of every run."""
    from infra.probes.engines.icmp import DEFAULT_CONCURRENCY

    reason = lab_skip_reason()
    if reason:
        raise SystemExit(f"bench/probes.py: {reason}")
    if shutil.which("fping") is None:
        raise SystemExit("bench/probes.py: fping is missing (make system-deps installs it)")
    levels = concurrency or [DEFAULT_CONCURRENCY]
    addresses, expected = mixed(live, silent_count)
    runs: list[dict[str, Any]] = []
    with Lab(ipv6=False) as lab:
        for run in range(repeat):
            row: dict[str, Any] = {"run": run + 1}
            fping = run_fping(lab, addresses, timeout)
            row["fping_wall"] = round(fping["wall"], 3)
            row["fping_misreports"] = misreports(fping["answered"], expected)
            for level in levels:
                engine = run_engine(lab, addresses, timeout, level, packets, interval)
                row[f"engine_{level}_wall"] = round(engine["wall"], 3)
                row[f"engine_{level}_cpu"] = round(engine["cpu"], 3)
                row[f"engine_{level}_misreports"] = misreports(engine["answered"], expected)
                row[f"engine_{level}_rtt_p50_ms"] = engine["rtt_p50"]
                row[f"engine_{level}_rtt_p99_ms"] = engine["rtt_p99"]
            if ping3_threads:
                ping3 = run_ping3(lab, addresses, timeout, ping3_threads)
                row["ping3_root_wall"] = round(ping3["wall"], 3)
                row["ping3_root_misreports"] = misreports(ping3["answered"], expected)
            runs.append(row)
    return {
        "live": live,
        "silent": silent_count,
        "timeout": timeout,
        "concurrency": levels,
        "ping3_threads": ping3_threads,
        "packets": packets,
        "interval": interval,
        "runs": runs,
    }


def _print(summary: dict[str, Any]) -> None:
    levels = summary["concurrency"]
    print(
        f"ICMP sweep: {summary['live']} loopback + {summary['silent']} silent targets, {summary['timeout']:g} s "
        f"timeout; fping one packet each, the engine {summary['packets']} ({summary['interval']:g} s apart); "
        "wall seconds / misreports"
    )
    header = ["run", "fping"] + [f"engine c={n}" for n in levels] + (["ping3 root"] if summary["ping3_threads"] else [])
    print("  ".join(f"{h:>16}" for h in header))
    for row in summary["runs"]:
        cells = [str(row["run"]), f"{row['fping_wall']:.3f} / {row['fping_misreports']}"]
        cells += [f"{row[f'engine_{n}_wall']:.3f} / {row[f'engine_{n}_misreports']}" for n in levels]
        if summary["ping3_threads"]:
            cells.append(f"{row['ping3_root_wall']:.3f} / {row['ping3_root_misreports']}")
        print("  ".join(f"{c:>16}" for c in cells))
    for n in levels:
        ratios = [row[f"engine_{n}_wall"] / row["fping_wall"] for row in summary["runs"]]
        print(f"engine c={n}: {min(ratios):.2f}-{max(ratios):.2f}x fping's wall time (target: within 2x)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--live", type=int, default=5000)
    parser.add_argument("--silent", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--concurrency", default="", help="comma-separated levels (default: the engine's default)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ping3-threads", type=int, default=0, help="also run ping3.ping() as root in N threads")
    parser.add_argument("--packets", type=int, default=1, help="packets per target for the engine (fping: 1)")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between the engine's packets")
    parser.add_argument("--json", action="store_true", help="print only the JSON summary")
    parser.add_argument("--only", choices=("icmp", "snmp", "http", "store", "reports"), help="run one part only")
    args = parser.parse_args(argv)
    if args.only in (None, "icmp"):
        levels = [int(n) for n in args.concurrency.split(",") if n.strip()] or None
        summary = icmp_bench(
            args.live, args.silent, args.timeout, levels, args.repeat, args.ping3_threads, args.packets, args.interval
        )
        if not args.json:
            _print(summary)
        print(json.dumps(summary))
    if args.only in (None, "snmp"):
        subprocess.run([sys.executable, str(ROOT / "bench" / "probes_snmp.py")], check=True)
    if args.only in (None, "http"):
        subprocess.run([sys.executable, str(ROOT / "bench" / "probes_http.py")], check=True)
    if args.only in (None, "store"):
        subprocess.run([sys.executable, str(ROOT / "bench" / "probes_store.py")], check=True)
    if args.only in (None, "reports"):
        subprocess.run([sys.executable, str(ROOT / "bench" / "probes_reports.py")], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
