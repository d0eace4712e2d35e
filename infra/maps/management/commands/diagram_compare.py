"""``manage.py diagram_compare VIEW --compare-from DATE [--as-of DATE] [filters] [--format pdf] -o FILE``.

Two dates of a view in one diagram (what was added, removed and changed, with the legend of the
changes), as the comparison page and ``/api/diagrams/compare/`` draw it: the same form, the same rules,
the same messages. Dates that have a stored snapshot are read from it; the others are rebuilt from the
change log. Refused input is a CommandError that names the option to change.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict
from django.utils import translation

import diagrams

from ...builders import VIEWS
from ...services.snapshots import CompareError
from ...views_history import DiagramUnavailable, change_summary, compare_form, comparison, draw
from ..messages import cannot_write, check_language

# Option -> form field.
OPTIONS = {
    "org": "organization",
    "site": "site",
    "region": "region",
    "status": "status",
    "wave": "wave",
    "compare_from": "compare_from",
    "as_of": "as_of",
    "paper": "paper",
    "orientation": "orientation",
}


class Command(BaseCommand):
    help = "Draw two dates of a diagram (" + ", ".join(VIEWS) + ") in one, with the changes marked, into a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("view", help="The diagram: " + ", ".join(VIEWS) + ".")
        parser.add_argument("--compare-from", dest="compare_from", required=True, help="The earlier date: YYYY-MM-DD.")
        parser.add_argument("--as-of", dest="as_of", help="The later date: YYYY-MM-DD (default: now).")
        parser.add_argument("--org", help="An OPD (short name, name or id).")
        parser.add_argument("--site", help="A site (the site view needs one).")
        parser.add_argument("--region", help="A region (name or Kemendagri code).")
        parser.add_argument("--status", help="Only objects in this state.")
        parser.add_argument("--wave", help="A migration wave.")
        parser.add_argument("--format", dest="fmt", help="svg, pdf, png or dot (default: from -o's suffix, else pdf).")
        parser.add_argument("--paper", help="A PDF's paper: " + ", ".join(diagrams.SIZES) + ".")
        parser.add_argument("--orientation", help="A PDF's orientation: " + ", ".join(diagrams.ORIENTATIONS) + ".")
        parser.add_argument("--language", default=None, help="The diagram's language: id or en (default: the site's).")
        parser.add_argument("-o", "--output", required=True, help="The file to write; - for standard output.")

    def handle(self, *args, view: str, output: str, fmt: str | None, language: str | None, **options) -> None:
        compare_into_file(view, output, fmt, language, options, self.stderr)


def compare_into_file(view: str, output: str, fmt: str | None, language: str | None, options: dict, stderr) -> None:
    """Draw the comparison the options ask for into ``output`` (``-``: standard output); say on ``stderr``
    what changed. ``options`` maps the option names of OPTIONS to a value or a list of values (as
    ``manage.py diagram`` collects them, which hands ``--compare-from`` here)."""
    language = check_language(language)
    if fmt is None:
        suffix = Path(output).suffix.lstrip(".").lower()
        fmt = suffix if suffix in diagrams.FORMATS else "pdf"
    data = QueryDict(mutable=True)
    data["view"] = view
    data["format"] = fmt
    for option, field in OPTIONS.items():
        value = options.get(option)
        for item in value if isinstance(value, (list, tuple)) else [] if value is None else [value]:
            data.appendlist(field, item)
    with translation.override(language):
        form = compare_form(data)
        if not form.is_valid():
            raise CommandError(messages(form))
        cleaned = form.cleaned_data
        paper = diagrams.Paper.parse(cleaned.get("paper") or "A4", cleaned.get("orientation") or "landscape")
        fmt = cleaned.get("format") or fmt
        try:
            result = comparison(form)
            drawn = draw(result.topology, fmt, paper)
        except CompareError:
            raise CommandError(messages(form)) from None
        except DiagramUnavailable as error:
            raise CommandError(error.message) from None
        summary = "; ".join(f"{c['label']}: {c['count']}" for c in change_summary(result.topology))
    if output == "-":
        sys.stdout.buffer.write(drawn)
        sys.stdout.flush()
        return
    try:
        Path(output).write_bytes(drawn)
    except OSError as error:
        raise cannot_write(output, error, language) from None
    stderr.write(f"{output}: {view}, {fmt}, {len(drawn):,} bytes; {summary}")


def messages(form) -> str:
    """The form's messages as lines naming the option each came from."""
    names = {field: f"--{option.replace('_', '-')}" for option, field in OPTIONS.items()}
    names.update(view="VIEW", format="--format")
    lines = []
    for field, errors in form.errors.items():
        name = names.get(field, field)
        lines.extend(f"{name}: {error}" if field != "__all__" else str(error) for error in errors)
    return "\n".join(lines)
