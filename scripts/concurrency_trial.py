#!/usr/bin/env python3
"""The lost-update trial against a running Simpul: trials of parallel PATCHes of one device, all
sent with the If-Match read just before.

A server that checks If-Match with the row locked answers each trial with exactly one 200 and a 412
for every other writer, and stores the winner's value. Before that fix, five writers got three 200s
and two 412s: the ETag was compared before the transaction, so writers that read the same version
all passed the check and overwrote each other.

    python scripts/concurrency_trial.py http://127.0.0.1:8000 TOKEN [--device ID] [--trials 10] [--parallel 5]

TOKEN is an API token that may write devices (an engineer's or administrator's). Without
``--device`` the first device of the list is used; the trial writes its ``description`` and leaves
the last trial's value there. Exit status 0 when every trial was correct, 1 when one was not.
Only the standard library is used, so it runs from any Python 3.11.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

FIELD = "description"


@dataclass
class Trial:
    """One trial: what each writer sent and got back, and what the server kept."""

    number: int
    sent: list[str]
    statuses: list[int]
    stored: str

    @property
    def winners(self) -> list[int]:
        return [n for n, code in enumerate(self.statuses) if code == 200]

    @property
    def ok(self) -> bool:
        refused = sum(code == 412 for code in self.statuses)
        one_winner = len(self.winners) == 1 and refused == len(self.statuses) - 1
        return one_winner and self.stored == self.sent[self.winners[0]]

    def describe(self) -> str:
        counts = ", ".join(f"{code}×{self.statuses.count(code)}" for code in sorted(set(self.statuses)))
        winner = ", ".join(str(n) for n in self.winners) or "none"
        verdict = "ok" if self.ok else "WRONG"
        return f"trial {self.number:2d}: {counts}; answered 200: writer {winner}; stored: {self.stored!r} -> {verdict}"


def call(base: str, token: str, method: str, path: str, body: object = None, headers: dict | None = None):
    """One request: (status, response headers, decoded JSON body or None)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base.rstrip("/") + path, data=data, method=method)
    request.add_header("Authorization", f"Token {token}")
    request.add_header("Accept", "application/json")
    request.add_header("Accept-Language", "en")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
            return response.status, response.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode(errors="replace")
        return error.code, error.headers, payload


def first_device(base: str, token: str) -> int:
    status, _headers, body = call(base, token, "GET", "/api/devices/?limit=1&brief=1")
    if status != 200 or not body or not body.get("results"):
        raise SystemExit(f"No device to write (GET /api/devices/ answered {status}): load the demo city first.")
    return body["results"][0]["id"]


def run_trials(base: str, token: str, device: int, *, trials: int = 10, parallel: int = 5) -> list[Trial]:
    """Run ``trials`` trials of ``parallel`` PATCHes of ``device`` sent at once with one If-Match."""
    path = f"/api/devices/{device}/"
    results = []
    for number in range(1, trials + 1):
        status, headers, _body = call(base, token, "GET", path)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
        etag = headers["ETag"]
        sent = [f"concurrency trial {number}, writer {n}" for n in range(parallel)]
        start = threading.Barrier(parallel)

        def write(n: int, etag: str = etag, sent: list[str] = sent, start: threading.Barrier = start) -> int:
            start.wait()  # every writer sends at the same moment
            return call(base, token, "PATCH", path, {FIELD: sent[n]}, {"If-Match": etag})[0]

        with ThreadPoolExecutor(max_workers=parallel) as pool:
            statuses = list(pool.map(write, range(parallel)))
        stored = call(base, token, "GET", path)[2][FIELD]
        results.append(Trial(number, sent, statuses, stored))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the server, e.g. http://127.0.0.1:8000")
    parser.add_argument("token", help="an API token that may write devices")
    parser.add_argument("--device", type=int, help="the device to write (default: the first of the list)")
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--parallel", type=int, default=5)
    args = parser.parse_args(argv)
    device = args.device or first_device(args.url, args.token)
    print(f"{args.trials} trials of {args.parallel} parallel PATCHes of device {device} with one If-Match each")
    results = run_trials(args.url, args.token, device, trials=args.trials, parallel=args.parallel)
    for trial in results:
        print(trial.describe())
    good = sum(t.ok for t in results)
    print(f"{good} of {len(results)} trials correct (one 200, every other writer 412, the winner's value stored)")
    return 0 if good == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
