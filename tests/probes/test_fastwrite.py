"""The raw-SQL writes of a chunk store what the ORM would: pinned against bulk_create and save()."""

import datetime

import pytest

from infra.probes.models import Check, CheckStatus, Prober, Result
from infra.probes.services import fastwrite

pytestmark = pytest.mark.django_db
T = datetime.datetime(2026, 7, 1, 12, 30, 15, 123456, tzinfo=datetime.UTC)


def _fields(obj, names):
    return tuple(getattr(obj, n) for n in names)


def test_results_written_raw_read_back_as_the_orm_writes_them():
    check = Check.objects.create(address="127.0.0.1")
    other = Check.objects.create(address="127.0.0.2")
    prober = Prober.objects.create(name="p")
    values = (0, 3, 2, prober.pk, 0.25, 1.5, 9.75, 0.125)
    fastwrite.insert_results([(check.pk, T, *values)])
    Result.objects.bulk_create(
        [
            Result(
                probe_check=other,
                time=T,
                outcome=0,
                sent=3,
                received=2,
                prober=prober,
                rtt_min=0.25,
                rtt_avg=1.5,
                rtt_max=9.75,
                jitter=0.125,
            )
        ]
    )
    names = ("time", "outcome", "sent", "received", "prober_id", "rtt_min", "rtt_avg", "rtt_max", "jitter")
    raw = Result.objects.get(probe_check=check)
    orm = Result.objects.get(probe_check=other)
    assert _fields(raw, names) == _fields(orm, names)
    assert raw.time == T  # microseconds and the zone survive
    assert Result.objects.filter(time=T).count() == 2  # the raw row is found by the ORM's own lookup


def test_a_result_written_twice_is_kept_once_and_not_overwritten():
    check = Check.objects.create(address="127.0.0.1")
    prober = Prober.objects.create(name="p")
    fastwrite.insert_results([(check.pk, T, 0, 3, 3, prober.pk, 1, 1, 1, 0)])
    fastwrite.insert_results([(check.pk, T, 1, 3, 0, prober.pk, 0, 0, 0, 0)])
    assert list(Result.objects.values_list("outcome", "received")) == [(0, 3)]


def test_status_rows_written_raw_read_back_as_saved():
    check = Check.objects.create(address="127.0.0.1")
    values = {
        "state": "down",
        "since": T,
        "failures": 4,
        "successes": 0,
        "history": "uuddd",
        "flapping": True,
        "last_at": T + datetime.timedelta(minutes=1),
        "last_outcome": 2,
        "last_rtt": None,
        "last_loss": 100.0,
        "sys_name": "sw-1",
        "sys_descr": "Linux sw-1",
        "sys_uptime": 2**32 - 5,
        "uptime_at": T,
    }
    fastwrite.update_statuses([(check.pk, *(values[c] for c in fastwrite.STATUS_COLUMNS))])
    status = CheckStatus.objects.get(probe_check=check)
    assert {c: getattr(status, c) for c in fastwrite.STATUS_COLUMNS} == values
    assert CheckStatus.objects.filter(since=T, last_at__gt=T).count() == 1


@pytest.mark.django_db(transaction=True)
def test_results_and_statuses_are_written_outside_a_transaction_too():
    check = Check.objects.create(address="127.0.0.1")
    prober = Prober.objects.create(name="p")
    fastwrite.insert_results([(check.pk, T, 0, 3, 3, prober.pk, 1, 1, 1, 0)])
    row = (check.pk, "up", T, 0, 2, "uu", False, T, 0, 1.0, 0.0, "", "", None, None)
    fastwrite.update_statuses([row])
    assert Result.objects.filter(probe_check=check).count() == 1
    assert CheckStatus.objects.get(probe_check=check).state == "up"
