"""The SNMP engine against a real Debian snmpd: what each outcome means, read from a live agent.

Agents listen on 127.0.0.1 and ::1 only. Tests that bring interfaces down or move counters run the
agent inside network namespaces they create (and remove), with the poll run there too; those need
root, as CI has, and say so when they skip.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infra.probes.engines import snmp
from infra.probes.engines.base import Outcome
from infra.probes.engines.snmp import (
    IF_ADMIN_STATUS,
    IF_IN_OCTETS,
    IF_OPER_STATUS,
    IF_OUT_OCTETS,
    SYS_NAME,
    SnmpResult,
    SnmpTarget,
    poll,
)
from infra.probes.engines.snmp_runner import poll_in_namespace, result_from_dict, result_to_dict
from infra.probes.state import is_reboot
from tests.probes.snmpd import SYS_DESCR, V3_USERS, SnmpAgent, free_udp_port

UP, DOWN, LOWER_LAYER_DOWN = 1, 2, 7

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("ip") is None,
    reason="needs root and iproute2 to create network namespaces (CI runs as root)",
)


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnmpAgent]:
    with SnmpAgent(tmp_path_factory.mktemp("snmpd"), sys_name="simpul-core-1") as running:
        yield running


def v2c(agent: SnmpAgent, **options: object) -> SnmpTarget:
    values = {"key": "v2c", "address": agent.host, "port": agent.port, "community": agent.community} | options
    return SnmpTarget(**values)


def v3(agent: SnmpAgent, **options: object) -> SnmpTarget:
    values = {
        "key": "v3",
        "address": agent.host,
        "port": agent.port,
        "version": "3",
        "username": agent.user,
        "auth_protocol": "SHA-256",
        "auth_key": agent.auth_key,
        "priv_protocol": "AES",
        "priv_key": agent.priv_key,
    } | options
    return SnmpTarget(**values)


def poll_one(target: SnmpTarget) -> SnmpResult:
    (result,) = poll([target])
    return result


# --- answers -------------------------------------------------------------------------------------


def test_v2c_with_the_right_community_reads_the_system_objects(agent):
    before = datetime.now(UTC)
    result = poll_one(v2c(agent, key=("device", 7)))
    assert result.outcome is Outcome.OK, result.error
    assert result.key == ("device", 7) and result.address == agent.host
    assert result.sys_name == "simpul-core-1"
    assert result.sys_descr == SYS_DESCR
    assert result.sys_uptime > 0
    assert result.missing == () and result.error == ""
    assert result.requests == 1  # the three system objects fit one GET
    assert before <= result.started <= datetime.now(UTC) and result.started.tzinfo is UTC
    assert 0 < result.rtt < 1000 and result.duration > 0  # answered within its 1 s timeout


def test_v2c_with_a_wrong_community_times_out_and_says_so(agent):
    result = poll_one(v2c(agent, community="bukan-komunitas", timeout=0.3, retries=1))
    assert result.outcome is Outcome.TIMEOUT
    assert "community" in result.error
    assert result.requests == 2  # the try and one retry
    assert result.sys_name is None and result.rtt is None
    assert result.duration >= 0.6  # both tries waited their whole timeout (how long past it: not a test)


@pytest.mark.parametrize("user", V3_USERS, ids=lambda user: f"{user.engine_auth}+{user.engine_priv}")
def test_v3_authpriv_with_each_protocol(agent, user):
    result = poll_one(v3(agent, username=user.name, auth_protocol=user.engine_auth, priv_protocol=user.engine_priv))
    assert result.outcome is Outcome.OK, result.error
    assert result.sys_name == "simpul-core-1"
    assert result.requests == 2  # the discovery report from a fresh engine, then the GET


@pytest.mark.parametrize(
    ("user", "wrong_priv"), [("simpul-sha-aes256", "AES-256-C"), ("simpul-sha-aes256c", "AES-256")], ids=["C", "plain"]
)
def test_v3_aes256_key_extensions_are_not_interchangeable(agent, user, wrong_priv):
    """With SHA-1 the two ways of extending an AES-256 key differ: the names must pick the right one."""
    result = poll_one(v3(agent, username=user, auth_protocol="SHA", priv_protocol=wrong_priv, timeout=0.3, retries=0))
    assert result.outcome is Outcome.TIMEOUT  # the agent drops what it cannot decrypt


def test_v3_wrong_authentication_key_is_an_authentication_failure(agent):
    result = poll_one(v3(agent, auth_key="kunci-yang-salah", timeout=5.0, retries=1))
    assert result.outcome is Outcome.AUTH_FAILURE
    assert "wrong digest" in result.error
    # A report comes back: the poll ends without waiting out its 5 s timeout (nor retrying).
    assert result.duration < 5.0


def test_v3_wrong_privacy_key_times_out_as_net_snmp_drops_it(agent):
    result = poll_one(v3(agent, priv_key="kunci-yang-salah", timeout=0.3, retries=0))
    assert result.outcome is Outcome.TIMEOUT
    assert "privacy key" in result.error


def test_v3_unknown_user_is_an_authentication_failure(agent):
    result = poll_one(v3(agent, username="pengguna-tak-dikenal"))
    assert result.outcome is Outcome.AUTH_FAILURE
    assert "does not know this SNMPv3 user" in result.error


def test_v3_user_without_privacy_is_an_unsupported_security_level(agent):
    result = poll_one(v3(agent, username=agent.auth_only_user))
    assert result.outcome is Outcome.AUTH_FAILURE
    assert "unsupported security level" in result.error


def test_v3_user_without_access_is_an_authentication_failure(agent):
    result = poll_one(v3(agent, username=agent.no_access_user))
    assert result.outcome is Outcome.AUTH_FAILURE
    assert "authorizationError" in result.error


def test_a_missing_object_is_listed_and_the_rest_filled(agent):
    result = poll_one(v2c(agent, community=agent.limited_community, if_indexes=(1,)))
    assert result.outcome is Outcome.NO_SUCH_OBJECT
    assert result.outcome.answered  # the agent answered: it counts as up
    assert result.missing == (SYS_NAME,)
    assert result.sys_name is None
    assert result.sys_descr == SYS_DESCR and result.sys_uptime > 0
    assert result.interfaces[1].oper_status == UP


def test_a_missing_interface_is_missing_but_its_64_bit_counters_are_optional(agent):
    result = poll_one(v2c(agent, if_indexes=(1, 987654)))
    assert result.outcome is Outcome.NO_SUCH_OBJECT
    assert set(result.missing) == {
        f"{column}.987654" for column in (IF_ADMIN_STATUS, IF_OPER_STATUS, IF_IN_OCTETS, IF_OUT_OCTETS)
    }
    loopback, absent = result.interfaces[1], result.interfaces[987654]
    assert loopback.admin_status == loopback.oper_status == UP
    assert loopback.in_octets is not None and loopback.hc_in_octets is not None
    assert (absent.admin_status, absent.oper_status, absent.in_octets, absent.hc_out_octets) == (None,) * 4


def test_many_interfaces_take_several_gets(agent):
    indexes = (1, *range(1001, 1010))  # 3 system objects + 10 x 6 interface objects: 63, in GETs of 24
    result = poll_one(v2c(agent, if_indexes=indexes))
    assert result.requests == 3
    assert sorted(result.interfaces) == sorted(indexes)
    assert result.interfaces[1].oper_status == UP
    assert len(result.missing) == 9 * 4


def test_a_reply_too_big_for_the_engine_is_asked_for_again_in_halves(agent, monkeypatch):
    """At the RFC minimum of 484 bytes the system objects (a long sysDescr) and one interface do not fit."""
    monkeypatch.setattr(snmp, "MAX_MESSAGE_SIZE", 484)
    result = poll_one(v3(agent, if_indexes=(1,)))
    assert result.outcome is Outcome.OK, result.error
    assert result.sys_descr == SYS_DESCR and result.interfaces[1].oper_status == UP
    assert result.requests > 2  # discovery, the tooBig GET, then its halves


def test_ipv6_and_a_host_name(agent):
    six, named = poll([v2c(agent, key="six", address="::1"), v2c(agent, key="named", address="localhost")])
    assert (six.outcome, named.outcome) == (Outcome.OK, Outcome.OK), (six.error, named.error)
    assert six.sys_name == named.sys_name == "simpul-core-1"


def test_a_silent_agent_times_out_within_its_budget():
    """A closed port on 127.0.0.1 answers nothing an SNMP manager can use: a timeout, not an error."""
    result = poll_one(SnmpTarget(key="silent", address="127.0.0.1", port=free_udp_port(), community="x", timeout=0.25))
    assert result.outcome is Outcome.TIMEOUT
    assert result.requests == 2
    assert result.duration >= 0.5  # two tries of 0.25 s: the requests count says there was no third


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"version": "1"}, "unsupported SNMP version"),
        ({"community": ""}, "no community"),
        ({"port": 0}, "out of range"),
        ({"address": "bukan alamat"}, "not an address"),
        ({"address": ""}, "not an address"),
        ({"timeout": 0}, "timeout"),
        ({"if_indexes": (0,)}, "interface index"),
        ({"version": "3", "username": ""}, "user name"),
        ({"version": "3", "username": "u", "auth_protocol": "MD5"}, "unknown authentication protocol"),
        ({"version": "3", "username": "u", "priv_protocol": "DES"}, "unknown privacy protocol"),
        ({"version": "3", "username": "u", "auth_key": "pendek"}, "at least 8"),
    ],
)
def test_targets_that_cannot_be_polled_are_local_errors(options, words):
    base = SnmpTarget(key="x", address="127.0.0.1", community="rahasia-komunitas", auth_key="a" * 8, priv_key="p" * 8)
    result = poll_one(replace(base, **options))
    assert result.outcome is Outcome.LOCAL_ERROR
    assert words in result.error
    assert result.requests == 0


def test_no_secret_reaches_an_error_a_repr_or_a_log(agent, caplog):
    secrets = ["komunitas-RAHASIA-1", "otentikasi-RAHASIA-2", "privasi-RAHASIA-3"]
    community, auth, priv = secrets
    targets = [
        v2c(agent, community=community, timeout=0.2, retries=0),
        v3(agent, auth_key=auth, priv_key=priv),
        v3(agent, auth_key=auth, priv_key=priv, auth_protocol="MD5"),
        v3(agent, username="tak-dikenal", auth_key=auth, priv_key=priv),
        v3(agent, priv_key=priv, timeout=0.2, retries=0),
    ]
    caplog.set_level(logging.DEBUG)
    results = poll(targets)
    assert [r.outcome for r in results] == [
        Outcome.TIMEOUT,
        Outcome.AUTH_FAILURE,
        Outcome.LOCAL_ERROR,
        Outcome.AUTH_FAILURE,
        Outcome.TIMEOUT,
    ]
    seen = caplog.text + "".join(repr(t) + str(t) for t in targets) + "".join(repr(r) for r in results)
    seen += json.dumps([result_to_dict(r) for r in results])
    for secret in secrets:
        assert secret not in seen


def test_an_empty_batch():
    assert poll([]) == []


# --- reboots --------------------------------------------------------------------------------------


def test_a_restart_of_the_agent_shows_as_an_uptime_drop(tmp_path):
    with SnmpAgent(tmp_path / "snmpd", sys_name="simpul-reboot") as fresh:
        target = v2c(fresh)
        time.sleep(1.2)
        first = poll_one(target)
        time.sleep(0.3)
        second = poll_one(target)
        fresh.restart()
        third = poll_one(target)
        third_v3 = poll_one(v3(fresh))  # engine boots went up: v3 still works after the restart
    assert first.outcome is second.outcome is third.outcome is third_v3.outcome is Outcome.OK
    assert first.sys_uptime >= 120
    assert second.sys_uptime > first.sys_uptime
    assert third.sys_uptime < second.sys_uptime
    # the one rule of reboots (infra.probes.state, property-tested there) on what a real agent said
    slack = timedelta(seconds=0.5)
    assert not is_reboot(first.sys_uptime, first.started, second.sys_uptime, second.started, slack)
    assert is_reboot(second.sys_uptime, second.started, third.sys_uptime, third.started, slack)


# --- many at once ---------------------------------------------------------------------------------


def test_many_targets_at_once_are_each_reported_right(tmp_path):
    """200 polls against three agents, with failures and one v3 user name under two keys mixed in."""
    agents = [SnmpAgent(tmp_path / f"snmpd{i}", sys_name=f"simpul-site-{i}") for i in range(3)]
    try:
        for one in agents:
            one.start()
        silent = free_udp_port()
        targets, expected = [], []
        for i in range(200):
            one = agents[i % 3]
            kind = i % 8
            if kind in (0, 1, 2):
                targets.append(v2c(one, key=i, if_indexes=(1,)))
                expected.append((Outcome.OK, one.sys_name))
            elif kind == 3:
                targets.append(v2c(one, key=i, community="salah", timeout=0.3, retries=0))
                expected.append((Outcome.TIMEOUT, None))
            elif kind in (4, 7):
                targets.append(v3(one, key=i))
                expected.append((Outcome.OK, one.sys_name))
            elif kind == 5:
                targets.append(v3(one, key=i, auth_key="kunci-lain-sekali"))  # same user name, other key
                expected.append((Outcome.AUTH_FAILURE, None))
            else:
                targets.append(v2c(one, key=i, port=silent, timeout=0.3, retries=0))
                expected.append((Outcome.TIMEOUT, None))
        results = poll(targets)
    finally:
        for one in agents:
            one.stop()
    assert [r.key for r in results] == list(range(200))
    wrong = [
        (r.key, r.outcome, r.sys_name, r.error)
        for r, e in zip(results, expected, strict=True)
        if (r.outcome, r.sys_name) != e
    ]
    assert wrong == []
    assert all(r.interfaces[1].oper_status == UP for r in results if r.key % 8 in (0, 1, 2))


@pytest.fixture(scope="module")
def three_agents(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[SnmpAgent]]:
    agents = [SnmpAgent(tmp_path_factory.mktemp(f"burst{i}"), sys_name=f"simpul-burst-{i}") for i in range(3)]
    try:
        for one in agents:
            one.start()
        yield agents
    finally:
        for one in agents:
            one.stop()


def burst(agents: list[SnmpAgent], count: int) -> list[SnmpTarget]:
    """Targets with no retry: a reply lost in a full receive buffer would show as a false timeout."""
    return [v2c(agents[i % 3], key=i, retries=0, if_indexes=(1,)) for i in range(count)]


def test_a_burst_of_replies_is_not_lost(three_agents):
    """2,000 polls at the default concurrency: every reply fits the widened receive buffer.

    Measured with Linux's default 208 KiB buffer: 387 of 3,000 such polls timed out falsely.
    """
    results = poll(burst(three_agents, 2000))
    assert [r.key for r in results if r.outcome is not Outcome.OK] == []
    assert all(r.sys_name == f"simpul-burst-{r.key % 3}" for r in results)


def test_targets_in_flight_are_capped_by_the_receive_buffer(three_agents, monkeypatch):
    """Where the buffer stays small (a non-root prober), fewer targets fly at once rather than lose replies."""
    monkeypatch.setattr(snmp, "RECEIVE_BUFFER", 16 * 1024)
    results = poll(burst(three_agents, 2000), concurrency=1024)
    assert [r.key for r in results if r.outcome is not Outcome.OK] == []


def test_replies_are_timed_on_the_agent_not_on_our_queue(three_agents):
    """1,000 heavy SNMPv3 GETs with 512 in flight: far more than one consumer decodes in a second.

    Unpaced, replies waited up to a second in the socket for their turn (false timeouts at the
    default 1 s); sent only while the backlog is small, none waits long.
    """
    targets = [v3(three_agents[i % 3], key=i, retries=0, if_indexes=(1, 1001, 1002)) for i in range(1000)]
    results = poll(targets, concurrency=512)
    assert [r.key for r in results if not r.outcome.answered] == []
    rtts = sorted(r.rtt for r in results)
    # Unpaced, the 99th percentile was 1,002 ms (replies queued behind each other); paced, 40 ms.
    assert rtts[int(len(rtts) * 0.99)] < 500


@needs_root
def test_silent_agents_wait_together(monkeypatch):
    """500 silent agents cost one timeout, not five: the buffer is widened (forced as root) to hold them all."""
    port = free_udp_port()
    targets = [
        SnmpTarget(key=i, address="127.0.0.1", port=port, community="x", timeout=0.3, retries=0) for i in range(500)
    ]
    results = poll(targets, concurrency=500)
    assert {r.outcome for r in results} == {Outcome.TIMEOUT}
    # All in flight at once: every target had its slot before the first one gave up (an order of
    # events, not a speed: with room for fewer, the rest would wait for the first ones to time out).
    first_given_up = min(r.started + timedelta(seconds=r.duration) for r in results)
    assert max(r.started for r in results) < first_given_up


# --- interfaces in a namespace of the test's own -------------------------------------------------


class Link:
    """Two namespaces joined by a veth pair (a fiber link in miniature), an snmpd in the first."""

    def __init__(self, tmp_path: Path) -> None:
        tag = f"{os.getpid()}-{time.monotonic_ns() % 10**8}"
        self.near, self.far = f"simpul-snmp-a-{tag}", f"simpul-snmp-b-{tag}"
        self.tmp_path = tmp_path
        self.agent: SnmpAgent | None = None

    def ip(self, *args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True)

    def __enter__(self) -> Link:
        try:
            self.ip("netns", "add", self.near)
            self.ip("netns", "add", self.far)
            self.ip("-n", self.near, "link", "set", "lo", "up")
            self.ip(
                "-n", self.near, "link", "add", "fiber0", "type", "veth", "peer", "name", "fiber1", "netns", self.far
            )
            # Addresses inside the test's own namespaces, never routed anywhere (RFC 2544 range).
            self.ip("-n", self.near, "addr", "add", "198.18.0.1/30", "dev", "fiber0")
            self.ip("-n", self.far, "addr", "add", "198.18.0.2/30", "dev", "fiber1")
            self.ip("-n", self.near, "link", "set", "fiber0", "up")
            self.ip("-n", self.far, "link", "set", "fiber1", "up")
            shown = subprocess.run(
                ["ip", "-n", self.near, "-j", "link", "show", "fiber0"], check=True, capture_output=True
            )
            self.if_index = json.loads(shown.stdout)[0]["ifindex"]
            self.agent = SnmpAgent(self.tmp_path / "snmpd", sys_name="simpul-fiber-end", netns=self.near)
            self.agent.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.agent is not None:
            self.agent.stop()
        for name in (self.near, self.far):
            subprocess.run(["ip", "netns", "del", name], capture_output=True)

    def read(self) -> SnmpResult:
        target = v2c(self.agent, if_indexes=(self.if_index,))
        (result,) = poll_in_namespace(self.near, [target])
        assert result.outcome is Outcome.OK, result.error
        return result

    def read_until(self, done: Callable[[SnmpResult], bool], seconds: float = 15) -> SnmpResult:
        """Net-SNMP caches the interface table for a few seconds: read until it shows the change."""
        deadline = time.monotonic() + seconds
        while True:
            result = self.read()
            if done(result) or time.monotonic() > deadline:
                return result
            time.sleep(0.5)


@pytest.fixture
def link(tmp_path: Path) -> Iterator[Link]:
    with Link(tmp_path) as made:
        yield made


@needs_root
def test_an_interface_brought_down_is_seen_down(link):
    up = link.read().interfaces[link.if_index]
    assert (up.admin_status, up.oper_status) == (UP, UP)
    link.ip("-n", link.far, "link", "set", "fiber1", "down")  # the far end goes: ours is up but not operating
    far_down = link.read_until(lambda r: r.interfaces[link.if_index].oper_status != UP).interfaces[link.if_index]
    assert far_down.admin_status == UP and far_down.oper_status in (DOWN, LOWER_LAYER_DOWN)
    link.ip("-n", link.near, "link", "set", "fiber0", "down")  # ours is shut down
    shut = link.read_until(lambda r: r.interfaces[link.if_index].admin_status == DOWN).interfaces[link.if_index]
    assert (shut.admin_status, shut.oper_status) == (DOWN, DOWN)


@needs_root
def test_a_counter_moves_with_traffic(link):
    before = link.read().interfaces[link.if_index]
    sender = (
        "import socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "for _ in range(100): s.sendto(b'x' * 1000, ('198.18.0.2', 9))"
    )
    subprocess.run(["ip", "netns", "exec", link.near, "python3", "-c", sender], check=True)
    # 100 datagrams of 1,000 bytes of payload, plus UDP, IP and Ethernet headers, went out of fiber0.
    sent = 100 * (1000 + 8 + 20 + 14)
    after = link.read_until(lambda r: r.interfaces[link.if_index].out_octets >= before.out_octets + sent)
    reading = after.interfaces[link.if_index]
    assert reading.out_octets - before.out_octets >= sent
    assert reading.hc_out_octets - before.hc_out_octets >= sent


@needs_root
def test_a_name_that_does_not_resolve(tmp_path):
    """In an empty namespace of the test's own the resolver cannot reach anything: no query leaves."""
    namespace = f"simpul-snmp-dns-{os.getpid()}-{time.monotonic_ns() % 10**8}"
    subprocess.run(["ip", "netns", "add", namespace], check=True)
    try:
        target = SnmpTarget(key="name", address="perangkat-tidak-ada.invalid", community="x", timeout=0.2, retries=0)
        (result,) = poll_in_namespace(namespace, [target])
    finally:
        subprocess.run(["ip", "netns", "del", namespace], check=True)
    assert result.outcome is Outcome.NAME_NOT_RESOLVED
    assert result.requests == 0


def test_results_survive_the_runner_round_trip(agent):
    (result,) = poll([v2c(agent, key=("site", 3), if_indexes=(1,))])
    again = result_from_dict(json.loads(json.dumps(result_to_dict(result))))
    assert again == result


def test_polling_from_a_thread_that_already_runs_an_event_loop(agent):
    """Async code, or a library's sync API built on a loop (Playwright's, in the browser tests),
    calls poll() with a loop running: the poll runs in a thread of its own instead of failing."""

    async def inside_a_loop():
        return snmp.poll([v2c(agent)])

    results = []
    # a thread of the test's own, as this one may run a loop already (Playwright's, in the same worker)
    worker = threading.Thread(target=lambda: results.extend(asyncio.run(inside_a_loop())))
    worker.start()
    worker.join(timeout=30)
    (result,) = results
    assert result.outcome is Outcome.OK and result.sys_uptime is not None
