"""Run the ICMP engine from a shell: for tests inside network namespaces, and for debugging a probe.

    python -m infra.probes.engines.icmp_runner 127.0.0.1 ::1 --packets 3
    echo '[{"key": 1, "address": "127.0.0.1"}]' | python -m infra.probes.engines.icmp_runner --json

With addresses it prints a table (or JSON with ``--json``); without, it reads JSON from standard input:
a list of targets (IcmpTarget's fields; ``key`` defaults to the position) or
``{"targets": [...], "concurrency": N}``, and prints one JSON object per result in a list. Plain Python,
like the engine: ``ip netns exec NS python -m ...`` works without Django's settings.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from .icmp import DEFAULT_CONCURRENCY, IcmpResult, IcmpTarget, icmp_permitted, sweep

TARGET_FIELDS = ("key", "address", "packets", "timeout", "interval", "ttl")


def target_from_dict(data: dict[str, Any], position: int) -> IcmpTarget:
    """An IcmpTarget from JSON; unknown fields are an error, so that a typo is not silently ignored."""
    unknown = set(data) - set(TARGET_FIELDS)
    if unknown:
        raise ValueError(f"unknown target fields: {', '.join(sorted(unknown))}")
    return IcmpTarget(**{"key": position, **data})


def result_to_dict(result: IcmpResult) -> dict[str, Any]:
    """A result as JSON-ready values: the outcome by name, the start time in ISO 8601, loss included."""
    data = asdict(result)
    data["outcome"] = result.outcome.name
    data["started"] = result.started.isoformat()
    data["loss"] = result.loss
    return data


def _table(results: Sequence[IcmpResult]) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    lines = [f"{'address':<28} {'outcome':<20} {'sent':>4} {'recv':>4} {'loss%':>6} {'min':>8} {'avg':>8} {'max':>8}"]
    for r in results:
        lines.append(
            f"{r.address:<28} {r.outcome.name:<20} {r.sent:>4} {r.received:>4} {r.loss:>6.1f} "
            f"{ms(r.rtt_min):>8} {ms(r.rtt_avg):>8} {ms(r.rtt_max):>8}" + (f"  {r.error}" if r.error else "")
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.probes.engines.icmp_runner", description=__doc__.split("\n")[0]
    )
    parser.add_argument("addresses", nargs="*", help="addresses or names to probe (else JSON targets on stdin)")
    parser.add_argument("--packets", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1.0, help="seconds to wait for each reply")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between packets to one target")
    parser.add_argument("--ttl", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=None, help=f"default {DEFAULT_CONCURRENCY}")
    parser.add_argument("--json", action="store_true", help="print JSON (always so for targets read from stdin)")
    args = parser.parse_args(argv)

    concurrency = args.concurrency
    if args.addresses:
        targets = [
            IcmpTarget(i, a, packets=args.packets, timeout=args.timeout, interval=args.interval, ttl=args.ttl)
            for i, a in enumerate(args.addresses)
        ]
    else:
        data = json.load(sys.stdin)
        if isinstance(data, dict):
            concurrency = concurrency or data.get("concurrency")
            data = data["targets"]
        targets = [target_from_dict(item, i) for i, item in enumerate(data)]
    started = time.monotonic()
    results = sweep(targets, concurrency=concurrency or DEFAULT_CONCURRENCY)
    wall = time.monotonic() - started
    if args.json or not args.addresses:
        json.dump([result_to_dict(r) for r in results], sys.stdout)
        sys.stdout.write("\n")
    else:
        print(_table(results))
        permitted, reason = icmp_permitted()
        print(f"{len(results)} targets in {wall:.3f} s" + ("" if permitted else f"; {reason}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
