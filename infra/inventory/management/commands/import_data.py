"""manage.py import_data KIND FILE: load a CSV or XLSX file of OPDs, sites, devices, fiber links or migrations."""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from infra.inventory import spreadsheets
from infra.inventory.services import imports


class Command(BaseCommand):
    help = "Import a CSV or XLSX file: every row is checked first, and nothing is saved if any row has a problem."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=spreadsheets.KINDS)
        parser.add_argument("file", help="CSV or XLSX file; - reads CSV from standard input.")
        parser.add_argument("--format", choices=spreadsheets.FORMATS, help="Default: from the file name.")
        parser.add_argument("--user", help="Username recorded in the change log as the one who imported.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; save nothing.")

    def handle(self, *args, kind, file, format, user, dry_run, **options):
        account = None
        if user:
            try:
                account = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user named %(user)s.") % {"user": user}) from None
        source = sys.stdin.buffer if file == "-" else file
        try:
            result = imports.run_import(
                user=account,
                kind=kind,
                source=source,
                format=format or ("csv" if file == "-" else None),
                dry_run=dry_run,
            )
        except FileNotFoundError:
            raise CommandError(_("File not found: %(file)s") % {"file": file}) from None
        except spreadsheets.ImportFailed as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(result))
