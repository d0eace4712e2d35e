from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProbesConfig(AppConfig):
    """Reachability and health checks (ICMP, SNMP): their schedule, results, state and availability."""

    name = "infra.probes"
    label = "probes"
    verbose_name = _("Probes")

    def ready(self) -> None:
        from infra.core.choices import Role
        from infra.core.registry import register_app, register_detail_panel, register_home_panel, register_model
        from infra.inventory import spreadsheets as inventory_spreadsheets
        from infra.inventory.models import Application, Device, FiberLink, Organization, Site

        from . import models, search, signals  # noqa: F401  (they register the searchable kinds, the receivers)
        from .spreadsheets import CheckSheet
        from .views import chart_panel, device_checks, down_now
        from .website_views import website_panel

        # Engineers configure and run the checks; what the probes found is written by services only.
        register_app(self.label, engineers_edit=True)
        register_model(models.Check, owner="device__organization")
        register_model(models.MaintenanceWindow)
        # Credentials are the engineers' tools: nobody else opens or lists them (a check names its own).
        register_model(models.SnmpCredential, readers=(Role.ADMINISTRATOR, Role.ENGINEER))
        # Alerts: channels hold addresses of staff chats and secrets, the log shows where alerts went:
        # engineers and administrators set them up and read them; the log is written by services only.
        staff = (Role.ADMINISTRATOR, Role.ENGINEER)
        register_model(models.AlertChannel, readers=staff)
        register_model(models.AlertRule, readers=staff)
        for model in (models.AlertDelivery, models.AlertAttempt, models.AlertEventDecision):
            register_model(model, read_only=True, readers=staff)
        # A device's page lists its checks, without inventory knowing of probes.
        register_detail_panel(Device, "probes/_device_checks.html", device_checks)
        register_home_panel("probes/_home_down_now.html", down_now)
        # An OPD's and an application's page show its website's row of the "Situs web OPD" report.
        register_detail_panel(Organization, "probes/_website.html", website_panel("organizations"))
        register_detail_panel(Application, "probes/_website.html", website_panel("applications"))
        # Charts of state, availability, latency and loss; the figures are fetched by a static script.
        charted = {Device: "device", Site: "site", Organization: "organization", FiberLink: "fiberlink"}
        for model, scope in charted.items():
            register_detail_panel(model, "probes/_charts.html", chart_panel(scope))
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
