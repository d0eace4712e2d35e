"""The schedule: due checks claimed once, chunks run once (and harmlessly twice), lost runs noticed,
one schedule owner, consumers on Redis sharing a sweep; all with real ICMP to loopback."""

import datetime
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from infra.probes.choices import RunStatus
from infra.probes.engines import icmp
from infra.probes.models import Check, CheckEvent, CheckStatus, ProbeRun, Result
from infra.probes.services import scheduling
from tests.factories import DeviceFactory
from tests.served import ROOT, _database_env

pytestmark = pytest.mark.skipif(not icmp.icmp_permitted()[0], reason=icmp.icmp_permitted()[1])


def _checks(n: int, prefix: str = "127.3") -> list[Check]:
    device = DeviceFactory()
    checks = [
        Check.objects.create(device=device, address=f"{prefix}.{i // 250}.{i % 250 + 1}", packets=1, timeout=0.5)
        for i in range(n)
    ]
    CheckStatus.objects.filter(probe_check__in=checks).update(next_due=timezone.now() - datetime.timedelta(seconds=5))
    return checks


@pytest.mark.django_db
def test_due_checks_are_claimed_once_and_chunked(settings):
    settings.SIMPUL_PROBE_CHUNK = 4
    _checks(10)
    queued: list[int] = []
    counts = scheduling.schedule(enqueue=queued.append)
    assert (counts["checks"], counts["runs"]) == (10, 3)
    runs = ProbeRun.objects.order_by("pk")
    assert [len(r.checks) for r in runs] == [4, 4, 2]
    assert sorted(c for r in runs for c, _ in r.checks) == sorted(Check.objects.values_list("pk", flat=True))
    assert scheduling.schedule(enqueue=queued.append, force=True)["checks"] == 0  # claimed: not due again
    # the next slot comes one interval later
    later = timezone.now() + datetime.timedelta(seconds=61)
    assert scheduling.schedule(enqueue=queued.append, now=later)["checks"] == 0  # still leased by the runs
    CheckStatus.objects.update(lease_until=None)
    assert scheduling.schedule(enqueue=queued.append, now=later, force=True)["checks"] == 10


@pytest.mark.django_db(transaction=True)
def test_a_chunk_runs_once_and_running_it_again_changes_nothing():
    checks = _checks(5)
    runs: list[int] = []
    scheduling.schedule(enqueue=runs.append)
    (run_id,) = runs
    counts = scheduling.run_chunk(run_id)
    assert counts["results"] == 5
    run = ProbeRun.objects.get(pk=run_id)
    assert run.status == RunStatus.DONE and run.results == 5 and run.prober.name
    assert scheduling.run_chunk(run_id) == {"skipped": 1}  # a second delivery finds it taken
    before = (Result.objects.count(), CheckEvent.objects.count(), list(CheckStatus.objects.values_list("last_at")))
    ProbeRun.objects.filter(pk=run_id).update(status=RunStatus.QUEUED)  # forced to run again
    assert scheduling.run_chunk(run_id)["applied"] == 0
    after = (Result.objects.count(), CheckEvent.objects.count(), list(CheckStatus.objects.values_list("last_at")))
    assert after == before
    assert Result.objects.filter(outcome=0, received=1).count() == len(checks)  # loopback answers


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_bring_loopback_checks_up():
    checks = _checks(3)
    for minute in range(2):
        runs: list[int] = []
        scheduling.schedule(enqueue=runs.append, now=timezone.now() + datetime.timedelta(seconds=61 * minute))
        for run_id in runs:
            scheduling.run_chunk(run_id)
        CheckStatus.objects.update(lease_until=None)
    assert set(CheckStatus.objects.filter(probe_check__in=checks).values_list("state", flat=True)) == {"up"}
    assert CheckEvent.objects.filter(kind="state", new_state="up").count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_check_outside_the_allowed_networks_is_not_probed_and_becomes_unknown(settings):
    device = DeviceFactory()
    up = Check.objects.create(device=device, address="127.3.9.1", packets=1, timeout=0.5)
    fenced = Check.objects.create(device=device, address="127.3.9.2", packets=1, timeout=0.5)
    CheckStatus.objects.update(next_due=timezone.now() - datetime.timedelta(seconds=5))
    for minute in range(2):
        runs: list[int] = []
        scheduling.schedule(enqueue=runs.append, now=timezone.now() + datetime.timedelta(seconds=61 * minute))
        for run_id in runs:
            scheduling.run_chunk(run_id)
        CheckStatus.objects.update(lease_until=None)
        settings.SIMPUL_PROBE_NETWORKS = ["127.3.9.1/32"]  # from the second sweep on, .2 is fenced off
    assert CheckStatus.objects.get(probe_check=up).state == "up"
    fenced_status = CheckStatus.objects.get(probe_check=fenced)
    assert (fenced_status.state, fenced_status.last_outcome) == ("unknown", 6)  # local error, not down
    assert Result.objects.filter(probe_check=fenced, outcome=6, sent=0).count() == 1  # nothing was sent


@pytest.mark.django_db
def test_a_run_that_never_finishes_is_marked_lost():
    run = ProbeRun.objects.create(due=timezone.now(), kind="icmp", checks=[])
    ProbeRun.objects.filter(pk=run.pk).update(created=timezone.now() - datetime.timedelta(minutes=6))
    fresh = ProbeRun.objects.create(due=timezone.now(), kind="icmp", checks=[])
    assert scheduling.schedule(enqueue=lambda pk: None)["lost"] == 1
    assert ProbeRun.objects.get(pk=run.pk).status == RunStatus.LOST
    assert ProbeRun.objects.get(pk=fresh.pk).status == RunStatus.QUEUED
    assert scheduling.run_chunk(run.pk) == {"skipped": 1}  # a lost run that turns up late is not run


@pytest.mark.django_db
def test_each_minute_is_scheduled_once_whoever_runs_the_tick(settings):
    """huey puts every consumer's periodic task in the shared queue: the first worker to claim the
    minute schedules it, whichever machine it is on; the others return."""
    now = datetime.datetime(2026, 5, 1, 8, 20, 10, tzinfo=datetime.UTC)  # well inside its hour
    settings.SIMPUL_PROBER_NAME = "consumer-a"
    assert scheduling.take_tick("schedule", now)
    settings.SIMPUL_PROBER_NAME = "consumer-b"
    assert not scheduling.take_tick("schedule", now + datetime.timedelta(seconds=30))  # the same minute
    assert scheduling.schedule(enqueue=lambda pk: None, now=now) == {"owner": 0}
    assert scheduling.take_tick("schedule", now + datetime.timedelta(seconds=60))  # the next minute, by b
    assert scheduling.take_tick("maintenance", now, period=datetime.timedelta(hours=1))
    assert not scheduling.take_tick(
        "maintenance", now + datetime.timedelta(minutes=1), period=datetime.timedelta(hours=1)
    )


@pytest.mark.django_db
def test_a_run_counted_lost_while_running_does_not_free_the_checks_a_newer_run_holds():
    check = _checks(1)[0]
    scheduling.schedule(enqueue=lambda pk: None)
    first = ProbeRun.objects.get().pk
    ProbeRun.objects.filter(pk=first).update(status=RunStatus.RUNNING, started=timezone.now())
    assert scheduling.mark_lost(timezone.now() + datetime.timedelta(minutes=4)) == 0  # still within its time
    assert scheduling.mark_lost(timezone.now() + scheduling.RUN_LIMIT + datetime.timedelta(seconds=1)) == 1
    lease = timezone.now() + datetime.timedelta(minutes=9)
    CheckStatus.objects.filter(probe_check=check).update(lease_until=lease)  # a newer run's claim
    assert not scheduling.finish(first, [check.pk], results=1, late=True)  # the old run ends after all
    assert CheckStatus.objects.get(probe_check=check).lease_until == lease
    assert ProbeRun.objects.get(pk=first).status == RunStatus.LOST


@pytest.mark.django_db
def test_a_run_enqueued_too_long_ago_is_not_started():
    _checks(1)
    scheduling.schedule(enqueue=lambda pk: None)
    run_id = ProbeRun.objects.get().pk
    ProbeRun.objects.filter(pk=run_id).update(
        created=timezone.now() - scheduling.LOST_AFTER - datetime.timedelta(seconds=1)
    )
    assert scheduling.run_chunk(run_id) == {"skipped": 1}
    assert ProbeRun.objects.get(pk=run_id).status == RunStatus.LOST
    assert not Result.objects.exists()


def _redis_available() -> bool:
    try:
        import redis

        return redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=1).ping()
    except Exception:
        return False


@pytest.mark.skipif(not _redis_available(), reason="needs Redis at 127.0.0.1:6379")
@pytest.mark.django_db(transaction=True)
def test_two_consumers_on_redis_share_a_sweep_with_no_check_probed_twice_or_missed(tmp_path, settings):
    checks = _checks(300, prefix="127.4")
    env = {
        **os.environ,
        "SIMPUL_VAR_DIR": str(tmp_path),
        **_database_env(tmp_path),
        "HUEY_BACKEND": "redis",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SIMPUL_HUEY_NAME": f"simpul-test-{uuid.uuid4().hex[:12]}",
        "SIMPUL_PROBE_CHUNK": "25",
        "SIMPUL_PROBE_NETWORKS": "127.0.0.0/8",
        "HUEY_IMMEDIATE": "0",
    }
    manage = [sys.executable, "manage.py"]
    consumers = [
        subprocess.Popen(
            [*manage, "run_huey", "--no-periodic", "--workers", "2"],
            cwd=ROOT,
            env={**env, "SIMPUL_PROBER_NAME": name},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("consumer-a", "consumer-b")
    ]
    try:
        # Both consumers listening before the sweep is enqueued (one that starts slowly under load would
        # find the queue already drained by the other): each says so in its log.
        for consumer in consumers:
            _wait_for_line(consumer, "Huey consumer started")
        subprocess.run(
            [*manage, "probe", "schedule"], cwd=ROOT, env={**env, "SIMPUL_PROBER_NAME": "scheduler"}, check=True
        )
        rows = _wait_for_runs(tmp_path, expected=12)
    finally:
        for consumer in consumers:
            consumer.terminate()
        for consumer in consumers:
            consumer.wait(timeout=30)
        import redis

        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        for key in client.scan_iter(f"huey.*{env['SIMPUL_HUEY_NAME']}*"):
            client.delete(key)
    runs, results = rows
    assert len(runs) == 12 and {status for status, _ in runs} == {"done"}
    assert {prober for _, prober in runs} == {"consumer-a", "consumer-b"}  # both took chunks
    per_check: dict[int, int] = {}
    for check_id, _prober in results:
        per_check[check_id] = per_check.get(check_id, 0) + 1
    assert per_check == {c.pk: 1 for c in checks}  # none twice, none missed


def _wait_for_line(process: subprocess.Popen, text: str, timeout: float = 60.0) -> None:
    """Read the process's log until a line holds ``text``; the rest of the log drains in a thread."""
    import threading

    found = threading.Event()

    def read() -> None:
        for line in process.stderr:
            if text in line:
                found.set()

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(timeout):
        raise AssertionError(f"no {text!r} from the consumer within {timeout} s")


def _wait_for_runs(var_dir: Path, expected: int, timeout: float = 90.0):
    """Poll the shared database until every run is finished; returns (runs, results) rows."""
    deadline = time.monotonic() + timeout
    while True:
        runs, results = _read(var_dir)
        if len(runs) == expected and all(status in ("done", "lost") for status, _ in runs):
            return runs, results
        if time.monotonic() > deadline:
            raise AssertionError(f"runs not finished in {timeout} s: {runs}")
        time.sleep(0.5)


def _read(var_dir: Path):
    runs_sql = "SELECT r.status, p.name FROM probes_proberun r LEFT JOIN probes_prober p ON p.id = r.prober_id"
    results_sql = "SELECT check_id, prober_id FROM probes_result"
    if connection.vendor == "sqlite":
        db = sqlite3.connect(var_dir / "simpul.sqlite3", timeout=30)
        try:
            return db.execute(runs_sql).fetchall(), db.execute(results_sql).fetchall()
        finally:
            db.close()
    with connection.cursor() as cursor:
        cursor.execute(runs_sql)
        runs = cursor.fetchall()
        cursor.execute(results_sql)
        return runs, cursor.fetchall()
