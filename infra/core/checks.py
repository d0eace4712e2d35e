"""System checks that keep the change log complete as models are added."""

from django.apps import apps
from django.core import checks

from .models import ChangeLoggingMixin, ChangeLoggingQuerySet


@checks.register(checks.Tags.models)
def logged_models_keep_the_logging_queryset(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A logged model whose own manager drops ChangeLoggingQuerySet would delete and update rows
    without their change records (core.deletion): refuse to start."""
    errors = []
    for model in apps.get_models():
        if not issubclass(model, ChangeLoggingMixin):
            continue
        for manager in model._meta.managers:
            queryset = manager.get_queryset()
            if not isinstance(queryset, ChangeLoggingQuerySet):
                errors.append(
                    checks.Error(
                        f"{model._meta.label}.{manager.name} does not return a ChangeLoggingQuerySet: its "
                        "deletes and updates would miss the change log.",
                        hint="Build the manager with ChangeLoggingQuerySet.as_manager() or Manager.from_queryset().",
                        obj=model,
                        id="core.E001",
                    )
                )
    return errors
