"""Reads that several pages share: migration progress and the headline figures.

Progress is computed from the transition history, so the same figures hold for any past date.
Each function runs a fixed number of queries whatever the size of the city.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .choices import (
    MIGRATION_DONE_STATES,
    MIGRATION_MOVED_STATES,
    BlockerCategory,
    FiberLinkStatus,
    Health,
    MigrationState,
)
from .models import (
    Device,
    FiberLink,
    Migration,
    MigrationBlocker,
    MigrationTransition,
    MigrationWave,
    Organization,
    Site,
)

ON_TRACK, AT_RISK, BLOCKED = Health.ON_TRACK.value, Health.AT_RISK.value, Health.BLOCKED.value
HEALTH_ORDER = {ON_TRACK: 0, AT_RISK: 1, BLOCKED: 2}

# The planned date that applies while a server is in a state (passed = at risk).
_PLANNED_DATE_FOR_STATE = {
    MigrationState.INVENTORIED: "planned_start",
    MigrationState.ASSESSED: "planned_start",
    MigrationState.SCHEDULED: "planned_start",
    MigrationState.MIGRATING: "planned_cutover",
    MigrationState.TESTING: "planned_cutover",
    MigrationState.CUT_OVER: "planned_acceptance",
    MigrationState.ACCEPTED: "planned_decommission",
}


@dataclass
class ProgressRow:
    """Counts for one group of servers (an OPD, a wave, or the whole city)."""

    key: object
    label: str
    by_state: Counter = field(default_factory=Counter)
    health: Counter = field(default_factory=Counter)
    blocker_categories: Counter = field(default_factory=Counter)
    next_wave: str = ""

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    @property
    def moved(self) -> int:
        return sum(self.by_state[s] for s in MIGRATION_MOVED_STATES)

    @property
    def done(self) -> int:
        return sum(self.by_state[s] for s in MIGRATION_DONE_STATES)

    @property
    def percent_done(self) -> float:
        return round(100.0 * self.done / self.total, 1) if self.total else 0.0

    @property
    def overall_health(self) -> str:
        worst = [h for h in self.health if self.health[h]]
        return max(worst, key=HEALTH_ORDER.get) if worst else ON_TRACK

    @property
    def health_counts(self) -> list[tuple[str, str, int]]:
        """(health, label, servers) worst first; templates cannot iterate a Counter (``.items`` is a key)."""
        rows = sorted(((h, n) for h, n in self.health.items() if n), key=lambda hn: -HEALTH_ORDER[hn[0]])
        return [(h, Health(h).label, n) for h, n in rows]

    @property
    def overall_health_label(self) -> str:
        return Health(self.overall_health).label

    @property
    def top_blocker(self) -> str:
        return self.blocker_categories.most_common(1)[0][0] if self.blocker_categories else ""

    @property
    def top_blocker_label(self) -> str:
        return BlockerCategory(self.top_blocker).label if self.top_blocker else ""


@dataclass
class YearRow:
    year: int
    planned_cutovers: int = 0
    actual_cutovers: int = 0


@dataclass
class Progress:
    as_of: datetime.datetime
    overall: ProgressRow
    by_organization: list[ProgressRow]
    by_wave: list[ProgressRow]
    by_year: list[YearRow]


def migration_progress(
    *,
    as_of: datetime.datetime | None = None,
    organization_ids: list[int] | None = None,
    wave_id: int | None = None,
) -> Progress:
    """Servers per state, done and health: overall, per OPD, per wave and cut-overs per year.

    With ``as_of``, each server's state is the one its history gives at that moment, and only
    servers already tracked then are counted; blockers count if open at that moment.
    """
    now = timezone.now()
    as_of = as_of or now
    today = timezone.localtime(as_of).date()
    state_at = (
        MigrationTransition.objects.filter(migration=OuterRef("pk"), at__lte=as_of)
        .order_by("-at", "-id")
        .values("to_state")[:1]
    )
    # The servers asked about; the related reads below take them as a subquery, not as a list of ids
    # (a city-sized list of ids overflows SQLite's limit on query parameters). No ordering: the
    # models' default orderings would join devices for nothing.
    selected = Migration.objects.order_by()
    if organization_ids is not None:
        selected = selected.filter(device__organization_id__in=organization_ids)
    if wave_id is not None:
        selected = selected.filter(wave_id=wave_id)
    rows = list(
        selected.annotate(state_at=Subquery(state_at))
        .filter(state_at__isnull=False)
        .values(
            "pk",
            "state_at",
            "wave_id",
            "device__organization_id",
            *sorted(set(_PLANNED_DATE_FOR_STATE.values())),
        )
    )

    open_blockers: dict[int, list[str]] = defaultdict(list)
    for migration_id, category in (
        MigrationBlocker.objects.filter(
            Q(resolved_on__isnull=True) | Q(resolved_on__gt=today),
            opened_on__lte=today,
            migration__in=selected.values("pk"),
        )
        .order_by()
        .values_list("migration_id", "category")
    ):
        open_blockers[migration_id].append(category)

    organizations = dict(Organization.objects.values_list("pk", "short_name"))
    waves = {w.pk: w for w in MigrationWave.objects.all()}

    overall = ProgressRow(key=None, label="")
    per_org: dict[int, ProgressRow] = {}
    per_wave: dict[int | None, ProgressRow] = {}
    org_next_waves: dict[int, set[int]] = defaultdict(set)
    for r in rows:
        state = r["state_at"]
        health = _health(state, r, open_blockers.get(r["pk"]), today)
        org_id = r["device__organization_id"]
        org_row = per_org.setdefault(org_id, ProgressRow(key=org_id, label=organizations.get(org_id, "")))
        wave_row = per_wave.setdefault(
            r["wave_id"], ProgressRow(key=r["wave_id"], label=str(waves[r["wave_id"]]) if r["wave_id"] else "")
        )
        for row in (overall, org_row, wave_row):
            row.by_state[state] += 1
            row.health[health] += 1
            row.blocker_categories.update(open_blockers.get(r["pk"], ()))
        if state not in MIGRATION_DONE_STATES and r["wave_id"]:
            org_next_waves[org_id].add(r["wave_id"])
    for org_id, wave_ids in org_next_waves.items():
        upcoming = sorted(
            (waves[w] for w in wave_ids),
            # Waves still running or to come first (one without an end date has not ended), earliest first.
            key=lambda w: (w.end_date is not None and w.end_date < today, w.start_date or datetime.date.max),
        )
        per_org[org_id].next_wave = upcoming[0].name if upcoming else ""

    by_year = _cutovers_by_year(rows, selected, as_of)
    return Progress(
        as_of=as_of,
        overall=overall,
        by_organization=sorted(per_org.values(), key=lambda r: r.label.lower()),
        by_wave=sorted(
            per_wave.values(),
            key=lambda r: (r.key is None, waves[r.key].start_date or datetime.date.max if r.key else datetime.date.max),
        ),
        by_year=by_year,
    )


def _health(state: str, row: dict, blockers: list[str] | None, today: datetime.date) -> str:
    if state in MIGRATION_DONE_STATES and state != MigrationState.CUT_OVER:
        return ON_TRACK
    if blockers:
        return BLOCKED
    planned_field = _PLANNED_DATE_FOR_STATE.get(state)
    planned = row.get(planned_field) if planned_field else None
    if planned is not None and planned < today:
        return AT_RISK
    return ON_TRACK


def _cutovers_by_year(rows: list[dict], selected, as_of: datetime.datetime) -> list[YearRow]:
    """Planned cut-overs by planned year against actual first cut-overs by year.

    ``rows`` are the servers tracked at ``as_of`` (with their planned cut-over); a server tracked
    later has no transition before ``as_of``, so ``selected`` may include it.
    """
    years: dict[int, YearRow] = {}
    first_cutover: dict[int, datetime.datetime] = {}
    for migration_id, at in (
        MigrationTransition.objects.filter(
            migration__in=selected.values("pk"), to_state=MigrationState.CUT_OVER, at__lte=as_of
        )
        .filter(is_imported_start=False)  # imported as cut over: the cut-over's date is not known
        .order_by()
        .values_list("migration_id", "at")
    ):
        if migration_id not in first_cutover or at < first_cutover[migration_id]:
            first_cutover[migration_id] = at
    for at in first_cutover.values():
        year = timezone.localtime(at).year
        years.setdefault(year, YearRow(year)).actual_cutovers += 1
    for row in rows:
        planned = row["planned_cutover"]
        if planned is not None:
            years.setdefault(planned.year, YearRow(planned.year)).planned_cutovers += 1
    return [years[y] for y in sorted(years)]


@dataclass
class Headline:
    organizations: int
    sites: int
    devices: int
    servers: int
    fiber_km_by_status: dict[str, Decimal]
    fiber_links_by_status: dict[str, int]


def headline_figures() -> Headline:
    """The figures the home page opens with."""
    from .choices import SERVER_KINDS

    device_counts = Device.objects.aggregate(total=Count("pk"), servers=Count("pk", filter=Q(kind__in=SERVER_KINDS)))
    fiber = {s: (Decimal("0"), 0) for s in FiberLinkStatus.values}
    for row in FiberLink.objects.values("status").annotate(km=Sum("length_km"), n=Count("pk")):
        fiber[row["status"]] = (row["km"] or Decimal("0"), row["n"])
    return Headline(
        organizations=Organization.objects.count(),
        sites=Site.objects.count(),
        devices=device_counts["total"],
        servers=device_counts["servers"],
        fiber_km_by_status={s: v[0] for s, v in fiber.items()},
        fiber_links_by_status={s: v[1] for s, v in fiber.items()},
    )


@dataclass
class MonthPoint:
    month: datetime.date
    moved: int  # servers cut over by the end of this month (cumulative)
    target: float | None  # the yearly target, prorated to this month


def progress_over_time(
    *, organization_ids: list[int] | None = None, wave_id: int | None = None, months: int = 24
) -> list[MonthPoint]:
    """Servers cut over, cumulative per month, against the yearly targets prorated by month.

    A server counts from its first cut-over; one rolled back and cut over again is not counted twice.
    """
    from .models import YearTarget

    now = timezone.localtime()
    first_month = _add_months(now.date().replace(day=1), -(months - 1))
    # An imported starting point in cut_over is where tracking began, not a cut-over on that day.
    transitions = MigrationTransition.objects.filter(to_state=MigrationState.CUT_OVER, is_imported_start=False)
    if organization_ids is not None:
        transitions = transitions.filter(migration__device__organization_id__in=organization_ids)
    if wave_id is not None:
        transitions = transitions.filter(migration__wave_id=wave_id)
    first: dict[int, datetime.date] = {}
    for migration_id, at in transitions.values_list("migration_id", "at"):
        day = timezone.localtime(at).date()
        if migration_id not in first or day < first[migration_id]:
            first[migration_id] = day
    targets = (
        dict(YearTarget.objects.values_list("year", "servers_moved"))
        if organization_ids is None and wave_id is None
        else {}
    )
    points = []
    for i in range(months):
        month = _add_months(first_month, i)
        month_end = _add_months(month, 1) - datetime.timedelta(days=1)
        moved = sum(1 for day in first.values() if day <= month_end)
        points.append(MonthPoint(month, moved, _prorated_target(targets, month)))
    return points


def _add_months(day: datetime.date, n: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _prorated_target(targets: dict[int, int], month: datetime.date) -> float | None:
    """The target line: from the previous year's target to this year's, a twelfth each month."""
    if month.year not in targets:
        return None
    start = targets.get(month.year - 1, 0)
    return start + (targets[month.year] - start) * month.month / 12


def count_of(model, field: str, **conditions) -> Coalesce:
    """How many ``model`` rows point at each row, as a subquery.

    A Count() over a join makes the list query group every related row, and two of them multiply
    each other's rows (an OPD's devices times its sites); the paginator's COUNT has to group too.
    A subquery is computed for the rows shown only.
    """
    rows = (
        model.objects.filter(**{field: OuterRef("pk")}, **conditions)
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


def migration_states_at(as_of: datetime.datetime) -> dict[int, tuple[int, str, datetime.datetime]]:
    """Each tracked migration's state at ``as_of`` and when it was reached, from its transitions:
    {migration id: (server id, state, reached at)}. One query, whatever the history's length."""
    states: dict[int, tuple[int, str, datetime.datetime]] = {}
    for migration_id, device_id, state, at in (
        MigrationTransition.objects.filter(at__lte=as_of)
        .order_by("migration_id", "at", "id")
        .values_list("migration_id", "migration__device_id", "to_state", "at")
    ):
        states[migration_id] = (device_id, state, at)  # the last one of each migration wins
    return states
