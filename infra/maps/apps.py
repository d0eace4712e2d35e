from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    """Diagrams of the city (sites, fiber, servers, applications), drawn from the registry."""

    name = "infra.maps"
    label = "maps"
    verbose_name = _("Diagrams")

    def ready(self) -> None:
        from infra.core.registry import register_model

        from .models import DiagramSnapshot

        # Snapshots are evidence of what a diagram showed: written by services.snapshots only.
        register_model(DiagramSnapshot, read_only=True)
