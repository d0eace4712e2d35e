"""Snapshots' storage, figures, schedule and immutability (what does not need a view's builder)."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import ProtectedError
from django.utils import timezone

from diagrams.model import Edge, LegendEntry, Node, TitleBlock, Topology
from diagrams.serialize import to_dict
from infra.core.choices import ChangeAction, ChangeSource
from infra.core.context import change_context
from infra.core.models import ObjectChange
from infra.core.models.changes import ImmutableChangeError
from infra.inventory.choices import (
    ApplicationStatus,
    DeviceKind,
    DeviceStatus,
    FiberLinkStatus,
    IntegrationStatus,
    MigrationState,
)
from infra.maps.models import DiagramSnapshot, SnapshotTrigger
from infra.maps.services import snapshots
from tests.factories import (
    ApplicationFactory,
    DeviceFactory,
    FiberLinkFactory,
    MigrationFactory,
    OrganizationFactory,
    SiteFactory,
    UserFactory,
)

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
UTC = datetime.UTC


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=WIB)


def drawing() -> Topology:
    return Topology(
        title=TitleBlock(city="Kota Uji", title="City", scope="Whole city"),
        nodes=[Node("site:1", "site", "Kantor <1>", status="migration:scheduled", details=("1/2",))],
        edges=[Edge("fiber:1", "site:1", "site:1", "fiber", status="fiber:active")],
        legend=[LegendEntry("fiber:active", "Active")],
    )


def stored(**fields) -> DiagramSnapshot:
    values = {
        "view": "city",
        "params": {},
        "params_key": snapshots.params_key({}),
        "as_of": at(2025, 12, 31, 23, 59, 59, 999999),
        "trigger": SnapshotTrigger.ON_DEMAND,
        "title": "City",
        "topology": to_dict(drawing()),
        "figures": {"sites": {"total": 1}},
    }
    return DiagramSnapshot.objects.create(**{**values, **fields})


# --- The schedule and the period ------------------------------------------------------------------


def test_the_task_runs_at_half_past_midnight_city_time_every_day():
    """huey hands UTC; every minute of January 2026 is tried: the task fires at 00:30 in Jakarta, that is
    17:30 UTC the day before, 31 times, the first for the month that ended on 31 December."""
    start = datetime.datetime(2025, 12, 31, 17, 0)  # naive UTC, as huey's consumer passes it
    minutes = [start + datetime.timedelta(minutes=m) for m in range(31 * 24 * 60)]
    fired = [m for m in minutes if snapshots.snapshot_schedule(m)]
    assert len(fired) == 31
    assert fired[0] == datetime.datetime(2025, 12, 31, 17, 30)
    assert all((m.hour, m.minute) == (17, 30) for m in fired)
    assert snapshots.snapshot_schedule(datetime.datetime(2026, 1, 31, 17, 30, tzinfo=UTC))  # 1 Feb 00:30 WIB
    assert not snapshots.snapshot_schedule(datetime.datetime(2026, 2, 1, 0, 30, tzinfo=UTC))  # 07:30 WIB


def test_the_task_is_registered_with_huey_at_that_time():
    from huey.contrib.djhuey import HUEY

    from infra.maps.tasks import take_monthly_snapshots

    def due(timestamp):
        return {t.name for t in HUEY.read_periodic(timestamp)}

    name = take_monthly_snapshots.task_class().name
    assert name in due(datetime.datetime(2026, 2, 28, 17, 30))  # 1 March, 00:30 in Jakarta
    assert name not in due(datetime.datetime(2026, 3, 1, 0, 30))


@pytest.mark.parametrize(
    ("now", "month_end"),
    [
        (at(2026, 1, 1, 0, 30), at(2025, 12, 31, 23, 59, 59, 999999)),
        (at(2026, 1, 1, 0, 0), at(2025, 12, 31, 23, 59, 59, 999999)),
        (at(2026, 3, 15, 9, 0), at(2026, 2, 28, 23, 59, 59, 999999)),
        # 17:30 UTC on 31 January is already 1 February in the city: January is the month that ended.
        (datetime.datetime(2026, 1, 31, 17, 30, tzinfo=UTC), at(2026, 1, 31, 23, 59, 59, 999999)),
        (datetime.datetime(2026, 1, 31, 16, 59, tzinfo=UTC), at(2025, 12, 31, 23, 59, 59, 999999)),
    ],
)
def test_the_period_is_the_month_that_ended_in_city_time(now, month_end):
    assert snapshots.month_end_before(now) == month_end


def test_moments():
    assert snapshots.moment(datetime.date(2025, 12, 31)) == at(2025, 12, 31, 23, 59, 59, 999999)
    assert snapshots.moment(datetime.datetime(2025, 12, 31, 8, 0)) == at(2025, 12, 31, 8, 0)
    instant = datetime.datetime(2025, 12, 31, 8, 0, tzinfo=UTC)
    assert snapshots.moment(instant) == instant
    before = timezone.now()
    assert before <= snapshots.moment(None) <= timezone.now()


# --- Filters as stored values ---------------------------------------------------------------------


@pytest.mark.django_db
def test_filters_are_stored_as_plain_values_and_keyed():
    organization = OrganizationFactory()
    filters = snapshots.params_json(
        {
            "view": "organization",
            "organization": organization,
            "region": None,
            "status": "",
            "as_of": at(2025, 12, 31),
            "as_of_is_date": True,
            "colour_by": "migration",
            "paper": "A3",
            "orientation": "portrait",
            "format": "pdf",
            "since": datetime.date(2025, 1, 1),
            "states": {"testing", "cut_over"},
        }
    )
    # Objects by id, dates in ISO form; no empty filter, nothing about printing or the moment.
    assert filters == {
        "colour_by": "migration",
        "organization": organization.pk,
        "since": "2025-01-01",
        "states": ["cut_over", "testing"],
    }
    same = snapshots.params_json(
        {
            "organization": organization,
            "colour_by": "migration",
            "paper": "A4",
            "since": datetime.date(2025, 1, 1),
            "states": {"cut_over", "testing"},
        }
    )
    assert snapshots.params_key(filters) == snapshots.params_key(same)
    assert snapshots.params_key(filters) != snapshots.params_key({**filters, "organization": organization.pk + 1})


# --- Figures --------------------------------------------------------------------------------------


@pytest.fixture
def city_history(db):
    """A city that grows: on 1 December 2025 two sites, three servers and a link; on 10 January 2026 one
    server moved, a link laid, a site and an application added, a switch decommissioned."""
    with change_context(source=ChangeSource.OTHER, at=at(2025, 12, 1, 9, 0)):
        dc = SiteFactory(name="Pusat Data", kind="data_center")
        office = SiteFactory(name="Dinas Kesehatan")
        servers = [DeviceFactory(site=office, name=f"srv-{n}") for n in range(3)]
        switch = DeviceFactory(site=office, name="sw-1", kind=DeviceKind.SWITCH)
        DeviceFactory(site=office, name="vm-old", kind=DeviceKind.VIRTUAL_MACHINE, status=DeviceStatus.DECOMMISSIONED)
        migrations = [MigrationFactory(device=s, state=MigrationState.SCHEDULED) for s in servers[:2]]
        FiberLinkFactory(site_a=dc, site_b=office, length_km=Decimal("2.500"))
        ApplicationFactory(name="SIMPEG", integration_status=IntegrationStatus.NONE)
        ApplicationFactory(name="Lama", status=ApplicationStatus.RETIRED)
    with change_context(source=ChangeSource.OTHER, at=at(2026, 1, 10, 9, 0)):
        migrations[0].state = MigrationState.CUT_OVER
        migrations[0].save()
        switch.status = DeviceStatus.DECOMMISSIONED
        switch.save()
        school = SiteFactory(name="Sekolah")
        FiberLinkFactory(site_a=office, site_b=school, length_km=Decimal("1.250"), status=FiberLinkStatus.PLANNED)
        ApplicationFactory(name="SPLP", integration_status=IntegrationStatus.SERVICE_BUS)
    return dc


def test_figures_are_the_city_as_the_change_log_says_it_was(city_history):
    december = snapshots.figures_at(at(2025, 12, 31, 23, 59, 59, 999999))
    assert december["sites"] == {"total": 2, "by_status": {"active": 2}}
    assert december["devices"]["total"] == 4 and december["devices"]["by_status"] == {"active": 4, "decommissioned": 1}
    assert december["servers"] == {"total": 3, "migrated": 0, "by_state": {"none": 1, "scheduled": 2}}
    assert december["fiber"] == {"links": 1, "km": "2.500", "by_status": {"active": {"links": 1, "km": "2.500"}}}
    assert december["applications"] == {"total": 1, "by_integration": {"none": 1}}

    january = snapshots.figures_at(at(2026, 1, 31, 23, 59, 59, 999999))
    assert january["sites"]["total"] == 3
    assert january["devices"]["by_status"] == {"active": 3, "decommissioned": 2}
    assert january["servers"] == {"total": 3, "migrated": 1, "by_state": {"cut_over": 1, "none": 1, "scheduled": 1}}
    assert january["fiber"]["links"] == 2 and january["fiber"]["km"] == "3.750"
    assert january["fiber"]["by_status"]["planned"] == {"links": 1, "km": "1.250"}
    assert january["applications"] == {"total": 2, "by_integration": {"none": 1, "service_bus": 1}}

    before_anything = snapshots.figures_at(at(2025, 11, 30, 0, 0))
    assert before_anything["sites"]["total"] == 0 and before_anything["fiber"]["km"] == "0.000"


def test_figures_take_a_fixed_number_of_queries(city_history, django_assert_num_queries):
    ContentType.objects.clear_cache()
    snapshots.figures_at(at(2026, 1, 31))  # content types cached, as in a running server
    with django_assert_num_queries(5):
        snapshots.figures_at(at(2026, 1, 31))
    with change_context(source=ChangeSource.OTHER, at=at(2026, 1, 20)):
        for n in range(5):
            DeviceFactory(name=f"extra-{n}")
    with django_assert_num_queries(5):
        snapshots.figures_at(at(2026, 1, 31))


# --- Immutability and the change log ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_snapshot_cannot_be_edited_or_deleted():
    snapshot = stored()
    snapshot.title = "Altered"
    with pytest.raises(ImmutableChangeError):
        snapshot.save()
    with pytest.raises(ImmutableChangeError):
        snapshot.delete()
    with pytest.raises(ImmutableChangeError):
        DiagramSnapshot.objects.filter(pk=snapshot.pk).update(title="Altered")
    with pytest.raises(ImmutableChangeError):
        DiagramSnapshot.objects.filter(pk=snapshot.pk).delete()
    with pytest.raises(ImmutableChangeError):
        DiagramSnapshot.objects.all().delete()
    kept = DiagramSnapshot.objects.get(pk=snapshot.pk)
    assert kept.title == "City" and kept.drawing() == drawing()


@pytest.mark.django_db
def test_the_user_who_took_a_snapshot_is_kept():
    user = UserFactory()
    stored(taken_by=user)
    with pytest.raises(ProtectedError):
        user.delete()


@pytest.mark.django_db
def test_taking_a_snapshot_leaves_a_change_record_without_the_drawing():
    user = UserFactory()
    with change_context(user=user, source=ChangeSource.WEB):
        snapshot = stored(taken_by=user)
    (record,) = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(DiagramSnapshot), object_id=snapshot.pk
    )
    assert (record.action, record.user, record.source) == (ChangeAction.CREATE, user, ChangeSource.WEB)
    assert record.after["view"] == "city" and record.after["trigger"] == "on_demand"
    assert record.after["taken_by_id"] == user.pk and record.after["params_key"] == snapshot.params_key
    assert record.after["as_of"] == "2025-12-31T16:59:59.999999+00:00"
    assert not {"topology", "figures", "params"} & set(record.after)


@pytest.mark.django_db
def test_one_scheduled_snapshot_per_view_filters_and_month_end():
    from django.db import IntegrityError, transaction

    stored(trigger=SnapshotTrigger.SCHEDULED)
    with pytest.raises(IntegrityError), transaction.atomic():
        stored(trigger=SnapshotTrigger.SCHEDULED)
    stored(trigger=SnapshotTrigger.ON_DEMAND)  # on demand, as often as asked
    stored(trigger=SnapshotTrigger.SCHEDULED, view="fiber")
    assert DiagramSnapshot.objects.count() == 3
