"""manage.py import_data KIND FILE: load a CSV or XLSX file of any registered kind (OPDs, devices, checks...)."""

import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils.translation import gettext as _

from infra.inventory import spreadsheets
from infra.inventory.choices import ImportPhase
from infra.inventory.services import imports

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
        "Import a CSV or XLSX file: every row is checked first, and nothing is saved if any row has a problem. "
        "The limits of the web import apply (SIMPUL_IMPORT_MAX_BYTES, _MAX_ROWS, _MAX_UNPACKED_BYTES); a "
        "progress bar shows on a terminal."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=spreadsheets.kinds())
        parser.add_argument("file", help="CSV or XLSX file; - reads CSV from standard input.")
        parser.add_argument("--format", choices=spreadsheets.FORMATS, help="Default: from the file name.")
        parser.add_argument("--user", help="Username recorded in the change log as the one who imported.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; save nothing.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar, even on a terminal.")

    def handle(self, *args, kind, file, format, user, dry_run, no_progress, **options):
        account = None
        if user:
            try:
                account = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user named %(user)s.") % {"user": user}) from None
        source = sys.stdin.buffer if file == "-" else file
        progress = None if no_progress or not self.stderr.isatty() else TextProgress(self.stderr)
        try:
            result = imports.run_import(
                user=account,
                kind=kind,
                source=source,
                format=format or ("csv" if file == "-" else None),
                dry_run=dry_run,
                progress=progress,
            )
        except FileNotFoundError:
            raise CommandError(_("File not found: %(file)s") % {"file": file}) from None
        except spreadsheets.ImportFailed as exc:
            raise CommandError(str(exc)) from None
        finally:
            if progress is not None:
                progress.close()
        self.stdout.write(str(result))
