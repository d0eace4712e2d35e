from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    """Diagrams of the city (sites, fiber, servers, applications), drawn from the registry."""

    name = "infra.maps"
    label = "maps"
    verbose_name = _("Diagrams")
