"""manage.py import_template KIND: an empty file to fill in for import_data."""

from django.core.management.base import BaseCommand

from infra.inventory import spreadsheets

from .export_data import write


class Command(BaseCommand):
    help = "Write an empty import template: a header row; as XLSX also a Petunjuk sheet describing each column."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=spreadsheets.kinds())
        parser.add_argument("--format", choices=spreadsheets.FORMATS, default="csv")
        parser.add_argument("--output", help="File to write; CSV goes to standard output without it.")

    def handle(self, *args, kind, format, output, **options):
        write(spreadsheets.write_template, self, kind, format, output)
