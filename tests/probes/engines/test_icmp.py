"""The ICMP engine with real traffic: loopback here, everything else inside namespaces the tests build.

In-process tests probe only 127.0.0.0/8 and ::1 and need ICMP datagram sockets in this namespace
(``make system-deps`` widens net.ipv4.ping_group_range). The rest run the engine inside a prober
namespace (tests/probes/netns.py) behind a router namespace that drops, refuses or forwards.
"""

from __future__ import annotations

import json
import resource
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import ping3
import pytest

from infra.probes.engines import icmp
from infra.probes.engines.base import Outcome
from infra.probes.engines.icmp import IcmpTarget, icmp_permitted, sweep

from ..netns import (
    FAR,
    FAR6,
    HOST_UNREACHABLE,
    HOST_UNREACHABLE6,
    LIVE,
    LIVE6,
    LOCAL_PROHIBIT,
    LOCAL_UNREACHABLE,
    MULTICAST,
    MULTICAST6,
    NETWORK_UNREACHABLE,
    NETWORK_UNREACHABLE6,
    NO_LOCAL_ROUTE,
    ROOT,
    ROUTER,
    ROUTER6,
    SILENT6_NET,
    Lab,
    bare_prober_fixture,  # noqa: F401  (the bare_prober fixture)
    lab_fixture,  # noqa: F401  (the lab fixture)
    lab_skip_reason,
    mixed,
    silent,
)

PERMITTED, NOT_PERMITTED_REASON = icmp_permitted()
needs_icmp = pytest.mark.skipif(not PERMITTED, reason=f"{NOT_PERMITTED_REASON} (make system-deps does it as root)")


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


# -- in this namespace: loopback only


@needs_icmp
def test_loopback_answers_with_sane_figures():
    before = datetime.now(UTC)
    results = sweep([IcmpTarget("a", "127.0.0.1", interval=0.05), IcmpTarget("b", "127.42.0.7", interval=0.05)])
    after = datetime.now(UTC)
    for result in results:
        assert result.outcome == Outcome.OK, result
        assert (result.sent, result.received, result.loss, result.error) == (3, 3, 0.0, "")
        assert 0 < result.rtt_min <= result.rtt_avg <= result.rtt_max < 100
        assert 0 <= result.jitter <= result.rtt_max - result.rtt_min + 0.002  # each figure is rounded to 1 µs
        assert result.resolved == result.address
        assert before <= result.started <= after and result.started.tzinfo is UTC
        assert 0.1 <= result.duration < 1.0  # two intervals of 0.05 s, then the last reply


@needs_icmp
@pytest.mark.skipif(not _ipv6_loopback(), reason="IPv6 is off: no ::1")
def test_ipv6_loopback():
    (result,) = sweep([IcmpTarget(1, "::1", packets=2, interval=0.05)])
    assert (result.outcome, result.sent, result.received) == (Outcome.OK, 2, 2)
    assert result.rtt_max < 100


@needs_icmp
def test_results_keep_the_targets_order_and_keys():
    """The second target finishes first (one packet against three); results still follow the input."""
    keys = [("check", 7), None, frozenset({1}), 3.5]
    targets = [
        IcmpTarget(keys[0], "127.0.0.1", packets=3, interval=0.05),
        IcmpTarget(keys[1], "127.0.0.2", packets=1),
        IcmpTarget(keys[2], "127.0.0.3", packets=2, interval=0.05),
        IcmpTarget(keys[3], "127.0.0.4", packets=1),
    ]
    results = sweep(targets)
    assert [r.key for r in results] == keys and all(r.key is k for r, k in zip(results, keys, strict=True))
    assert [r.address for r in results] == [t.address for t in targets]
    assert [r.sent for r in results] == [3, 1, 2, 1]
    assert results[1].started + timedelta(seconds=results[1].duration) < results[0].started + timedelta(
        seconds=results[0].duration
    )


@needs_icmp
def test_a_name_is_resolved():
    (result,) = sweep([IcmpTarget(1, "localhost", packets=1)])
    assert result.outcome == Outcome.OK
    assert result.resolved in ("127.0.0.1", "::1")


@needs_icmp
@pytest.mark.parametrize(
    "target",
    [
        IcmpTarget(1, ""),
        IcmpTarget(1, "   "),
        IcmpTarget(1, "127.0.0.1", packets=0),
        IcmpTarget(1, "127.0.0.1", timeout=0),
        IcmpTarget(1, "127.0.0.1", interval=-1),
        IcmpTarget(1, "127.0.0.1", ttl=0),
        IcmpTarget(1, "127.0.0.1", ttl=256),
    ],
)
def test_bad_targets_are_local_errors(target):
    (result,) = sweep([target])
    assert result.outcome == Outcome.LOCAL_ERROR
    assert result.error and (result.sent, result.received, result.loss) == (0, 0, 100.0)


def test_no_targets():
    assert sweep([]) == []


def test_the_engine_imports_no_django():
    """It runs inside namespaces and in bench scripts without settings, and holds no ORM (the issue)."""
    code = "import sys, infra.probes.engines.icmp_runner; print(sorted({m.split('.')[0] for m in sys.modules}))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "django" not in result.stdout and "ping3" in result.stdout


@needs_icmp
@pytest.mark.parametrize("concurrency", [1, 3])
def test_no_more_targets_in_flight_than_the_concurrency(concurrency):
    targets = [IcmpTarget(i, f"127.0.1.{i + 1}", packets=2, interval=0.03) for i in range(9)]
    results = sweep(targets, concurrency=concurrency)
    assert all(r.outcome == Outcome.OK for r in results)
    spans = [(r.started.timestamp(), r.started.timestamp() + r.duration) for r in results]
    edges = sorted([(start + 0.0005, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    in_flight = peak = 0
    for _, step in edges:
        in_flight += step
        peak = max(peak, in_flight)
    assert peak == concurrency


@needs_icmp
def test_the_send_path_is_ping3s(monkeypatch):
    """Every echo request is built and sent by ping3.send_one_ping, on a datagram socket of our own."""
    calls = []
    original = ping3.send_one_ping

    def spy(sock, dest_addr, icmp_id, seq, size):
        calls.append((sock.type, dest_addr, seq, size))
        return original(sock, dest_addr, icmp_id, seq, size)

    monkeypatch.setattr(ping3, "send_one_ping", spy)
    (result,) = sweep([IcmpTarget(1, "127.0.0.9", packets=3, interval=0.02)])
    assert result.outcome == Outcome.OK and result.received == 3
    assert [c[0] for c in calls] == [socket.SOCK_DGRAM] * 3
    assert {c[1] for c in calls} == {"127.0.0.9"} and {c[3] for c in calls} == {icmp.PAYLOAD_SIZE}
    first = calls[0][2]
    assert [c[2] for c in calls] == [(first + i) & 0xFFFF for i in range(3)]


LIMITS_CODE = """
import json, os, resource, sys
from infra.probes.engines.icmp import IcmpTarget, sweep
soft, hard, extra, count = (int(x) for x in sys.argv[1:])
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
held = [os.dup(0) for _ in range(extra)]  # descriptors taken by something else in the process
results = sweep([IcmpTarget(i, f"127.2.{i // 250}.{i % 250 + 1}", packets=1) for i in range(count)])
print(json.dumps({"ok": sum(r.received == 1 for r in results), "soft": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}))
"""


HARD_LIMIT = min(resource.getrlimit(resource.RLIMIT_NOFILE)[1], 1 << 20)


@needs_icmp
@pytest.mark.parametrize(
    ("soft", "hard", "extra", "soft_after"),
    [
        # raised toward what the concurrency needs, up to the hard limit
        (100, HARD_LIMIT, 0, min(icmp.DEFAULT_CONCURRENCY + 64, HARD_LIMIT)),
        (90, 90, 0, 90),  # the hard limit caps it: the concurrency shrinks instead
        (120, 120, 70, 120),  # fewer descriptors free than the limit says: EMFILE, then it waits for a slot
    ],
)
def test_open_file_limits(soft, hard, extra, soft_after):
    args = [str(soft), str(hard), str(extra), "400"]
    result = subprocess.run(
        [sys.executable, "-c", LIMITS_CODE, *args], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"ok": 400, "soft": soft_after}


# -- inside namespaces: silence, ICMP errors, local errors


def _sweep_outcomes(where: Lab, cases: list[tuple[dict, Outcome, str]]) -> None:
    results = where.icmp([target for target, _, _ in cases])
    for (target, outcome, words), result in zip(cases, results, strict=True):
        assert result["outcome"] == outcome.name, (target, result)
        assert words in result["error"], (target, result)
        if outcome != Outcome.OK:
            assert result["received"] == 0 and result["rtt_avg"] is None and result["loss"] == 100.0


def test_each_outcome_ipv4(lab):
    quick = {"packets": 2, "interval": 0.05, "timeout": 0.5}
    _sweep_outcomes(
        lab,
        [
            ({"address": LIVE, **quick}, Outcome.OK, ""),
            ({"address": "127.0.0.1", **quick}, Outcome.OK, ""),
            ({"address": silent(1)[0], **quick}, Outcome.TIMEOUT, "no reply within 0.5 s to 2 packets"),
            ({"address": HOST_UNREACHABLE, **quick}, Outcome.HOST_UNREACHABLE, f"type 3 code 1 from {ROUTER}"),
            ({"address": NETWORK_UNREACHABLE, **quick}, Outcome.NETWORK_UNREACHABLE, f"type 3 code 0 from {ROUTER}"),
            ({"address": FAR, "ttl": 1, **quick}, Outcome.TTL_EXCEEDED, f"type 11 code 0 from {ROUTER}"),
            ({"address": FAR, **quick}, Outcome.TIMEOUT, ""),  # the same target without TTL 1: silence
            ({"address": NO_LOCAL_ROUTE, **quick}, Outcome.NETWORK_UNREACHABLE, "ENETUNREACH on send"),
            ({"address": LOCAL_UNREACHABLE, **quick}, Outcome.HOST_UNREACHABLE, "EHOSTUNREACH on send"),
            ({"address": LOCAL_PROHIBIT, **quick}, Outcome.LOCAL_ERROR, "EACCES on send"),
            ({"address": "nosuch.invalid", **quick}, Outcome.NAME_NOT_RESOLVED, "name not resolved"),
        ],
    )


def test_each_outcome_ipv6(lab):
    if not lab.ipv6:
        pytest.skip("IPv6 is off in this kernel")
    quick = {"packets": 2, "interval": 0.05, "timeout": 0.5}
    _sweep_outcomes(
        lab,
        [
            ({"address": LIVE6, **quick}, Outcome.OK, ""),
            ({"address": "::1", **quick}, Outcome.OK, ""),
            ({"address": silent(1, SILENT6_NET)[0], **quick}, Outcome.TIMEOUT, "no reply"),
            ({"address": HOST_UNREACHABLE6, **quick}, Outcome.HOST_UNREACHABLE, f"type 1 code 1 from {ROUTER6}"),
            ({"address": NETWORK_UNREACHABLE6, **quick}, Outcome.NETWORK_UNREACHABLE, f"type 1 code 0 from {ROUTER6}"),
            ({"address": FAR6, "ttl": 1, **quick}, Outcome.TTL_EXCEEDED, f"type 3 code 0 from {ROUTER6}"),
        ],
    )


def test_sockets_not_permitted_is_a_local_error_naming_the_setting(bare_prober):
    results = bare_prober.icmp([{"address": "127.0.0.1"}, {"address": "::1"}, {"address": "localhost"}])
    for result in results:
        assert result["outcome"] == "LOCAL_ERROR" and result["sent"] == 0
        assert "net.ipv4.ping_group_range is '1 0'" in result["error"]
        assert "sysctl -w net.ipv4.ping_group_range=" in result["error"]
    permitted = bare_prober.python(
        "import json; from infra.probes.engines.icmp import icmp_permitted; print(json.dumps(icmp_permitted()))"
    )
    assert permitted[0] is False and "ping_group_range" in permitted[1]


PING3_CODE = """
import json, sys, ping3
print(json.dumps([ping3.ping(a, timeout=0.5) for a in json.load(sys.stdin)]))
"""


def test_a_reply_from_another_address_does_not_count(lab):
    """A multicast echo is answered by the router from its own address: the request's id and sequence
    come back, from an address that is not the target. ping3 as root takes it; the engine must not."""
    targets = [MULTICAST, LIVE] + ([MULTICAST6] if lab.ipv6 else [])
    ping3_says = lab.python(PING3_CODE, stdin=json.dumps(targets))
    assert ping3_says[0] not in (None, False)  # the reply is real: ping3 (raw socket, id+seq only) counts it
    results = lab.icmp([{"address": a, "packets": 2, "interval": 0.05, "timeout": 0.5} for a in targets])
    assert [r["outcome"] for r in results] == ["TIMEOUT", "OK"] + (["TIMEOUT"] if lab.ipv6 else [])


LEAK_CODE = """
import json, os, sys
from infra.probes.engines.icmp import IcmpTarget, sweep
targets = [IcmpTarget(i, **t) for i, t in enumerate(json.load(sys.stdin))]
sweep(targets[:1])  # the first sweep opens what stays open for good (the selector module, resolver files)
before = sorted(os.listdir("/proc/self/fd"))
results = sweep(targets, concurrency=4)
after = sorted(os.listdir("/proc/self/fd"))
print(json.dumps({"before": before, "after": after, "outcomes": sorted({r.outcome.name for r in results})}))
"""


def test_no_socket_is_left_open_whatever_the_outcome(lab):
    quick = {"packets": 2, "interval": 0.02, "timeout": 0.3}
    addresses = [LIVE, silent(1)[0], HOST_UNREACHABLE, NETWORK_UNREACHABLE, NO_LOCAL_ROUTE, LOCAL_PROHIBIT, "x.invalid"]
    targets = [{"address": a, **quick} for a in addresses] + [{"address": FAR, "ttl": 1, **quick}, {"address": ""}]
    seen = lab.python(LEAK_CODE, stdin=json.dumps(targets))
    assert seen["before"] == seen["after"]
    assert len(seen["outcomes"]) == 7  # every outcome an ICMP probe can have


def test_partial_loss_and_its_figures():
    """The router rate-limits its echo replies (icmp_ratemask with echo reply, 1 s per peer, a burst of
    6): of 10 packets sent 20 ms apart, the first few are answered and the rest are lost."""
    reason = lab_skip_reason()
    if reason:
        pytest.skip(reason)
    with Lab(ipv6=False) as limited:
        limited.sysctl(limited.router, "net.ipv4.icmp_ratemask=6169", "net.ipv4.icmp_ratelimit=1000")
        (result,) = limited.icmp([{"address": LIVE, "packets": 10, "interval": 0.02, "timeout": 0.5}])
    assert result["outcome"] == "OK" and result["sent"] == 10
    assert 0 < result["received"] < 10
    assert result["loss"] == 100.0 * (10 - result["received"]) / 10
    assert 0 < result["rtt_min"] <= result["rtt_avg"] <= result["rtt_max"] < 100


def test_agrees_with_ping3_on_reply_or_none(lab):
    """Pinned to ping3's behaviour: where ping3.ping() gets a delay, the engine gets a reply; where it
    gets None (timeout) or False (an ICMP error), the engine gets no reply."""
    addresses = ["127.0.0.1", "127.9.8.7", LIVE, *silent(2), HOST_UNREACHABLE, NETWORK_UNREACHABLE]
    ping3_says = lab.python(PING3_CODE, stdin=json.dumps(addresses))
    results = lab.icmp([{"address": a, "packets": 1, "timeout": 0.5} for a in addresses])
    assert [bool(d) for d in ping3_says] == [r["outcome"] == "OK" for r in results] == [1, 1, 1, 0, 0, 0, 0]
    assert [d is False for d in ping3_says] == [r["outcome"].endswith("UNREACHABLE") for r in results]


def test_replies_after_the_timeout_are_lost_and_rtt_is_measured(lab):
    """A responder that answers 300 ms late: lost with a 150 ms timeout, counted at 300 ms with a 1 s one."""
    with lab.responder(delay=0.3):
        short, long = lab.icmp(
            [
                {"address": LIVE, "packets": 2, "interval": 0.05, "timeout": 0.15},
                {"address": LIVE, "packets": 2, "interval": 0.05, "timeout": 1.0},
            ]
        )
    assert (short["outcome"], short["sent"], short["received"]) == ("TIMEOUT", 2, 0)
    assert (long["outcome"], long["sent"], long["received"]) == ("OK", 2, 2)
    assert 300 <= long["rtt_min"] <= long["rtt_max"] < 400


@pytest.mark.parametrize(
    ("mode", "outcome", "received"),
    [
        ("duplicate", "OK", 3),  # every reply twice: each packet counts once
        ("mangle", "OK", 3),  # the payload comes back changed: still an answer, as ping counts it
        ("other-seq", "TIMEOUT", 0),  # the right id and address, but a sequence number never sent
    ],
)
def test_odd_replies(lab, mode, outcome, received):
    with lab.responder(mode):
        (result,) = lab.icmp([{"address": LIVE, "packets": 3, "interval": 0.05, "timeout": 0.5}])
    assert (result["outcome"], result["sent"], result["received"]) == (outcome, 3, received)
    if received:
        assert result["loss"] == 0.0 and 0 < result["rtt_max"] < 100


PENDING_ERROR_CODE = """
import json
from infra.probes.engines.icmp import IcmpTarget, _Probe, _Sweep, _parse_address
target = IcmpTarget(1, %r, packets=2, interval=60, timeout=5, ttl=1)
run = _Sweep([target], 1)
probe = _Probe(0, target)
probe.family, probe.sendto, probe.expect = _parse_address(target.address)
run._start(probe)  # packet 1: over veth the router's "time exceeded" is queued before send returns
run._send(probe)  # packet 2, before the loop has read the error queue
print(json.dumps({"sent": probe.sent, "outcome": probe.outcome.name, "error": probe.error}))
probe.sock.close()
"""


def test_an_unread_icmp_error_does_not_fail_the_next_send(lab):
    """The kernel reports a socket's pending ICMP error on its next send (EHOSTUNREACH): that is not a
    local error. Provoked here by sending the second packet before the loop reads the first's error."""
    seen = lab.python(PENDING_ERROR_CODE % FAR)
    assert seen == {
        "sent": 2,
        "outcome": "TTL_EXCEEDED",
        "error": f"time exceeded in transit (ICMP type 11 code 0 from {ROUTER})",
    }


LATE_READ_CODE = """
import json, time
from infra.probes.engines.icmp import IcmpTarget, _Probe, _Sweep, _parse_address
seen = {}
for name, timeout in (("in_time", 1.0), ("too_late", 0.15)):
    target = IcmpTarget(1, %r, packets=1, timeout=timeout)
    run = _Sweep([target], 1)
    probe = _Probe(0, target)
    probe.family, probe.sendto, probe.expect = _parse_address(target.address)
    run._start(probe)
    time.sleep(1.2)  # the loop is busy elsewhere: the reply (0.3 s after the request) waits unread
    run._deadline(probe, 0)
    seen[name] = run.results[0].received
print(json.dumps(seen))
"""


def test_a_reply_read_late_is_judged_by_when_it_arrived(lab):
    """The kernel's receive time decides, not when a busy loop gets to the socket: a reply 0.3 s after
    its request counts against a 1 s timeout even if read after 1.2 s, and not against a 0.15 s one."""
    with lab.responder(delay=0.3):
        seen = lab.python(LATE_READ_CODE % LIVE)
    assert seen == {"in_time": 1, "too_late": 0}


# -- the concurrency test


SWEEPS = 5


def test_two_thousand_live_and_two_hundred_silent_five_sweeps_without_a_misreport(lab):
    """At the default concurrency, one packet each: every live target answered, no silent one did."""
    addresses, expected = mixed(2000, 200)
    targets = [{"key": i, "address": a, "packets": 1, "timeout": 0.5} for i, a in enumerate(addresses)]
    counts = []
    for sweep_number in range(1, SWEEPS + 1):
        started = time.monotonic()
        results = lab.icmp(targets)
        wrong = [
            (a, r["outcome"])
            for a, e, r in zip(addresses, expected, results, strict=True)
            if (r["outcome"] == "OK") != e or r["outcome"] not in ("OK", "TIMEOUT") or r["resolved"] != a
        ]
        counts.append(len(wrong))
        took = time.monotonic() - started
        print(f"sweep {sweep_number}: {len(addresses)} targets, {len(wrong)} misreported, {took:.2f} s")
        assert [r["key"] for r in results] == list(range(len(addresses)))
        assert not wrong, wrong[:10]
    assert counts == [0] * SWEEPS
