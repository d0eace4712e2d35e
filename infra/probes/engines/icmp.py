"""ICMP echo probes that stay correct under concurrency.

ping3 as root opens a raw socket per call; every raw ICMP socket gets a copy of every ICMP packet and
ping3 matches replies on ICMP id and sequence only, which reported dead hosts as up and live hosts as
down here (DESIGN.md, section 5). This engine keeps ping3's packet code (``ping3.send_one_ping``
builds and sends each echo request, ``ping3.read_icmp_header`` parses what comes back) but owns the
sockets: one unprivileged ICMP *datagram* socket per target, even as root. The kernel gives such a
socket an ICMP id of its own and hands it only the replies carrying that id, so replies cannot be
mixed up between targets; on top of that a reply must come from the target's address and carry the
sequence number of a packet still waiting (from a random start, so a stale reply cannot match).
All sockets are waited on by one thread through ``selectors``; ICMP errors (unreachable, time
exceeded) are read from the socket's error queue (``IP_RECVERR``), which says which router sent them.

Datagram ICMP sockets need the process's group inside ``net.ipv4.ping_group_range`` (it is per network
namespace); without it every target is a LOCAL_ERROR naming that setting, never a raw-socket fallback.
No Django here: the engine takes targets and returns results, the callers store them.
"""

from __future__ import annotations

import errno
import heapq
import ipaddress
import itertools
import os
import random
import resource
import selectors
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import ping3
import ping3.errors

from .base import Outcome

# Measured with bench/probes.py (docs/benchmarks.md) on 5,000 loopback + 500 silent targets, 1 s
# timeout. A silent target holds its socket for the whole timeout, so the concurrency must exceed the
# silent targets of a sweep: one packet each took 4.1 s at 128, 2.1 s at 256, then 1.2 s from 512 up to
# 4,096 (fping: 1.1 s); three packets 0.2 s apart took 6.5 s at 512, 3.9 s at 1,024, 2.4 s at 2,048.
# 1,024 keeps room for a thousand silent targets per sweep (far above a scheduler chunk of a few
# hundred); the price is one file descriptor per socket in flight (the soft limit is raised as needed).
DEFAULT_CONCURRENCY = 1024

PAYLOAD_SIZE = 56  # ICMP payload bytes, as ping(8) sends: ping3 puts the send time in the first 8
PING_GROUP_RANGE = "/proc/sys/net/ipv4/ping_group_range"
ALLOW_COMMAND = "sysctl -w net.ipv4.ping_group_range='0 2147483647'"

# Linux constants that Python 3.11's socket module lacks (linux/in.h, linux/in6.h, asm-generic/socket.h).
IP_RECVERR = getattr(socket, "IP_RECVERR", 11)
IPV6_RECVERR = getattr(socket, "IPV6_RECVERR", 25)
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SO_EE_ORIGIN_LOCAL, SO_EE_ORIGIN_ICMP, SO_EE_ORIGIN_ICMP6 = 1, 2, 3
# struct sock_extended_err: errno, origin, type, code, pad, info, data; the offender's sockaddr follows.
EXTENDED_ERR = struct.Struct("=IBBBBII")

ECHO_REPLY = {socket.AF_INET: 0, socket.AF_INET6: 129}
# ICMP error type -> outcome; destination unreachable codes below refine it.
ICMP4_UNREACHABLE, ICMP4_TIME_EXCEEDED, ICMP4_PARAMETER_PROBLEM = 3, 11, 12
ICMP6_UNREACHABLE, ICMP6_TIME_EXCEEDED, ICMP6_PARAMETER_PROBLEM = 1, 3, 4
NETWORK_CODES_V4 = {0, 6, 9, 11}  # net unreachable, net unknown, net prohibited, net unreachable for TOS
NETWORK_CODES_V6 = {0}  # no route to destination
IGNORED_TYPES = {socket.AF_INET: {4, 5}, socket.AF_INET6: {2}}  # source quench, redirect; packet too big

_SEND = 0
_DEADLINE = 1
_FD_MARGIN = 64  # descriptors kept free for the rest of the process (logs, database, name lookups)


@dataclass(frozen=True)
class IcmpTarget:
    key: Hashable  # the caller's id (a check id); returned untouched
    address: str  # IPv4/IPv6 literal or a host name
    packets: int = 3
    timeout: float = 1.0  # seconds to wait for each packet's reply
    interval: float = 0.2  # seconds between packets to the same target
    ttl: int | None = None


@dataclass
class IcmpResult:
    key: Hashable
    address: str  # as the target gave it
    outcome: Outcome
    sent: int
    received: int
    rtt_min: float | None  # milliseconds
    rtt_avg: float | None
    rtt_max: float | None
    jitter: float | None  # mean absolute difference of consecutive round-trip times
    started: datetime  # UTC
    duration: float  # seconds
    error: str = ""  # why it failed, for people: which router reported what, or the local error
    resolved: str = ""  # the address probed (a name's first address)

    @property
    def loss(self) -> float:
        """Percent of packets without a reply; a probe that could send nothing lost everything."""
        if self.sent == 0:
            return 100.0
        return 100.0 * (self.sent - self.received) / self.sent


def group_range() -> str:
    """The current network namespace's ping_group_range, as the kernel prints it ("1 0" allows nobody)."""
    try:
        with open(PING_GROUP_RANGE, encoding="ascii") as handle:
            return " ".join(handle.read().split())
    except OSError:
        return "unknown"


def _not_permitted_message() -> str:
    return (
        f"ICMP datagram sockets are not permitted for group {os.getegid()}: net.ipv4.ping_group_range is "
        f"'{group_range()}' in this network namespace; allow them with: {ALLOW_COMMAND}"
    )


def icmp_permitted(family: socket.AddressFamily = socket.AF_INET) -> tuple[bool, str]:
    """Whether this process may open ICMP datagram sockets of ``family``, and why not."""
    proto = socket.IPPROTO_ICMP if family == socket.AF_INET else socket.IPPROTO_ICMPV6
    try:
        sock = socket.socket(family, socket.SOCK_DGRAM, proto)
    except OSError as exc:
        return False, _socket_error_message(exc, family)
    sock.close()
    return True, ""


def _socket_error_message(exc: OSError, family: int) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return _not_permitted_message()
    if exc.errno in (errno.EAFNOSUPPORT, errno.EPROTONOSUPPORT):
        return f"{'IPv6' if family == socket.AF_INET6 else 'IPv4'} ICMP sockets are not available here: {exc}"
    return f"cannot open an ICMP socket: {exc}"


def raise_open_files(wanted: int) -> int:
    """Raise the soft limit of open files toward ``wanted`` (up to the hard limit); return the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
            soft = new
        except (ValueError, OSError):
            pass
    return wanted if soft == resource.RLIM_INFINITY else soft


class _Probe:
    """One target's probe in flight: its socket, its packets and what came back."""

    __slots__ = (
        "done",
        "error",
        "expect",
        "family",
        "ident",
        "index",
        "outcome",
        "received",
        "rtts",
        "sendto",
        "sent",
        "sent_mono",
        "sent_wall",
        "seq0",
        "sock",
        "start_mono",
        "start_wall",
        "stop_sending",
        "target",
        "unresolved",
    )

    def __init__(self, index: int, target: IcmpTarget) -> None:
        self.index = index
        self.target = target
        self.start_wall = 0.0
        self.start_mono = 0.0
        self.family = socket.AF_INET
        self.sendto = ""  # the address literal handed to ping3 (with an IPv6 scope if any)
        self.expect = b""  # the packed address a reply must come from
        self.sock: socket.socket | None = None
        self.ident = -1
        self.seq0 = 0
        self.sent = 0
        self.sent_mono: list[float] = []
        self.sent_wall: list[tuple[float, float]] = []
        self.rtts: list[float | None] = []  # per packet sent: milliseconds; None waiting; -1.0 no reply
        self.received = 0
        self.unresolved = 0  # packets sent and neither answered, failed nor past their deadline
        self.stop_sending = False
        self.outcome: Outcome | None = None  # a failure seen (ICMP error or local error), if any
        self.error = ""
        self.done = False

    def begin(self) -> None:
        """Its clock starts when its name lookup or its socket does, not while it waits for a slot."""
        if not self.start_mono:
            self.start_wall = time.time()
            self.start_mono = time.monotonic()


def _parse_address(address: str) -> tuple[int, str, bytes] | None:
    """An IP literal as (family, literal to send to, packed address); None for a name."""
    address = address.strip()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    bare = str(ip).split("%", 1)[0]
    family = socket.AF_INET if ip.version == 4 else socket.AF_INET6
    return family, address if ip.version == 6 and "%" in address else bare, socket.inet_pton(family, bare)


def _resolve(name: str) -> tuple[int, str, bytes]:
    """A host name's first address (the system's order, /etc/gai.conf); raises socket.gaierror."""
    family, _, _, _, sockaddr = socket.getaddrinfo(name, None, type=socket.SOCK_DGRAM)[0]
    bare = sockaddr[0].split("%", 1)[0]
    literal = f"{bare}%{sockaddr[3]}" if family == socket.AF_INET6 and sockaddr[3] else bare
    return family, literal, socket.inet_pton(family, bare)


class _Sweep:
    """The event loop of one sweep: admits targets up to the concurrency, sends, reads, times out."""

    def __init__(self, targets: Sequence[IcmpTarget], concurrency: int) -> None:
        self.targets = targets
        self.results: list[IcmpResult | None] = [None] * len(targets)
        self.concurrency = max(1, concurrency)
        self.selector = selectors.DefaultSelector()
        self.timers: list[tuple[float, int, int, _Probe, int]] = []
        self.tiebreak = 0
        self.active = 0
        self.ready: deque[_Probe] = deque()  # addresses known, waiting for a free slot
        self.refused: dict[int, str] = {}  # family -> why sockets of it cannot be opened
        self.lookups = 0  # names still being resolved
        self.lock = threading.Lock()
        self.resolved: list[tuple[_Probe, BaseException | tuple[int, str, bytes]]] = []
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self.wake_w.setblocking(False)

    # -- the loop

    def run(self) -> list[IcmpResult]:
        limit = raise_open_files(self.concurrency + _FD_MARGIN)
        self.concurrency = max(1, min(self.concurrency, limit - _FD_MARGIN))
        self.selector.register(self.wake_r, selectors.EVENT_READ, None)
        executor: ThreadPoolExecutor | None = None
        try:
            for index, target in enumerate(self.targets):
                probe = _Probe(index, target)
                problem = _bad_parameters(target)
                parsed = None if problem else _parse_address(target.address)
                if problem:
                    self._finish_early(probe, Outcome.LOCAL_ERROR, problem)
                elif parsed is not None:
                    probe.family, probe.sendto, probe.expect = parsed
                    self.ready.append(probe)
                else:
                    probe.begin()
                    if executor is None:
                        executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="icmp-resolve")
                    self.lookups += 1
                    future = executor.submit(_resolve, target.address.strip())
                    future.add_done_callback(lambda done, probe=probe: self._resolved(probe, done))
            self._loop()
        finally:
            if executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)
            for key in list(self.selector.get_map().values()):
                if key.data is not None:
                    key.data.sock.close()
            self.selector.close()
            self.wake_r.close()
            self.wake_w.close()
        return self.results  # type: ignore[return-value]  # every slot is filled when the loop ends

    def _loop(self) -> None:
        while True:
            while self.ready and self.active < self.concurrency:
                self._start(self.ready.popleft())
            if not (self.active or self.lookups):
                break  # nothing in flight, and nothing waiting (a refused socket finishes its target at once)
            now = time.monotonic()
            timeout = max(0.0, self.timers[0][0] - now) if self.timers else None
            for key, _ in self.selector.select(timeout):
                if key.data is None:
                    self._take_resolved()
                elif not key.data.done:
                    self._read(key.data)
            now = time.monotonic()
            while self.timers and self.timers[0][0] <= now:
                _, _, kind, probe, packet = heapq.heappop(self.timers)
                if probe.done:
                    continue
                if kind == _SEND:
                    self._send(probe)
                else:
                    self._deadline(probe, packet)

    def _timer(self, when: float, kind: int, probe: _Probe, packet: int) -> None:
        self.tiebreak += 1
        heapq.heappush(self.timers, (when, self.tiebreak, kind, probe, packet))

    # -- names

    def _resolved(self, probe: _Probe, future: Future) -> None:
        """Runs in a resolver thread: hand the answer to the loop and wake it."""
        if future.cancelled():
            return
        error = future.exception()
        with self.lock:
            self.resolved.append((probe, error if error is not None else future.result()))
        try:
            self.wake_w.send(b"\0")
        except OSError:  # the sweep is over (cancelled lookups) or the pipe is full: the loop polls anyway
            pass

    def _take_resolved(self) -> None:
        try:
            while self.wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass
        with self.lock:
            answers, self.resolved = self.resolved, []
        for probe, answer in answers:
            self.lookups -= 1
            if isinstance(answer, socket.gaierror):
                self._finish_early(probe, Outcome.NAME_NOT_RESOLVED, f"name not resolved: {answer.strerror}")
            elif isinstance(answer, BaseException):
                self._finish_early(probe, Outcome.NAME_NOT_RESOLVED, f"name not resolved: {answer}")
            else:
                probe.family, probe.sendto, probe.expect = answer
                self.ready.append(probe)

    # -- one probe

    def _start(self, probe: _Probe) -> None:
        probe.begin()
        if probe.family in self.refused:
            self._finish_early(probe, Outcome.LOCAL_ERROR, self.refused[probe.family])
            return
        proto = socket.IPPROTO_ICMP if probe.family == socket.AF_INET else socket.IPPROTO_ICMPV6
        try:
            sock = socket.socket(probe.family, socket.SOCK_DGRAM, proto)
        except OSError as exc:
            if exc.errno in (errno.EMFILE, errno.ENFILE) and self.active:
                self.concurrency = self.active  # wait for a socket to close, and stay below this
                self.ready.appendleft(probe)
                return
            message = _socket_error_message(exc, probe.family)
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EAFNOSUPPORT, errno.EPROTONOSUPPORT):
                self.refused[probe.family] = message
            self._finish_early(probe, Outcome.LOCAL_ERROR, message)
            return
        try:
            sock.setblocking(False)
            if probe.family == socket.AF_INET:
                sock.setsockopt(socket.SOL_IP, IP_RECVERR, 1)
                if probe.target.ttl:
                    sock.setsockopt(socket.SOL_IP, socket.IP_TTL, probe.target.ttl)
            else:
                sock.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
                if probe.target.ttl:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, probe.target.ttl)
            try:  # the kernel's receive time, so that a busy loop does not inflate round-trip times
                sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            except OSError:
                pass
            self.selector.register(sock, selectors.EVENT_READ, probe)
        except (OSError, ValueError) as exc:
            sock.close()
            self._finish_early(probe, Outcome.LOCAL_ERROR, f"cannot set up the ICMP socket: {exc}")
            return
        probe.sock = sock
        probe.seq0 = random.randrange(0x10000)  # a stale reply to an earlier socket with this id cannot match
        self.active += 1
        self._send(probe)

    def _send(self, probe: _Probe) -> None:
        target = probe.target
        if probe.stop_sending or probe.sent >= target.packets:
            return
        seq = (probe.seq0 + probe.sent) & 0xFFFF
        wall_before = time.time()
        mono = time.monotonic()
        try:
            try:
                ping3.send_one_ping(probe.sock, probe.sendto, 0, seq, PAYLOAD_SIZE)  # the kernel sets the id
            except OSError:
                # An ICMP error about an earlier packet, not yet read, makes the next send fail with it
                # (the socket's pending error); read it from the error queue and send once more.
                if not self._read_errors(probe):
                    raise
                if probe.done:
                    return
                wall_before, mono = time.time(), time.monotonic()
                ping3.send_one_ping(probe.sock, probe.sendto, 0, seq, PAYLOAD_SIZE)
        except OSError as exc:
            self._send_failed(probe, exc)
            return
        except ping3.errors.PingError as exc:  # HostUnknown: an address ping3 could not read
            probe.outcome, probe.error = Outcome.LOCAL_ERROR, f"cannot send to {probe.sendto}: {exc}"
            probe.stop_sending = True
            self._maybe_finish(probe)
            return
        if probe.ident < 0:
            probe.ident = probe.sock.getsockname()[1]
        probe.sent_mono.append(mono)
        probe.sent_wall.append((wall_before, time.time()))
        probe.rtts.append(None)
        probe.sent += 1
        probe.unresolved += 1
        self._timer(mono + target.timeout, _DEADLINE, probe, probe.sent - 1)
        if probe.sent < target.packets:
            self._timer(mono + target.interval, _SEND, probe, probe.sent)

    def _send_failed(self, probe: _Probe, exc: OSError) -> None:
        """The kernel refused to send: the route lookup here failed, or the socket is not allowed to."""
        reason = f"{errno.errorcode.get(exc.errno or 0, 'error')} on send from this prober: {exc.strerror}"
        if exc.errno == errno.ENETUNREACH:
            probe.outcome, probe.error = Outcome.NETWORK_UNREACHABLE, f"no route to {probe.sendto} ({reason})"
        elif exc.errno == errno.EHOSTUNREACH:
            probe.outcome, probe.error = Outcome.HOST_UNREACHABLE, f"{probe.sendto} unreachable ({reason})"
        else:
            probe.outcome, probe.error = Outcome.LOCAL_ERROR, f"cannot send to {probe.sendto} ({reason})"
        probe.stop_sending = True  # a local refusal repeats for every packet
        self._maybe_finish(probe)

    def _read_errors(self, probe: _Probe) -> int:
        """Read the socket's error queue (which clears its pending error); how many entries it held."""
        count = 0
        while not probe.done:
            try:
                data, ancdata, _, address = probe.sock.recvmsg(576, 512, socket.MSG_ERRQUEUE)
            except OSError:  # BlockingIOError: empty
                break
            count += 1
            self._icmp_error(probe, data, ancdata, address)
        return count

    def _read(self, probe: _Probe) -> None:
        sock = probe.sock
        self._read_errors(probe)  # first: reading the queue clears the error a plain read would raise
        if probe.done:
            return
        for _ in range(64):  # bounded: a flood of strays must not starve the other sockets
            try:
                data, ancdata, _, address = sock.recvmsg(576, 64)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:  # an error the queue above already reported, delivered once more: skip it
                continue
            self._reply(probe, data, ancdata, address)
            if probe.done:
                return

    def _packet_of(self, probe: _Probe, seq: int) -> int:
        """The index of the packet this sequence number belongs to, or -1 when it is none of ours."""
        packet = (seq - probe.seq0) & 0xFFFF
        return packet if packet < probe.sent else -1

    def _reply(self, probe: _Probe, data: bytes, ancdata: list, address: tuple) -> None:
        if len(data) < 8 or socket.inet_pton(probe.family, address[0].split("%", 1)[0]) != probe.expect:
            return  # another address answered (a multicast or broadcast target, a stale reply): not our target
        header = ping3.read_icmp_header(data[:8])
        if header["type"] != ECHO_REPLY[probe.family] or header["id"] != probe.ident:
            return
        packet = self._packet_of(probe, header["seq"])
        if packet < 0 or probe.rtts[packet] is not None:
            return  # not a packet of ours, or a duplicate
        mono_rtt = time.monotonic() - probe.sent_mono[packet]
        rtt = mono_rtt
        # The send time ping3 wrote into the payload, if the reply echoes it (RFC 792 says it must; a
        # device that mangles the payload still counts as answering, with the time taken before send).
        wall_before, wall_after = probe.sent_wall[packet]
        (echoed,) = struct.unpack("!d", data[8:16]) if len(data) >= 16 else (0.0,)
        sent_at = echoed if wall_before <= echoed <= wall_after else wall_before
        for level, kind, value in ancdata:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
                seconds, nanoseconds = struct.unpack("=qq", value[:16])
                kernel_rtt = seconds + nanoseconds / 1e9 - sent_at
                if 0 <= kernel_rtt <= mono_rtt:  # else the wall clock stepped: keep the monotonic figure
                    rtt = kernel_rtt
        if rtt > probe.target.timeout:
            return  # arrived after its deadline: lost, as ping counts it
        probe.rtts[packet] = rtt * 1000.0
        probe.received += 1
        self._resolve_packet(probe)

    def _icmp_error(self, probe: _Probe, data: bytes, ancdata: list, address: tuple) -> None:
        """An ICMP error about one of our packets (or a local one), from the socket's error queue."""
        if len(data) < 8:
            return
        original = ping3.read_icmp_header(data[:8])
        packet = self._packet_of(probe, original["seq"])
        if packet < 0 or probe.rtts[packet] is not None:
            return
        if address and socket.inet_pton(probe.family, address[0].split("%", 1)[0]) != probe.expect:
            return  # about a packet to another address
        for level, kind, value in ancdata:
            if (level, kind) not in ((socket.SOL_IP, IP_RECVERR), (socket.IPPROTO_IPV6, IPV6_RECVERR)):
                continue
            if len(value) < EXTENDED_ERR.size:
                continue
            err, origin, icmp_type, code, _, _, _ = EXTENDED_ERR.unpack_from(value)
            offender = _offender(value[EXTENDED_ERR.size :])
            outcome, text = _classify(probe.family, err, origin, icmp_type, code, offender)
            if outcome is None:
                return  # a redirect or a source quench: the packet may still be answered
            probe.outcome, probe.error = outcome, text
            probe.rtts[packet] = -1.0  # settled without a reply
            self._resolve_packet(probe)
            return

    def _deadline(self, probe: _Probe, packet: int) -> None:
        if probe.rtts[packet] is not None:
            return
        self._read(probe)  # a reply may sit unread in the socket: the kernel's time decides
        if probe.done or probe.rtts[packet] is not None:
            return
        probe.rtts[packet] = -1.0
        self._resolve_packet(probe)

    def _resolve_packet(self, probe: _Probe) -> None:
        probe.unresolved -= 1
        self._maybe_finish(probe)

    def _maybe_finish(self, probe: _Probe) -> None:
        if probe.unresolved > 0 or (probe.sent < probe.target.packets and not probe.stop_sending):
            return
        self.selector.unregister(probe.sock)
        probe.sock.close()
        self.active -= 1
        self._finish(probe)

    def _finish_early(self, probe: _Probe, outcome: Outcome, error: str) -> None:
        probe.begin()
        probe.outcome, probe.error = outcome, error
        self._finish(probe)

    def _finish(self, probe: _Probe) -> None:
        probe.done = True
        rtts = [rtt for rtt in probe.rtts if rtt is not None and rtt >= 0]
        if rtts:
            outcome, error = Outcome.OK, ""
        elif probe.outcome is not None:
            outcome, error = probe.outcome, probe.error
        else:
            outcome = Outcome.TIMEOUT
            error = f"no reply within {probe.target.timeout:g} s to {probe.sent} packet{'s' * (probe.sent != 1)}"
        jitter = None
        if len(rtts) > 1:
            jitter = round(sum(abs(b - a) for a, b in itertools.pairwise(rtts)) / (len(rtts) - 1), 3)
        self.results[probe.index] = IcmpResult(
            key=probe.target.key,
            address=probe.target.address,
            outcome=outcome,
            sent=probe.sent,
            received=probe.received,
            rtt_min=round(min(rtts), 3) if rtts else None,
            rtt_avg=round(sum(rtts) / len(rtts), 3) if rtts else None,
            rtt_max=round(max(rtts), 3) if rtts else None,
            jitter=jitter,
            started=datetime.fromtimestamp(probe.start_wall, UTC),
            duration=round(time.monotonic() - probe.start_mono, 6),
            error=error,
            resolved=probe.sendto,
        )


def _bad_parameters(target: IcmpTarget) -> str:
    if not isinstance(target.address, str) or not target.address.strip():
        return "no address to probe"
    if target.packets < 1 or target.timeout <= 0 or target.interval < 0:
        return f"bad probe parameters: packets={target.packets}, timeout={target.timeout}, interval={target.interval}"
    if target.ttl is not None and not 1 <= target.ttl <= 255:
        return f"bad probe parameters: ttl={target.ttl}"
    return ""


def _offender(raw: bytes) -> str:
    """The address in the sockaddr after sock_extended_err: the router (or this host) that reported."""
    if len(raw) >= 8 and int.from_bytes(raw[:2], "little") == socket.AF_INET:
        return socket.inet_ntop(socket.AF_INET, raw[4:8])
    if len(raw) >= 24 and int.from_bytes(raw[:2], "little") == socket.AF_INET6:
        return socket.inet_ntop(socket.AF_INET6, raw[8:24])
    return "?"


def _classify(
    family: int, err: int, origin: int, icmp_type: int, code: int, offender: str
) -> tuple[Outcome | None, str]:
    """The outcome of an error-queue entry, and a short message saying who reported what."""
    if origin not in (SO_EE_ORIGIN_ICMP, SO_EE_ORIGIN_ICMP6):
        return Outcome.LOCAL_ERROR, f"local error after send: {os.strerror(err)}"
    if icmp_type in IGNORED_TYPES[family]:
        return None, ""
    said = f"(ICMP{'v6' if family == socket.AF_INET6 else ''} type {icmp_type} code {code} from {offender})"
    unreachable, exceeded, problem = (
        (ICMP4_UNREACHABLE, ICMP4_TIME_EXCEEDED, ICMP4_PARAMETER_PROBLEM)
        if family == socket.AF_INET
        else (ICMP6_UNREACHABLE, ICMP6_TIME_EXCEEDED, ICMP6_PARAMETER_PROBLEM)
    )
    if icmp_type == unreachable:
        network = code in (NETWORK_CODES_V4 if family == socket.AF_INET else NETWORK_CODES_V6)
        if network:
            return Outcome.NETWORK_UNREACHABLE, f"network unreachable {said}"
        return Outcome.HOST_UNREACHABLE, f"host unreachable {said}"
    if icmp_type == exceeded:
        return Outcome.TTL_EXCEEDED, f"time exceeded in transit {said}"
    if icmp_type == problem:
        return Outcome.ERROR, f"parameter problem {said}"
    return Outcome.ERROR, f"ICMP error {said}"


def sweep(targets: Sequence[IcmpTarget], *, concurrency: int = DEFAULT_CONCURRENCY) -> list[IcmpResult]:
    """Probe every target, at most ``concurrency`` at a time; one result per target, in the same order."""
    if not targets:
        return []
    return _Sweep(targets, concurrency).run()
