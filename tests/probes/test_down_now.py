"""What is down now, folded in SQL (topology.down_now), pinned to the Python rule it replaces on the
status page (topology.snapshot over every enabled check's state): the same down devices and sites,
the same "since" times and counts, on a city of mixed states built by hand and on random ones."""

import datetime
import itertools
import random

import pytest
from django.utils import timezone

from infra.inventory.choices import DeviceKind, SiteKind
from infra.inventory.models import Device
from infra.probes import topology
from infra.probes.models import Check, CheckStatus
from infra.probes.state import State
from tests.factories import DeviceFactory, FiberLinkFactory, SiteFactory

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)
_addresses = itertools.count()


def python_rule() -> topology.DownNow:
    """The status page's answer as it was computed before: every enabled check's state read into
    Python, devices and sites folded by ``snapshot``, "since" the latest down check of each device."""
    rows = list(CheckStatus.objects.filter(probe_check__enabled=True).values_list(*topology.STATUS_COLUMNS, "since"))
    snap = topology.snapshot([row[:5] for row in rows])
    since: dict[int, datetime.datetime] = {}
    for device_id, _site, _org, state, _kind, moment in rows:
        if state == "down" and moment and device_id:
            since[device_id] = max(since.get(device_id, moment), moment)
    down_devices = {pk for pk, agg in snap.devices.items() if agg.state is State.DOWN}
    info = {
        pk: (site_id, org_id, kind, name)
        for pk, site_id, org_id, kind, name in Device.objects.filter(pk__in=down_devices).values_list(
            "pk", "site_id", "organization_id", "kind", "name"
        )
    }
    return topology.DownNow(
        devices=info,
        since=since,
        sites={pk for pk, agg in snap.sites.items() if agg.state is State.DOWN},
        down_checks=sum(1 for row in rows if row[3] == "down"),
        unknown_checks=sum(1 for row in rows if row[3] == "unknown"),
    )


def _check(device, kind: str, state: str, since, *, enabled: bool = True) -> Check:
    n = next(_addresses)
    check = Check.objects.create(device=device, kind=kind, address=f"127.31.{n // 250}.{n % 250 + 1}")
    CheckStatus.objects.filter(probe_check=check).update(state=state, since=since)
    if not enabled:
        Check.objects.filter(pk=check.pk).update(enabled=False)  # as the scheduler finds it: a state left behind
    return check


def test_a_city_of_mixed_states_folds_in_sql_as_in_python():
    now = timezone.now().replace(microsecond=0)
    t1, t2, t3 = now - 3 * HOUR, now - 2 * HOUR, now - HOUR
    dc = SiteFactory(kind=SiteKind.DATA_CENTER, name="DC")
    a, b, c, d, e = (SiteFactory(name=f"Kantor {x}") for x in "ABCDE")
    for site in (a, b, c, d, e):
        FiberLinkFactory(site_a=dc, site_b=site)

    def device(site, name, kind=DeviceKind.SERVER):
        return DeviceFactory(site=site, organization=site.organization, name=name, kind=kind)

    # A: every device down, one through SNMP alone (no ICMP check): A is down
    a1, a2 = device(a, "a1"), device(a, "a2", DeviceKind.SWITCH)
    _check(a1, "icmp", "down", t1)
    _check(a2, "snmp", "down", t2)
    # B: ICMP down but the agent answers: reachability is ICMP's, the device is down; its SNMP check
    # went down later than nothing, so its time is the ICMP one. b2 is up by ICMP with a dead agent.
    b1, b2 = device(b, "b1"), device(b, "b2")
    _check(b1, "icmp", "down", t1)
    _check(b1, "snmp", "up", t1)
    _check(b2, "icmp", "up", t1)
    _check(b2, "snmp", "down", t3)
    # C: one device down, one unknown, one down only by a disabled check (ignored): C is down
    c1, c2, c3 = device(c, "c1"), device(c, "c2"), device(c, "c3")
    _check(c1, "icmp", "down", t2)
    _check(c1, "icmp", "down", t3)  # two ICMP checks down: the device's time is the later one
    _check(c2, "icmp", "unknown", None)
    _check(c2, "snmp", "down", t1)  # health, not reachability: c2 stays unknown, yet has a down time
    _check(c3, "icmp", "down", t1, enabled=False)
    # D: an ICMP check without a status row (a check just made): the device falls back to SNMP
    d1 = device(d, "d1")
    CheckStatus.objects.filter(probe_check=_check(d1, "icmp", "up", t1)).delete()
    _check(d1, "snmp", "down", t2)
    # E: its one device unknown by ICMP with a dead agent: nothing at E is down, E is unknown
    e1 = device(e, "e1")
    _check(e1, "icmp", "unknown", None)
    _check(e1, "snmp", "down", t3)
    # a check of no device counts in the totals only
    _check(None, "icmp", "down", t1)
    _check(None, "icmp", "unknown", None)

    found = topology.down_now()
    assert set(found.devices) == {a1.pk, a2.pk, b1.pk, c1.pk, d1.pk}
    assert found.devices[a2.pk] == (a.pk, a.organization_id, DeviceKind.SWITCH, "a2")
    assert found.sites == {a.pk, c.pk, d.pk}
    assert found.since == {a1.pk: t1, a2.pk: t2, b1.pk: t1, b2.pk: t3, c1.pk: t3, c2.pk: t1, d1.pk: t2, e1.pk: t3}
    assert (found.down_checks, found.unknown_checks) == (10, 3)  # not the disabled one
    assert found == python_rule()


def test_nothing_down_still_gives_the_totals():
    device = DeviceFactory()
    _check(device, "icmp", "unknown", None)
    _check(device, "icmp", "up", timezone.now())
    found = topology.down_now()
    assert (found.devices, found.sites, found.since) == ({}, set(), {})
    assert (found.down_checks, found.unknown_checks) == (0, 1)
    assert found == python_rule()


def test_an_empty_city():
    assert topology.down_now() == topology.DownNow(devices={}, since={}, sites=set(), down_checks=0, unknown_checks=0)


@pytest.mark.parametrize("seed", range(12))
def test_random_cities_fold_in_sql_as_in_python(seed):
    rnd = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    dc = SiteFactory(kind=SiteKind.DATA_CENTER)
    sites = [dc]
    for _ in range(rnd.randint(2, 6)):
        site = SiteFactory()
        FiberLinkFactory(site_a=rnd.choice(sites), site_b=site)
        sites.append(site)
    # states weighted towards down, so that whole sites go down as well as single devices
    states = ["up", "down", "down", "unknown"]
    for site in sites:
        for _ in range(rnd.randint(0, 4)):
            device = DeviceFactory(site=site, organization=site.organization, kind=rnd.choice(list(DeviceKind)))
            kinds = ["icmp"] * rnd.randint(0, 2) + ["snmp"] * rnd.randint(0, 1)  # one SNMP check at most
            for kind in kinds or ["snmp"]:
                state = rnd.choice(states)
                since = None if state == "unknown" and rnd.random() < 0.5 else now - rnd.randint(1, 500) * HOUR
                check = _check(device, kind, state, since, enabled=rnd.random() > 0.1)
                if rnd.random() < 0.05:
                    CheckStatus.objects.filter(probe_check=check).delete()
    for _ in range(rnd.randint(0, 2)):
        _check(None, "icmp", rnd.choice(states), now)
    assert topology.down_now() == python_rule()
