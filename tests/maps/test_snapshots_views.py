"""Snapshots and comparisons of real views: a city built by the test, drawn by infra.maps.builders."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from diagrams import render
from diagrams.compare import compare
from infra.core.choices import ChangeAction, ChangeSource
from infra.core.context import change_context
from infra.core.models import ObjectChange
from infra.inventory.choices import FiberLinkStatus, MigrationState, SiteKind
from infra.maps.builders import DiagramParams, build
from infra.maps.models import DiagramSnapshot, SnapshotTrigger
from infra.maps.services import snapshots
from tests.factories import DeviceFactory, FiberLinkFactory, MigrationFactory, SiteFactory, UserFactory

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
END_OF_DECEMBER = datetime.datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=WIB)
END_OF_JANUARY = datetime.datetime(2026, 1, 31, 23, 59, 59, 999999, tzinfo=WIB)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=WIB)


def drawn(topology) -> tuple:
    """What a diagram shows, without its title block (which says when it was generated)."""
    return topology.nodes, topology.groups, topology.edges, topology.legend


@pytest.fixture
def city(db):
    """December: a data center, three offices, a link laid to one and planned to another, servers
    scheduled to move. January: one office's servers cut over, the planned link laid, a school and its
    link added, an empty office and its link taken out."""
    ids = {}
    with change_context(source=ChangeSource.OTHER, at=at(2025, 12, 1, 9, 0)):
        dc = SiteFactory(name="Pusat Data", kind=SiteKind.DATA_CENTER)
        health = SiteFactory(name="Dinas Kesehatan")
        finance = SiteFactory(name="BPKAD")
        old = SiteFactory(name="Kantor Lama")
        servers = [DeviceFactory(site=finance, name=f"srv-keu-{n}") for n in range(2)]
        DeviceFactory(site=health, name="srv-kes-1")
        migrations = [MigrationFactory(device=s, state=MigrationState.SCHEDULED) for s in servers]
        laid = FiberLinkFactory(site_a=dc, site_b=health, status=FiberLinkStatus.ACTIVE)
        planned = FiberLinkFactory(site_a=dc, site_b=finance, status=FiberLinkStatus.PLANNED)
        gone = FiberLinkFactory(site_a=health, site_b=old, status=FiberLinkStatus.ACTIVE)
    with change_context(source=ChangeSource.OTHER, at=at(2026, 1, 12, 10, 0)):
        for migration in migrations:
            migration.state = MigrationState.CUT_OVER
            migration.save()
        planned.status = FiberLinkStatus.ACTIVE
        planned.length_km = Decimal("4.200")
        planned.save()
        school = SiteFactory(name="SMPN 1")
        new = FiberLinkFactory(site_a=health, site_b=school, status=FiberLinkStatus.UNDER_CONSTRUCTION)
        ids.update(dc=dc.pk, health=health.pk, finance=finance.pk, old=old.pk, school=school.pk)
        ids.update(laid=laid.pk, planned=planned.pk, gone=gone.pk, new=new.pk)
        gone.delete()
        old.delete()
    return ids


def test_a_snapshot_of_a_past_date_stores_the_view_as_it_was_then(city):
    user = UserFactory()
    with change_context(user=user, source=ChangeSource.WEB):
        snapshot = snapshots.take_snapshot("city", DiagramParams(view="city", as_of=END_OF_DECEMBER), user=user)
    assert snapshot.as_of == END_OF_DECEMBER and snapshot.taken_by == user
    assert snapshot.trigger == SnapshotTrigger.ON_DEMAND and snapshot.params == {"colour_by": "migration"}
    shown = snapshot.drawing()
    assert {n.id for n in shown.nodes} == {f"site-{city[k]}" for k in ("dc", "health", "finance", "old")}
    assert {e.id for e in shown.edges} == {f"link-{city[k]}" for k in ("laid", "planned", "gone")}
    assert drawn(shown) == drawn(build("city", DiagramParams(view="city", as_of=END_OF_DECEMBER)))
    assert snapshot.title.startswith("City network")
    # The figures are December's too.
    assert snapshot.figures["sites"]["total"] == 4
    assert snapshot.figures["servers"] == {"total": 3, "migrated": 0, "by_state": {"none": 1, "scheduled": 2}}
    assert snapshot.figures["fiber"]["by_status"]["planned"] == {"links": 1, "km": "2.500"}
    (record,) = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(DiagramSnapshot), object_id=snapshot.pk
    )
    assert (record.action, record.user, record.source) == (ChangeAction.CREATE, user, ChangeSource.WEB)


def test_a_snapshot_of_now_keeps_what_it_showed_when_the_registry_changes(city):
    before = timezone.now()
    snapshot = snapshots.take_snapshot("city", DiagramParams(view="city"), user=UserFactory())
    assert before <= snapshot.as_of <= timezone.now()
    shown = snapshot.drawing()
    assert f"site-{city['school']}" in shown.node_ids() and f"site-{city['old']}" not in shown.node_ids()
    assert snapshot.figures["servers"]["migrated"] == 2
    SiteFactory(name="Puskesmas Baru")
    assert DiagramSnapshot.objects.get(pk=snapshot.pk).drawing() == shown
    assert len(build("city", DiagramParams(view="city")).nodes) == len(shown.nodes) + 1


def test_the_monthly_task_takes_the_city_and_fiber_views_as_of_the_month_end_once(city):
    # A change made after the month ended, before the task ran, is not in January's snapshots.
    with change_context(source=ChangeSource.OTHER, at=at(2026, 2, 1, 0, 10)):
        late = SiteFactory(name="Kantor Februari")
    taken = snapshots.take_monthly(now=at(2026, 2, 1, 0, 30))
    assert [(s.view, s.as_of, s.trigger, s.taken_by) for s in taken] == [
        ("city", END_OF_JANUARY, SnapshotTrigger.SCHEDULED, None),
        ("fiber", END_OF_JANUARY, SnapshotTrigger.SCHEDULED, None),
    ]
    city_view, fiber_view = (s.drawing() for s in taken)
    assert f"site-{late.pk}" not in city_view.node_ids()
    with translation.override("id"):
        assert drawn(city_view) == drawn(build("city", DiagramParams(view="city", as_of=END_OF_JANUARY)))
    assert {e.id for e in fiber_view.edges} >= {f"link-{city[k]}" for k in ("laid", "planned", "new")}
    assert f"link-{city['gone']}" not in {e.id for e in fiber_view.edges}
    # The title block prints the month's last day, not an instant, in the city's language.
    assert city_view.title.data_as_of == "31 Januari 2026"
    records = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(DiagramSnapshot))
    assert {(r.source, r.user_id) for r in records} == {(ChangeSource.OTHER, None)}
    # Run again that day, the next, or by a second consumer: nothing more is taken.
    assert snapshots.take_monthly(now=at(2026, 2, 1, 0, 30)) == []
    assert snapshots.take_monthly(now=at(2026, 2, 2, 0, 30)) == []
    assert DiagramSnapshot.objects.count() == 2


def test_a_missed_first_of_the_month_is_caught_up_the_next_day(city):
    """The consumer was down on 1 February: on the 2nd the task takes January, as January ended."""
    with change_context(source=ChangeSource.OTHER, at=at(2026, 2, 1, 15, 0)):
        late = SiteFactory(name="Kantor Februari")
    taken = snapshots.take_monthly(now=at(2026, 2, 2, 0, 30))
    assert [s.as_of for s in taken] == [END_OF_JANUARY, END_OF_JANUARY]
    assert f"site-{late.pk}" not in taken[0].drawing().node_ids()


def test_the_huey_task_takes_the_snapshots(city):
    from infra.maps.tasks import take_monthly_snapshots

    ids = take_monthly_snapshots.call_local()
    assert sorted(DiagramSnapshot.objects.values_list("pk", flat=True)) == sorted(ids) and len(ids) == 2
    assert set(DiagramSnapshot.objects.values_list("as_of", flat=True)) == {snapshots.month_end_before(timezone.now())}


def test_comparing_two_dates_shows_what_was_added_removed_and_changed(city):
    result = snapshots.compare_dates("city", DiagramParams(view="city"), datetime.date(2025, 12, 31), END_OF_JANUARY)
    site, link = "site-{}".format, "link-{}".format
    assert {n.id: n.change for n in result.nodes} == {
        site(city["dc"]): "",
        site(city["health"]): "",
        site(city["finance"]): "changed",  # its servers cut over
        site(city["school"]): "added",
        site(city["old"]): "removed",
    }
    assert {e.id: e.change for e in result.edges} == {
        link(city["laid"]): "",
        link(city["planned"]): "changed",  # laid in January
        link(city["new"]): "added",
        link(city["gone"]): "removed",
    }
    finance = next(n for n in result.nodes if n.id == site(city["finance"]))
    assert finance.status == "migration:cut_over"
    assert "Status: Scheduled → Cut over" in finance.details
    planned = next(e for e in result.edges if e.id == link(city["planned"]))
    _tooltip, status, label = planned.tooltip.splitlines()
    assert status == "Status: Fiber link: Planned → Fiber link: Active"
    assert label.endswith(" · 2.5 km → " + planned.label) and planned.label.endswith(" · 4.2 km")
    legend = {e.key: e.label for e in result.legend}
    assert legend["change:added"] == "Added since Dec. 31, 2025"
    assert legend["change:removed"] == "Removed since Dec. 31, 2025"
    assert legend["change:changed"] == "Changed since Dec. 31, 2025"
    assert [e.key for e in result.legend][-3:] == ["change:added", "change:removed", "change:changed"]
    assert result.title.title == "City network: changes"
    assert result.title.data_as_of == "Dec. 31, 2025 → Jan. 31, 2026"


def test_comparing_reads_stored_snapshots_where_they_exist(city, django_assert_num_queries):
    snapshots.take_monthly(now=at(2026, 1, 1, 0, 30))
    snapshots.take_monthly(now=at(2026, 2, 1, 0, 30))
    params = DiagramParams(view="city")
    # Two lookups and nothing rebuilt: both dates come from the snapshots (read in their language).
    with translation.override("id"), django_assert_num_queries(2):
        stored = snapshots.compare_dates("city", params, END_OF_DECEMBER, END_OF_JANUARY)
    # The same as comparing the views rebuilt from the change log.
    with translation.override("id"):
        old = build("city", DiagramParams(view="city", as_of=END_OF_DECEMBER, as_of_is_date=True))
        new = build("city", DiagramParams(view="city", as_of=END_OF_JANUARY, as_of_is_date=True))
    rebuilt = compare(old, new, title=stored.title)
    assert [(n.id, n.status, n.change) for n in stored.nodes] == [(n.id, n.status, n.change) for n in rebuilt.nodes]
    assert [(e.id, e.status, e.change) for e in stored.edges] == [(e.id, e.status, e.change) for e in rebuilt.edges]


def test_dates_that_cannot_be_compared_are_refused_in_the_users_language(city):
    params = DiagramParams(view="city")
    with pytest.raises(snapshots.CompareError, match="The first date must be before the second"):
        snapshots.compare_dates("city", params, END_OF_JANUARY, END_OF_DECEMBER)
    with pytest.raises(snapshots.CompareError, match="The first date must be before the second"):
        snapshots.compare_dates("city", params, END_OF_JANUARY, END_OF_JANUARY)
    future = timezone.now() + datetime.timedelta(days=2)
    with translation.override("id"), pytest.raises(snapshots.CompareError, match="Tanggal kedua"):
        snapshots.compare_dates("city", params, END_OF_JANUARY, future)


def test_a_comparison_prints_its_captions_in_the_readers_language(city):
    with translation.override("id"):
        result = snapshots.compare_dates(
            "city", DiagramParams(view="city"), datetime.date(2025, 12, 31), END_OF_JANUARY
        )
        drawing = render(result, "svg").decode()
    assert "Halaman 1 dari 1" in drawing and "Keterangan" in drawing
    assert "Page 1 of 1" not in drawing and "Legend" not in drawing


def test_a_snapshot_in_another_language_is_rebuilt_not_read(city, django_assert_max_num_queries):
    snapshots.take_monthly(now=at(2026, 2, 1, 0, 30))  # drawn in the city's language, Indonesian
    params = DiagramParams(view="city")
    with translation.override("en"):
        result = snapshots.compare_dates("city", params, END_OF_JANUARY, at(2026, 2, 1, 0, 0))
    assert not [n for n in (*result.nodes, *result.edges) if n.change]  # nothing changed that night
