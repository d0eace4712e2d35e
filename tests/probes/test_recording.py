"""Writing results moves each check's state by the rules, once: events, downtimes, reboots,
interfaces, maintenance and the sites cut off behind a down site."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from infra.inventory.choices import SiteKind
from infra.probes import selectors
from infra.probes.choices import CheckKind, EventKind
from infra.probes.engines.base import Outcome
from infra.probes.engines.snmp import InterfaceReading
from infra.probes.models import (
    Check,
    CheckEvent,
    CheckStatus,
    Downtime,
    InterfaceStatus,
    MaintenanceWindow,
    Prober,
    Result,
    SnmpCredential,
)
from infra.probes.services.recording import Observation, record
from tests.factories import DeviceFactory, FiberLinkFactory, InterfaceFactory, SiteFactory

pytestmark = pytest.mark.django_db
T0 = datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def prober():
    return Prober.objects.create(name="test")


@pytest.fixture
def city():
    """The data center, site A on its fiber, and site B reached only through A; a server at each."""
    dc = SiteFactory(kind=SiteKind.DATA_CENTER, name="DC")
    a, b = SiteFactory(name="A"), SiteFactory(name="B")
    FiberLinkFactory(site_a=dc, site_b=a)
    FiberLinkFactory(site_a=a, site_b=b)
    checks = {}
    for site in (dc, a, b):
        device = DeviceFactory(site=site, organization=site.organization)
        checks[site.name] = Check.objects.create(device=device, address=f"127.0.9.{len(checks) + 1}")
    return {"dc": dc, "a": a, "b": b, "checks": checks}


def ok(check, at, rtt=1.0):
    return Observation(check.pk, at, int(Outcome.OK), 3, 3, rtt, rtt, rtt, 0.0)


def fail(check, at, outcome=Outcome.TIMEOUT):
    return Observation(check.pk, at, int(outcome), 3, 0)


def status(check):
    return CheckStatus.objects.get(probe_check=check)


def test_state_follows_the_rules_with_events_and_a_downtime(city, prober):
    check = city["checks"]["A"]
    record([ok(check, T0)], prober.pk)
    assert status(check).state == "unknown"  # one success is not yet up (up after 2)
    record([ok(check, T0 + MINUTE)], prober.pk)
    assert (status(check).state, status(check).since) == ("up", T0 + MINUTE)
    for i in range(2, 4):
        record([fail(check, T0 + i * MINUTE)], prober.pk)
    assert status(check).state == "up"  # two failures are not yet down (down after 3)
    record([fail(check, T0 + 4 * MINUTE, Outcome.HOST_UNREACHABLE)], prober.pk)
    s = status(check)
    assert (s.state, s.since, s.last_outcome) == ("down", T0 + 4 * MINUTE, int(Outcome.HOST_UNREACHABLE))
    downtime = Downtime.objects.get(probe_check=check)
    assert (downtime.start, downtime.end, downtime.cause) == (T0 + 4 * MINUTE, None, int(Outcome.HOST_UNREACHABLE))
    record([ok(check, T0 + 5 * MINUTE), ok(check, T0 + 6 * MINUTE)], prober.pk)
    downtime.refresh_from_db()
    assert downtime.end == T0 + 6 * MINUTE
    states = list(
        CheckEvent.objects.filter(probe_check=check, kind=EventKind.STATE).order_by("at").values_list("new_state", "at")
    )
    assert states == [("up", T0 + MINUTE), ("down", T0 + 4 * MINUTE), ("up", T0 + 6 * MINUTE)]
    assert Result.objects.filter(probe_check=check).count() == 7


def test_recording_the_same_results_again_changes_nothing(city, prober):
    check = city["checks"]["A"]
    batch = [ok(check, T0), ok(check, T0 + MINUTE)] + [fail(check, T0 + i * MINUTE) for i in range(2, 5)]
    record(batch, prober.pk)
    before = (
        Result.objects.count(),
        CheckEvent.objects.count(),
        Downtime.objects.count(),
        CheckStatus.objects.values_list("state", "since", "failures", "history").get(probe_check=check),
    )
    counts = record(batch, prober.pk)
    counts_again = record(list(reversed(batch)), prober.pk)
    assert counts["applied"] == 0 and counts_again["applied"] == 0
    after = (
        Result.objects.count(),
        CheckEvent.objects.count(),
        Downtime.objects.count(),
        CheckStatus.objects.values_list("state", "since", "failures", "history").get(probe_check=check),
    )
    assert after == before


def test_results_of_a_cut_off_prober_make_the_state_unknown(city, prober):
    check = city["checks"]["A"]
    record([ok(check, T0), ok(check, T0 + MINUTE)], prober.pk)
    cut_off = fail(check, T0 + 2 * MINUTE)
    cut_off.trustworthy, cut_off.note = False, "prober cut off: its reference target did not answer"
    record([cut_off], prober.pk)
    assert status(check).state == "unknown"
    event = CheckEvent.objects.filter(probe_check=check).latest("at")
    assert (event.new_state, event.at) == ("unknown", T0 + 2 * MINUTE)
    assert "prober cut off" in event.detail
    assert not Downtime.objects.exists()  # not an outage


def test_a_site_behind_a_down_site_names_it_and_its_alerts_are_held(city, prober):
    a, b = city["checks"]["A"], city["checks"]["B"]
    record([ok(c, T0 + i * MINUTE) for c in (a, b) for i in range(2)], prober.pk)
    record([fail(c, T0 + i * MINUTE) for c in (a, b) for i in range(2, 5)], prober.pk)
    down_b = CheckEvent.objects.get(probe_check=b, new_state="down")
    down_a = CheckEvent.objects.get(probe_check=a, new_state="down")
    assert down_b.root_cause_id == city["a"].pk and down_b.held
    assert down_a.root_cause_id is None and not down_a.held
    assert Downtime.objects.get(probe_check=b).root_cause_id == city["a"].pk


def test_a_downstream_site_that_went_down_first_gets_its_cause_when_the_upstream_one_follows(city, prober):
    a, b = city["checks"]["A"], city["checks"]["B"]
    record([ok(c, T0 + i * MINUTE) for c in (a, b) for i in range(2)], prober.pk)
    record([fail(b, T0 + i * MINUTE) for i in range(2, 5)], prober.pk)  # B's chunk first
    assert CheckEvent.objects.get(probe_check=b, new_state="down").root_cause_id is None
    record([fail(a, T0 + i * MINUTE) for i in range(2, 5)], prober.pk)  # then A's
    assert CheckEvent.objects.get(probe_check=b, new_state="down").root_cause_id == city["a"].pk


def test_changes_in_a_maintenance_window_are_held(city, prober):
    check = city["checks"]["A"]
    MaintenanceWindow.objects.create(site=city["a"], start=T0, end=T0 + datetime.timedelta(hours=1), reason="ganti UPS")
    record([ok(check, T0), ok(check, T0 + MINUTE)] + [fail(check, T0 + i * MINUTE) for i in range(2, 5)], prober.pk)
    assert all(CheckEvent.objects.filter(probe_check=check).values_list("held", flat=True))


def test_flapping_is_recorded_and_its_changes_held(city, prober):
    check = Check.objects.create(address="127.0.9.9", device=city["checks"]["A"].device, down_after=1, up_after=1)
    record([(ok if i % 2 else fail)(check, T0 + i * MINUTE) for i in range(21)], prober.pk)
    kinds = list(CheckEvent.objects.filter(probe_check=check).order_by("at").values_list("kind", "held"))
    assert (EventKind.FLAP_START, False) in kinds or (EventKind.FLAP_START, True) in kinds
    start = next(i for i, (kind, _) in enumerate(kinds) if kind == EventKind.FLAP_START)
    assert all(held for kind, held in kinds[start + 1 :] if kind == EventKind.STATE)
    assert status(check).flapping


@pytest.fixture
def snmp_check(city):
    device = city["checks"]["A"].device
    cred = SnmpCredential.objects.create(name="v2", community="public-test")
    check = Check.objects.create(kind=CheckKind.SNMP, device=device, address="127.0.0.1", credential=cred)
    uplink = InterfaceFactory(device=device, name="xe-0/0/1", if_index=7)
    return check, uplink


def snmp(check, at, uptime, oper=1):
    o = ok(check, at)
    o.sys_name, o.sys_descr, o.sys_uptime = "sw-a", "Linux", uptime
    o.interfaces = {7: InterfaceReading(7, oper, 1, 1000 + uptime, 2000)}
    return o


def test_a_sysuptime_drop_is_a_reboot_and_a_wrap_is_not(snmp_check, prober):
    check, _ = snmp_check
    wrap = 2**32
    record([snmp(check, T0, 500_000)], prober.pk)
    record([snmp(check, T0 + MINUTE, 6_000)], prober.pk)  # dropped: rebooted
    record([snmp(check, T0 + 2 * MINUTE, 12_000)], prober.pk)
    # close to the 497-day wrap, then past it: a wrap, not a reboot
    record([snmp(check, T0 + 3 * MINUTE, wrap - 3_000)], prober.pk)
    record([snmp(check, T0 + 4 * MINUTE, 3_000)], prober.pk)
    reboots = list(CheckEvent.objects.filter(probe_check=check, kind=EventKind.REBOOT).values_list("at", flat=True))
    assert reboots == [T0 + MINUTE]
    s = status(check)
    assert (s.sys_name, s.sys_descr, s.sys_uptime) == ("sw-a", "Linux", 3_000)


def test_an_interface_that_goes_down_is_an_event_and_its_status_is_kept(snmp_check, prober):
    check, uplink = snmp_check
    record([snmp(check, T0, 100)], prober.pk)
    record([snmp(check, T0 + MINUTE, 6_100, oper=2)], prober.pk)
    s = InterfaceStatus.objects.get(interface=uplink)
    assert (s.oper_status, s.since, s.at) == (2, T0 + MINUTE, T0 + MINUTE)
    event = CheckEvent.objects.get(probe_check=check, kind=EventKind.INTERFACE)
    assert "xe-0/0/1" in event.detail and event.at == T0 + MINUTE


def test_a_site_report_is_time_weighted_and_leaves_maintenance_apart(city, prober):
    check = city["checks"]["A"]
    day_start, day_end = selectors.period("day", datetime.date(2026, 5, 1))
    # up from T0+1min, down from T0+4min to T0+64min (an hour), maintenance for 30 min of it
    record([ok(check, T0), ok(check, T0 + MINUTE)] + [fail(check, T0 + i * MINUTE) for i in range(2, 5)], prober.pk)
    record([ok(check, T0 + 63 * MINUTE), ok(check, T0 + 64 * MINUTE)], prober.pk)
    MaintenanceWindow.objects.create(
        site=city["a"], start=T0 + 34 * MINUTE, end=T0 + 64 * MINUTE, reason="perbaikan kabel"
    )
    report = selectors.report("site", city["a"].pk, day_start, day_end)
    a = report.availability
    assert a.down == 30 * 60 and a.maintenance == 30 * 60
    assert a.up + a.down + a.unknown + a.maintenance == pytest.approx((day_end - day_start).total_seconds())
    assert a.unknown == pytest.approx((T0 + MINUTE - day_start).total_seconds())
    assert [d.start for d in report.downtimes] == [T0 + 4 * MINUTE]


def test_recording_costs_the_same_queries_for_few_or_many_checks(prober):
    def run(n, at):
        device = DeviceFactory()
        checks = [Check.objects.create(device=device, address=f"127.1.{n}.{i + 1}") for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            record([ok(c, at) for c in checks], prober.pk)
        return len(queries)

    assert run(3, T0) == run(40, T0)


def test_disabling_a_check_makes_it_unknown_at_once_and_ends_its_downtime(city, prober):
    check = city["checks"]["A"]
    record([ok(check, T0), ok(check, T0 + MINUTE)] + [fail(check, T0 + i * MINUTE) for i in range(2, 5)], prober.pk)
    assert status(check).state == "down"
    check.enabled = False
    check.save()
    s = status(check)
    assert s.state == "unknown"
    event = CheckEvent.objects.filter(probe_check=check).latest("at")
    assert (event.old_state, event.new_state, event.detail) == ("down", "unknown", "check disabled")
    assert Downtime.objects.get(probe_check=check).end == event.at


@pytest.mark.parametrize(
    ("end_a", "end_b", "expected"),
    [(1, 1, "up"), (1, None, "up"), (None, 1, "up"), (1, 2, "down"), (7, 1, "down"), (None, None, "unknown")],
)
def test_a_fiber_links_state_follows_its_two_ends(end_a, end_b, expected):
    from infra.probes.topology import link_state

    assert link_state(end_a, end_b) == expected


def test_fiber_link_states_are_read_from_the_interfaces_snmp_saw(city, snmp_check, prober):
    from infra.probes.topology import fiber_link_states

    check, uplink = snmp_check
    link = FiberLinkFactory(site_a=city["a"], site_b=city["b"], interface_a=uplink)
    other = FiberLinkFactory(site_a=city["a"], site_b=city["dc"])
    assert fiber_link_states([link.pk, other.pk]) == {link.pk: "unknown", other.pk: "unknown"}
    record([snmp(check, T0, 100)], prober.pk)
    assert fiber_link_states([link.pk])[link.pk] == "up"
    record([snmp(check, T0 + MINUTE, 6_100, oper=2)], prober.pk)
    with CaptureQueriesContext(connection) as queries:
        states = fiber_link_states([link.pk, other.pk])
    assert states == {link.pk: "down", other.pk: "unknown"} and len(queries) == 1


def test_an_older_downtime_of_a_site_keeps_its_own_cause_when_its_upstream_site_goes_down_later(city, prober):
    a, b = city["checks"]["A"], city["checks"]["B"]
    record([ok(c, T0 + i * MINUTE) for c in (a, b) for i in range(2)], prober.pk)
    record([fail(b, T0 + i * MINUTE) for i in range(2, 5)], prober.pk)  # B down on its own, Monday
    days_later = T0 + datetime.timedelta(days=4)
    record([fail(a, days_later + i * MINUTE) for i in range(3)], prober.pk)  # A down on Friday
    assert Downtime.objects.get(probe_check=b).root_cause_id is None
    assert CheckEvent.objects.get(probe_check=b, new_state="down").root_cause_id is None


def test_a_check_answering_for_months_keeps_being_recorded(city, prober):
    """The runs of results saturate: a check that has answered 40,000 times in a row (four weeks at a
    minute) is stored and probed on, on PostgreSQL's small integers too, and still goes down after
    three failures."""
    from infra.probes.state import RUN_CAP

    check = city["checks"]["A"]
    record([ok(check, T0 + i * MINUTE) for i in range(3)], prober.pk)
    CheckStatus.objects.filter(probe_check=check).update(successes=RUN_CAP)  # as after weeks of answers
    later = T0 + 40_000 * MINUTE
    record([ok(check, later)], prober.pk)
    assert status(check).successes == RUN_CAP < 32_767
    record([fail(check, later + i * MINUTE) for i in range(1, 4)], prober.pk)
    assert (status(check).state, status(check).failures, status(check).successes) == ("down", 3, 0)
