"""The inventory's background work, run by huey's consumer (``manage.py run_huey``)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import imports


@db_periodic_task(crontab(minute="*/10"))
def purge_expired_imports() -> int:
    """Drop checked spreadsheets nobody confirmed in time, also when nobody uploads another."""
    return imports.purge_expired()
