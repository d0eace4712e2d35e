"""The diagrams' background work, run by huey's consumer (``manage.py run_huey``)."""

from huey.contrib.djhuey import db_periodic_task

from .services import snapshots


@db_periodic_task(snapshots.snapshot_schedule)
def take_monthly_snapshots() -> list[int]:
    """At 00:30 city time: the city and fiber views as of the end of the month that ended, once."""
    return [snapshot.pk for snapshot in snapshots.take_monthly()]
