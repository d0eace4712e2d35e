"""Load a synthetic year of probe history (``infra.probes.history``) into the database, once.

Reads the checks and the fiber graph in a few queries, creates the scenario's maintenance windows
(change-logged, as any window), then writes events, downtimes and hourly and daily figures in bulk:
COPY on PostgreSQL, executemany in large batches on SQLite; no per-row ORM save. No raw results are
written: raw results are what real probes return, and the live prober writes them from its first
minute. Idempotent: a ``ProbeMarker`` named ``demo_history`` says it was loaded, and a second load
adds nothing. The history is marked as synthetic: a prober named "demo history", the marker, and
the detail of every event it wrote."""

import datetime
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from infra.core.choices import ChangeSource
from infra.core.context import change_context
from infra.inventory.choices import SiteKind
from infra.inventory.models import FiberLink, Site

from .. import history, state
from ..models import (
    Check,
    CheckEvent,
    CheckStatus,
    DailyRollup,
    Downtime,
    HourlyRollup,
    MaintenanceWindow,
    ProbeMarker,
    Prober,
    Result,
)
from ..topology import CARRYING
from . import fastwrite

MARKER = "demo_history"
PROBER = "demo history"
BATCH = 20000
EVENT_COLUMNS = (
    "probe_check_id", "at", "kind", "old_state", "new_state", "outcome", "held", "root_cause_id", "detail",
)  # fmt: skip
DOWNTIME_COLUMNS = ("probe_check_id", "start", "end", "cause", "root_cause_id")
_DATETIMES = {"at", "start", "end"}


def _insert(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert plain tuples: COPY on PostgreSQL, executemany in batches on SQLite. Returns the count."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        adapted: dict = {}

        def adapt(value):  # the backend's own conversion, once per instant (hours repeat for every check)
            text = adapted.get(value)
            if text is None:
                text = adapted[value] = connection.ops.adapt_datetimefield_value(value)
            return text

        positions = [i for i, c in enumerate(columns) if c in _DATETIMES]
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch: list[list] = []
        for row in rows:
            row = list(row)
            for i in positions:
                if row[i] is not None:
                    row[i] = adapt(row[i])
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                written += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def _checks() -> list[history.CheckInfo]:
    rows = (
        Check.objects.filter(enabled=True)
        .order_by("pk")
        .values_list(
            "pk",
            "interval",
            "packets",
            "device_id",
            "device__site_id",
            "device__site__organization_id",
            "down_after",
            "up_after",
            "flap_low",
            "flap_high",
        )
    )
    return [
        history.CheckInfo(
            id=pk,
            interval=interval,
            packets=packets,
            device_id=device,
            site_id=site,
            org_id=org,
            rules=state.Rules(down_after=down, up_after=up, flap_low=low, flap_high=high),
        )
        for pk, interval, packets, device, site, org, down, up, low, high in rows
    ]


def is_loaded() -> bool:
    return ProbeMarker.objects.filter(name=MARKER).exists()


def load(
    *,
    days: int = 365,
    hourly_days: int | None = None,
    seed: int = 1871,
    now: datetime.datetime | None = None,
    profile: str = "loopback",
) -> dict[str, object]:
    """Write ``days`` of history for every enabled check, ending now (or where real probing began).

    ``hourly_days``: how far back hourly figures go (default SIMPUL_PROBE_HOURLY_DAYS, the retention);
    daily figures cover every whole day. When the database holds nothing real yet, each check's status
    is set to where its history ends (up, since its last change), so live probing carries on from
    it; when real results or events exist, the history ends before the first of them and the statuses
    are left to the real probes. Returns counts and timings."""
    started = time.monotonic()
    counts: dict[str, object] = {"loaded": False}
    with transaction.atomic():
        if ProbeMarker.objects.select_for_update().filter(name=MARKER).exists():
            return counts
        end = (now or timezone.now()).astimezone(datetime.UTC).replace(second=0, microsecond=0)
        first_real = [
            Result.objects.aggregate(t=Min("time"))["t"],
            CheckEvent.objects.aggregate(t=Min("at"))["t"],
        ]
        live = any(first_real)
        if live:
            end = min([end, *(t for t in first_real if t)]).replace(second=0, microsecond=0)
        start = end - datetime.timedelta(days=days)
        hourly_from = end - datetime.timedelta(
            days=settings.SIMPUL_PROBE_HOURLY_DAYS if hourly_days is None else hourly_days
        )
        zone = ZoneInfo(settings.TIME_ZONE)
        checks = _checks()
        links = list(FiberLink.objects.filter(status__in=CARRYING).values_list("site_a_id", "site_b_id"))
        roots = list(Site.objects.filter(kind=SiteKind.DATA_CENTER).values_list("pk", flat=True))
        scenario = history.plan(checks, links, roots, start, end, seed=seed, zone=zone)
        windows_of = _windows(scenario, checks)
        derived = history.derive(checks, scenario, windows_of)
        planned = time.monotonic()
        counts["events"] = _insert(
            CheckEvent._meta.db_table,
            EVENT_COLUMNS,
            (
                (e.check_id, e.at, e.kind, e.old, e.new, e.outcome, e.held, e.root_cause, e.detail)
                for e in derived.events
            ),
        )
        counts["downtimes"] = _insert(
            Downtime._meta.db_table,
            DOWNTIME_COLUMNS,
            ((d.check_id, d.start, d.end, d.cause, d.root_cause) for d in derived.downtimes),
        )
        hourly_rows, daily_rows, base = _rollups(checks, scenario, zone, hourly_from, seed, profile)
        counts["hourly"] = _insert(HourlyRollup._meta.db_table, history.ROLLUP_COLUMNS, hourly_rows)
        counts["daily"] = _insert(DailyRollup._meta.db_table, history.ROLLUP_COLUMNS, daily_rows)
        if not live:
            _statuses(derived, base)
        prober, _ = Prober.objects.get_or_create(name=PROBER, defaults={"reference": ""})
        Prober.objects.filter(pk=prober.pk).update(last_seen=end)
        ProbeMarker.objects.create(name=MARKER, owner=f"{history.SYNTHETIC}, seed {seed}", at=end)
    counts.update(
        loaded=True,
        checks=len(checks),
        windows=len(scenario.windows),
        start=start,
        end=end,
        statuses=not live,
        notes=scenario.notes,
        plan_seconds=round(planned - started, 2),
        seconds=round(time.monotonic() - started, 2),
    )
    return counts


def _windows(scenario: history.Scenario, checks: Sequence[history.CheckInfo]) -> dict[int, list]:
    """Create the scenario's maintenance windows; per check, the windows that hold its alerts."""
    of: dict[int, list] = defaultdict(list)
    with change_context(source=ChangeSource.COMMAND):
        for w in scenario.windows:
            MaintenanceWindow.objects.create(
                device_id=w.device_id, site_id=w.site_id, start=w.start, end=w.end, reason=w.reason
            )
            for c in checks:
                if (w.device_id and c.device_id == w.device_id) or (w.site_id and c.site_id == w.site_id):
                    of[c.id].append((w.start, w.end))
    return of


def _rollups(checks, scenario, zone, hourly_from, seed, profile):
    """Hourly rows as a generator, computed check by check as the writer takes them (they are most of
    the rows); the daily rows and base RTTs fill up meanwhile (read them after the hourly rows)."""
    daily: list[tuple] = []
    base: dict[int, float] = {}

    def hourly():
        for c in checks:
            hours, days, base[c.id] = history.rollups(c, scenario, zone, hourly_from, seed, profile)
            daily.extend(days)
            yield from hours

    return hourly(), daily, base


def _statuses(derived: history.Derived, base: dict[int, float]) -> None:
    """Each check's status where its history ends: live probing carries on from it."""
    existing = {
        row[0]: row[1:]
        for row in CheckStatus.objects.filter(probe_check_id__in=list(derived.trackers)).values_list(
            "probe_check_id", "sys_name", "sys_descr", "sys_uptime", "uptime_at"
        )
    }
    rows = []
    for check_id, t in derived.trackers.items():
        if check_id not in existing:
            continue
        rows.append(
            (
                check_id,
                t.state.value,
                t.since,
                t.failures,
                t.successes,  # saturated at state.RUN_CAP, as live probing keeps it
                t.history,
                t.flapping,
                t.last_at,
                history.OK,
                base.get(check_id),
                0.0,
                *existing[check_id],
            )
        )
    fastwrite.update_statuses(rows)


# The demo's one live incident: a server read by SNMP only, at a loopback address and port where no
# agent listens. Its probes really fail, so from the third minute of `make run` the status page, the
# dashboard, the events and the alerts have something true to show (docs/probes.md, "The demo").
LIVE_INCIDENT_ADDRESS = "127.71.250.1"
LIVE_INCIDENT_PORT = 16161
LIVE_INCIDENT_CREDENTIAL = "demo v2c (no agent listens)"


def add_live_incident() -> Check | None:
    """Add the demo's live incident once: an SNMP check on the first server (by name) that has no
    check yet and stands at a site whose other devices are probed. ``None`` when there is no such
    server or the check is there already."""
    from infra.inventory.choices import SERVER_KINDS
    from infra.inventory.models import Device

    from ..choices import CheckKind
    from ..models import SnmpCredential

    if Check.objects.filter(address=LIVE_INCIDENT_ADDRESS, port=LIVE_INCIDENT_PORT).exists():
        return None
    probed_sites = Check.objects.filter(enabled=True, device__isnull=False).values("device__site_id")
    device = (
        Device.objects.filter(kind__in=SERVER_KINDS, site_id__in=probed_sites, checks__isnull=True)
        .order_by("name")
        .first()
    )
    if device is None:
        return None
    with change_context(source=ChangeSource.COMMAND):
        credential, _ = SnmpCredential.objects.get_or_create(
            name=LIVE_INCIDENT_CREDENTIAL,
            defaults={"community": "public", "description": "Demo: no SNMP agent answers at this port."},
        )
        check = Check.objects.create(
            kind=CheckKind.SNMP,
            device=device,
            address=LIVE_INCIDENT_ADDRESS,
            port=LIVE_INCIDENT_PORT,
            credential=credential,
        )
    from .checks import ensure_status

    ensure_status([check.pk])
    return check
