from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    """Topology diagrams drawn from the registry: on screen, on the command-center wall, on paper."""

    name = "infra.maps"
    label = "maps"
    verbose_name = _("Diagrams")
