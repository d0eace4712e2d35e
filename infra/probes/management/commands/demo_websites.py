"""``manage.py demo_websites``: serve the demo city's OPD websites and public services on loopback.

``make run`` and ``make serve`` start it beside the task consumer (docs/operations.md, "The demo web
server"); ``--prepare`` is what they call first: it makes the demo CA when the demo city is loaded and
prints the CA file's path (nothing otherwise), so the probes trust it from their first check.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from infra.inventory.demo import is_loaded as demo_is_loaded
from infra.probes.demo_websites import (
    DEMO_SITES,
    HTTP_PORT,
    HTTPS_PORT,
    SLOW_SECONDS,
    DemoServerError,
    DemoWebsites,
    ensure_ca,
    serve,
)


def directory():
    """Where the demo CA and the sites' certificates are kept."""
    return settings.VAR_DIR / "demo-websites"


class Command(BaseCommand):
    help = "Serve the demo city's websites on 127.0.0.x (HTTP 8080, HTTPS 8443) until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--prepare",
            action="store_true",
            help="Make the demo CA when the demo city is loaded and print its file (else nothing); do not serve.",
        )
        parser.add_argument("--list", action="store_true", help="Print each site's URL and case; do not serve.")
        parser.add_argument("--http-port", type=int, default=HTTP_PORT)
        parser.add_argument("--https-port", type=int, default=HTTPS_PORT)
        parser.add_argument("--slow-seconds", type=float, default=SLOW_SECONDS)

    def handle(self, *args, prepare=False, list=False, http_port=HTTP_PORT, https_port=HTTPS_PORT, **options):
        if prepare:
            try:
                loaded = demo_is_loaded()
            except DatabaseError:  # not migrated yet: no demo city either, and `make serve` goes on
                loaded = False
            if loaded:
                self.stdout.write(str(ensure_ca(directory())))
            return
        if list:
            for site in DEMO_SITES:
                url = site.url(http_port, https_port)
                note = "" if site.served else (" (nothing listens)" if site.case == "down" else " (not served)")
                self.stdout.write(f"{site.object:3} {site.owner:16} {site.case:13} {site.tls:11} {url}{note}")
            return
        server = DemoWebsites(
            directory(), http_port=http_port, https_port=https_port, slow_seconds=options["slow_seconds"]
        )
        try:
            serve(server, self.stdout)
        except DemoServerError as e:
            raise CommandError(f"Demo websites not started: {e}") from e
        except KeyboardInterrupt:  # before the signal handlers are in place
            pass
        self.stdout.write("Demo websites stopped.")
