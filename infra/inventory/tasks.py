"""The inventory's background work, run by huey's consumer (``manage.py run_huey``).

Spreadsheet imports are checked and run here, never in a web request: the page shows the job's
progress while the consumer works (``services.imports``).
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .services import imports


@db_task()
def check_import(job_pk: int) -> None:
    """Read and check an uploaded spreadsheet: its preview, or every problem it has."""
    imports.check(job_pk)


@db_task()
def run_import_job(job_pk: int) -> None:
    """Import a confirmed spreadsheet: every row or none."""
    imports.perform(job_pk)


@db_periodic_task(crontab(minute="*/10"))
def purge_expired_imports() -> int:
    """Drop what expired imports hold (files, previews), also when nobody uploads another."""
    return imports.purge_expired()
