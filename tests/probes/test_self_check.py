"""The prober checks itself: when its reference target does not answer, its results count as unknown
(the consumer is cut off), not as an outage of everything it probes.

The silent reference lives in a network namespace this test makes: a veth pair from the machine's
namespace into it, a /32 routed there and blackholed inside (DEVELOPERS.md's network rule)."""

import datetime
import os
import secrets
import subprocess

import pytest
from django.utils import timezone

from infra.probes.engines import icmp
from infra.probes.models import Check, CheckEvent, CheckStatus, Downtime, Prober
from infra.probes.services import probing, scheduling
from tests.factories import DeviceFactory
from tests.probes.netns import lab_skip_reason

pytestmark = [
    pytest.mark.skipif(bool(lab_skip_reason()), reason=lab_skip_reason() or "-"),
    pytest.mark.skipif(not icmp.icmp_permitted()[0], reason=icmp.icmp_permitted()[1]),
]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def silent_reference():
    """An address routed from this namespace into a namespace of the test's own, dropped there."""
    n = os.getpid() % 8000
    link = f"198.19.{128 + n // 64}.{(n % 64) * 4}"  # a /30 per test process
    base = link.rsplit(".", 1)[0]
    last = int(link.rsplit(".", 1)[1])
    near, far = f"{base}.{last + 1}", f"{base}.{last + 2}"
    target = f"198.18.200.{1 + n % 250}"
    ns = f"simpul-ref-{os.getpid()}-{secrets.token_hex(2)}"
    veth = f"sr{secrets.token_hex(3)}"
    _ip("netns", "add", ns)
    try:
        _ip("link", "add", veth, "type", "veth", "peer", "name", f"{veth}p")
        _ip("link", "set", f"{veth}p", "netns", ns)
        _ip("addr", "add", f"{near}/30", "dev", veth)
        _ip("link", "set", veth, "up")
        _ip("-n", ns, "addr", "add", f"{far}/30", "dev", f"{veth}p")
        _ip("-n", ns, "link", "set", f"{veth}p", "up")
        _ip("-n", ns, "route", "add", "blackhole", f"{target}/32")
        _ip("route", "add", f"{target}/32", "via", far)
        yield target
    finally:
        subprocess.run(["ip", "route", "del", f"{target}/32"], capture_output=True)
        subprocess.run(["ip", "link", "del", veth], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def _sweep(minute: int) -> None:
    runs: list[int] = []
    scheduling.schedule(enqueue=runs.append, now=timezone.now() + datetime.timedelta(seconds=61 * minute))
    for run_id in runs:
        scheduling.run_chunk(run_id)
    CheckStatus.objects.update(lease_until=None)


@pytest.mark.django_db(transaction=True)
def test_a_cut_off_prober_makes_states_unknown_not_down(settings, silent_reference):
    device = DeviceFactory()
    checks = [Check.objects.create(device=device, address=f"127.5.0.{i}", packets=1, timeout=0.5) for i in (1, 2)]
    CheckStatus.objects.update(next_due=timezone.now() - datetime.timedelta(seconds=1))
    settings.SIMPUL_PROBE_REFERENCE = "127.0.0.1"
    probing._reference_cache.clear()
    _sweep(0)
    _sweep(1)
    assert set(CheckStatus.objects.values_list("state", flat=True)) == {"up"}
    # the prober's own uplink goes: its reference stops answering
    settings.SIMPUL_PROBE_REFERENCE = silent_reference
    probing._reference_cache.clear()
    for minute in (2, 3, 4):
        _sweep(minute)
    assert set(CheckStatus.objects.values_list("state", flat=True)) == {"unknown"}
    assert not Downtime.objects.exists()
    cut = CheckEvent.objects.filter(new_state="unknown")
    assert cut.count() == len(checks) and all("prober cut off" in e.detail for e in cut)
    prober = Prober.objects.get(name=probing.prober_name())
    assert (prober.reference, prober.reference_ok) == (silent_reference, False)


@pytest.mark.django_db
def test_the_reference_answer_is_remembered_for_a_while(settings, silent_reference):
    prober = Prober.objects.create(name="p")
    settings.SIMPUL_PROBE_REFERENCE = silent_reference
    probing._reference_cache.clear()
    assert probing.reference_answers(prober) is False
    settings.SIMPUL_PROBE_REFERENCE = "127.0.0.1"
    assert probing.reference_answers(prober) is True  # another target: probed, not the cached answer
    settings.SIMPUL_PROBE_REFERENCE = ""
    assert probing.reference_answers(prober) is True  # no reference: the self-check is off
