"""``manage.py diagram VIEW [filters] [--format pdf] [--paper A3] -o FILE``: a diagram from the command line.

The options are the web page's filters (``forms.DiagramForm``), so the same input gives the same
drawing and the same messages; refused input is a CommandError that says what to change.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict
from django.utils import translation

import diagrams

from ...builders import VIEWS
from ...cache import DiagramUnavailable, asked, bound_form, render_diagram
from ..messages import cannot_write, check_language
from .diagram_compare import compare_into_file

# Option -> form field; each may be given more than once where the form takes several values.
FILTERS = {
    "org": "organization",
    "site": "site",
    "region": "region",
    "status": "status",
    "wave": "wave",
    "as_of": "as_of",
    "colour_by": "colour_by",
    "paper": "paper",
    "orientation": "orientation",
}


class Command(BaseCommand):
    help = "Draw a diagram (" + ", ".join(VIEWS) + ") as SVG, PDF, PNG or DOT into a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("view", help="The diagram: " + ", ".join(VIEWS) + ".")
        parser.add_argument("--org", action="append", help="An OPD (as the web page's filter takes it).")
        parser.add_argument("--site", action="append", help="A site (the site view needs one).")
        parser.add_argument("--region", action="append", help="A region.")
        parser.add_argument("--status", action="append", help="Only objects in this state (repeatable).")
        parser.add_argument("--wave", action="append", help="A migration wave.")
        parser.add_argument("--as-of", dest="as_of", action="append", help="The registry as it was: YYYY-MM-DD.")
        parser.add_argument(
            "--colour-by", dest="colour_by", action="append", help="migration (default) or reachability."
        )
        parser.add_argument("--format", dest="fmt", help="svg, pdf, png or dot (default: from -o's suffix, else pdf).")
        parser.add_argument("--paper", action="append", help="A PDF's paper: " + ", ".join(diagrams.SIZES) + ".")
        parser.add_argument(
            "--orientation", action="append", help="A PDF's orientation: " + ", ".join(diagrams.ORIENTATIONS) + "."
        )
        parser.add_argument("--language", default=None, help="The diagram's language: id or en (default: the site's).")
        parser.add_argument("--timeout", type=float, default=None, help="Seconds the drawing may take.")
        parser.add_argument("-o", "--output", required=True, help="The file to write; - for standard output.")
        parser.add_argument("--compare-from", dest="compare_from", help="Draw the changes since this date (to --as-of)")

    def handle(self, *args, view: str, output: str, fmt: str | None, language: str | None, **options) -> None:
        if options.get("compare_from"):  # two dates in one diagram (snapweb: diagram_compare.py)
            return compare_into_file(view, output, fmt, language, options, self.stderr)
        language = check_language(language)
        if fmt is None:
            suffix = Path(output).suffix.lstrip(".").lower()
            fmt = suffix if suffix in diagrams.FORMATS else "pdf"
        data = QueryDict(mutable=True)
        data["view"] = view
        data["format"] = fmt
        for option, field in FILTERS.items():
            for value in options.get(option) or ():
                data.appendlist(field, value)
        with translation.override(language):
            form = bound_form(data)
            if not form.is_valid():
                raise CommandError(_messages(form))
            wanted = asked(form)
            try:
                rendered = render_diagram(
                    wanted.view, wanted.params, wanted.fmt, wanted.paper, timeout=options.get("timeout")
                )
            except DiagramUnavailable as error:
                raise CommandError(error.message) from None
        if output == "-":
            sys.stdout.buffer.write(rendered.data)
            sys.stdout.flush()
            return
        try:
            Path(output).write_bytes(rendered.data)
        except OSError as error:
            raise cannot_write(output, error, language) from None
        self.stderr.write(
            f"{output}: {wanted.view}, {rendered.fmt}, {len(rendered.data):,} bytes, {rendered.seconds:.2f} s"
        )


def _messages(form) -> str:
    """The form's messages as lines naming the option each came from."""
    options = {field: f"--{option.replace('_', '-')}" for option, field in FILTERS.items()}
    options.update(view="VIEW", format="--format")
    lines = []
    for field, errors in form.errors.items():
        name = options.get(field, field)
        lines.extend(f"{name}: {error}" if field != "__all__" else str(error) for error in errors)
    return "\n".join(lines)
