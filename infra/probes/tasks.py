"""The probes' background work, run by huey's consumers (``manage.py run_huey``).

Every consumer puts the periodic tasks into the queue; the first worker to claim a period's tick runs
it and the others return at once (``scheduling.take_tick``), and any consumer runs the chunks it is
handed (docs/probes.md, "Scheduling")."""

import datetime

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .services import alerting, partitions, retention, scheduling


@db_task()
def run_probe_chunk(run_id: int) -> dict[str, int]:
    return scheduling.run_chunk(run_id)


@db_periodic_task(crontab(minute="*"))
def schedule_probes() -> dict[str, int]:
    return scheduling.schedule(enqueue=run_probe_chunk)


@db_periodic_task(crontab(minute="7"))
def roll_up_and_prune_results() -> dict[str, int]:
    """Hourly: roll up the hours and days that ended, then prune what is past its keeping time."""
    if not scheduling.take_tick("maintenance", period=datetime.timedelta(hours=1)):
        return {}  # this hour's run happened elsewhere
    partitions.ensure()
    counts = retention.rollup()
    counts.update(retention.prune())
    counts["compacted"] = len(partitions.compact())
    return counts


@db_periodic_task(crontab(minute="*"))
def send_alerts() -> dict[str, int]:
    """Each minute, on every consumer: decide about settled events, send due deliveries (each is
    decided and attempted once, whoever runs it: ``services.alerting``)."""
    return alerting.run()
