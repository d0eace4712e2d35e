"""The demo's dated history: two years of server migrations, each step logged at its own moment.

Every server in an OPD room gets a planned end state; ``_drive`` walks it there through the real
migration services (``start_tracking``, ``transition``) inside a change context dated at each step, so
the change log and the transitions tell the same story an auditor's ``as_of`` question would find.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone

from infra.core.choices import Role
from infra.core.context import current_context
from infra.core.models import User

from ..choices import (
    BlockerCategory,
    DeviceKind,
    DeviceStatus,
    Disposition,
    FiberLinkStatus,
    IPAddressStatus,
    MigrationState,
    Readiness,
)
from ..models import Device, Migration, MigrationBlocker, MigrationWave
from ..services.migration import gates, start_tracking, transition
from .constants import DATA_CENTER_SITE, DEMO_NOW, DEMO_TODAY, HISTORY_START, REGISTRY_ENTERED, WIB
from .data import (
    APPLICATIONS,
    BLOCKERS,
    OVERRIDES,
    REASONS,
    RETAINED_SERVERS,
    ROLLBACK_REASONS,
    STATE_QUOTAS,
    VM_OS,
    WAVES,
)
from .devices import hypervisor
from .writes import logged_at

_S = MigrationState
RETIRED_COUNT = 10  # the oldest servers no application runs on are retired
FORWARD = (_S.ASSESSED, _S.SCHEDULED, _S.MIGRATING, _S.TESTING, _S.CUT_OVER, _S.ACCEPTED, _S.SOURCE_DECOMMISSIONED)


def _office_hours(day: datetime.date) -> datetime.datetime:
    """A time on ``day`` for history written without a time of its own (a blocker opened or resolved)."""
    return datetime.datetime.combine(day, datetime.time(10, 0), WIB)


@dataclass
class Plan:
    """Where one server's migration ends, by which detour, and when its history starts."""

    migration: Migration | None
    device: Device
    final: str
    detour: str = ""
    disposition: str = Disposition.UNDECIDED
    wave: MigrationWave | None = None
    planned_start: datetime.date | None = None
    t0: datetime.datetime | None = None
    skip_sign_off: bool = False
    skip_backup: bool = False


class HistoryMixin:
    """Migration waves, then each server's migration driven step by step, with its blockers."""

    # -- migrations ---------------------------------------------------------------------------------
    def build_migrations(self) -> None:
        # Each OPD's servers get their own VLAN in the data center.
        self.org_number = {short: i for i, short in enumerate(self.orgs)}
        waves = {}
        with logged_at(REGISTRY_ENTERED):  # the programme's waves were planned up front
            for name, start, end, status in WAVES:
                waves[name] = MigrationWave.objects.create(
                    name=name,
                    start_date=start,
                    end_date=end,
                    status=status,
                    description=f"Jendela migrasi server OPD ke pusat data, {start:%d/%m/%Y} - {end:%d/%m/%Y}.",
                )
        self.waves = list(waves.values())
        plans = self._assign_states()
        self.next_address: Counter[int] = Counter()
        for plan in plans:
            self._drive(plan)
        self._flush()

    def _assign_states(self) -> list[Plan]:
        rng = self.rng
        app_hosts = {h for app in APPLICATIONS for h in app.hosts}
        plans: list[Plan] = []
        free: list[Device] = []
        for device in self.opd_servers:
            if device.name in RETAINED_SERVERS:
                plans.append(Plan(None, device, _S.RETAINED, disposition=Disposition.RETAIN))
            else:
                free.append(device)
        by_age = sorted((d for d in free if d.name not in app_hosts), key=lambda d: (d.purchase_year, d.name))
        retired = {d.pk for d in by_age[:RETIRED_COUNT]}
        rest = [d for d in free if d.pk not in retired]
        rng.shuffle(rest)
        plans += [Plan(None, d, _S.RETIRED, disposition=Disposition.RETIRE) for d in free if d.pk in retired]
        states = [state for state, count in STATE_QUOTAS for _ in range(count)]
        for i, device in enumerate(rest):
            plans.append(Plan(None, device, states[i] if i < len(states) else _S.INVENTORIED))
        # A few histories with the backward moves that really happen.
        detours = [
            ("cutover_rollback", (_S.ACCEPTED, _S.SOURCE_DECOMMISSIONED), 2),
            ("test_retry", (_S.CUT_OVER, _S.ACCEPTED, _S.SOURCE_DECOMMISSIONED), 2),
            ("abort_window", (_S.ACCEPTED, _S.SOURCE_DECOMMISSIONED), 1),
            ("reassess", (_S.SCHEDULED, _S.ACCEPTED), 1),
            ("ends_in_rollback", (_S.TESTING,), 1),
            ("ends_in_retry", (_S.MIGRATING,), 1),
            ("ends_aborted", (_S.SCHEDULED,), 1),
            ("ends_reassessed", (_S.ASSESSED,), 1),
            ("retain_review", (_S.ASSESSED,), 1),
        ]
        for detour, finals, count in detours:
            candidates = [p for p in plans if p.final in finals and not p.detour]
            for plan in candidates[:count]:
                plan.detour = detour
        for plan in plans:
            if plan.disposition == Disposition.UNDECIDED and plan.final != _S.INVENTORIED:
                roll = rng.random()
                if plan.detour or roll < 0.6:
                    plan.disposition = Disposition.REHOST
                elif roll < 0.85:
                    plan.disposition = Disposition.MOVE_HARDWARE
                else:
                    plan.disposition = Disposition.REBUILD
            plan.skip_sign_off = rng.random() < 0.12
            plan.skip_backup = rng.random() < 0.08
            plan.t0 = self._campaign_start(plan)
            self._choose_wave(plan)
        plans.sort(key=lambda p: (p.t0, p.device.name))
        return plans

    def _campaign_start(self, plan: Plan) -> datetime.datetime:
        """Most servers were listed in the first inventory campaign; some were found later."""
        rng = self.rng
        late = plan.device.name.startswith("srv-kec-") or (plan.final == _S.INVENTORIED and rng.random() < 0.5)
        if late:
            day = datetime.date(2025, 3, 3) + datetime.timedelta(days=rng.randint(0, 560))
        else:
            day = HISTORY_START + datetime.timedelta(days=rng.randint(0, 46))
        return self._working_time(day)

    def _working_time(self, day: datetime.date) -> datetime.datetime:
        while day.weekday() >= 5:
            day += datetime.timedelta(days=1)
        return datetime.datetime.combine(day, datetime.time(self.rng.randint(8, 15), self.rng.randint(0, 59)), WIB)

    def _choose_wave(self, plan: Plan) -> None:
        rng = self.rng
        w = self.waves
        final = _S.SCHEDULED if plan.detour == "ends_reassessed" else plan.final
        if final in (_S.SOURCE_DECOMMISSIONED,):
            wave = rng.choice(w[:3])
        elif final == _S.ACCEPTED:
            wave = rng.choice(w[2:5])
        elif final == _S.CUT_OVER:
            wave = rng.choice(w[4:6])
        elif final in (_S.TESTING, _S.MIGRATING):
            wave = w[5] if rng.random() < 0.75 else w[4]
        elif final == _S.SCHEDULED:
            wave = w[5]
        else:
            return
        plan.wave = wave
        latest = min(wave.end_date - datetime.timedelta(days=21), DEMO_TODAY - datetime.timedelta(days=25))
        if final == _S.SCHEDULED:
            plan.planned_start = DEMO_TODAY + datetime.timedelta(days=rng.randint(-12, 24))
            return
        span = max(0, (latest - wave.start_date).days)
        plan.planned_start = wave.start_date + datetime.timedelta(days=rng.randint(0, span))

    def _steps(self, plan: Plan) -> list[str]:
        final, detour = plan.final, plan.detour
        if final == _S.INVENTORIED:
            return []
        if final == _S.RETIRED:
            return [_S.ASSESSED, _S.RETIRED] if self.rng.random() < 0.7 else [_S.RETIRED]
        if final == _S.RETAINED:
            return [_S.ASSESSED, _S.RETAINED]
        ends = {
            "ends_in_rollback": (_S.CUT_OVER, _S.TESTING),
            "ends_in_retry": (_S.TESTING, _S.MIGRATING),
            "ends_aborted": (_S.MIGRATING, _S.SCHEDULED),
            "ends_reassessed": (_S.SCHEDULED, _S.ASSESSED),
        }
        if detour == "retain_review":
            return [_S.ASSESSED, _S.RETAINED, _S.ASSESSED]
        if detour in ends:
            last_forward, back = ends[detour]
            return [*FORWARD[: FORWARD.index(last_forward) + 1], back]
        steps = list(FORWARD[: FORWARD.index(final) + 1])
        insert_after = {
            "cutover_rollback": (_S.CUT_OVER, [_S.TESTING, _S.CUT_OVER]),
            "test_retry": (_S.TESTING, [_S.MIGRATING, _S.TESTING]),
            "abort_window": (_S.MIGRATING, [_S.SCHEDULED, _S.MIGRATING]),
            "reassess": (_S.SCHEDULED, [_S.ASSESSED, _S.SCHEDULED]),
        }
        if detour in insert_after:
            after, extra = insert_after[detour]
            i = steps.index(after) + 1
            steps[i:i] = extra
        return steps

    def _times(self, plan: Plan, steps: list[str]) -> list[datetime.datetime]:
        rng = self.rng
        days = datetime.timedelta(days=1)
        times: list[datetime.datetime] = []
        prev = plan.t0
        seen: set[str] = set()
        for state in steps:
            repeat = state in seen
            seen.add(state)
            if repeat:
                gap = rng.randint(1, 8)
            elif state == _S.ASSESSED:
                gap = rng.randint(14, 75) if plan.final != _S.ASSESSED else rng.randint(20, 500)
            elif state == _S.SCHEDULED:
                target = plan.planned_start - rng.randint(14, 40) * days
                gap = max(2, (target - prev.date()).days)
            elif state == _S.MIGRATING:
                gap = max(1, (plan.planned_start + rng.randint(-1, 5) * days - prev.date()).days)
            elif state == _S.TESTING:
                gap = rng.randint(1, 4)
            elif state == _S.CUT_OVER:
                gap = rng.randint(2, 7)
            elif state == _S.ACCEPTED:
                gap = rng.randint(7, 21)
            elif state == _S.SOURCE_DECOMMISSIONED:
                gap = rng.randint(30, 75)
            else:  # retired, retained
                gap = rng.randint(10, 90)
            at = self._working_time(prev.date() + gap * days)
            if at <= prev:
                at = prev + datetime.timedelta(hours=2)
            times.append(at)
            prev = at
        limit = DEMO_NOW - datetime.timedelta(hours=3)
        if times and times[-1] > limit:  # squeeze the history so that it ends before "now"
            scale = (limit - plan.t0) / (times[-1] - plan.t0)
            times = [plan.t0 + (t - plan.t0) * scale for t in times]
        return times

    def _actor(self, state: str, device: Device) -> User | None:
        u = self.users
        if state == _S.ACCEPTED:
            for user in u.values():
                if user.role == Role.OPD_OPERATOR and user.organization_id == device.organization_id:
                    return user
        if state in (_S.RETIRED, _S.RETAINED, _S.SCHEDULED):
            return u.get("insinyur")
        if state in (_S.MIGRATING, _S.TESTING, _S.CUT_OVER, _S.SOURCE_DECOMMISSIONED):
            return u.get(self.rng.choice(("teknisi", "teknisi", "insinyur")))
        return u.get(self.rng.choice(("insinyur", "teknisi", "admin")))

    def _drive(self, plan: Plan) -> None:
        rng = self.rng
        device = plan.device
        steps = self._steps(plan)
        times = self._times(plan, steps)
        with logged_at(plan.t0):
            migration = start_tracking(device, at=plan.t0)
        plan.migration = migration
        vlan = 100 + self.org_number[device.organization.short_name]
        previous = _S.INVENTORIED
        moved = False
        for state, at in zip(steps, times, strict=True):
            reason = ""
            override = ""
            key = (previous, state)
            if key in ROLLBACK_REASONS:
                reason = rng.choice(ROLLBACK_REASONS[key])
            elif state == _S.RETAINED:
                reason = RETAINED_SERVERS.get(device.name, "Server CCTV lokal dengan rekaman besar; tetap di OPD.")
            else:
                reason = rng.choice(REASONS[state]).format(wave=plan.wave or "")
            if state == _S.ASSESSED and previous == _S.INVENTORIED:
                migration.readiness = rng.choice((Readiness.READY, Readiness.READY, Readiness.READY_WITH_CONDITIONS))
                if plan.final == _S.ASSESSED and rng.random() < 0.4:
                    migration.readiness = Readiness.NOT_READY
                if plan.final == _S.RETIRED:
                    migration.readiness = Readiness.NOT_READY
                migration.disposition = plan.disposition if plan.detour != "retain_review" else Disposition.RETAIN
            if state == _S.ASSESSED and previous == _S.RETAINED:
                migration.disposition = Disposition.REHOST
                migration.readiness = Readiness.READY_WITH_CONDITIONS
            if state == _S.SCHEDULED and migration.wave_id is None:
                self._schedule(migration, plan, vlan)
            if state == _S.MIGRATING:
                day = timezone.localtime(at).date()
                if not plan.skip_backup and migration.backup_verified_on is None:
                    migration.backup_verified_on = day - datetime.timedelta(days=rng.randint(1, 6))
                if not plan.skip_sign_off and migration.owner_signed_off_on is None:
                    migration.owner_signed_off_on = day - datetime.timedelta(days=rng.randint(2, 12))
                unmet = [g.code for g in gates(migration) if not g.met]
                override = "; ".join(OVERRIDES.get(code, code) for code in unmet)
            # The change log names the same person as the transition record.
            with logged_at(at, self._actor(state, device)) as ctx:
                if state == _S.CUT_OVER and not moved:
                    moved = True
                    self._move(migration, plan)
                transition(migration, state, user=ctx.user, reason=reason, override_reason=override, at=at)
                if state in (_S.SOURCE_DECOMMISSIONED, _S.RETIRED):
                    self._switch_off(device, plan)
            previous = state
        self._blockers(plan, steps, times)

    def _schedule(self, migration: Migration, plan: Plan, vlan: int) -> None:
        rng = self.rng
        start = plan.planned_start
        migration.wave = plan.wave
        migration.planned_start = start
        migration.planned_cutover = start + datetime.timedelta(days=rng.randint(7, 14))
        migration.planned_acceptance = migration.planned_cutover + datetime.timedelta(days=14)
        migration.planned_decommission = migration.planned_acceptance + datetime.timedelta(days=rng.randint(30, 60))
        if plan.disposition == Disposition.MOVE_HARDWARE:
            migration.target_rack = self.racks[(DATA_CENTER_SITE, f"R{rng.randint(7, 10):02d}")]
        else:
            migration.target_host = rng.choice(self.dc_hosts)
        migration.target_vlan = vlan
        self.next_address[vlan] += 1
        migration.target_address = f"10.71.{vlan}.{10 + self.next_address[vlan]}"

    def _move(self, migration: Migration, plan: Plan) -> None:
        """At cut-over the server runs in the data center: moved in its rack, or rebuilt as a VM there."""
        device = plan.device
        dc = self.sites[DATA_CENTER_SITE]
        if plan.disposition == Disposition.MOVE_HARDWARE:
            rack = migration.target_rack
            device.description = f"{device.description} (dipindahkan dari {device.site.name})"
            device.site, device.rack, device.position = dc, rack, self._position(rack, 2)
            device.save()
            return
        vm = self._device(
            f"vm-{device.name.removeprefix('srv-')}",
            device.organization,
            dc,
            DeviceKind.VIRTUAL_MACHINE,
            hypervisor(migration.target_host),
            "Virtual machine",
            os=self.rng.choice(VM_OS),
            host=migration.target_host,
            description=f"{device.description} (hasil migrasi dari {device.name})",
        )
        self.vm_of[device.pk] = vm
        self.cut_over_at[device.pk] = current_context().at
        self._flush()  # written now, so the change log has the VM from its cut-over on

    def _switch_off(self, device: Device, plan: Plan) -> None:
        if plan.disposition == Disposition.MOVE_HARDWARE:
            return  # the same hardware runs on in the data center
        device.status = DeviceStatus.DECOMMISSIONED
        device.save()
        self.switched_off_at[device.pk] = current_context().at
        address = device.primary_ip
        address.probe = False
        address.status = IPAddressStatus.DEPRECATED
        address.save()

    def _blockers(self, plan: Plan, steps: list[str], times: list[datetime.datetime]) -> None:
        rng = self.rng
        final = plan.final
        device = plan.device
        org = device.organization.short_name
        dates = {state: timezone.localtime(at).date() for state, at in zip(steps, times, strict=True)}
        start = dates.get(_S.ASSESSED, timezone.localtime(plan.t0).date())
        link_ok = self.site_link_status.get(device.site_id) == FiberLinkStatus.ACTIVE
        blockers: list[tuple[str, datetime.date, datetime.date | None]] = []
        if final in (_S.INVENTORIED, _S.ASSESSED, _S.SCHEDULED) and (not link_ok or rng.random() < 0.45):
            category = (
                BlockerCategory.FIBER_LINK
                if not link_ok
                else rng.choice([c for c in BLOCKERS if c != BlockerCategory.FIBER_LINK])
            )
            opened = min(DEMO_TODAY, start + datetime.timedelta(days=rng.randint(0, 30)))
            blockers.append((category, opened, None))
        elif final in (_S.MIGRATING, _S.TESTING) and rng.random() < 0.35:
            blockers.append((BlockerCategory.VENDOR, dates.get(_S.MIGRATING, start), None))
        if _S.MIGRATING in dates and (plan.skip_sign_off or rng.random() < 0.35):
            migrating = dates[_S.MIGRATING]
            category = (
                BlockerCategory.SIGN_OFF
                if plan.skip_sign_off
                else rng.choice(
                    (
                        BlockerCategory.ADDRESS_PLAN,
                        BlockerCategory.CAPACITY,
                        BlockerCategory.BACKUP,
                        BlockerCategory.BUDGET,
                    )
                )
            )
            opened = min(migrating, dates.get(_S.SCHEDULED, start) + datetime.timedelta(days=rng.randint(0, 10)))
            resolved = migrating + datetime.timedelta(days=rng.randint(3, 20)) if plan.skip_sign_off else migrating
            blockers.append((category, opened, min(resolved, DEMO_TODAY)))
        for category, opened, resolved in blockers:
            description, owner = rng.choice(BLOCKERS[category])
            with logged_at(_office_hours(opened)):
                blocker = MigrationBlocker.objects.create(
                    migration=plan.migration,
                    category=category,
                    description=description,
                    owner=owner.format(org=org),
                    opened_on=opened,
                    due_on=opened + datetime.timedelta(days=rng.choice((14, 30, 45, 60))),
                )
            if resolved is not None:
                blocker.resolved_on = max(resolved, opened)
                with logged_at(_office_hours(blocker.resolved_on)):
                    blocker.save()
