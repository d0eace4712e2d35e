"""Roll-ups are recomputed per bucket (never counted twice), pruning keeps what is not rolled up,
and on PostgreSQL the raw results live in day partitions that pruning drops."""

import datetime
import statistics

import pytest
from django.db import connection

from infra.probes.models import Check, DailyRollup, HourlyRollup, ProbeMarker, Prober, Result
from infra.probes.services import partitions, retention

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
T0 = datetime.datetime(2026, 3, 10, 0, 0, tzinfo=UTC)


@pytest.fixture
def check():
    return Check.objects.create(address="127.0.0.1")


@pytest.fixture
def prober():
    return Prober.objects.create(name="test")


def _results(check, prober, start, rtts, every=60):
    rows = []
    for i, rtt in enumerate(rtts):
        answered = rtt is not None
        rows.append(
            Result(
                probe_check=check,
                time=start + datetime.timedelta(seconds=every * i),
                outcome=0 if answered else 1,
                sent=3,
                received=3 if answered else 0,
                prober=prober,
                rtt_min=rtt or 0,
                rtt_avg=rtt or 0,
                rtt_max=(rtt or 0) + 1,
            )
        )
    Result.objects.bulk_create(rows)
    return rows


def test_hourly_figures_are_those_of_the_hour(check, prober):
    rtts = [float(i % 17) + 0.5 if i % 10 else None for i in range(60)]
    _results(check, prober, T0, rtts)
    retention.rollup(now=T0 + datetime.timedelta(hours=2))
    hour = HourlyRollup.objects.get(probe_check=check, start=T0)
    answered = [r for r in rtts if r is not None]
    assert (hour.count, hour.answered, hour.sent, hour.received) == (60, 54, 180, 162)
    cuts = statistics.quantiles(answered, n=100, method="inclusive")
    assert hour.rtt_p50 == pytest.approx(cuts[49], abs=1e-4)
    assert hour.rtt_p95 == pytest.approx(cuts[94], abs=1e-4)
    assert hour.rtt_max == pytest.approx(max(answered) + 1)
    assert hour.rtt_avg == pytest.approx(statistics.fmean(answered), abs=1e-4)
    assert HourlyRollup.objects.filter(start=T0 + datetime.timedelta(hours=1)).count() == 0


def test_running_rollups_again_counts_nothing_twice_and_takes_in_late_results(check, prober):
    _results(check, prober, T0, [1.0] * 30, every=120)
    now = T0 + datetime.timedelta(hours=1, minutes=20)
    retention.rollup(now=now)
    retention.rollup(now=now)
    assert HourlyRollup.objects.get(start=T0).count == 30
    # a late chunk writes a result into the hour already rolled up
    _results(check, prober, T0 + datetime.timedelta(seconds=61), [2.0])
    retention.rollup(now=now + datetime.timedelta(minutes=5))
    assert HourlyRollup.objects.get(start=T0).count == 31
    assert HourlyRollup.objects.count() == 1


def test_days_are_the_city_days(check, prober, settings):
    settings.TIME_ZONE = "Asia/Jakarta"  # UTC+7: the local day starts at 17:00 UTC the day before
    local_midnight = datetime.datetime(2026, 3, 9, 17, 0, tzinfo=UTC)
    _results(check, prober, local_midnight - datetime.timedelta(minutes=30), [1.0] * 60)
    retention.rollup(now=local_midnight + datetime.timedelta(days=1, hours=1))
    days = {d.start: d.count for d in DailyRollup.objects.all()}
    assert days[local_midnight] == 30
    assert days[local_midnight - datetime.timedelta(days=1)] == 30


def test_pruning_keeps_raw_results_until_their_day_is_rolled_up(check, prober, settings):
    settings.SIMPUL_PROBE_RAW_DAYS = 30
    old = T0 - datetime.timedelta(days=40)
    _results(check, prober, old, [1.0] * 10)
    _results(check, prober, T0, [1.0] * 10)
    assert retention.prune(now=T0 + datetime.timedelta(hours=1))["results"] == 0  # nothing rolled up yet
    assert Result.objects.count() == 20
    retention.rollup(now=T0 + datetime.timedelta(hours=1))
    retention.prune(now=T0 + datetime.timedelta(hours=1))
    assert Result.objects.count() == 10
    assert not Result.objects.filter(time__lt=T0).exists()
    assert DailyRollup.objects.filter(start__lt=T0 - datetime.timedelta(days=39)).exists()  # the figures stay


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="day partitions are PostgreSQL's")
def test_postgresql_day_partitions_are_made_filled_and_dropped(check, prober):
    day = datetime.date(2026, 3, 10)
    _results(check, prober, T0, [1.0] * 5)  # before its partition exists: in the default partition
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM probes_result_default")
        assert cursor.fetchone()[0] == 5
    made = partitions.ensure(today=day, days_ahead=1)
    assert made == [partitions.name_for(day), partitions.name_for(day + datetime.timedelta(days=1))]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM probes_result_default")
        assert cursor.fetchone()[0] == 0
        cursor.execute(f'SELECT count(*) FROM "{partitions.name_for(day)}"')
        assert cursor.fetchone()[0] == 5
    assert Result.objects.count() == 5
    assert partitions.ensure(today=day, days_ahead=1) == []
    assert partitions.drop_before(day + datetime.timedelta(days=1)) == [partitions.name_for(day)]
    assert Result.objects.count() == 0
    assert partitions.name_for(day + datetime.timedelta(days=1)) in partitions.existing().values()


def test_a_chunk_written_twice_gives_one_row_per_check_and_slot(check, prober):
    rows = _results(check, prober, T0, [1.0, 2.0])
    Result.objects.bulk_create(rows, ignore_conflicts=True)
    assert Result.objects.count() == 2
    assert ProbeMarker.objects.count() == 0


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="day partitions are PostgreSQL's")
def test_pruning_on_postgresql_drops_whole_days_and_never_deletes_from_a_live_day(check, prober, settings):
    settings.SIMPUL_PROBE_RAW_DAYS = 30
    now = datetime.datetime(2026, 6, 15, 13, 30, tzinfo=UTC)
    old_day = (now - datetime.timedelta(days=31)).date()
    edge_day = (now - datetime.timedelta(days=30)).date()  # the day the cutoff falls in
    partitions.ensure(today=old_day, days_ahead=1)
    _results(check, prober, datetime.datetime.combine(old_day, datetime.time(), UTC), [1.0] * 5)
    _results(check, prober, datetime.datetime.combine(edge_day, datetime.time(), UTC), [1.0] * 5)
    ProbeMarker.objects.create(name="rollup_day", at=now)
    counts = retention.prune(now=now)
    assert counts["partitions"] == 1 and counts["results"] == 0  # nothing deleted row by row
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{partitions.name_for(edge_day)}"')
        assert cursor.fetchone()[0] == 5  # the live day keeps its rows until it can go whole
    assert Result.objects.count() == 5


def test_a_days_figures_are_built_one_check_at_a_time_and_replace_the_day(check, prober):
    other = Check.objects.create(address="127.0.0.2")
    _results(check, prober, T0, [1.0] * 3)
    _results(other, prober, T0, [2.0] * 3)
    retention.rollup(now=T0 + datetime.timedelta(days=2))
    day = selectors_day(T0)
    assert {r.probe_check_id: r.count for r in DailyRollup.objects.filter(start=day)} == {check.pk: 3, other.pk: 3}
    Result.objects.filter(probe_check=other).delete()  # as if the other check's results had gone
    retention._roll(DailyRollup, day, day + datetime.timedelta(days=1))
    assert {r.probe_check_id: r.count for r in DailyRollup.objects.filter(start=day)} == {check.pk: 3}


def selectors_day(moment):
    from infra.probes import selectors

    return selectors.period("day", moment.astimezone(selectors.city_zone()).date())[0]
