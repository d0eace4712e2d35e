"""``manage.py probe run|schedule|rollup|prune|alerts``: the probes by hand (docs/probes.md)."""

import sys
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Q

from infra.inventory.demo import is_loaded as demo_is_loaded
from infra.probes import history
from infra.probes.choices import CheckKind, ResultOutcome
from infra.probes.models import Check, WebsiteStatus
from infra.probes.services import alerting, partitions, retention, scheduling
from infra.probes.services import history as history_service
from infra.probes.services.probing import probe_now
from infra.probes.tasks import run_probe_chunk

# Hourly figures of the demo history on SQLite: 14 days keep `make run` fast (measured: docs/_history).
SQLITE_HOURLY_DAYS = 14


class Progress:
    """A one-line progress bar on a terminal; nothing when the output is a file or a pipe."""

    def __init__(self, total: int, stream) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.enabled = stream.isatty() and total > 0
        self.started = time.monotonic()

    def __call__(self, count: int) -> None:
        self.done += count
        if self.enabled:
            width = 30
            filled = int(width * self.done / self.total)
            elapsed = time.monotonic() - self.started
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} checks, {elapsed:.1f} s"
            )
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Probe checks now, run one tick of the schedule, roll up or prune results."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Probe checks now and print a summary.")
        which = run.add_mutually_exclusive_group(required=True)
        which.add_argument("--check", type=int, action="append", help="A check's id (repeatable).")
        which.add_argument("--device", help="A device's name: its enabled checks.")
        which.add_argument("--site", help="A site's name: the enabled checks of its devices.")
        which.add_argument("--websites", action="store_true", help="Every enabled website (HTTP) check.")
        which.add_argument("--all", action="store_true", help="Every enabled check.")
        sub.add_parser("schedule", help="One tick of the schedule: enqueue the due checks.")
        sub.add_parser("rollup", help="Roll up raw results into hourly and daily figures.")
        sub.add_parser("prune", help="Drop results past their keeping time.")
        demo = sub.add_parser(
            "demo-history",
            help="Load a synthetic year of probe history for the demo city, once (docs/probes.md).",
        )
        demo.add_argument("--days", type=int, default=365, help="Days of history, ending now (365).")
        demo.add_argument(
            "--hourly-days",
            type=int,
            default=None,
            help="Days of hourly figures (default: SIMPUL_PROBE_HOURLY_DAYS on PostgreSQL, 14 on SQLite).",
        )
        demo.add_argument("--seed", type=int, default=1871)
        demo.add_argument("--profile", choices=sorted(history.RTT_PROFILES), default="loopback")
        demo.add_argument("--any-city", action="store_true", help="Also when the demo city is not loaded (benchmarks).")
        sub.add_parser("alerts", help="One pass of the alerts: decide about settled events, send due deliveries.")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"_{action.replace('-', '_')}")(**options)

    def _alerts(self, **options) -> None:
        counts = alerting.run()
        self.stdout.write(", ".join(f"{name} {count}" for name, count in counts.items()))

    def _run(self, check=None, device=None, site=None, websites=False, all=False, **options) -> None:
        checks = Check.objects.select_related("credential", "website").order_by("pk")
        if check:
            checks = checks.filter(pk__in=check)
            missing = set(check) - set(checks.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No check with id {', '.join(map(str, sorted(missing)))}.")
            disabled = sorted(checks.filter(enabled=False).values_list("pk", flat=True))
            if disabled:
                # A disabled check's state is unknown by definition: probing it would give it one.
                raise CommandError(f"Check {', '.join(map(str, disabled))} is disabled: enable it to probe it.")
        else:
            checks = checks.filter(enabled=True)
            if device:
                checks = checks.filter(device__name=device)
            elif site:
                checks = checks.filter(Q(device__site__name=site))
            elif websites:
                checks = checks.filter(kind=CheckKind.HTTP)
        checks = list(checks)
        if not checks:
            raise CommandError("No enabled check matches.")
        progress = Progress(len(checks), sys.stderr)
        started = time.monotonic()
        observations, totals = probe_now(checks, progress=progress)
        progress.close()
        elapsed = time.monotonic() - started
        outcomes = Counter(ResultOutcome(o.outcome).label for o in observations)
        answered = sum(1 for o in observations if o.reachable)
        self.stdout.write(
            f"Probed {len(observations)} checks in {elapsed:.2f} s: {answered} answered, "
            f"{len(observations) - answered} did not; {totals['events']} events."
        )
        for label, count in outcomes.most_common():
            self.stdout.write(f"  {label}: {count}")
        if len(observations) <= 20:
            by_id = {c.pk: c for c in checks}
            found = WebsiteStatus.objects.in_bulk([c.pk for c in checks if c.kind == CheckKind.HTTP])
            for o in observations:
                if o.check_id in found:
                    self.stdout.write(f"  #{o.check_id} {self._website_line(by_id[o.check_id], o, found[o.check_id])}")
                    continue
                rtt = f"{o.rtt_avg:.2f} ms" if o.received else "-"
                self.stdout.write(
                    f"  #{o.check_id} {by_id[o.check_id].address}: {ResultOutcome(o.outcome).label}, "
                    f"{o.received}/{o.sent} received, RTT {rtt}"
                )

    @staticmethod
    def _website_line(check: Check, observation, website: WebsiteStatus) -> str:
        """One website's answer: status, times, certificate, last update, warnings."""
        parts = [f"{check.url}: {ResultOutcome(observation.outcome).label}"]
        if website.status_code is not None:
            parts.append(
                f"HTTP {website.status_code}, first byte {website.ttfb_ms or 0:.0f} ms, "
                f"total {website.total_ms or 0:.0f} ms"
            )
        elif website.detail:
            parts.append(website.detail)
        if website.tls_expires:
            parts.append(f"certificate until {website.tls_expires:%Y-%m-%d}")
        if website.last_update:
            parts.append(f"updated {website.last_update:%Y-%m-%d} ({website.update_source})")
        else:
            parts.append("last update unknown")
        if website.warnings:
            parts.append("warnings: " + " ".join(website.warnings))
        return "; ".join(parts)

    def _schedule(self, **options) -> None:
        counts = scheduling.schedule(enqueue=run_probe_chunk, force=True)
        if not counts.get("owner"):
            self.stdout.write("Another consumer holds the schedule: nothing done.")
            return
        self.stdout.write(f"Enqueued {counts['checks']} checks in {counts['runs']} runs; {counts['lost']} runs lost.")

    def _rollup(self, **options) -> None:
        partitions.ensure()
        counts = retention.rollup()
        self.stdout.write(f"Rolled up {counts['hours']} hours and {counts['days']} days ({counts['rows']} rows).")

    def _prune(self, **options) -> None:
        counts = retention.prune()
        self.stdout.write(
            f"Dropped {counts['partitions']} partitions and {counts['results']} raw results; "
            f"{counts['hourly']} hourly and {counts['daily']} daily rows."
        )

    def _demo_history(self, days=365, hourly_days=None, seed=1871, profile="loopback", any_city=False, **options):
        if not any_city and not demo_is_loaded():
            raise CommandError("The demo city is not loaded: a synthetic history belongs to the demo only.")
        if not any_city:
            # The demo's website checks exist and expect their text before the history counts them in.
            from infra.probes.demo_websites import follow_demo_checks

            found = follow_demo_checks()
            if found["created"] or found["expect_text"]:
                self.stdout.write(
                    f"Demo website checks: {found['created']} created, "
                    f"{found['expect_text']} given their expected text."
                )
        if history_service.is_loaded():
            self.stdout.write("Demo probe history already loaded: nothing added.")
            return
        if days < 3:
            raise CommandError("--days: at least 3.")
        if not any_city:
            live = history_service.add_live_incident()
            if live is not None:
                self.stdout.write(
                    f"Demo live incident: {live.device} read by SNMP at {live.address}:{live.port}, where no agent "
                    "listens (down from the third minute of probing)."
                )
        if hourly_days is None and connection.vendor == "sqlite":
            hourly_days = SQLITE_HOURLY_DAYS
        counts = history_service.load(days=days, hourly_days=hourly_days, seed=seed, profile=profile)
        rows = sum(counts[k] for k in ("events", "downtimes", "hourly", "daily"))
        self.stdout.write(
            f"Demo probe history (synthetic) loaded in {counts['seconds']:.1f} s: {counts['checks']} checks, "
            f"{counts['start']:%Y-%m-%d %H:%M} to {counts['end']:%Y-%m-%d %H:%M} UTC; {counts['events']} events, "
            f"{counts['downtimes']} downtimes, {counts['windows']} maintenance windows, {counts['hourly']} hourly and "
            f"{counts['daily']} daily figures ({rows / max(counts['seconds'], 0.001):,.0f} rows/s)."
        )
        if options.get("verbosity", 1) > 1:
            for note in counts["notes"]:
                self.stdout.write(f"  {note}")
