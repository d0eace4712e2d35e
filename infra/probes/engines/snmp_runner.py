"""Run the SNMP engine in another process: targets as JSON on stdin, results as JSON on stdout.

    ip netns exec NS python -m infra.probes.engines.snmp_runner < targets.json

What for: a poll from inside a network namespace (tests put agents and their interfaces there),
or by hand when debugging a device. Secrets travel on stdin, never in argv (which ``ps`` shows).
Input: ``{"targets": [{field: value, ...}], "concurrency": N}`` with the fields of ``SnmpTarget``
(``key`` must be JSON: a string, a number or a list, which comes back as a tuple). Output:
``{"results": [...]}`` in the same order, read back with ``result_from_dict``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path

from .base import Outcome
from .snmp import DEFAULT_CONCURRENCY, InterfaceReading, SnmpResult, SnmpTarget, poll

ROOT = Path(__file__).resolve().parents[3]


def target_to_dict(target: SnmpTarget) -> dict:
    return {f.name: getattr(target, f.name) for f in fields(SnmpTarget)}


def target_from_dict(data: dict) -> SnmpTarget:
    known = {f.name for f in fields(SnmpTarget)}
    values = {name: value for name, value in data.items() if name in known}
    values["key"] = _hashable(values.get("key"))
    values["if_indexes"] = tuple(values.get("if_indexes", ()))
    return SnmpTarget(**values)


def result_to_dict(result: SnmpResult) -> dict:
    data = asdict(result)
    data["outcome"] = result.outcome.name
    data["started"] = result.started.isoformat()
    data["interfaces"] = list(data["interfaces"].values())
    data["missing"] = list(result.missing)
    return data


def result_from_dict(data: dict) -> SnmpResult:
    values = dict(data)
    values["key"] = _hashable(values["key"])
    values["outcome"] = Outcome[values["outcome"]]
    values["started"] = datetime.fromisoformat(values["started"])
    values["interfaces"] = {item["if_index"]: InterfaceReading(**item) for item in values["interfaces"]}
    values["missing"] = tuple(values["missing"])
    return SnmpResult(**values)


def _hashable(value: object) -> object:
    return tuple(_hashable(item) for item in value) if isinstance(value, list) else value


def poll_in_namespace(
    namespace: str, targets: Sequence[SnmpTarget], *, concurrency: int = DEFAULT_CONCURRENCY, timeout: float = 120
) -> list[SnmpResult]:
    """``poll`` run inside network namespace ``namespace`` (needs root): what a prober there would see."""
    request = json.dumps({"targets": [target_to_dict(t) for t in targets], "concurrency": concurrency})
    command = ["ip", "netns", "exec", namespace, sys.executable, "-m", "infra.probes.engines.snmp_runner"]
    done = subprocess.run(
        command, input=request, capture_output=True, text=True, cwd=ROOT, timeout=timeout, check=False
    )
    if done.returncode:
        raise RuntimeError(f"the SNMP runner in {namespace} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return [result_from_dict(item) for item in json.loads(done.stdout)["results"]]


def main() -> int:
    request = json.load(sys.stdin)
    targets = [target_from_dict(item) for item in request["targets"]]
    results = poll(targets, concurrency=int(request.get("concurrency", DEFAULT_CONCURRENCY)))
    json.dump({"results": [result_to_dict(r) for r in results]}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
