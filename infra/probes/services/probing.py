"""Probe checks now: build the engines' targets, run them, and hand the observations to ``recording``.

Used by the scheduled chunks (``scheduling``) and by ``manage.py probe run``. Before trusting a chunk's
results, a prober checks its own reference target (``SIMPUL_PROBE_REFERENCE``): if that does not
answer, the prober itself is cut off and its results say nothing about the city (they are kept, and
the checks' state becomes unknown)."""

import datetime
import ipaddress
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from infra.inventory.models import Interface

from ..choices import CheckKind
from ..engines import icmp, snmp
from ..engines.base import Outcome
from ..models import Check, Prober, WebsiteStatus
from . import websites
from .recording import Observation, record

log = logging.getLogger(__name__)

REFERENCE_TTL = 20.0  # seconds a reference check is trusted before it is done again
_reference_cache: dict[str, tuple[float, bool]] = {}
_reference_lock = threading.Lock()


def prober_name() -> str:
    return settings.SIMPUL_PROBER_NAME or socket.gethostname()


def current_prober() -> Prober:
    prober, _ = Prober.objects.get_or_create(name=prober_name()[:200])
    return prober


def reference_answers(prober: Prober) -> bool:
    """Whether this prober reaches its reference target (True when none is set)."""
    reference = settings.SIMPUL_PROBE_REFERENCE
    if not reference:
        return True
    with _reference_lock:
        cached = _reference_cache.get(reference)
        if cached and time.monotonic() - cached[0] < REFERENCE_TTL:
            return cached[1]
        (result,) = icmp.sweep([icmp.IcmpTarget(key="reference", address=reference, packets=3, timeout=1.0)])
        answered = Outcome(result.outcome).answered
        _reference_cache[reference] = (time.monotonic(), answered)
    Prober.objects.filter(pk=prober.pk).update(
        reference=reference, reference_ok=answered, reference_at=timezone.now(), last_seen=timezone.now()
    )
    if not answered:
        log.warning("Prober %s: its reference %s does not answer; its results count as unknown.", prober, reference)
    return answered


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.SIMPUL_PROBE_NETWORKS]


def refused(address: str) -> str:
    """Why ``address`` may not be probed from here ("" when it may): SIMPUL_PROBE_NETWORKS, when set,
    lists the only networks probes go to (the tests and the demo allow loopback only)."""
    networks = _allowed_networks()
    if not networks:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "host names are not probed while SIMPUL_PROBE_NETWORKS is set"
    if any(ip.version == n.version and ip in n for n in networks):
        return ""
    return f"{address} is outside SIMPUL_PROBE_NETWORKS"


def _fiber_if_indexes(device_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """{device id: ifIndexes of its interfaces that fiber links end on}."""
    rows = (
        Interface.objects.filter(device_id__in=list(device_ids), if_index__isnull=False)
        .filter(Q(fiber_links_a__isnull=False) | Q(fiber_links_b__isnull=False))
        .values_list("device_id", "if_index")
        .distinct()
    )
    found: dict[int, set[int]] = {}
    for device_id, if_index in rows:
        found.setdefault(device_id, set()).add(if_index)
    return {k: tuple(sorted(v)) for k, v in found.items()}


CUT_OFF = "prober cut off: its reference target did not answer"


def _icmp_observation(result: icmp.IcmpResult, slot: datetime.datetime, trustworthy: bool) -> Observation:
    return Observation(
        check_id=result.key,
        time=slot,
        outcome=int(result.outcome),
        sent=result.sent,
        received=result.received,
        rtt_min=result.rtt_min or 0.0,
        rtt_avg=result.rtt_avg or 0.0,
        rtt_max=result.rtt_max or 0.0,
        jitter=result.jitter or 0.0,
        trustworthy=trustworthy,
        note="" if trustworthy else CUT_OFF,
    )


def _snmp_observation(result: snmp.SnmpResult, slot: datetime.datetime, trustworthy: bool) -> Observation:
    answered = Outcome(result.outcome).answered
    rtt = result.rtt or 0.0
    return Observation(
        check_id=result.key,
        time=slot,
        outcome=int(result.outcome),
        sent=max(result.requests, 1),
        received=max(result.requests, 1) if answered else 0,
        rtt_min=rtt,
        rtt_avg=rtt,
        rtt_max=rtt,
        trustworthy=trustworthy,
        note="" if trustworthy else CUT_OFF,
        sys_name=result.sys_name,
        sys_descr=result.sys_descr,
        sys_uptime=result.sys_uptime,
        interfaces=dict(result.interfaces),
        observed_at=result.started + datetime.timedelta(seconds=result.duration),
    )


def observe(
    checks: Sequence[Check],
    slots: dict[int, datetime.datetime],
    prober: Prober,
    progress: Callable[[int], None] | None = None,
) -> list[Observation]:
    """Probe ``checks`` (with their credentials and website statuses loaded) for their slots; refused
    targets are not probed. HTTP checks also write their website status (``websites.record``)."""
    trustworthy = reference_answers(prober)
    observations: list[Observation] = []
    icmp_targets, snmp_targets = [], []
    http_checks, refused_http = [], []
    for check in checks:
        # A website's host name is resolved by the HTTP engine, which asks ``refused`` about every address
        # it resolves to (every redirect's too): only a literal IP is refused here.
        why = refused(check.address) if check.kind != CheckKind.HTTP or _is_ip(check.address) else ""
        if why:
            observations.append(
                Observation(check.pk, slots[check.pk], int(Outcome.LOCAL_ERROR), trustworthy=trustworthy)
            )
            if check.kind == CheckKind.HTTP:
                refused_http.append((check.pk, why))
            continue
        if check.kind == CheckKind.ICMP:
            icmp_targets.append(
                icmp.IcmpTarget(key=check.pk, address=check.address, packets=check.packets, timeout=check.timeout)
            )
        elif check.kind == CheckKind.HTTP:
            http_checks.append(check)
        else:
            snmp_targets.append(check)
    if icmp_targets:
        for result in icmp.sweep(
            icmp_targets, concurrency=settings.SIMPUL_PROBE_CONCURRENCY or icmp.DEFAULT_CONCURRENCY
        ):
            observations.append(_icmp_observation(result, slots[result.key], trustworthy))
        if progress:
            progress(len(icmp_targets))
    if snmp_targets:
        if_indexes = _fiber_if_indexes(c.device_id for c in snmp_targets)
        targets = []
        for check in snmp_targets:
            cred = check.credential
            targets.append(
                snmp.SnmpTarget(
                    key=check.pk,
                    address=check.address,
                    port=check.port,
                    version=cred.version,
                    community=cred.community,
                    username=cred.username,
                    auth_protocol=cred.auth_protocol,
                    auth_key=cred.auth_key,
                    priv_protocol=cred.priv_protocol,
                    priv_key=cred.priv_key,
                    timeout=check.timeout,
                    retries=check.retries,
                    if_indexes=if_indexes.get(check.device_id, ()),
                )
            )
        for result in snmp.poll(targets):
            observations.append(_snmp_observation(result, slots[result.key], trustworthy))
        if progress:
            progress(len(snmp_targets))
    if http_checks or refused_http:
        observations.extend(_observe_http(http_checks, slots, trustworthy, refused_http))
        if progress:
            progress(len(http_checks))
    return observations


def _is_ip(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _stored_website(check: Check):
    """The check's WebsiteStatus (loaded with ``select_related("website")``), or None before its first run."""
    try:
        return check.website
    except WebsiteStatus.DoesNotExist:
        return None


def freshness_due(check: Check, now: datetime.datetime) -> bool:
    """Whether this run also looks for the site's last update (feeds, sitemap, news, fingerprint): at
    most every SIMPUL_WEBSITE_FRESHNESS_HOURS, the other runs fetch the home page only."""
    stored = _stored_website(check)
    if stored is None or stored.freshness_at is None:
        return True
    return now - stored.freshness_at >= datetime.timedelta(hours=settings.SIMPUL_WEBSITE_FRESHNESS_HOURS)


def http_targets(checks: Sequence[Check], now: datetime.datetime) -> list:
    from ..engines import http

    return [
        http.HttpTarget(
            key=c.pk, url=c.url, timeout=c.timeout, expect_text=c.expect_text, freshness=freshness_due(c, now)
        )
        for c in checks
    ]


def _http_observation(result, slot: datetime.datetime, trustworthy: bool) -> Observation:
    answered = Outcome(result.outcome).answered
    note = CUT_OFF if not trustworthy else ("" if answered else (result.detail or "")[:300])
    return Observation(
        check_id=result.key,
        time=slot,
        outcome=int(result.outcome),
        sent=1,
        received=1 if answered else 0,
        rtt_min=result.ttfb_ms or 0.0,
        rtt_avg=result.total_ms or 0.0,
        rtt_max=result.total_ms or 0.0,
        trustworthy=trustworthy,
        note=note,
    )


def _observe_http(
    checks: Sequence[Check],
    slots: dict[int, datetime.datetime],
    trustworthy: bool,
    refused_checks: Sequence[tuple[int, str]] = (),
) -> list[Observation]:
    """Fetch the websites (one request per check, and the freshness scan when due), write what they
    found (``websites.record``; a refused one, why) and give their observations (the refused ones
    have theirs already). A cut-off prober's findings say nothing of the sites: their stored website
    status is left as it was."""
    from ..engines import http

    results = []
    if checks:
        results = http.check(
            http_targets(checks, timezone.now()),
            concurrency=settings.SIMPUL_HTTP_CONCURRENCY,
            per_host=settings.SIMPUL_HTTP_PER_HOST,
            user_agent=settings.SIMPUL_HTTP_USER_AGENT,
            ca_file=settings.SIMPUL_HTTP_CA_FILE,
            allowed=refused,
        )
    if trustworthy:
        now = timezone.now()
        fenced = [
            http.HttpResult(key=pk, outcome=Outcome.LOCAL_ERROR, started=now, detail=why) for pk, why in refused_checks
        ]
        websites.record([*results, *fenced], now)
    return [_http_observation(r, slots[r.key], trustworthy) for r in results]


def probe_now(
    checks: Sequence[Check], progress: Callable[[int], None] | None = None, chunk: int | None = None
) -> tuple[list[Observation], dict[str, int]]:
    """Probe ``checks`` at once (``manage.py probe run``), chunk by chunk, and record the results."""
    prober = current_prober()
    chunk = chunk or settings.SIMPUL_PROBE_CHUNK
    slot = timezone.now().replace(microsecond=0)
    everything: list[Observation] = []
    totals = {"results": 0, "applied": 0, "events": 0}
    for i in range(0, len(checks), chunk):
        part = checks[i : i + chunk]
        observations = observe(part, {c.pk: slot for c in part}, prober, progress)
        for key, value in record(observations, prober.pk).items():
            totals[key] += value
        everything.extend(observations)
    return everything, totals


def worker_label() -> str:
    return f"{prober_name()}:{os.getpid()}"
