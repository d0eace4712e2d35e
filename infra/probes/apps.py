from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProbesConfig(AppConfig):
    """Reachability and health checks (ICMP, SNMP): their schedule, results, state and availability."""

    name = "infra.probes"
    label = "probes"
    verbose_name = _("Probes")

    def ready(self) -> None:
        from infra.core.registry import register_app, register_model
        from infra.inventory import spreadsheets as inventory_spreadsheets

        from . import models, signals  # noqa: F401  (signals.py connects the receivers)
        from .spreadsheets import CheckSheet

        # Engineers configure and run the checks; what the probes found is written by services only.
        register_app(self.label, engineers_edit=True)
        register_model(models.Check, owner="device__organization")
        register_model(models.MaintenanceWindow)
        for model in (
            models.Result,
            models.HourlyRollup,
            models.DailyRollup,
            models.CheckStatus,
            models.CheckEvent,
            models.Downtime,
            models.InterfaceStatus,
            models.Prober,
            models.ProbeRun,
            models.ProbeMarker,
        ):
            register_model(model, read_only=True)
        # Checks in the spreadsheet import, export and templates: the inventory keeps the registry and
        # may not import the probes, so the sheet is added from here.
        inventory_spreadsheets.register(CheckSheet)
