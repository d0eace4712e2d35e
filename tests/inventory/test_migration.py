"""Migration states: every allowed move, every refused one, the gates, and progress from the history."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from infra.core.models import ObjectChange
from infra.inventory.choices import (
    MIGRATION_ROLLBACKS,
    MIGRATION_TRANSITIONS,
    BlockerCategory,
    FiberLinkStatus,
    MigrationState,
)
from infra.inventory.models import Migration, MigrationBlocker, MigrationTransition
from infra.inventory.selectors import AT_RISK, BLOCKED, ON_TRACK, migration_progress
from infra.inventory.services.migration import gates, start_tracking, transition

from ..factories import (
    DeviceFactory,
    FiberLinkFactory,
    MigrationFactory,
    MigrationWaveFactory,
    OrganizationFactory,
    RackFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = MigrationState
ALLOWED = [(a, b) for a, targets in MIGRATION_TRANSITIONS.items() for b in targets]
REFUSED = [(a, b) for a in S.values for b in S.values if b not in MIGRATION_TRANSITIONS[a]]


def at(year: int, month: int, day: int, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


TRACKED = at(2026, 1, 1)


def label(state: str) -> str:
    return str(S(state).label)


def put_in_state(migration: Migration, state: str) -> Migration:
    """Place a migration in ``state`` directly (set-up only; the service is what is tested)."""
    Migration.objects.filter(pk=migration.pk).update(state=state)
    return Migration.objects.get(pk=migration.pk)


@pytest.fixture
def ready_migration(db):
    """A tracked server that meets every gate."""
    device = DeviceFactory()
    FiberLinkFactory(site_a=device.site, status=FiberLinkStatus.ACTIVE)
    return MigrationFactory(
        device=device,
        at=TRACKED,
        target_rack=RackFactory(),
        backup_verified_on=datetime.date(2026, 1, 5),
        owner_signed_off_on=datetime.date(2026, 1, 6),
    )


@pytest.fixture
def bare_migration(db):
    """A tracked server that meets no gate (no fiber link, no target, no backup, no sign-off)."""
    return MigrationFactory(at=TRACKED)


def test_the_transition_table_covers_every_state():
    assert set(MIGRATION_TRANSITIONS) == set(S.values)
    assert all(set(targets) <= set(S.values) for targets in MIGRATION_TRANSITIONS.values())
    assert all(pair in ALLOWED for pair in MIGRATION_ROLLBACKS)
    assert len(ALLOWED) + len(REFUSED) == len(S.values) ** 2


class TestAllowedTransitions:
    @pytest.mark.parametrize(("from_state", "to_state"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
    def test_allowed_move_succeeds_and_is_recorded(self, ready_migration, from_state, to_state):
        migration = put_in_state(ready_migration, from_state)
        user = UserFactory()
        when = at(2026, 2, 3, 10)
        before = migration.transitions.count()

        record = transition(migration, to_state, user=user, reason="Rapat koordinasi 3 Feb", at=when)

        migration.refresh_from_db()
        assert migration.state == to_state
        assert migration.state_changed_at == when
        assert migration.transitions.count() == before + 1
        record = MigrationTransition.objects.get(pk=record.pk)
        assert record.migration_id == migration.pk
        assert (record.from_state, record.to_state) == (from_state, to_state)
        assert record.user == user
        assert record.at == when
        assert record.reason == "Rapat koordinasi 3 Feb"
        assert record.override_reason == ""
        assert record.is_rollback is ((from_state, to_state) in MIGRATION_ROLLBACKS)
        assert migration.transitions.order_by("-at", "-id").first() == record

    @pytest.mark.parametrize(("from_state", "to_state"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
    def test_each_move_is_logged_once_in_the_change_log(self, ready_migration, from_state, to_state):
        migration = put_in_state(ready_migration, from_state)
        changes = ObjectChange.objects.filter(
            content_type=ContentType.objects.get_for_model(Migration), object_id=migration.pk
        )
        count = changes.count()
        transition(migration, to_state, reason="alasan")
        assert changes.count() == count + 1
        assert changes.first().diff()["state"] == (from_state, to_state)

    def test_time_defaults_to_now_and_user_may_be_absent(self, ready_migration):
        started = timezone.now()
        record = transition(ready_migration, S.ASSESSED)
        assert started <= record.at <= timezone.now()
        assert record.user is None

    def test_start_tracking_records_the_first_state(self):
        device = DeviceFactory()
        when = at(2025, 6, 1)
        migration = start_tracking(device, at=when)
        assert migration.state == S.INVENTORIED
        assert migration.state_changed_at == when
        first = migration.transitions.get()
        assert (first.from_state, first.to_state, first.at) == ("", S.INVENTORIED, when)

    def test_a_full_journey_keeps_its_history_in_order(self, ready_migration):
        path = [S.ASSESSED, S.SCHEDULED, S.MIGRATING, S.TESTING, S.CUT_OVER, S.TESTING, S.CUT_OVER, S.ACCEPTED]
        path.append(S.SOURCE_DECOMMISSIONED)
        for day, state in enumerate(path, start=1):
            transition(ready_migration, state, at=at(2026, 3, day))
        history = list(ready_migration.transitions.values_list("from_state", "to_state", "is_rollback"))
        assert history[0] == ("", S.INVENTORIED, False)
        assert [h[1] for h in history[1:]] == path
        assert [h[2] for h in history].count(True) == 1  # cut_over -> testing


class TestHistoryStaysInOrder:
    def test_a_move_dated_before_the_current_state_began_is_refused(self, ready_migration):
        transition(ready_migration, S.ASSESSED, at=at(2026, 2, 1))
        with pytest.raises(ValidationError) as info:
            transition(ready_migration, S.SCHEDULED, at=at(2026, 1, 15))
        assert info.value.code == "before_current_state"
        assert Migration.objects.get(pk=ready_migration.pk).state == S.ASSESSED
        assert ready_migration.transitions.count() == 2

    def test_a_move_at_the_same_moment_is_allowed(self, ready_migration):
        transition(ready_migration, S.ASSESSED, at=at(2026, 2, 1))
        transition(ready_migration, S.SCHEDULED, at=at(2026, 2, 1))
        progress = migration_progress(as_of=at(2026, 2, 1))
        assert progress.overall.by_state[S.SCHEDULED] == 1

    def test_a_stale_copy_cannot_move_the_server(self, ready_migration):
        elsewhere = Migration.objects.get(pk=ready_migration.pk)
        transition(elsewhere, S.RETIRED, at=at(2026, 2, 1))
        with pytest.raises(ValidationError) as info:
            transition(ready_migration, S.ASSESSED, at=at(2026, 2, 2))
        assert info.value.code == "stale_state"
        assert label(S.RETIRED) in info.value.messages[0]
        assert Migration.objects.get(pk=ready_migration.pk).state == S.RETIRED
        assert list(ready_migration.transitions.values_list("to_state", flat=True)) == [S.INVENTORIED, S.RETIRED]


class TestRefusedTransitions:
    @pytest.mark.parametrize(("from_state", "to_state"), REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
    def test_refused_move_names_the_allowed_ones_and_changes_nothing(self, ready_migration, from_state, to_state):
        migration = put_in_state(ready_migration, from_state)
        transitions = MigrationTransition.objects.count()
        changes = ObjectChange.objects.count()

        with pytest.raises(ValidationError) as info:
            transition(migration, to_state, reason="coba", override_reason="coba")

        assert info.value.code == "illegal_transition"
        message = info.value.messages[0]
        allowed = MIGRATION_TRANSITIONS[from_state]
        for state in allowed:
            assert label(state) in message
        if not allowed:
            assert gettext("none (this is a final state)") in message
        assert Migration.objects.get(pk=migration.pk).state == from_state
        assert migration.state == from_state
        assert MigrationTransition.objects.count() == transitions
        assert ObjectChange.objects.count() == changes

    def test_unknown_state_is_refused(self, ready_migration):
        with pytest.raises(ValidationError) as info:
            transition(ready_migration, "teleported")
        assert info.value.code == "illegal_transition"
        assert "teleported" in info.value.messages[0]
        assert Migration.objects.get(pk=ready_migration.pk).state == S.INVENTORIED


class TestGates:
    def test_all_unmet_gates_are_named(self, bare_migration):
        migration = put_in_state(bare_migration, S.SCHEDULED)
        expected = [g.label for g in gates(migration)]
        assert [g.met for g in gates(migration)] == [False] * 4
        with pytest.raises(ValidationError) as info:
            transition(migration, S.MIGRATING)
        assert info.value.code == "gate_not_met"
        for gate_label in expected:
            assert gate_label in info.value.messages[0]
        assert Migration.objects.get(pk=migration.pk).state == S.SCHEDULED
        assert migration.transitions.count() == 1

    def test_only_the_unmet_gates_are_named(self, bare_migration):
        migration = put_in_state(bare_migration, S.SCHEDULED)
        FiberLinkFactory(site_b=migration.device.site, status=FiberLinkStatus.ACTIVE)
        migration.backup_verified_on = datetime.date(2026, 1, 2)
        migration.save()
        by_code = {g.code: g for g in gates(migration)}
        assert by_code["fiber_link"].met and by_code["backup"].met
        with pytest.raises(ValidationError) as info:
            transition(migration, S.MIGRATING)
        message = info.value.messages[0]
        assert by_code["capacity"].label in message
        assert by_code["sign_off"].label in message
        assert by_code["fiber_link"].label not in message
        assert by_code["backup"].label not in message

    def test_a_blank_override_is_no_override(self, bare_migration):
        migration = put_in_state(bare_migration, S.SCHEDULED)
        with pytest.raises(ValidationError):
            transition(migration, S.MIGRATING, override_reason="   ")
        assert Migration.objects.get(pk=migration.pk).state == S.SCHEDULED

    def test_override_reason_lets_the_move_through_and_is_recorded(self, bare_migration):
        migration = put_in_state(bare_migration, S.SCHEDULED)
        user = UserFactory()
        record = transition(
            migration, S.MIGRATING, user=user, override_reason="Kepala Dinas setuju lewat surat 12/2026"
        )
        assert Migration.objects.get(pk=migration.pk).state == S.MIGRATING
        record.refresh_from_db()
        assert record.override_reason == "Kepala Dinas setuju lewat surat 12/2026"
        assert record.user == user

    def test_all_gates_met_needs_no_override(self, ready_migration):
        migration = put_in_state(ready_migration, S.SCHEDULED)
        assert all(g.met for g in gates(migration))
        record = transition(migration, S.MIGRATING)
        assert record.to_state == S.MIGRATING
        assert record.override_reason == ""

    def test_target_host_meets_the_capacity_gate(self, ready_migration):
        migration = ready_migration
        migration.target_rack = None
        migration.target_host = DeviceFactory(name="esxi-01")
        migration.save()
        assert {g.code: g.met for g in gates(migration)}["capacity"]

    @pytest.mark.parametrize("status", sorted(set(FiberLinkStatus.values) - {FiberLinkStatus.ACTIVE}))
    def test_a_link_that_is_not_active_does_not_meet_the_fiber_gate(self, bare_migration, status):
        FiberLinkFactory(site_a=bare_migration.device.site, status=status)
        assert not {g.code: g.met for g in gates(bare_migration)}["fiber_link"]

    def test_an_active_link_elsewhere_does_not_meet_the_fiber_gate(self, bare_migration):
        FiberLinkFactory(site_a=SiteFactory(), site_b=SiteFactory(), status=FiberLinkStatus.ACTIVE)
        assert not {g.code: g.met for g in gates(bare_migration)}["fiber_link"]

    @pytest.mark.parametrize("end", ["site_a", "site_b"])
    def test_an_active_link_at_either_end_meets_the_fiber_gate(self, bare_migration, end):
        FiberLinkFactory(**{end: bare_migration.device.site}, status=FiberLinkStatus.ACTIVE)
        assert {g.code: g.met for g in gates(bare_migration)}["fiber_link"]

    def test_gates_apply_only_to_migrating(self, bare_migration):
        transition(bare_migration, S.ASSESSED)
        record = transition(bare_migration, S.SCHEDULED, override_reason="tidak perlu")
        assert record.override_reason == ""

    def test_going_back_to_migrating_after_a_failed_test_is_not_gated_again(self, bare_migration):
        migration = put_in_state(bare_migration, S.TESTING)
        record = transition(migration, S.MIGRATING, reason="Uji aplikasi gagal")
        assert record.is_rollback
        assert Migration.objects.get(pk=migration.pk).state == S.MIGRATING


class TestActualDates:
    @pytest.mark.parametrize(
        ("from_state", "to_state", "field"),
        [
            (S.SCHEDULED, S.MIGRATING, "actual_start"),
            (S.TESTING, S.CUT_OVER, "actual_cutover"),
            (S.CUT_OVER, S.ACCEPTED, "actual_acceptance"),
            (S.ACCEPTED, S.SOURCE_DECOMMISSIONED, "actual_decommission"),
        ],
    )
    def test_milestone_date_is_stamped_in_local_time(self, ready_migration, from_state, to_state, field):
        migration = put_in_state(ready_migration, from_state)
        # 20:00 UTC on 31 January is already 1 February in Jakarta (UTC+7).
        transition(migration, to_state, at=datetime.datetime(2026, 1, 31, 20, tzinfo=datetime.UTC))
        assert getattr(Migration.objects.get(pk=migration.pk), field) == datetime.date(2026, 2, 1)

    def test_a_rollback_keeps_the_first_cutover_date(self, ready_migration):
        migration = put_in_state(ready_migration, S.TESTING)
        transition(migration, S.CUT_OVER, at=at(2026, 3, 10))
        transition(migration, S.TESTING, at=at(2026, 3, 11))
        transition(migration, S.CUT_OVER, at=at(2026, 3, 20))
        assert Migration.objects.get(pk=migration.pk).actual_cutover == datetime.date(2026, 3, 10)

    def test_other_moves_stamp_no_date(self, ready_migration):
        transition(ready_migration, S.ASSESSED, at=at(2026, 3, 1))
        migration = Migration.objects.get(pk=ready_migration.pk)
        assert not any(
            getattr(migration, f)
            for f in ("actual_start", "actual_cutover", "actual_acceptance", "actual_decommission")
        )


class TestRetained:
    @pytest.mark.parametrize("from_state", [S.INVENTORIED, S.ASSESSED, S.SCHEDULED])
    def test_retaining_needs_a_justification(self, bare_migration, from_state):
        migration = put_in_state(bare_migration, from_state)
        with pytest.raises(ValidationError) as info:
            transition(migration, S.RETAINED, reason="  ")
        assert info.value.code == "retain_justification"
        assert Migration.objects.get(pk=migration.pk).state == from_state

    def test_the_reason_becomes_the_justification(self, bare_migration):
        transition(bare_migration, S.RETAINED, reason="Server SCADA PDAM harus dekat peralatan")
        migration = Migration.objects.get(pk=bare_migration.pk)
        assert migration.state == S.RETAINED
        assert migration.retain_justification == "Server SCADA PDAM harus dekat peralatan"

    def test_an_existing_justification_is_enough_and_kept(self, bare_migration):
        bare_migration.retain_justification = "Lisensi terikat perangkat"
        bare_migration.save()
        transition(bare_migration, S.RETAINED, reason="Rapat 5 Maret")
        migration = Migration.objects.get(pk=bare_migration.pk)
        assert migration.state == S.RETAINED
        assert migration.retain_justification == "Lisensi terikat perangkat"


# --- progress ------------------------------------------------------------------------------------


@pytest.fixture
def city(db):
    """Seven servers in two OPDs and two waves, with a history from January 2024 to January 2025.

    Now:         m1 accepted, m2 scheduled (open blocker), m3 retired, m4 retained,
                 m5 inventoried (planned start passed), m6 cut over (again), m7 inventoried.
    5 Feb 2024:  m1, m2, m4, m6 assessed; m3, m5, m7 inventoried.
    15 Mar 2024: m1 cut over, m2 scheduled, m3 retired, m4 assessed, m5 and m7 inventoried,
                 m6 testing after a rollback, with a blocker open then.
    """
    a = OrganizationFactory(short_name="Disdukcapil")
    b = OrganizationFactory(short_name="Bappeda")
    w1 = MigrationWaveFactory(
        name="Gelombang 1", start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2024, 3, 31)
    )
    w2 = MigrationWaveFactory(name="Gelombang 2", start_date=datetime.date(2024, 4, 1), end_date=None)

    def track(org, wave, **fields):
        return start_tracking(DeviceFactory(organization=org), at=at(2024, 1, 10), wave=wave, **fields)

    m = {
        1: track(a, w1, planned_cutover=datetime.date(2024, 3, 9)),
        2: track(a, w1, planned_cutover=datetime.date(2025, 6, 30)),
        3: track(a, None),
        4: track(b, w2),
        5: track(b, w2, planned_start=datetime.date(2024, 3, 1)),
        6: track(b, w2, planned_cutover=datetime.date(2024, 3, 8)),
        7: track(b, w2),
    }
    up_to_testing = [(S.ASSESSED, at(2024, 2, 1)), (S.SCHEDULED, at(2024, 2, 10)), (S.MIGRATING, at(2024, 3, 1))]
    up_to_testing.append((S.TESTING, at(2024, 3, 5)))
    steps = {
        1: [*up_to_testing, (S.CUT_OVER, at(2024, 3, 10)), (S.ACCEPTED, at(2024, 3, 20))],
        2: [(S.ASSESSED, at(2024, 2, 1)), (S.SCHEDULED, at(2024, 2, 10))],
        3: [(S.RETIRED, at(2024, 2, 15))],
        4: [(S.ASSESSED, at(2024, 2, 1)), (S.RETAINED, at(2024, 4, 1))],
        6: [*up_to_testing, (S.CUT_OVER, at(2024, 3, 10)), (S.TESTING, at(2024, 3, 12)), (S.CUT_OVER, at(2025, 1, 15))],
    }
    for key, path in steps.items():
        for state, when in path:
            transition(m[key], state, at=when, reason="Pensiun" if state == S.RETAINED else "", override_reason="uji")
    MigrationBlocker.objects.create(
        migration=m[2], category=BlockerCategory.SIGN_OFF, opened_on=datetime.date(2024, 2, 12)
    )
    MigrationBlocker.objects.create(
        migration=m[6],
        category=BlockerCategory.VENDOR,
        opened_on=datetime.date(2024, 3, 11),
        resolved_on=datetime.date(2024, 3, 20),
    )
    return {"a": a, "b": b, "w1": w1, "w2": w2, **{f"m{k}": v for k, v in m.items()}}


class TestProgressNow:
    def test_counts_per_state(self, city):
        overall = migration_progress().overall
        assert dict(+overall.by_state) == {
            S.ACCEPTED: 1,
            S.SCHEDULED: 1,
            S.RETIRED: 1,
            S.RETAINED: 1,
            S.INVENTORIED: 2,
            S.CUT_OVER: 1,
        }
        assert overall.total == 7
        assert overall.moved == 2
        assert overall.done == 4
        assert overall.percent_done == 57.1

    def test_per_organization(self, city):
        rows = {r.key: r for r in migration_progress().by_organization}
        a, b = rows[city["a"].pk], rows[city["b"].pk]
        assert [r.label for r in migration_progress().by_organization] == ["Bappeda", "Disdukcapil"]
        assert (a.total, a.done, a.percent_done) == (3, 2, 66.7)
        assert (b.total, b.done, b.percent_done) == (4, 2, 50.0)
        assert a.next_wave == "Gelombang 1"
        assert b.next_wave == "Gelombang 2"

    def test_health(self, city):
        progress = migration_progress()
        assert dict(+progress.overall.health) == {ON_TRACK: 5, BLOCKED: 1, AT_RISK: 1}
        assert progress.overall.overall_health == BLOCKED
        rows = {r.key: r for r in progress.by_organization}
        assert rows[city["a"].pk].overall_health == BLOCKED
        assert rows[city["a"].pk].top_blocker == BlockerCategory.SIGN_OFF
        assert rows[city["b"].pk].overall_health == AT_RISK
        assert rows[city["b"].pk].top_blocker == ""  # the vendor blocker was resolved

    def test_a_passed_planned_date_puts_a_server_at_risk(self, city):
        m7 = city["m7"]
        m7.planned_start = timezone.localdate() - datetime.timedelta(days=1)
        m7.save()
        assert migration_progress(organization_ids=[city["b"].pk]).overall.health[AT_RISK] == 2
        m7.planned_start = timezone.localdate() + datetime.timedelta(days=30)
        m7.save()
        assert migration_progress(organization_ids=[city["b"].pk]).overall.health[AT_RISK] == 1

    def test_resolving_the_blocker_clears_blocked(self, city):
        MigrationBlocker.objects.filter(migration=city["m2"]).update(resolved_on=timezone.localdate())
        progress = migration_progress()
        assert progress.overall.health[BLOCKED] == 0
        assert progress.overall.overall_health == AT_RISK

    def test_per_wave(self, city):
        waves = migration_progress().by_wave
        assert [w.key for w in waves] == [city["w1"].pk, city["w2"].pk, None]
        w1, w2, none = waves
        assert (w1.label, w1.total, w1.done, w1.percent_done, w1.overall_health) == ("Gelombang 1", 2, 1, 50.0, BLOCKED)
        assert (w2.label, w2.total, w2.done, w2.percent_done, w2.overall_health) == ("Gelombang 2", 4, 2, 50.0, AT_RISK)
        assert (none.total, none.done, none.percent_done) == (1, 1, 100.0)

    def test_per_year_planned_against_first_actual_cutover(self, city):
        years = {y.year: (y.planned_cutovers, y.actual_cutovers) for y in migration_progress().by_year}
        # m6 cut over in 2024, rolled back, and cut over again in 2025: its first cut-over counts.
        assert years == {2024: (2, 2), 2025: (1, 0)}

    def test_organization_filter(self, city):
        progress = migration_progress(organization_ids=[city["a"].pk])
        assert progress.overall.total == 3
        assert dict(+progress.overall.by_state) == {S.ACCEPTED: 1, S.SCHEDULED: 1, S.RETIRED: 1}
        assert [r.key for r in progress.by_organization] == [city["a"].pk]
        assert {y.year: y.actual_cutovers for y in progress.by_year} == {2024: 1, 2025: 0}
        assert migration_progress(organization_ids=[]).overall.total == 0

    def test_wave_filter(self, city):
        progress = migration_progress(wave_id=city["w2"].pk)
        assert progress.overall.total == 4
        assert [w.key for w in progress.by_wave] == [city["w2"].pk]

    def test_nothing_tracked(self, db):
        progress = migration_progress()
        assert progress.overall.total == 0
        assert progress.overall.percent_done == 0.0
        assert progress.overall.overall_health == ON_TRACK
        assert progress.by_organization == [] and progress.by_wave == [] and progress.by_year == []


class TestProgressInThePast:
    def test_before_anything_was_tracked(self, city):
        progress = migration_progress(as_of=at(2024, 1, 9))
        assert progress.overall.total == 0
        assert progress.by_organization == []

    def test_the_moment_of_tracking_counts(self, city):
        assert migration_progress(as_of=at(2024, 1, 10)).overall.by_state[S.INVENTORIED] == 7

    def test_early_february(self, city):
        progress = migration_progress(as_of=at(2024, 2, 5, 12))
        assert dict(+progress.overall.by_state) == {S.ASSESSED: 4, S.INVENTORIED: 3}
        assert progress.overall.done == 0
        assert progress.overall.percent_done == 0.0
        # The sign-off blocker opened on 12 February and m5's planned start (1 March) had not passed.
        assert dict(+progress.overall.health) == {ON_TRACK: 7}
        assert progress.by_year and all(y.actual_cutovers == 0 for y in progress.by_year)

    def test_mid_march(self, city):
        progress = migration_progress(as_of=at(2024, 3, 15, 12))
        assert dict(+progress.overall.by_state) == {
            S.CUT_OVER: 1,
            S.SCHEDULED: 1,
            S.RETIRED: 1,
            S.ASSESSED: 1,
            S.INVENTORIED: 2,
            S.TESTING: 1,
        }
        assert progress.overall.done == 2
        assert progress.overall.percent_done == 28.6
        # m2 (sign-off) and m6 (vendor, resolved only on 20 March) were blocked; m5 was late.
        assert dict(+progress.overall.health) == {BLOCKED: 2, AT_RISK: 1, ON_TRACK: 4}
        rows = {r.key: r for r in progress.by_organization}
        assert rows[city["b"].pk].top_blocker == BlockerCategory.VENDOR
        assert {y.year: y.actual_cutovers for y in progress.by_year}[2024] == 2

    def test_between_two_transitions_on_one_server(self, city):
        m6 = city["m6"].pk

        def state_of_m6(when):
            progress = migration_progress(as_of=when, organization_ids=[city["b"].pk], wave_id=city["w2"].pk)
            return progress, Migration.objects.get(pk=m6)

        before_cutover, _ = state_of_m6(at(2024, 3, 9))
        assert before_cutover.overall.by_state[S.TESTING] == 1
        assert before_cutover.overall.by_state[S.CUT_OVER] == 0
        after_rollback, _ = state_of_m6(at(2024, 12, 31))
        assert after_rollback.overall.by_state[S.TESTING] == 1
        assert after_rollback.overall.by_state[S.RETAINED] == 1
        now, current = state_of_m6(None)
        assert now.overall.by_state[S.CUT_OVER] == 1
        assert current.state == S.CUT_OVER

    def test_past_figures_do_not_depend_on_later_changes(self, city):
        before = migration_progress(as_of=at(2024, 2, 5, 12))
        transition(city["m5"], S.ASSESSED)
        transition(city["m7"], S.RETIRED)
        after = migration_progress(as_of=at(2024, 2, 5, 12))
        assert after.overall.by_state == before.overall.by_state
        assert migration_progress().overall.by_state[S.RETIRED] == 2

    def test_organization_filter_in_the_past(self, city):
        progress = migration_progress(as_of=at(2024, 3, 15, 12), organization_ids=[city["a"].pk])
        assert dict(+progress.overall.by_state) == {S.CUT_OVER: 1, S.SCHEDULED: 1, S.RETIRED: 1}
        assert progress.overall.percent_done == 66.7


def test_next_wave_is_the_earliest_that_has_not_ended(db):
    org = OrganizationFactory()
    ended = MigrationWaveFactory(start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2024, 2, 1))
    open_ended = MigrationWaveFactory(start_date=datetime.date(2024, 6, 1), end_date=None)
    later = MigrationWaveFactory(start_date=datetime.date(2099, 1, 1), end_date=datetime.date(2099, 2, 1))
    for wave in (ended, open_ended, later):
        MigrationFactory(device=DeviceFactory(organization=org), wave=wave)
    (row,) = migration_progress().by_organization
    assert row.next_wave == open_ended.name


def test_done_servers_do_not_set_the_next_wave(db):
    org = OrganizationFactory()
    early = MigrationWaveFactory(start_date=datetime.date(2099, 1, 1), end_date=datetime.date(2099, 2, 1))
    late = MigrationWaveFactory(start_date=datetime.date(2099, 6, 1), end_date=datetime.date(2099, 7, 1))
    done = MigrationFactory(device=DeviceFactory(organization=org), wave=early)
    transition(done, S.RETIRED)
    MigrationFactory(device=DeviceFactory(organization=org), wave=late)
    (row,) = migration_progress().by_organization
    assert row.next_wave == late.name


def test_progress_costs_the_same_queries_for_3_and_30_servers(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(count):
        org = OrganizationFactory()
        wave = MigrationWaveFactory()
        for i in range(count):
            migration = MigrationFactory(device=DeviceFactory(organization=org), wave=wave if i % 2 else None)
            if i % 3 == 0:
                transition(migration, S.RETIRED)
            if i % 4 == 0:
                MigrationBlocker.objects.create(migration=migration, category=BlockerCategory.BUDGET)

    add(3)
    with CaptureQueriesContext(connection) as small:
        assert migration_progress().overall.total == 3
    add(27)
    with CaptureQueriesContext(connection) as large:
        progress = migration_progress()
    assert progress.overall.total == 30
    assert len(large) == len(small)
