"""The synthetic probe history (infra/probes/history.py, services/history.py) is consistent: the
availability the reports compute from its events matches its roll-ups, its downtimes match its
events, the upstream outage names its root cause, flapping and maintenance hold alerts, and a second
load adds nothing. Run for a small built city and for the demo city, on SQLite and PostgreSQL.

Tolerance, and why: roll-ups count probes (``answered`` of ``count`` slots), events give state time,
and the state rules lag the probes: a check goes down at its ``down_after``-th failure and up at its
``up_after``-th answer. So a bucket's up time equals ``answered x interval`` exactly when no state
event falls in it (or within that lag after it), and otherwise differs by at most
``max(down_after, up_after)`` slots per such event. Nothing else may differ."""

import datetime
import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction

from infra.core.models import ObjectChange
from infra.inventory.choices import DeviceKind, SiteKind
from infra.probes import history, selectors
from infra.probes.models import (
    Check,
    CheckEvent,
    CheckStatus,
    DailyRollup,
    Downtime,
    HourlyRollup,
    MaintenanceWindow,
    ProbeMarker,
    Prober,
)
from infra.probes.services import history as service
from tests.factories import CheckFactory, DeviceFactory, FiberLinkFactory, SiteFactory

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 30, 12, 7, 31, tzinfo=UTC)


def _city() -> dict:
    """A data center; A with B behind it (only through A); leaves C..H; two checks a device, two
    devices at A, B and the data center."""
    dc = SiteFactory(kind=SiteKind.DATA_CENTER, name="DC")
    sites = {"dc": dc}
    for name in "ABCDEFGH":
        sites[name] = SiteFactory(name=f"Kantor {name}")
    FiberLinkFactory(site_a=dc, site_b=sites["A"])
    FiberLinkFactory(site_a=sites["A"], site_b=sites["B"])
    for name in "CDEFGH":
        FiberLinkFactory(site_a=dc, site_b=sites[name])
    n = 0
    for key, site in sites.items():
        for _device in range(2 if key in ("dc", "A", "B") else 1):
            device = DeviceFactory(site=site, organization=site.organization, kind=DeviceKind.SERVER)
            for _ in range(2):
                n += 1
                CheckFactory(device=device, address=f"127.41.{n // 250}.{n % 250 + 1}")
    return sites


def _state_events() -> dict[int, list[datetime.datetime]]:
    out = defaultdict(list)
    for check_id, at in CheckEvent.objects.filter(kind="state").values_list("probe_check_id", "at"):
        out[check_id].append(at)
    return out


def _windows_by_check() -> dict[int, list[tuple]]:
    out = defaultdict(list)
    windows = list(MaintenanceWindow.objects.values_list("device_id", "site_id", "start", "end"))
    for pk, device, site in Check.objects.values_list("pk", "device_id", "device__site_id"):
        for w_device, w_site, start, end in windows:
            if (w_device and w_device == device) or (w_site and w_site == site):
                out[pk].append((start, end))
    return out


def _overlap(windows, a, b) -> float:
    return sum(max(0.0, (min(hi, b) - max(lo, a)).total_seconds()) for lo, hi in windows)


def _check_buckets(check_ids, buckets, model=DailyRollup) -> int:
    """Each check's report over each bucket against its roll-ups there; returns the buckets compared."""
    checks = {c.pk: c for c in Check.objects.filter(pk__in=check_ids)}
    events = _state_events()
    windows = _windows_by_check()
    compared = 0
    for pk in check_ids:
        check = checks[pk]
        lag = max(check.down_after, check.up_after) * check.interval
        figures = {r.start: r for r in model.objects.filter(probe_check_id=pk)}
        for a, b in buckets:
            rows = [f for start, f in figures.items() if a <= start < b]
            report = selectors.report("check", pk, a, b).availability
            assert report.up + report.down + report.unknown + report.maintenance == (b - a).total_seconds()
            held = _overlap(windows.get(pk, ()), a, b)
            assert report.maintenance == held, (pk, a)
            if held:
                continue  # maintenance time is left out of availability; roll-ups count every probe
            answered = sum(r.answered for r in rows) * check.interval
            assert sum(r.count for r in rows) * check.interval == (b - a).total_seconds(), (pk, a)
            near = sum(1 for at in events.get(pk, ()) if a <= at < b + datetime.timedelta(seconds=lag))
            assert abs(report.up - answered) <= near * lag, (pk, a, report, answered, near)
            compared += 1
    return compared


def _whole_days(start, end) -> list[tuple[datetime.datetime, datetime.datetime]]:
    day = (start + datetime.timedelta(days=1)).astimezone(selectors.city_zone()).date()
    out = []
    while True:
        a, b = selectors.period("day", day)
        if b > end:
            return out
        out.append((a, b))
        day += datetime.timedelta(days=1)


def _assert_consistent(counts, check_ids, *, months=True) -> None:
    """Every property the brief asks of the history, on whatever city was loaded."""
    start, end = counts["start"], counts["end"]
    days = _whole_days(start, end)
    # Roll-ups: a daily row for each whole day, hourly rows from the hourly window, counts that add up.
    assert DailyRollup.objects.filter(probe_check_id=check_ids[0]).count() == len(days)
    for hour in HourlyRollup.objects.filter(probe_check_id=check_ids[0]).order_by("start")[:48]:
        assert hour.count == 60 and 0 <= hour.answered <= 60 and hour.received <= hour.sent
        if hour.received:
            assert hour.rtt_p50 < hour.rtt_p95 <= hour.rtt_max
    # Availability from events matches the roll-ups, per check and day...
    assert _check_buckets(check_ids, days) > len(days)
    # ... per month (a whole one, when the history holds it) and over the whole span.
    if months:
        first = days[0][0].astimezone(selectors.city_zone()).date()
        month = selectors.period("month", first.replace(day=1) + datetime.timedelta(days=32))
        if month[1] <= end:
            _check_buckets(check_ids, [month])
    _check_buckets(check_ids, [(days[0][0], days[-1][1])])
    # Downtimes match the events: each down change opens one, the next change closes it.
    events = defaultdict(list)
    for e in CheckEvent.objects.filter(kind="state").order_by("at", "id"):
        events[e.probe_check_id].append(e)
    expected = set()
    for check_id, items in events.items():
        for i, e in enumerate(items):
            if e.new_state == "down":
                close = items[i + 1].at if i + 1 < len(items) else None
                expected.add((check_id, e.at, close, e.root_cause_id))
        # ... and every check's history ends up (live probing carries on from there)
        assert items[-1].new_state == "up", check_id
    found = set(Downtime.objects.values_list("probe_check_id", "start", "end", "root_cause_id"))
    assert found == expected and expected
    assert not Downtime.objects.filter(end__isnull=True).exists()
    # Marked as synthetic: its prober, its marker and every event say so.
    assert Prober.objects.filter(name=service.PROBER).exists()
    assert ProbeMarker.objects.get(name=service.MARKER).at == counts["end"]
    assert not CheckEvent.objects.exclude(detail__contains=history.SYNTHETIC).exists()


def _assert_scenario(counts) -> None:
    # The upstream outage: sites behind it name it, their alerts held; its own checks are the cause.
    behind = CheckEvent.objects.filter(kind="state", new_state="down", root_cause__isnull=False)
    assert behind.exists() and not behind.filter(held=False).exists()
    cause = behind.first().root_cause_id
    assert Downtime.objects.filter(root_cause_id=cause).count() == behind.count()
    own = CheckEvent.objects.filter(kind="state", new_state="down", probe_check__device__site_id=cause)
    assert own.exists() and not own.filter(root_cause__isnull=False).exists()
    # The cut-off site's report: down for the outage, as its roll-ups say (within the lag).
    at = behind.first().at
    day = selectors.period("day", at.astimezone(selectors.city_zone()).date())
    site = selectors.report("site", cause, *day).availability
    checks = Check.objects.filter(device__site_id=cause).values_list("pk", flat=True)
    failed = min(
        sum(r.count - r.answered for r in DailyRollup.objects.filter(probe_check_id=pk, start=day[0])) for pk in checks
    )
    assert abs(site.down - failed * 60) <= 2 * 3 * 60 and site.down > 3600
    # Flapping: starts and ends, and state changes in between are held.
    assert CheckEvent.objects.filter(kind="flap_start").exists()
    assert CheckEvent.objects.filter(kind="flap_end").count() == CheckEvent.objects.filter(kind="flap_start").count()
    flapped = 0
    for start in CheckEvent.objects.filter(kind="flap_start"):
        end = CheckEvent.objects.get(probe_check_id=start.probe_check_id, kind="flap_end", at__gt=start.at)
        during = CheckEvent.objects.filter(
            probe_check_id=start.probe_check_id, kind="state", at__gte=start.at, at__lt=end.at
        )
        assert not during.filter(held=False).exists()
        flapped += during.count()
    assert flapped
    # The prober cut off: every check unknown for a while, and said why.
    cut = CheckEvent.objects.filter(kind="state", new_state="unknown", detail__contains="cut off")
    assert cut.values("probe_check_id").distinct().count() == counts["checks"]
    # Maintenance windows, with the downtime inside them held.
    assert MaintenanceWindow.objects.count() == counts["windows"] >= 2
    for w in MaintenanceWindow.objects.all():
        inside = CheckEvent.objects.filter(at__gte=w.start, at__lt=w.end, kind="state", new_state="down")
        inside = inside.filter(probe_check__device_id=w.device_id) if w.device_id else inside
        inside = inside.filter(probe_check__device__site_id=w.site_id) if w.site_id else inside
        assert inside.exists() and not inside.filter(held=False).exists()


@pytest.mark.django_db
def test_history_of_a_small_city_is_consistent():
    _city()
    counts = service.load(days=62, hourly_days=10, seed=7, now=NOW)
    assert counts["loaded"] and counts["statuses"]
    assert counts["end"] == NOW.replace(second=0)
    check_ids = sorted(Check.objects.values_list("pk", flat=True))
    _assert_consistent(counts, check_ids)
    _assert_scenario(counts)
    # Sites and OPDs: a site is up while any of its devices is, so its up time lies between its best
    # check's answered time and the sum of its checks' (each within the lag).
    days = _whole_days(counts["start"], counts["end"])
    for site_id in Check.objects.values_list("device__site_id", flat=True).distinct():
        windows = MaintenanceWindow.objects.filter(site_id=site_id).exists() or MaintenanceWindow.objects.filter(
            device__site_id=site_id
        )
        if windows:
            continue
        pks = list(Check.objects.filter(device__site_id=site_id).values_list("pk", flat=True))
        for a, b in days[::5]:
            up = selectors.report("site", site_id, a, b).availability.up
            answered = [
                sum(r.answered for r in DailyRollup.objects.filter(probe_check_id=pk, start=a)) * 60 for pk in pks
            ]
            assert max(answered) - 3 * 60 * 8 <= up <= min((b - a).total_seconds(), sum(answered) + 3 * 60 * 8)
    # Statuses carry on from the history: up, since its last change, last result just before now.
    for status in CheckStatus.objects.all():
        assert status.state == "up" and not status.flapping and status.failures == 0
        assert status.last_at == NOW.replace(second=0) - datetime.timedelta(minutes=1)
        last = CheckEvent.objects.filter(probe_check_id=status.probe_check_id, kind="state").order_by("-at").first()
        assert status.since == last.at
    # Idempotent: a second load adds nothing, whatever it is asked.
    before = (CheckEvent.objects.count(), Downtime.objects.count(), DailyRollup.objects.count())
    assert service.load(days=30, seed=8, now=NOW + datetime.timedelta(days=1)) == {"loaded": False}
    assert (CheckEvent.objects.count(), Downtime.objects.count(), DailyRollup.objects.count()) == before


@pytest.mark.django_db
def test_same_seed_same_history_and_hourly_window():
    _city()
    counts = service.load(days=20, hourly_days=3, seed=11, now=NOW)
    first = set(CheckEvent.objects.values_list("probe_check_id", "at", "kind", "new_state", "held"))
    hours = HourlyRollup.objects.values_list("start", flat=True)
    assert min(hours) >= counts["end"] - datetime.timedelta(days=3, hours=1)
    assert max(hours) == counts["end"].replace(minute=0) - datetime.timedelta(hours=1)  # whole hours only
    # The same seed over the same checks plans the same trouble (pure functions, no database).
    checks = service._checks()
    plan = history.plan(checks, [], [], counts["start"], counts["end"], seed=11)
    again = history.plan(checks, [], [], counts["start"], counts["end"], seed=11)
    assert plan.notes == again.notes
    assert len(first) == CheckEvent.objects.count()


@pytest.mark.django_db
def test_history_ends_before_real_probes_and_leaves_their_statuses():
    """A database that has real events already: the history ends before the first, statuses untouched."""
    sites = _city()
    real = Check.objects.filter(device__site=sites["C"]).first()
    first_real = NOW - datetime.timedelta(days=2)
    CheckEvent.objects.create(probe_check=real, at=first_real, kind="state", old_state="unknown", new_state="up")
    CheckStatus.objects.filter(probe_check=real).update(state="up", since=first_real)
    counts = service.load(days=20, hourly_days=1, seed=3, now=NOW)
    assert counts["end"] == first_real.replace(second=0, microsecond=0) and not counts["statuses"]
    assert not CheckEvent.objects.filter(at__gte=counts["end"]).exclude(at=first_real).exists()
    assert CheckStatus.objects.filter(state="unknown").count() == Check.objects.count() - 1


@pytest.mark.django_db
def test_command_refuses_a_city_that_is_not_the_demo_and_loads_once():
    from django.core.management.base import CommandError

    _city()
    with pytest.raises(CommandError, match="demo city is not loaded"):
        call_command("probe", "demo-history", stdout=io.StringIO())
    out = io.StringIO()
    call_command("probe", "demo-history", "--any-city", "--days", "10", stdout=out)
    assert "synthetic" in out.getvalue() and CheckEvent.objects.exists()
    out = io.StringIO()
    call_command("probe", "demo-history", "--any-city", stdout=out)
    assert "already loaded" in out.getvalue()


@pytest.fixture(scope="module")
def demo_history(django_db_setup, django_db_blocker):
    """The demo city with 45 days of history (a year is the same code, longer), loaded once for the module."""
    from infra.inventory import demo

    with django_db_blocker.unblock(), transaction.atomic():
        demo.load_demo()
        counts = service.load(days=45, hourly_days=2, now=NOW)
        yield counts
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_demo_city_history_is_consistent(demo_history):
    counts = demo_history
    assert counts["checks"] == Check.objects.filter(enabled=True).count() > 400
    # Every check over the whole span; the troubled ones and a few steady ones day by day.
    all_ids = sorted(Check.objects.filter(enabled=True).values_list("pk", flat=True))
    days = _whole_days(counts["start"], counts["end"])
    assert _check_buckets(all_ids, [(days[0][0], days[-1][1])]) > 400
    troubled = set(
        CheckEvent.objects.exclude(detail__contains="cut off")
        .filter(kind="state", new_state="down")
        .values_list("probe_check_id", flat=True)
    )
    sample = sorted(troubled)[::3] + all_ids[::60]
    _assert_consistent(counts, sample, months=False)
    _assert_scenario(counts)
    # The status page's view now: nothing down (the history ends up; real probes take over).
    assert not CheckStatus.objects.exclude(state="up").filter(probe_check__enabled=True).exists()


@pytest.mark.django_db
def test_the_demo_has_one_live_incident_whose_probes_really_fail(demo_history):
    """A server read by SNMP only, at a loopback port where no agent listens: probed for real, it goes
    down after three probes and the status page lists it as a lone device at a site that answers."""
    from infra.probes import status
    from infra.probes.services import probing
    from infra.probes.services.recording import record

    check = service.add_live_incident()
    assert check is not None and check.kind == "snmp" and check.device.kind in ("server", "virtual_machine")
    assert service.add_live_incident() is None  # once
    assert not Check.objects.filter(device=check.device).exclude(pk=check.pk).exists()
    site_checks = Check.objects.filter(device__site=check.device.site, enabled=True).exclude(device=check.device)
    assert site_checks.exists()
    assert ObjectChange.objects.filter(object_repr=str(check), action="create").exists()  # change-logged
    check = Check.objects.select_related("credential").get(pk=check.pk)
    prober = probing.current_prober()
    start = NOW + datetime.timedelta(minutes=1)
    for i in range(3):
        observations = probing.observe([check], {check.pk: start + datetime.timedelta(minutes=i)}, prober, None)
        assert [o.received for o in observations] == [0]  # nothing answers there
        record(observations, prober.pk)
    assert CheckStatus.objects.get(probe_check=check).state == "down"
    incidents = [i for i in status.current().incidents if i.kind == "device"]
    assert [i.device.pk for i in incidents] == [check.device_id]
    assert incidents[0].servers == 1
