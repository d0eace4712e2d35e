from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "infra.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from axes.models import AccessFailureLog, AccessLog

        from . import checks, lookups, security, signals  # noqa: F401  (system checks, lookups, change-log and session-clock receivers)
        from .models import ObjectChange
        from .registry import register_app, register_model

        lookups.register()  # ``__in`` ignores numbers an integer column cannot hold
        # Users, tokens and preferences: administrators (and each user their own, through core's views).
        register_app(self.label, engineers_edit=False)
        # The change log is written by the signals and bulk writers only; no door alters it.
        register_model(ObjectChange, read_only=True)
        # The sign-in log (django-axes) is evidence too. Its lock-outs (AccessAttempt) stay deletable by
        # administrators in the admin: deleting one lifts the lock.
        register_model(AccessLog, read_only=True)
        register_model(AccessFailureLog, read_only=True)
