from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "infra.inventory"
    label = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        """Declare the inventory to core: who writes it, which records an OPD owns, what is searched."""
        from infra.core.registry import register_app, register_model

        from . import models, search  # noqa: F401  (search.py registers the searchable kinds)

        # Engineers (Diskominfo) keep the whole inventory.
        register_app(self.label, engineers_edit=True)
        # An OPD operator edits the records their organization owns: the path from each to it.
        register_model(models.Device, owner="organization")
        register_model(models.Interface, owner="device__organization")
        register_model(models.IPAddress, owner="interface__device__organization")
        register_model(models.Application, owner="organization")
        register_model(models.Migration, owner="device__organization")
        register_model(models.MigrationBlocker, owner="migration__device__organization")
        # A migration's history is written only by inventory.services.migration.transition.
        register_model(models.MigrationTransition, read_only=True)
