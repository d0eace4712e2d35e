"""Spreadsheet imports in the background: store the upload, check it, confirm it, import it.

The web request only stores the upload (``submit``) and hands the job to huey's consumer, which
reads and checks every row (``check``), writing its progress into the job; its uploader then sees
the preview, and confirming hands the import itself to the consumer (``confirm``, then
``perform``). No web worker waits on a file, whatever its size, and every step runs within the
limits of ``Limits`` (upload size, rows, unpacked XLSX size, time).

The file waits in the database (``ImportJob``), not on one web server's disk, so any server and
any worker may take each step; its bytes are dropped as soon as they are not needed, and a job
nobody confirms expires (``purge_expired``). The import itself is the spreadsheet engine's: every
row or none, logged as an import by the user. ``run_import`` is the synchronous door for trusted
callers (``manage.py import_data``).
"""

import datetime
import io
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from infra.core.permissions import can_import

from .. import spreadsheets
from ..choices import ImportPhase, ImportStatus
from ..models import ImportJob, ImportMapping
from ..spreadsheets import CreatedRef, ImportFailed, ImportResult, ReadLimits, RowError
from ..spreadsheets import mapping as column_mapping
from ..spreadsheets.cells import normalize_header
from ..spreadsheets.mapping import ColumnMapping, MappingError, Proposal
from ..spreadsheets.tables import describe_skipped

logger = logging.getLogger(__name__)

# The preview shows this many rows, each cell cut to this many characters; every problem is listed.
PREVIEW_ROWS = 300
PREVIEW_CELL_CHARS = 200
# The page hears of a running job's progress at most this often (seconds): one UPDATE each time.
PROGRESS_INTERVAL = 0.5


@dataclass(frozen=True)
class Limits:
    """What one import may hold and take: the ``SIMPUL_IMPORT_*`` settings (docs/operations.md)."""

    max_bytes: int
    max_rows: int
    max_unpacked_bytes: int
    time_limit: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            max_bytes=settings.SIMPUL_IMPORT_MAX_BYTES,
            max_rows=settings.SIMPUL_IMPORT_MAX_ROWS,
            max_unpacked_bytes=settings.SIMPUL_IMPORT_MAX_UNPACKED_BYTES,
            time_limit=settings.SIMPUL_IMPORT_TIME_LIMIT,
        )

    @property
    def read(self) -> ReadLimits:
        return ReadLimits(max_rows=self.max_rows, max_unpacked_bytes=self.max_unpacked_bytes)


class FileRefused(Exception):
    """The upload is not taken at all: none, too large, or the background worker cannot be reached."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConfirmRefused(Exception):
    """A confirmation that imported nothing; ``kind`` is the job's kind when the job was the caller's,
    ``token`` the job's when its file is still there to look at (the user goes back to it)."""

    def __init__(self, message: str, *, kind: str = "", token: str = ""):
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.token = token


class TimeLimitExceeded(Exception):
    """A job ran past ``SIMPUL_IMPORT_TIME_LIMIT``: raised from its progress report, which stops it."""


# What a row of the preview becomes: the engine's outcomes, and a row with a problem.
NEW, CHANGED, UNCHANGED, REFUSED = "new", "changed", "unchanged", "refused"


@dataclass(frozen=True)
class PreviewRow:
    number: int
    cells: Sequence[object]
    errors: list[RowError] = field(default_factory=list)
    # new, changed, unchanged or refused; "" when the check does not say (a refused file's good rows).
    status: str = ""
    # For a changed row: the columns that change, titled as the file titles them.
    changed: Sequence[str] = ()


@dataclass(frozen=True)
class TemplateColumn:
    """A column of the template a file column may be mapped to, or given one value for every row."""

    name: str
    label: str
    required: bool
    # For a choice column: (value, label) pairs; a constant is then picked, not typed.
    choices: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class Preview:
    """What the check found: the file's first rows, each with its problems, and what an import would do."""

    header: list[str]
    rows: list[PreviewRow]
    row_count: int
    errors: list[RowError]
    result: ImportResult | None
    limit: int = PREVIEW_ROWS
    # The file's row number of the header, and the rows left out around the table, told in words.
    header_row: int = 1
    skipped: list[str] = field(default_factory=list)
    # How the file's columns are read: the proposal the page's mapping panel shows (JSON, see _report).
    proposal: dict | None = None
    # Sites and racks the import creates (the create-missing option).
    created_refs: list[CreatedRef] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """How many rows of the file are new, changed, unchanged and refused."""
        if self.result is not None:
            return {
                NEW: self.result.created,
                CHANGED: self.result.updated,
                UNCHANGED: self.result.unchanged,
                REFUSED: 0,
            }
        return {NEW: 0, CHANGED: 0, UNCHANGED: 0, REFUSED: self.bad_row_count}

    @property
    def bad_row_count(self) -> int:
        """How many rows of the table are refused (a problem of the header row is the file's)."""
        return len({e.row for e in self.errors if e.row is not None and e.row != self.header_row})

    @property
    def file_errors(self) -> list[RowError]:
        """Problems of the file as a whole (a missing column), not of one row."""
        return [e for e in self.errors if e.row is None]


def too_large(size: int, limit: int) -> str:
    """The refusal of an upload past ``SIMPUL_IMPORT_MAX_BYTES``, naming both figures."""
    return _("The file is %(size)s; at most %(limit)s can be uploaded.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


def _not_pending() -> str:
    return _("This import is no longer pending: upload the file again.")


def _sheet_model(user, kind: str):
    """The model ``kind`` imports into, when ``user`` may import it (the one permission check)."""
    sheet = spreadsheets.SHEETS.get(kind)
    if sheet is None or not can_import(user, sheet.model):
        raise PermissionDenied
    return sheet.model


def _running_window(now: datetime.datetime) -> datetime.datetime:
    """Until when a job may wait for the worker and run before the purge gives up on it."""
    seconds = max(settings.SIMPUL_IMPORT_STAGE_TTL, settings.SIMPUL_IMPORT_TIME_LIMIT)
    return now + datetime.timedelta(seconds=seconds)


def _enqueue(task: Callable[[int], object], job: ImportJob) -> None:
    """Hand ``job`` to the consumer; a queue that cannot be reached fails the job with a message."""
    try:
        task(job.pk)
    except Exception as exc:
        logger.exception("Import job %s could not be queued", job.pk)
        message = _("The background worker cannot be reached, so the file was not taken; try again later.")
        ImportJob.objects.filter(pk=job.pk, status=job.status).update(
            status=ImportStatus.FAILED, data=None, report=None, phase="", summary=message, finished=timezone.now()
        )
        raise FileRefused(message) from exc


def submit(
    *,
    user,
    kind: str,
    file_name: str,
    data: bytes,
    size: int | None = None,
    language: str = "",
    saved_mapping: int | str | None = None,
    create_missing: bool = False,
) -> ImportJob:
    """Store ``data`` as an import of ``kind`` and hand its check to the background worker.

    Returns the job at once; the check reports its progress and its preview into the job. Raises
    PermissionDenied when ``user`` may not import ``kind`` and FileRefused when there is no file,
    it is past ``SIMPUL_IMPORT_MAX_BYTES`` or ``saved_mapping`` (a saved mapping's id) is not one
    of ``kind``. A caller may read just one byte past the limit and give the file's real ``size``
    for the message. Without a saved mapping the check proposes one from the file's titles.
    """
    from .. import tasks

    _sheet_model(user, kind)
    purge_expired()
    mapping = None
    if saved_mapping not in (None, ""):
        saved = ImportMapping.objects.filter(kind=kind, pk=_as_pk(saved_mapping)).first()
        if saved is None:
            raise FileRefused(_("That saved mapping does not exist for this kind of file: choose another one."))
        mapping = mapping_json(saved.columns, saved.constants, saved.name)
    limit = settings.SIMPUL_IMPORT_MAX_BYTES
    if not data:
        raise FileRefused(_("Choose a spreadsheet file: CSV, XLSX, XLS or ODS."))
    if len(data) > limit:
        raise FileRefused(too_large(max(size or 0, len(data)), limit))
    job = ImportJob.objects.create(
        user=user,
        kind=kind,
        file_name=file_name[:255],
        data=data,
        size=len(data),
        status=ImportStatus.CHECKING,
        phase=ImportPhase.WAITING,
        language=language or translation.get_language() or "",
        expires=_running_window(timezone.now()),
        mapping=mapping,
        create_missing=create_missing,
    )
    _enqueue(tasks.check_import, job)
    return job


def _as_pk(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def mapping_json(columns: dict, constants: dict, name: str = "") -> dict:
    """A mapping as a job keeps it (``ImportJob.mapping``)."""
    return {"columns": dict(columns), "constants": dict(constants), "name": name}


def _job_mapping(job: ImportJob) -> ColumnMapping | None:
    data = job.mapping
    if not data:
        return None
    return ColumnMapping.from_json(data)


def template_columns(kind: str) -> list[TemplateColumn]:
    """The columns of ``kind``'s template a file column may be read as (not the export-only ones)."""
    found = []
    for bc in spreadsheets.get_sheet(kind).bound_columns():
        if bc.column.read_only:
            continue
        field_ = bc.model_field
        label = str(field_.verbose_name) if field_ is not None else ""
        if normalize_header(label) == normalize_header(bc.name):
            label = ""  # "nama · nama" says nothing more
        choices = (
            [(str(value), str(text)) for value, text in field_.choices] if field_ is not None and field_.choices else []
        )
        found.append(TemplateColumn(bc.name, label, bool(bc.required or bc.column.key), choices))
    return found


class _Reporter:
    """A job's progress, written to its row at most every PROGRESS_INTERVAL seconds (and on each new
    phase); past the deadline it raises TimeLimitExceeded, which stops the job where it stands."""

    def __init__(self, job: ImportJob, deadline: float):
        self.pk = job.pk
        self.deadline = deadline
        self.phase = ""
        self.calls = 0
        self.written = 0.0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        self.calls += 1
        if phase == self.phase and self.calls % 100:
            return  # most rows: one comparison, no clock
        now = time.monotonic()
        if now > self.deadline:
            raise TimeLimitExceeded
        if phase != self.phase or now - self.written >= PROGRESS_INTERVAL:
            self.phase, self.written = phase, now
            try:
                ImportJob.objects.filter(pk=self.pk).update(phase=phase, rows_done=done, row_count=total or 0)
            except OperationalError:
                # Only the bar waits for the next report (SQLite was busy): the work goes on.
                logger.warning("Progress of import job %s not recorded", self.pk, exc_info=True)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    text = value.isoformat() if isinstance(value, (datetime.date, datetime.time)) else str(value)
    return text if len(text) <= PREVIEW_CELL_CHARS else text[: PREVIEW_CELL_CHARS - 1] + "…"


def _proposal_json(proposal: Proposal) -> dict:
    return {
        "columns": [
            {
                "index": c.index,
                "title": _cell(c.title),
                # The title as the mapping keys it, whole: the shown title may be cut short.
                "key": normalize_header(c.title),
                "samples": [_cell(v) for v in c.samples[:3]],
                "column": c.column,
                "how": c.how,
                "duplicate_of": c.duplicate_of,
            }
            for c in proposal.columns
        ],
        "constants": dict(proposal.constants),
        "saved": proposal.saved,
        "missing": list(proposal.missing),
    }


def _report(
    table: spreadsheets.Table,
    errors: list[RowError],
    result: ImportResult | None,
    proposal: Proposal | None = None,
) -> dict:
    """What the page shows of a check, as JSON: the first rows (cells as text), every problem, the counts,
    how the columns were read, what was skipped around the table, each row's outcome and what is created."""
    rows = table.rows[:PREVIEW_ROWS]
    shown = {number for number, _cells in rows}
    outcomes = [] if result is None else [[o.row, o.status, list(o.changed)] for o in result.outcomes if o.row in shown]
    created = [] if result is None else [[str(r.noun), r.name, r.within, list(r.rows)] for r in result.created_refs]
    return {
        "header": [_cell(h) for h in table.header],
        "header_row": table.header_row,
        "rows": [[number, [_cell(c) for c in cells]] for number, cells in rows],
        "row_count": len(table.rows),
        "errors": [[e.row, e.column, e.message] for e in errors],
        "result": None
        if result is None
        else {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        "skipped": [str(text) for text in describe_skipped(table)],
        "proposal": None if proposal is None else _proposal_json(proposal),
        "outcomes": outcomes,
        "created_refs": created,
    }


def preview(job: ImportJob) -> Preview | None:
    """The preview of a checked job, from its report; None when it has none (expired or never checked)."""
    report = job.report
    if not report:
        return None
    errors = [RowError(row, column, message) for row, column, message in report["errors"]]
    by_row: dict[int | None, list[RowError]] = {}
    for error in errors:
        by_row.setdefault(error.row, []).append(error)
    outcomes = {row: (status, changed) for row, status, changed in report.get("outcomes", [])}
    counts = report["result"]
    result = None if counts is None else ImportResult(kind=job.kind, dry_run=True, **counts)
    rows = []
    for number, cells in report["rows"]:
        status, changed = outcomes.get(number, ("", []))
        if number in by_row:
            status, changed = REFUSED, []
        rows.append(PreviewRow(number, cells, by_row.get(number, []), status, changed))
    return Preview(
        header=report["header"],
        rows=rows,
        row_count=report["row_count"],
        errors=errors,
        result=result,
        header_row=report.get("header_row", 1),
        skipped=report.get("skipped", []),
        proposal=report.get("proposal"),
        created_refs=[
            CreatedRef(noun, name, within, rows) for noun, name, within, rows in report.get("created_refs", [])
        ],
    )


# A step of a job: from the job, its limits and its progress report, to
# (status, summary, report, rows): what the job becomes.
Step = Callable[[ImportJob, Limits, _Reporter], tuple[str, str, dict | None, int]]


def _read(job: ImportJob, limits: Limits, report: _Reporter) -> spreadsheets.Table:
    return spreadsheets.read_file(job.kind, io.BytesIO(bytes(job.data)), None, limits=limits.read, progress=report)


def _check_step(job: ImportJob, limits: Limits, report: _Reporter) -> tuple[str, str, dict | None, int]:
    table = _read(job, limits, report)
    try:
        proposal = column_mapping.propose(job.kind, table, mapping=_job_mapping(job))
    except MappingError as exc:
        # A saved mapping the template no longer fits: say so, and offer the automatic proposal.
        proposal = column_mapping.propose(job.kind, table)
        summary = _("The column mapping cannot be used: %(error)s") % {"error": exc}
        data = _report(table, [RowError(None, "", summary)], None, proposal)
        automatic = proposal.mapping()
        data["mapping"] = mapping_json(automatic.columns, automatic.constants)
        return ImportStatus.INVALID, summary, data, len(table.rows)
    mapping = proposal.mapping()
    try:
        result = spreadsheets.import_table(
            job.kind,
            table,
            user=job.user,
            dry_run=True,
            progress=report,
            mapping=mapping,
            create_missing=job.create_missing,
        )
    except ImportFailed as exc:
        count = len(exc.errors)
        summary = ngettext(
            "%(count)s problem: nothing can be imported until the file is fixed.",
            "%(count)s problems: nothing can be imported until the file is fixed.",
            count,
        ) % {"count": number_format(count, force_grouping=True)}
        status, data = ImportStatus.INVALID, _report(table, exc.errors, None, proposal)
    else:
        status, summary, data = ImportStatus.STAGED, str(result), _report(table, [], result, proposal)
    # The import after the confirmation reads the file exactly as this check did.
    data["mapping"] = mapping_json(mapping.columns, mapping.constants, proposal.saved)
    return status, summary, data, len(table.rows)


def _import_step(job: ImportJob, limits: Limits, report: _Reporter) -> tuple[str, str, dict | None, int]:
    table = _read(job, limits, report)
    mapping = _job_mapping(job) or column_mapping.propose(job.kind, table).mapping()
    try:
        result = spreadsheets.import_table(
            job.kind,
            table,
            user=job.user,
            progress=report,
            mapping=mapping,
            create_missing=job.create_missing,
        )
    except ImportFailed as exc:
        return ImportStatus.FAILED, str(exc), None, len(table.rows)
    return ImportStatus.IMPORTED, str(result), None, len(table.rows)


def _update(jobs, **changes) -> None:
    """Write a job's step: a job must not stay "running" for want of one write, so a database that
    is busy (SQLite past its busy timeout) gets a few more tries."""
    for attempt in range(1, 6):
        try:
            jobs.update(**changes)
            return
        except OperationalError:
            if attempt == 5:
                raise
            logger.warning("Import job not updated yet (attempt %s)", attempt, exc_info=True)
            time.sleep(attempt / 2)


def _run(job_pk: int, running: str, step: Step) -> None:
    """Run ``step`` on the job if it is still ``running`` (the purge may have given up on it),
    in its uploader's language, within the time limit; then close the job's step."""
    job = ImportJob.objects.select_related("user").filter(pk=job_pk, status=running).first()
    if job is None:
        return
    limits = Limits.from_settings()
    _update(ImportJob.objects.filter(pk=job.pk), started=timezone.now(), phase=ImportPhase.READING, rows_done=0)
    reporter = _Reporter(job, time.monotonic() + limits.time_limit)
    with translation.override(job.language or None):
        report, rows = None, job.row_count
        try:
            _sheet_model(job.user, job.kind)
            status, summary, report, rows = step(job, limits, reporter)
        except spreadsheets.TableError as exc:
            status, summary = ImportStatus.FAILED, str(exc)
        except TimeLimitExceeded:
            status = ImportStatus.FAILED
            summary = _(
                "This took longer than the limit of %(limit)s seconds and was stopped; nothing was saved. "
                "Split the file into smaller ones."
            ) % {"limit": number_format(limits.time_limit, force_grouping=True)}
        except PermissionDenied:
            status, summary = ImportStatus.FAILED, _("You may no longer import this kind of data.")
        except Exception:
            logger.exception("Import job %s stopped on an unexpected error", job.pk)
            status, summary = ImportStatus.FAILED, _("The import stopped on an unexpected error; nothing was saved.")
    now = timezone.now()
    staged = status == ImportStatus.STAGED
    changes = {
        "status": status,
        "summary": ImportJob._meta.get_field("summary").fit(summary),  # a failure may list thousands of rows
        "report": report,
        "phase": "",
        "row_count": rows,
        "rows_done": rows,
        "finished": None if staged else now,
        # A staged file waits this long for its confirmation; a report waits as long to be read.
        "expires": now + datetime.timedelta(seconds=settings.SIMPUL_IMPORT_STAGE_TTL),
    }
    if report is not None and "mapping" in report:
        changes["mapping"] = report.pop("mapping")
    if status not in (ImportStatus.STAGED, ImportStatus.INVALID):
        # Only a staged file is needed again, and one with problems, checked again with another mapping.
        changes["data"] = None
    jobs = ImportJob.objects.filter(pk=job.pk)
    if status != ImportStatus.IMPORTED:
        jobs = jobs.filter(status=running)  # what was saved is reported whatever the purge thought
    _update(jobs, **changes)


def check(job_pk: int) -> None:
    """The background check of an uploaded file (huey task ``check_import``): staged or invalid."""
    _run(job_pk, ImportStatus.CHECKING, _check_step)


def perform(job_pk: int) -> None:
    """The background import of a confirmed job (huey task ``run_import_job``): imported or failed."""
    _run(job_pk, ImportStatus.IMPORTING, _import_step)


def confirm(*, user, token: str | uuid.UUID, checked: str | None = None) -> ImportJob:
    """Hand the import of the file ``user`` staged as ``token`` to the background worker, once.

    Works on any web server and in any session of the uploader; nobody else's confirmation counts.
    Raises ConfirmRefused when the job is unknown, someone else's, not staged or expired (its file
    is then dropped), and PermissionDenied when ``user`` may no longer import its kind. With
    ``checked`` (the job's ``check_stamp`` as the confirming page showed it), a file checked again
    with another mapping since is refused: the user confirms the check they saw. The import then
    runs every row or none; the job tells how it went.
    """
    from .. import tasks

    try:
        token = uuid.UUID(str(token))
    except ValueError:
        raise ConfirmRefused(_not_pending()) from None
    now = timezone.now()
    refusal = None
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(token=token, user_id=getattr(user, "pk", None)).first()
        if job is not None and job.status in (ImportStatus.IMPORTING, ImportStatus.IMPORTED):
            # A second click on "Confirm": the import runs once; the page shows it.
            raise ConfirmRefused(
                _("This file was confirmed already and is imported once: here is its import."),
                kind=job.kind,
                token=str(job.token),
            )
        if job is None or job.status != ImportStatus.STAGED:
            raise ConfirmRefused(_not_pending())
        _sheet_model(user, job.kind)
        if checked is not None and checked != job.check_stamp:
            raise ConfirmRefused(
                _(
                    "The file was checked again with another mapping since that page was shown; "
                    "nothing was saved. Look at this check and confirm it."
                ),
                kind=job.kind,
                token=str(job.token),
            )
        if job.is_expired(now):
            message = _(
                "The check of %(name)s expired before it was confirmed; nothing was saved. Upload the file again."
            ) % {"name": job.file_name}
            job.status, job.summary, job.finished, job.data, job.report = ImportStatus.EXPIRED, message, now, None, None
            job.save(update_fields=["status", "summary", "finished", "data", "report"])
            refusal = ConfirmRefused(message, kind=job.kind)
        else:
            job.status, job.phase, job.rows_done, job.expires = (
                ImportStatus.IMPORTING,
                ImportPhase.WAITING,
                0,
                _running_window(now),
            )
            job.save(update_fields=["status", "phase", "rows_done", "expires"])
    # Raised after the transaction, so the job's new status stays.
    if refusal is not None:
        raise refusal
    try:
        _enqueue(tasks.run_import_job, job)
    except FileRefused as exc:
        raise ConfirmRefused(exc.message, kind=job.kind) from None
    job.refresh_from_db()
    return job


def recheck(
    *,
    user,
    token: str | uuid.UUID,
    mapping: ColumnMapping,
    create_missing: bool = False,
    save_as: str = "",
) -> ImportJob:
    """Check the file of ``user``'s job ``token`` again, read through ``mapping`` (the page's mapping panel).

    The job must still hold its file (staged, or checked with problems, and not expired). With
    ``save_as`` the mapping is also saved under that name for the next file of the same shape
    (replacing a saved mapping of that name). Raises ConfirmRefused when the job cannot be checked
    again, PermissionDenied when ``user`` may no longer import its kind.
    """
    from .. import tasks

    try:
        token = uuid.UUID(str(token))
    except ValueError:
        raise ConfirmRefused(_not_pending()) from None
    now = timezone.now()
    save_as = save_as.strip()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(token=token, user_id=getattr(user, "pk", None)).first()
        if job is None or job.status not in (ImportStatus.STAGED, ImportStatus.INVALID) or job.data is None:
            raise ConfirmRefused(_not_pending())
        _sheet_model(user, job.kind)
        if job.is_expired(now):
            raise ConfirmRefused(
                _("The check of %(name)s expired; nothing was saved. Upload the file again.") % {"name": job.file_name},
                kind=job.kind,
            )
        try:
            mapping = mapping.validated(job.kind)
            if save_as:
                column_mapping.save(job.kind, save_as, mapping, user=user)
        except MappingError as exc:
            raise ConfirmRefused(str(exc), kind=job.kind, token=str(job.token)) from None
        job.mapping = mapping_json(mapping.columns, mapping.constants, save_as or mapping.name)
        job.create_missing = create_missing
        job.status, job.phase, job.rows_done, job.report, job.summary = (
            ImportStatus.CHECKING,
            ImportPhase.WAITING,
            0,
            None,
            "",
        )
        job.finished, job.expires = None, _running_window(now)
        job.save(
            update_fields=[
                "mapping",
                "create_missing",
                "status",
                "phase",
                "rows_done",
                "report",
                "summary",
                "finished",
                "expires",
            ]
        )
    try:
        _enqueue(tasks.check_import, job)
    except FileRefused as exc:
        raise ConfirmRefused(exc.message, kind=job.kind) from None
    job.refresh_from_db()
    return job


def saved_mappings(user) -> list[ImportMapping]:
    """The saved mappings of every kind ``user`` may import (one query)."""
    allowed = [kind for kind, sheet in spreadsheets.SHEETS.items() if can_import(user, sheet.model)]
    return list(ImportMapping.objects.filter(kind__in=allowed).order_by("kind", "name"))


def delete_mapping(*, user, pk: int) -> ImportMapping:
    """Delete a saved mapping (change-logged); PermissionDenied unless ``user`` may import its kind."""
    saved = ImportMapping.objects.filter(pk=pk).first()
    if saved is None:
        raise ConfirmRefused(_("That saved mapping no longer exists."))
    _sheet_model(user, saved.kind)
    saved.delete()
    return saved


def purge_expired(now: datetime.datetime | None = None) -> int:
    """Drop what expired jobs still hold; how many staged or running jobs were given up.

    A staged job nobody confirmed in time expires; a job the worker did not finish in time (the
    consumer was down or the job was lost) fails. Their rows stay, without the file or the
    preview, so a late confirmation is told what happened.
    """
    now = now or timezone.now()
    expired = ImportJob.objects.filter(expires__lte=now)
    given_up = expired.filter(status=ImportStatus.STAGED).update(
        status=ImportStatus.EXPIRED, data=None, report=None, finished=now
    )
    running = (ImportStatus.CHECKING, ImportStatus.IMPORTING)
    for pk, status, language in expired.filter(status__in=running).values_list("pk", "status", "language"):
        with translation.override(language or None):
            summary = _("The background worker did not finish this file in time; nothing was saved. Upload it again.")
        given_up += ImportJob.objects.filter(pk=pk, status=status).update(
            status=ImportStatus.FAILED, data=None, report=None, phase="", finished=now, summary=summary
        )
    # The previews of checked files with problems, and anything else left behind.
    expired.exclude(status__in=running).exclude(data=None, report=None).update(data=None, report=None)
    return given_up


def run_import(
    *,
    user,
    kind: str,
    source: str | Path | BinaryIO,
    format: str | None = None,
    dry_run: bool = False,
    progress: spreadsheets.Progress | None = None,
    mapping: ColumnMapping | None = None,
    create_missing: bool = False,
) -> ImportResult:
    """Import a file at once, without staging: for trusted callers such as ``manage.py import_data``.

    The limits of size, rows and unpacked XLSX size apply here too (not the time limit: the
    caller waits). Without ``mapping`` the columns are read as proposed from their titles.
    Raises ImportFailed listing every problem (nothing is then saved).
    """
    limits = Limits.from_settings()
    handle = source if hasattr(source, "read") else Path(source).open("rb")
    try:
        data = handle.read(limits.max_bytes + 1)
    finally:
        if handle is not source:
            handle.close()
    if len(data) > limits.max_bytes:
        size = len(data) if hasattr(source, "read") else Path(source).stat().st_size
        raise ImportFailed([RowError(None, "", too_large(size, limits.max_bytes))])
    buffer = io.BytesIO(data)
    buffer.name = str(getattr(source, "name", source))
    return spreadsheets.import_file(
        kind,
        buffer,
        format=format,
        user=user,
        dry_run=dry_run,
        limits=limits.read,
        progress=progress,
        mapping=mapping,
        create_missing=create_missing,
    )
