"""A real Debian ``snmpd`` for tests and benchmarks: its own config, a free high port, stopped afterwards.

``SnmpAgent`` writes a config into a directory of its own and starts
``snmpd -f -C -c CONF -m "" -Lf LOG -p PIDFILE ENDPOINTS`` (``-C``: no system config; persistent
state under the same directory, never /var/lib/snmp). It listens on 127.0.0.1 and ::1 at a port
the kernel just called free (so parallel xdist workers never collide), or inside a network
namespace when given one. It answers:

- v2c with ``community`` (everything) and ``limited_community`` (everything but sysName, to see a
  missing object);
- v3 authPriv as ``user`` (SHA-256 + AES-128), and users made to fail or to test protocol
  variants: ``auth_only_user`` (authNoPriv only), ``no_access_user`` (no rouser line: access
  denied), and ``SHA`` + AES-192/256 users in Net-SNMP's two key extensions (see ``V3_USERS``).

sysUpTime is the agent's own uptime, so ``restart()`` is a reboot as a poller sees it.

The pytest fixtures ``snmp_agent`` (one per test module) and ``fresh_snmp_agent`` (one per test)
skip with the reason when snmpd is not installed (``make system-deps`` installs it).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# As long as a real switch's (about 200 characters): a reply with it and a few more objects is larger
# than the RFC minimum of 484 bytes, so a test can make the agent answer tooBig.
SYS_DESCR = (
    "Simpul test agent, Net-SNMP on Linux, standing in for the core switch of a city data center "
    "(Dinas Komunikasi dan Informatika), rack A1, unit 42; software 5.9.3, build of the test run; "
    "description padded to a switch's length"
)
AUTH_KEY = "kunci-otentikasi-1"
PRIV_KEY = "kunci-privasi-2"


@dataclass(frozen=True)
class V3User:
    name: str
    auth: str  # Net-SNMP's spelling
    priv: str  # Net-SNMP's spelling, "" for authNoPriv
    engine_auth: str  # the engine's spelling (infra.probes.engines.snmp.AUTH_PROTOCOLS)
    engine_priv: str


V3_USERS = (
    V3User("simpul", "SHA-256", "AES", "SHA-256", "AES"),
    V3User("simpul-sha512-aes256", "SHA-512", "AES256", "SHA-512", "AES-256"),
    # With SHA-1 (20 bytes) an AES-192/256 key needs extending, and the two ways differ.
    V3User("simpul-sha-aes192", "SHA", "AES192", "SHA", "AES-192"),
    V3User("simpul-sha-aes256", "SHA", "AES256", "SHA", "AES-256"),
    V3User("simpul-sha-aes256c", "SHA", "AES256C", "SHA", "AES-256-C"),
    V3User("simpul-sha224-aes", "SHA-224", "AES", "SHA-224", "AES"),
    V3User("simpul-sha384-aes", "SHA-384", "AES", "SHA-384", "AES"),
)


def snmpd_path() -> str | None:
    """Where snmpd is (/usr/sbin is not on every user's PATH)."""
    return shutil.which("snmpd") or shutil.which("snmpd", path="/usr/sbin:/sbin")


def free_udp_port(host: str = "127.0.0.1") -> int:
    """A UDP port nobody holds right now on ``host`` (the kernel's choice, so unique per process)."""
    return free_udp_ports(1, host)[0]


def free_udp_ports(count: int, host: str = "127.0.0.1", ipv6: bool = False) -> list[int]:
    """``count`` distinct UDP ports free right now on ``host`` (and on ::1 too when ``ipv6``).

    All are held open until all are chosen, so the kernel cannot hand out one port twice.
    """
    held: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < count:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            held.append(sock)
            sock.bind((host, 0))
            port = sock.getsockname()[1]
            if ipv6:
                six = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
                held.append(six)
                try:
                    six.bind(("::1", port))
                except OSError:
                    continue  # taken on ::1: keep this one held and draw another
            ports.append(port)
    finally:
        for sock in held:
            sock.close()
    return ports


def _ber(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + body


def _get_sysuptime_request(community: str, request_id: int) -> bytes:
    """A v2c GET of sysUpTime.0, encoded by hand so that readiness does not rest on the engine under test."""
    oid = bytes([0x2B, 6, 1, 2, 1, 1, 3, 0])  # 1.3.6.1.2.1.1.3.0
    varbind = _ber(0x30, _ber(0x06, oid) + b"\x05\x00")
    pdu = _ber(0xA0, _ber(0x02, struct.pack(">I", request_id)) + b"\x02\x01\x00\x02\x01\x00" + _ber(0x30, varbind))
    return _ber(0x30, b"\x02\x01\x01" + _ber(0x04, community.encode()) + pdu)


def answers(host: str, port: int, community: str, timeout: float = 0.2) -> bool:
    """Does an SNMP agent at host:port answer a v2c GET with this community?"""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(_get_sysuptime_request(community, 0x51A9), (host, port))
            reply = sock.recv(65535)
        except OSError:
            return False
    return reply[:1] == b"\x30"


def namespace_command(netns: str | None, *command: str) -> list[str]:
    return ["ip", "netns", "exec", netns, *command] if netns else list(command)


class SnmpAgent:
    """One snmpd, configured and started by the test; a context manager that stops it."""

    def __init__(
        self,
        directory: Path,
        *,
        sys_name: str = "simpul-agent",
        community: str = "komunitas-uji",
        limited_community: str = "komunitas-terbatas",
        netns: str | None = None,
        ipv6: bool = True,
        ports: int = 1,
    ) -> None:
        path = snmpd_path()
        if path is None:
            pytest.skip("snmpd is not installed (Debian package snmpd; `make system-deps` installs it)")
        self.snmpd = path
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.sys_name = sys_name
        self.community = community
        self.limited_community = limited_community
        self.netns = netns
        self.ipv6 = ipv6 and netns is None
        self.host = "127.0.0.1"
        self.auth_key = AUTH_KEY
        self.priv_key = PRIV_KEY
        self.auth_only_user = "simpul-auth-only"
        self.no_access_user = "simpul-no-access"
        self.port_count = ports
        self.ports: list[int] = []
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def port(self) -> int:
        return self.ports[0]

    @property
    def user(self) -> str:
        return V3_USERS[0].name

    @property
    def config_path(self) -> Path:
        return self.directory / "snmpd.conf"

    @property
    def log_path(self) -> Path:
        return self.directory / "snmpd.log"

    def _write_config(self) -> None:
        sources = ["127.0.0.1"]
        lines = [
            "# Written by tests/probes/snmpd.py for one test run.",
            f"sysName {self.sys_name}",
            f"sysDescr {SYS_DESCR}",
            "sysLocation Simpul test bench",
            "dontLogTCPWrappersConnects yes",  # no log line per request (the benchmark sends thousands)
            "view all included .1",
            "view nosysname included .1",
            "view nosysname excluded .1.3.6.1.2.1.1.5",
        ]
        for source in sources:
            lines += [
                f"rocommunity {self.community} {source} -V all",
                f"rocommunity {self.limited_community} {source} -V nosysname",
            ]
        if self.ipv6:
            lines += [
                f"rocommunity6 {self.community} ::1 -V all",
                f"rocommunity6 {self.limited_community} ::1 -V nosysname",
            ]
        for user in V3_USERS:
            lines += [f"createUser {user.name} {user.auth} {self.auth_key} {user.priv} {self.priv_key}".rstrip()]
            lines += [f"rouser {user.name} priv"]
        lines += [
            f"createUser {self.auth_only_user} SHA-256 {self.auth_key}",
            f"rouser {self.auth_only_user} auth",
            f"createUser {self.no_access_user} SHA-256 {self.auth_key} AES {self.priv_key}",
        ]
        self.config_path.write_text("\n".join(lines) + "\n")

    def _endpoints(self) -> str:
        endpoints = [f"udp:127.0.0.1:{port}" for port in self.ports]
        if self.ipv6:
            endpoints += [f"udp6:[::1]:{port}" for port in self.ports]
        return ",".join(endpoints)

    def start(self, attempts: int = 5) -> None:
        """Start snmpd and wait until it answers; after ``stop``, on the same ports again."""
        self._write_config()
        for _ in range(attempts):
            if not self.starts:
                # In a namespace of its own every port is free; outside, also free on ::1 when it listens there.
                self.ports = free_udp_ports(self.port_count, ipv6=self.ipv6)
            if self._start_once():
                self.starts += 1
                return
            time.sleep(0.1)  # a port was taken between the choice and the bind: choose again (or wait)
        raise RuntimeError(f"snmpd did not start; its log:\n{self.log_path.read_text(errors='replace')}")

    def _start_once(self) -> bool:
        self.log_path.write_text("")
        env = {**os.environ, "SNMP_PERSISTENT_DIR": str(self.directory / "persist")}
        command = namespace_command(
            self.netns,
            self.snmpd,
            "-f",
            "-C",
            "-c",
            str(self.config_path),
            "-m",
            "",
            "-Lf",
            str(self.log_path),
            "-p",
            str(self.directory / "snmpd.pid"),
            "-I",
            "-smux",  # SMUX would bind TCP 127.0.0.1:199: one agent only, and nothing here needs it
            self._endpoints(),
        )
        self.process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if "NET-SNMP version" in self.log_path.read_text(errors="replace") and self._answers():
                return True
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"snmpd did not answer within 10 s; its log:\n{self.log_path.read_text(errors='replace')}")

    def _answers(self) -> bool:
        if not self.netns:
            return all(answers(self.host, port, self.community) for port in self.ports)
        code = (
            "import sys; from tests.probes.snmpd import answers; "
            f"sys.exit(0 if answers({self.host!r}, {self.port}, {self.community!r}) else 1)"
        )
        check = subprocess.run(
            namespace_command(self.netns, sys.executable, "-c", code), cwd=ROOT, capture_output=True, timeout=10
        )
        return check.returncode == 0

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same ports: sysUpTime starts from zero, as after a reboot."""
        self.stop()
        self.start()

    def __enter__(self) -> SnmpAgent:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="module")
def snmp_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnmpAgent]:
    """One snmpd shared by a test module's tests (they only read from it)."""
    with SnmpAgent(tmp_path_factory.mktemp("snmpd")) as agent:
        yield agent


@pytest.fixture
def fresh_snmp_agent(tmp_path: Path) -> Iterator[SnmpAgent]:
    """An snmpd of the test's own, for tests that restart it."""
    with SnmpAgent(tmp_path / "snmpd", sys_name="simpul-fresh") as agent:
        yield agent
