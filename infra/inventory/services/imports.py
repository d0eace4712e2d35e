"""Spreadsheet imports: check a file and stage it, then import it when its uploader confirms.

The checked file waits in the database (``ImportJob``), not on one web server's disk, so the
confirmation may reach any server, and a file nobody confirms is dropped once it expires. The
import itself is the spreadsheet engine's: every row or none, logged as an import by the user.
"""

import datetime
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from infra.core.permissions import can_import

from .. import spreadsheets
from ..choices import ImportStatus
from ..models import ImportJob
from ..spreadsheets import ImportFailed, ImportResult, RowError

# An upload larger than this is refused before it is read.
MAX_BYTES = 20 * 1024 * 1024
# The preview shows this many rows; every problem is listed whatever the row.
PREVIEW_ROWS = 300


class FileRefused(Exception):
    """The upload cannot be checked at all: none, too large, or not a table."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConfirmRefused(Exception):
    """A confirmation that imported nothing; ``kind`` is the job's kind when the job was the caller's."""

    def __init__(self, message: str, *, kind: str = ""):
        super().__init__(message)
        self.message = message
        self.kind = kind


@dataclass(frozen=True)
class PreviewRow:
    number: int
    cells: Sequence[object]
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class Preview:
    """What the check found: the file's first rows, each with its problems, and what an import would do."""

    header: list[str]
    rows: list[PreviewRow]
    row_count: int
    errors: list[RowError]
    result: ImportResult | None
    limit: int = PREVIEW_ROWS

    @property
    def bad_row_count(self) -> int:
        return len({e.row for e in self.errors if e.row is not None})

    @property
    def file_errors(self) -> list[RowError]:
        """Problems of the file as a whole (a missing column), not of one row."""
        return [e for e in self.errors if e.row is None]


def _not_pending() -> str:
    return _("This import is no longer pending: upload the file again.")


def _sheet_model(user, kind: str):
    """The model ``kind`` imports into, when ``user`` may import it (the one permission check)."""
    sheet = spreadsheets.SHEETS.get(kind)
    if sheet is None or not can_import(user, sheet.model):
        raise PermissionDenied
    return sheet.model


def _read(data: bytes) -> spreadsheets.Table:
    if not data:
        raise FileRefused(_("Choose a CSV or XLSX file."))
    if len(data) > MAX_BYTES:
        raise FileRefused(_("The file is larger than 20 MB."))
    try:
        return spreadsheets.read_table(io.BytesIO(data), None)
    except spreadsheets.TableError as exc:
        raise FileRefused(str(exc)) from exc


def _preview(table: spreadsheets.Table, errors: list[RowError], result: ImportResult | None) -> Preview:
    by_row: dict[int | None, list[RowError]] = {}
    for error in errors:
        by_row.setdefault(error.row, []).append(error)
    rows = [PreviewRow(number, cells, by_row.get(number, [])) for number, cells in table.rows[:PREVIEW_ROWS]]
    return Preview(header=table.header, rows=rows, row_count=len(table.rows), errors=errors, result=result)


def stage(*, user, kind: str, file_name: str, data: bytes) -> tuple[ImportJob | None, Preview]:
    """Check ``data`` as an import of ``kind`` without saving anything, and keep it for ``confirm``.

    Only a file without problems is kept (the job); for any other the job is None and the preview
    names every problem. Raises PermissionDenied when ``user`` may not import ``kind``, and
    FileRefused when ``data`` cannot be read as a table at all.
    """
    _sheet_model(user, kind)
    purge_expired()
    table = _read(data)
    errors: list[RowError] = []
    result = None
    try:
        result = spreadsheets.import_table(kind, table, user=user, dry_run=True)
    except ImportFailed as exc:
        errors = exc.errors
    job = None
    if result is not None:
        job = ImportJob.objects.create(
            user=user,
            kind=kind,
            file_name=file_name[:255],
            data=data,
            size=len(data),
            row_count=len(table.rows),
            summary=ImportJob._meta.get_field("summary").fit(str(result)),
        )
    return job, _preview(table, errors, result)


def _finish(job: ImportJob, status: str, summary: str, now: datetime.datetime) -> None:
    """Close ``job``: its file is not needed any more, whatever the outcome."""
    summary = ImportJob._meta.get_field("summary").fit(summary)  # a failure may list thousands of rows
    job.status, job.summary, job.finished, job.data = status, summary, now, None
    job.save(update_fields=["status", "summary", "finished", "data"])


def confirm(*, user, token: str | uuid.UUID) -> tuple[ImportJob, ImportResult]:
    """Import the file ``user`` staged as ``token``: every row or none, once.

    Works on any web server and in any session of the uploader; nobody else's confirmation counts.
    Raises ConfirmRefused when the job is unknown, someone else's, already done, expired (its file
    is then dropped) or when the import fails (the job is marked failed), and PermissionDenied
    when ``user`` may no longer import its kind.
    """
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        raise ConfirmRefused(_not_pending()) from None
    now = timezone.now()
    refusal = None
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(token=token, user_id=getattr(user, "pk", None)).first()
        if job is None or job.status != ImportStatus.STAGED:
            raise ConfirmRefused(_not_pending())
        _sheet_model(user, job.kind)
        if job.is_expired(now):
            message = _(
                "The check of %(name)s expired before it was confirmed; nothing was saved. Upload the file again."
            ) % {"name": job.file_name}
            _finish(job, ImportStatus.EXPIRED, message, now)
            refusal = ConfirmRefused(message, kind=job.kind)
        else:
            try:
                result = run_import(user=user, kind=job.kind, source=io.BytesIO(bytes(job.data)))
            except ImportFailed as exc:
                _finish(job, ImportStatus.FAILED, str(exc), now)
                refusal = ConfirmRefused(str(exc), kind=job.kind)
            else:
                _finish(job, ImportStatus.IMPORTED, str(result), now)
    # Raised after the transaction, so the job's new status stays.
    if refusal is not None:
        raise refusal
    return job, result


def purge_expired(now: datetime.datetime | None = None) -> int:
    """Drop the files of staged imports nobody confirmed in time; how many were dropped.

    The rows stay (without their files) so a late confirmation is told the check expired.
    """
    now = now or timezone.now()
    return ImportJob.objects.filter(status=ImportStatus.STAGED, expires__lte=now).update(
        status=ImportStatus.EXPIRED, data=None, finished=now
    )


def run_import(
    *,
    user,
    kind: str,
    source: str | Path | BinaryIO,
    format: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import a file at once, without staging: for trusted callers such as ``manage.py import_data``.

    Raises ImportFailed listing every problem (nothing is then saved).
    """
    return spreadsheets.import_file(kind, source, format=format, user=user, dry_run=dry_run)
