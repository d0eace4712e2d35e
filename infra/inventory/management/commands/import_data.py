"""manage.py import_data KIND FILE: load a spreadsheet of any registered kind (OPDs, devices, checks...)."""

import io
import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils.translation import gettext as _

from infra.inventory import spreadsheets
from infra.inventory.choices import ImportPhase
from infra.inventory.services import imports
from infra.inventory.spreadsheets import ColumnMapping, MappingError, mapping, tables
from infra.inventory.spreadsheets.cells import normalize_header

BAR_WIDTH = 30


class TextProgress:
    """A one-line progress bar on a terminal: the phase, a bar and the rows, redrawn at most 10 times a second."""

    def __init__(self, stream: OutputWrapper):
        self.stream = stream
        self.shown = 0.0
        self.phase = ""
        self.width = 0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if phase == self.phase and now - self.shown < 0.1:
            return
        self.phase, self.shown = phase, now
        label = str(ImportPhase(phase).label) if phase in ImportPhase.values else phase
        if total:
            filled = min(BAR_WIDTH, done * BAR_WIDTH // total)
            line = f"{label:<20} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done * 100 // total:3d}%  {done}/{total}"
        else:
            line = f"{label:<20} {done}"
        self.stream.write("\r" + line.ljust(self.width), ending="")
        self.stream.flush()
        self.width = len(line)

    def close(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r", ending="")
            self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import a CSV, XLSX, XLS or ODS file: every row is checked first, and nothing is saved if any row has a "
        "problem. The file's columns are matched to the template's (names, synonyms, a saved mapping) and the "
        "mapping used is printed; --map, --set and --mapping change it. The limits of the web import apply "
        "(SIMPUL_IMPORT_MAX_BYTES, _MAX_ROWS, _MAX_UNPACKED_BYTES); a progress bar shows on a terminal."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=spreadsheets.kinds())
        parser.add_argument("file", help="CSV, XLSX, XLS or ODS file; - reads CSV from standard input.")
        parser.add_argument(
            "--format", choices=getattr(tables, "IMPORT_FORMATS", tables.FORMATS), help="Default: from the file name."
        )
        parser.add_argument("--user", help="Username recorded in the change log as the one who imported.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; save nothing.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar, even on a terminal.")
        parser.add_argument(
            "--mapping", metavar="NAME|FILE", help="A saved column mapping of this kind, by name, or a JSON file."
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="TITLE=COLUMN",
            help="Read the file's column TITLE as the template's COLUMN; \"TITLE=-\" ignores it. Repeatable.",
        )
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="COLUMN=VALUE",
            help="Give the template's COLUMN the value VALUE in every row, e.g. --set jenis=server. Repeatable.",
        )
        parser.add_argument("--save-mapping", metavar="NAME", help="Save the mapping used under NAME for next time.")
        parser.add_argument(
            "--create-missing", action="store_true", help="Create the sites and racks the file names that do not exist."
        )

    def handle(self, *args, kind, file, format, user, dry_run, no_progress, **options):
        account = None
        if user:
            try:
                account = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user named %(user)s.") % {"user": user}) from None
        given = self.given_mapping(kind, options["mapping"], options["map"], options["set"])
        if options["save_mapping"] is not None:
            try:
                mapping.clean_name(options["save_mapping"])  # refused before the import, not after it
            except MappingError as exc:
                raise CommandError(str(exc)) from None
        progress = None if no_progress or not self.stderr.isatty() else TextProgress(self.stderr)
        try:
            table = self.read(kind, file, format or ("csv" if file == "-" else None), progress)
            try:
                proposal = spreadsheets.propose(kind, table, mapping=given)
            except MappingError as exc:
                raise CommandError(str(exc)) from None
            self.show(table, proposal)
            result = spreadsheets.import_table(
                kind,
                table,
                user=account,
                dry_run=dry_run,
                progress=progress,
                mapping=proposal.mapping(),
                create_missing=options["create_missing"],
            )
        except spreadsheets.ImportFailed as exc:
            raise CommandError(str(exc)) from None
        finally:
            if progress is not None:
                progress.close()
        for ref in result.created_refs:
            self.stdout.write(created_line(ref))
        self.stdout.write(str(result))
        if options["save_mapping"] is not None:
            try:
                saved = mapping.save(kind, options["save_mapping"], proposal.mapping(), user=account)
            except MappingError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(_("Mapping saved as “%(name)s”.") % {"name": saved.name})

    def given_mapping(self, kind: str, name: str | None, maps: list[str], sets: list[str]) -> ColumnMapping | None:
        """The mapping the options give (None: none given, the import proposes one)."""
        if not (name or maps or sets):
            return None
        try:
            given = mapping.load(kind, name) if name else ColumnMapping()
        except MappingError as exc:
            raise CommandError(str(exc)) from None
        for text in maps:
            title, equals, column = text.rpartition("=")
            if not equals or not normalize_header(title):
                raise CommandError(
                    _("--map takes TITLE=COLUMN (the file's column title, the template's column): not “%(text)s”.")
                    % {"text": text}
                )
            given.columns[normalize_header(title)] = column.strip()
        for text in sets:
            column, equals, value = text.partition("=")
            if not equals or not column.strip():
                raise CommandError(
                    _("--set takes COLUMN=VALUE (the template's column, its value for every row): not “%(text)s”.")
                    % {"text": text}
                )
            given.constants[column.strip()] = value.strip()
        try:
            return given.validated(kind)
        except MappingError as exc:
            raise CommandError(str(exc)) from None

    def read(self, kind: str, file: str, format: str | None, progress) -> spreadsheets.Table:
        """The file as a table, within the limits of the web import (ImportFailed past them)."""
        limits = imports.Limits.from_settings()
        try:
            handle = sys.stdin.buffer if file == "-" else Path(file).open("rb")
        except FileNotFoundError:
            raise CommandError(_("File not found: %(file)s") % {"file": file}) from None
        except OSError as exc:
            raise CommandError(_("The file cannot be read: %(error)s") % {"error": exc}) from None
        try:
            data = handle.read(limits.max_bytes + 1)
        finally:
            if file != "-":
                handle.close()
        if len(data) > limits.max_bytes:
            size = Path(file).stat().st_size if file != "-" else len(data)
            raise spreadsheets.ImportFailed(
                [spreadsheets.RowError(None, "", imports.too_large(size, limits.max_bytes))]
            )
        buffer = io.BytesIO(data)
        buffer.name = file
        try:
            return spreadsheets.read_file(kind, buffer, format, limits=limits.read, progress=progress)
        except spreadsheets.TableError as exc:
            raise spreadsheets.ImportFailed([spreadsheets.RowError(None, "", str(exc))]) from exc

    def show(self, table: spreadsheets.Table, proposal: spreadsheets.Proposal) -> None:
        """The rows skipped around the table and the mapping used, before the result."""
        describe_skipped = getattr(tables, "describe_skipped", None)
        if describe_skipped is not None:
            for line in describe_skipped(table):
                self.stdout.write(line)
        if proposal.saved:
            self.stdout.write(_("Columns (saved mapping “%(name)s”):") % {"name": proposal.saved})
        else:
            self.stdout.write(_("Columns:"))
        for line in proposal.describe():
            self.stdout.write("  " + line)


def created_line(ref: spreadsheets.CreatedRef) -> str:
    rows = ", ".join(str(r) for r in ref.rows)
    if ref.within:
        return _("New %(noun)s “%(name)s” at %(within)s (rows %(rows)s).") % {
            "noun": ref.noun,
            "name": ref.name,
            "within": ref.within,
            "rows": rows,
        }
    return _("New %(noun)s “%(name)s” (rows %(rows)s).") % {"noun": ref.noun, "name": ref.name, "rows": rows}
