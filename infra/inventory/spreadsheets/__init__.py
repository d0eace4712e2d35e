"""Spreadsheet import and export: OPDs, sites, devices, fiber links, migrations, and other apps' kinds.

One declaration per kind (``sheets.py``) gives the columns, the key that matches a row to a stored
object, and how related objects are named; import, export and the templates all follow it. An
import saves every row or, if any row has a problem, none (``ImportFailed`` lists them all).

The registry (``SHEETS``) starts with the inventory's own kinds; an app above the inventory adds
its sheets with ``register`` from its ``AppConfig.ready()`` (the probes' checks), since the
inventory may not import it. So the kinds are read from the registry when they are needed
(``kinds()``, ``KINDS``), never frozen when this module is imported.
"""

import inspect
from pathlib import Path
from typing import BinaryIO, TextIO

from django.utils.translation import gettext as _

from . import mapping
from .engine import Column, CreatedRef, ImportFailed, ImportResult, RowError, RowOutcome, Sheet
from .mapping import ColumnMapping, ColumnProposal, MappingError, Proposal, propose
from .sheets import SHEETS
from .tables import FORMATS, Progress, ReadLimits, Table, TableError, read_table, write_csv, write_xlsx


def register(sheet: type[Sheet]) -> type[Sheet]:
    """Offer ``sheet`` in every import, export and template (the page, the API, the commands)."""
    known = SHEETS.get(sheet.kind)
    if known is not None and (known.__module__, known.__qualname__) != (sheet.__module__, sheet.__qualname__):
        raise ValueError(f"The kind {sheet.kind!r} is already registered for {known.__module__}.{known.__qualname__}.")
    SHEETS[sheet.kind] = sheet
    return sheet


def kinds() -> tuple[str, ...]:
    """The kinds registered now, in the order of the registry."""
    return tuple(SHEETS)


def __getattr__(name: str) -> object:
    # ``spreadsheets.KINDS`` is read from the registry at each use (PEP 562), like ``kinds()``.
    if name == "KINDS":
        return kinds()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_sheet(kind: str) -> type[Sheet]:
    try:
        return SHEETS[kind]
    except KeyError:
        raise ValueError(
            _("Unknown kind %(kind)s: use one of %(kinds)s.") % {"kind": kind, "kinds": ", ".join(kinds())}
        ) from None


def read_file(
    kind: str,
    source: str | Path | BinaryIO,
    format: str | None = None,
    *,
    limits: ReadLimits | None = None,
    progress: Progress | None = None,
) -> Table:
    """Read a file as a table of ``kind``: its header is the row that best names that kind's columns
    (under a title block). Raises TableError when the file cannot be read as a table."""
    options = {}
    if "header_score" in inspect.signature(read_table).parameters:
        options["header_score"] = get_sheet(kind).header_score
    return read_table(source, format, limits=limits, progress=progress, **options)


def import_table(
    kind: str,
    table: Table,
    *,
    user: object | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    mapping: ColumnMapping | None = None,
    create_missing: bool = False,
) -> ImportResult:
    """Import rows already read from a file; see ``import_file``."""
    return get_sheet(kind)(user=user).import_table(
        table, dry_run=dry_run, progress=progress, mapping=mapping, create_missing=create_missing
    )


def import_file(
    kind: str,
    source: str | Path | BinaryIO,
    *,
    format: str | None = None,
    user: object | None = None,
    dry_run: bool = False,
    limits: ReadLimits | None = None,
    progress: Progress | None = None,
    mapping: ColumnMapping | None = None,
    create_missing: bool = False,
) -> ImportResult:
    """Import a file of ``kind``: all rows or none; changes are logged as an import by ``user``.

    The columns are read through ``mapping`` (None: the proposed one, see ``mapping.propose``);
    ``create_missing`` creates the sites and racks the file names that do not exist.
    ``progress`` hears of each phase ("reading", "checking", "saving") and may raise to stop;
    a file past ``limits`` fails unread.
    """
    try:
        table = read_file(kind, source, format, limits=limits, progress=progress)
    except TableError as exc:
        raise ImportFailed([RowError(None, "", str(exc))]) from exc
    return import_table(
        kind, table, user=user, dry_run=dry_run, progress=progress, mapping=mapping, create_missing=create_missing
    )


def export(kind: str, stream: TextIO | BinaryIO | str | Path, *, format: str = "csv") -> None:
    """Write every stored object of ``kind`` with the columns an import reads."""
    sheet = get_sheet(kind)()
    if format == "xlsx":
        write_xlsx(sheet.header(), sheet.export_rows(), stream, guide=sheet.guide())
    else:
        write_csv(sheet.header(), sheet.export_rows(), stream)


def write_template(kind: str, stream: TextIO | BinaryIO | str | Path, *, format: str = "csv") -> None:
    """An empty file with the header row; the XLSX one has a "Petunjuk" sheet describing each column."""
    sheet = get_sheet(kind)
    if format == "xlsx":
        write_xlsx(sheet.header(), [], stream, guide=sheet.guide())
    else:
        write_csv(sheet.header(), [], stream)


__all__ = [
    "FORMATS",
    "KINDS",
    "SHEETS",
    "Column",
    "ColumnMapping",
    "ColumnProposal",
    "CreatedRef",
    "ImportFailed",
    "ImportResult",
    "MappingError",
    "Progress",
    "Proposal",
    "ReadLimits",
    "RowError",
    "RowOutcome",
    "Sheet",
    "Table",
    "TableError",
    "export",
    "get_sheet",
    "import_file",
    "import_table",
    "kinds",
    "mapping",
    "propose",
    "read_file",
    "register",
    "write_template",
]
