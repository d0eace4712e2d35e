"""Walk the change log's hash chain and prove nothing was removed, altered or reordered."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from infra.core import chain


class Command(BaseCommand):
    help = (
        "Verify the change log's hash chain from its first record; name the first broken link and exit "
        "non-zero if there is one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            action="store_true",
            help="Print only the last record's id and hash, for an auditor's working paper (after verifying).",
        )
        parser.add_argument(
            "--check-anchor",
            metavar="HASH",
            help="Also fail unless this hash (an anchor kept earlier) is still in the intact chain.",
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        result = chain.verify(anchor=options["check_anchor"])
        elapsed = time.monotonic() - started
        text = chain.summary(result)
        if result.broken is not None or result.anchor_found is False:
            raise CommandError(text)
        if options["anchor"]:
            self.stdout.write(f"{result.last_id} {result.last_hash}")
            return
        self.stdout.write(f"{text} ({elapsed:.1f} s)")
