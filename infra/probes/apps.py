from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProbesConfig(AppConfig):
    """Reachability checks (ICMP, SNMP). Its models arrive with the probes issue."""

    name = "infra.probes"
    label = "probes"
    verbose_name = _("Probes")

    def ready(self) -> None:
        from infra.core.registry import register_app

        # Engineers configure and run the checks.
        register_app(self.label, engineers_edit=True)
