"""``manage.py load_demo``: the demo city, loaded once; later runs only reset the demo users."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from infra.inventory.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    # Plain text: argparse formats it before any language is active (a lazy string broke --help).
    help = "Load the demo city once; later runs only reset the demo users (role, OPD, password)."

    def handle(self, *args, **options) -> None:
        result = load_demo()
        if result.loaded:
            self.stdout.write(_("Demo city loaded in %(seconds).1f s:") % {"seconds": result.seconds})
            for name, count in result.counts.items():
                self.stdout.write(f"  {name}: {count}")
        else:
            self.stdout.write(
                _("Demo city already loaded; demo users checked in %(seconds).1f s.") % {"seconds": result.seconds}
            )
        self.stdout.write(
            _("Demo logins (password %(password)s): %(users)s")
            % {"password": DEMO_PASSWORD, "users": ", ".join(result.users)}
        )
