"""manage.py export_data KIND: write OPDs, sites, devices, fiber links, migrations or checks as CSV or XLSX."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from infra.inventory import spreadsheets


class Command(BaseCommand):
    help = "Export as CSV (standard output by default) or XLSX, with the columns import_data reads."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=spreadsheets.kinds())
        parser.add_argument("--format", choices=spreadsheets.FORMATS, default="csv")
        parser.add_argument("--output", help="File to write; CSV goes to standard output without it.")

    def handle(self, *args, kind, format, output, **options):
        write(spreadsheets.export, self, kind, format, output)


def write(function, command: BaseCommand, kind: str, format: str, output: str | None) -> None:
    """Run ``function(kind, stream, format=...)`` into ``output`` or, for CSV, standard output."""
    if format == "xlsx":
        if not output:
            raise CommandError(_("XLSX is a binary format: give --output FILE."))
        function(kind, output, format="xlsx")
    elif output:
        with open(output, "w", encoding="utf-8", newline="") as stream:
            function(kind, stream, format="csv")
    else:
        function(kind, command.stdout, format="csv")
