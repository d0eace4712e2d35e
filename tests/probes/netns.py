"""Network namespaces for probe tests: silent and erroring hosts that exist only inside the test.

The network rule (DEVELOPERS.md, house rules): probes leave the machine's own namespace only for
127.0.0.0/8 and ::1. Everything else lives in namespaces a test creates and removes:

    prober (lo up, ping_group_range set)  --veth v0/v1--  router (forwarding, no ICMP rate limit)
    198.18.0.2/30, 2001:2::2/64                           198.18.0.1/30, 2001:2::1/64

The engine runs inside the prober with ``ip netns exec`` (``Lab.icmp``); the addresses below are
benchmarking prefixes (198.18.0.0/15, 2001:2::/48) that exist only there. Names carry the pid and a
random token, so parallel workers and other checkouts never collide; ``Lab`` removes its namespaces
(and ends anything still running in them) however the test ends. Needs root (CI runs as root): use
``lab_skip_reason()`` or the ``lab`` and ``bare_prober`` fixtures (import ``lab_fixture`` and
``bare_prober_fixture`` into a test module), which skip with the reason.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBER, ROUTER = "198.18.0.2", "198.18.0.1"
LIVE = "198.18.4.1"  # the router's loopback: answers across the veth
SILENT_NET = ipaddress.ip_network("198.18.96.0/20")  # blackholed at the router: no reply, no error
HOST_UNREACHABLE = "198.18.2.9"  # an `unreachable` route at the router: ICMP host unreachable from it
NETWORK_UNREACHABLE = "198.18.5.9"  # no route at the router: ICMP network unreachable from it
FAR = "198.18.3.3"  # routed on by the router (into a sink): a TTL-1 probe gets ICMP time exceeded
NO_LOCAL_ROUTE = "198.19.0.9"  # the prober has no route: ENETUNREACH on send
LOCAL_UNREACHABLE = "198.19.1.9"  # an `unreachable` route in the prober: EHOSTUNREACH on send
LOCAL_PROHIBIT = "198.19.2.9"  # a `prohibit` route in the prober: EACCES on send
MULTICAST = "224.0.0.1"  # all hosts: the router answers from its own address, not this one

PROBER6, ROUTER6 = "2001:2::2", "2001:2::1"
LIVE6 = "2001:2:0:4::1"
SILENT6_NET = ipaddress.ip_network("2001:2:0:96::/64")
HOST_UNREACHABLE6 = "2001:2:0:2::9"  # a `prohibit` route at the router: ICMPv6 administratively prohibited
NETWORK_UNREACHABLE6 = "2001:2:0:5::9"
FAR6 = "2001:2:0:3::3"
MULTICAST6 = "ff02::1%v0"

_count = 0

# A user-space echo responder for the router namespace (the kernel's own replies switched off there):
# it answers LIVE from LIVE, after a delay, twice, with another payload or with another sequence number.
RESPONDER_CODE = """
import socket, struct, sys, threading, time
address, delay, mode = sys.argv[1], float(sys.argv[2]), sys.argv[3]

def checksum(data):
    data += b"\\0" * (len(data) % 2)
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF

sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
sock.bind((address, 0))
print("ready", flush=True)
while True:
    data, (source, _) = sock.recvfrom(2048)
    icmp = data[(data[0] & 15) * 4:]
    if icmp[0] != 8 or socket.inet_ntoa(data[16:20]) != address:
        continue
    ident, seq = struct.unpack("!HH", icmp[4:8])
    payload = icmp[8:]
    if mode == "mangle":
        payload = bytes(len(payload))
    if mode == "other-seq":
        seq = (seq + 1000) & 0xFFFF
    body = struct.pack("!HH", ident, seq) + payload
    reply = struct.pack("!BBH", 0, 0, checksum(b"\\0\\0\\0\\0" + body)) + body
    for _ in range(2 if mode == "duplicate" else 1):
        threading.Timer(delay, sock.sendto, (reply, (source, 0))).start()
"""


def silent(count: int, net: ipaddress.IPv4Network | ipaddress.IPv6Network = SILENT_NET) -> list[str]:
    """``count`` addresses that never answer (blackholed at the router)."""
    hosts = net.hosts()
    return [str(next(hosts)) for _ in range(count)]


def loopback(count: int) -> list[str]:
    """``count`` distinct live addresses in 127.0.0.0/8 (the whole /8 answers on lo), from 127.1.0.1 on."""
    base = int(ipaddress.IPv4Address("127.1.0.1"))
    return [str(ipaddress.IPv4Address(base + i)) for i in range(count)]


def mixed(live: int, silent_count: int) -> tuple[list[str], list[bool]]:
    """Loopback and silent addresses, the silent ones spread evenly, and whether each should answer."""
    live_addresses, silent_addresses = loopback(live)[::-1], silent(silent_count)[::-1]
    addresses: list[str] = []
    expected: list[bool] = []
    step = (live + silent_count) / silent_count if silent_count else 0.0
    next_silent = step / 2
    for position in range(live + silent_count):
        if silent_addresses and (position >= next_silent or not live_addresses):
            addresses.append(silent_addresses.pop())
            expected.append(False)
            next_silent += step
        else:
            addresses.append(live_addresses.pop())
            expected.append(True)
    return addresses, expected


def ipv6_available() -> bool:
    return Path("/proc/sys/net/ipv6").is_dir() and Path("/proc/sys/net/ipv6/conf/all/disable_ipv6").read_text() == "0\n"


def lab_skip_reason() -> str:
    """Why namespace tests cannot run here ("" when they can)."""
    if not sys.platform.startswith("linux"):
        return "network namespaces are Linux only"
    if os.geteuid() != 0:
        return "needs root to create network namespaces (ip netns add) for silent and erroring hosts; CI runs as root"
    if shutil.which("ip") is None:
        return "iproute2's `ip` command is missing (apt-get install iproute2)"
    return ""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


class Lab:
    """A prober namespace and, with ``router=True``, a router behind a veth pair (see the module)."""

    def __init__(self, *, router: bool = True, ping_allowed: bool = True, ipv6: bool | None = None) -> None:
        global _count
        _count += 1
        token = f"simpul-{os.getpid()}-{_count}-{secrets.token_hex(3)}"
        self.prober = f"{token}-p"
        self.router = f"{token}-r" if router else None
        self.ping_allowed = ping_allowed
        self.ipv6 = ipv6_available() if ipv6 is None else ipv6
        self.created: list[str] = []

    def __enter__(self) -> Lab:
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _netns(self, name: str) -> None:
        result = _ip("netns", "add", name, check=False)
        if result.returncode:
            raise RuntimeError(f"ip netns add {name} failed: {result.stderr.strip()}")
        self.created.append(name)
        _ip("-n", name, "link", "set", "lo", "up")

    def sysctl(self, ns: str, *settings: str) -> None:
        subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw", *settings], check=True, timeout=30)

    def _build(self) -> None:
        p, r = self.prober, self.router
        self._netns(p)
        if self.ping_allowed:
            self.sysctl(p, "net.ipv4.ping_group_range=0 2147483647")
        if r is None:
            return
        self._netns(r)
        _ip("-n", p, "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", r)
        _ip("-n", p, "addr", "add", f"{PROBER}/30", "dev", "v0")
        _ip("-n", r, "addr", "add", f"{ROUTER}/30", "dev", "v1")
        _ip("-n", p, "link", "set", "v0", "up")
        _ip("-n", r, "link", "set", "v1", "up")
        _ip("-n", p, "route", "add", "198.18.0.0/16", "via", ROUTER)
        _ip("-n", p, "route", "add", "224.0.0.0/4", "dev", "v0")
        _ip("-n", p, "route", "add", "unreachable", "198.19.1.0/24")
        _ip("-n", p, "route", "add", "prohibit", "198.19.2.0/24")
        self.sysctl(
            r,
            "net.ipv4.ip_forward=1",
            "net.ipv4.icmp_ratelimit=0",
            "net.ipv4.icmp_msgs_per_sec=100000",
            "net.ipv4.icmp_msgs_burst=100000",
            "net.ipv4.icmp_echo_ignore_broadcasts=0",
        )
        _ip("-n", r, "addr", "add", f"{LIVE}/32", "dev", "lo")
        _ip("-n", r, "route", "add", "blackhole", str(SILENT_NET))
        _ip("-n", r, "route", "add", "unreachable", "198.18.2.0/24")
        # A sink: an ifb device drops what it is given (no dummy driver everywhere). Routing into it makes
        # the router forward, so that a packet arriving with TTL 1 gets "time exceeded".
        _ip("-n", r, "link", "add", "sink", "type", "ifb")
        _ip("-n", r, "link", "set", "sink", "up")
        _ip("-n", r, "route", "add", "198.18.3.0/24", "dev", "sink")
        if self.ipv6:
            _ip("-n", p, "addr", "add", f"{PROBER6}/64", "dev", "v0", "nodad")
            _ip("-n", r, "addr", "add", f"{ROUTER6}/64", "dev", "v1", "nodad")
            _ip("-n", p, "route", "add", "2001:2::/48", "via", ROUTER6)
            self.sysctl(r, "net.ipv6.conf.all.forwarding=1", "net.ipv6.icmp.ratelimit=0")
            _ip("-n", r, "addr", "add", f"{LIVE6}/128", "dev", "lo")
            _ip("-n", r, "route", "add", "blackhole", str(SILENT6_NET))
            _ip("-n", r, "route", "add", "prohibit", "2001:2:0:2::/64")
            _ip("-n", r, "route", "add", "2001:2:0:3::/64", "dev", "sink")

    def close(self) -> None:
        """End what still runs in the namespaces, then remove them (the veth pair goes with them)."""
        for name in reversed(self.created):
            pids = _ip("netns", "pids", name, check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            _ip("netns", "del", name, check=False)
        self.created.clear()

    @contextlib.contextmanager
    def responder(self, mode: str = "echo", delay: float = 0.0) -> Iterator[None]:
        """LIVE answered by RESPONDER_CODE instead of the router's kernel: ``mode`` is "echo", "duplicate",
        "mangle" (the payload comes back zeroed) or "other-seq"; each reply leaves ``delay`` seconds late."""
        assert self.router is not None
        self.sysctl(self.router, "net.ipv4.icmp_echo_ignore_all=1")
        process = subprocess.Popen(
            ["ip", "netns", "exec", self.router, sys.executable, "-c", RESPONDER_CODE, LIVE, str(delay), mode],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
            yield
        finally:
            process.kill()
            process.wait(timeout=30)
            self.sysctl(self.router, "net.ipv4.icmp_echo_ignore_all=0")

    def exec(self, args: Sequence[str], *, ns: str | None = None, stdin: str | None = None, timeout: float = 300):
        """Run a command inside the prober namespace (or ``ns``), from the repository's root."""
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        return subprocess.run(
            ["ip", "netns", "exec", ns or self.prober, *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=timeout,
            check=False,
        )

    def python(self, code: str, *, stdin: str | None = None, timeout: float = 300) -> Any:
        """Run Python code in the prober namespace; it prints one JSON value, which is returned."""
        result = self.exec([sys.executable, "-c", code], stdin=stdin, timeout=timeout)
        if result.returncode:
            raise AssertionError(f"python in {self.prober} failed:\n{result.stderr}")
        return json.loads(result.stdout)

    def icmp(self, targets: Sequence[dict[str, Any]], *, concurrency: int | None = None, timeout: float = 300) -> list:
        """Sweep ``targets`` (IcmpTarget fields as dicts) inside the prober, with the engine's runner."""
        payload = json.dumps({"targets": list(targets), "concurrency": concurrency})
        result = self.exec([sys.executable, "-m", "infra.probes.engines.icmp_runner"], stdin=payload, timeout=timeout)
        if result.returncode:
            raise AssertionError(f"the ICMP runner failed in {self.prober}:\n{result.stderr}")
        return json.loads(result.stdout)


def _lab(**kwargs: Any) -> Iterator[Lab]:
    reason = lab_skip_reason()
    if reason:
        pytest.skip(reason)
    try:
        lab = Lab(**kwargs).__enter__()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot build the test network namespaces here: {exc}")
    try:
        yield lab
    finally:
        lab.close()


@pytest.fixture(name="lab")
def lab_fixture() -> Iterator[Lab]:
    """A prober with a router behind it, fresh for each test: a Linux router rate-limits the ICMP errors
    of its unreachable routes per source address (a burst of 5, then 1 a second; net.ipv4.route.error_*
    exist only in the first namespace), so a shared router would answer a later test with silence."""
    yield from _lab()


@pytest.fixture(name="bare_prober")
def bare_prober_fixture() -> Iterator[Lab]:
    """A lone prober namespace whose ping_group_range is the kernel default ("1 0": nobody)."""
    yield from _lab(router=False, ping_allowed=False)
