from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "infra.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401  (registers the checks, connects the change-log receivers)
        from .models import ObjectChange
        from .registry import register_app, register_model

        # Users, tokens and preferences: administrators (and each user their own, through core's views).
        register_app(self.label, engineers_edit=False)
        # The change log is written by the signals and bulk writers only; no door alters it.
        register_model(ObjectChange, read_only=True)
