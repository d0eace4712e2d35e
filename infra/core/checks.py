"""System checks of the project's own models: rules a new model must follow, failing ``manage.py
check`` (and the test suite, which runs it) instead of waiting for a review."""

from __future__ import annotations

from django.apps import AppConfig, apps
from django.core import checks
from django.db import models

from .models import ChangeLoggingMixin, ChangeLoggingQuerySet
from .models.fields import LimitedTextField

# The project's apps are the packages under the one core belongs to (infra.core, infra.inventory...).
PROJECT_PACKAGE = __name__.split(".")[0]


def _project_apps(app_configs: list[AppConfig] | None) -> list[AppConfig]:
    configs = app_configs if app_configs is not None else apps.get_app_configs()
    return [c for c in configs if c.name.startswith(f"{PROJECT_PACKAGE}.")]


@checks.register(checks.Tags.models)
def check_text_limits(app_configs: list[AppConfig] | None = None, **kwargs) -> list[checks.CheckMessage]:
    """core.E001: every text field of the project's models is a ``LimitedTextField``, whose length
    model validation enforces (a plain ``TextField`` accepts megabytes from any door)."""
    return [
        error
        for config in _project_apps(app_configs)
        for model in config.get_models()
        for error in text_field_errors(model)
    ]


def text_field_errors(model: type[models.Model]) -> list[checks.Error]:
    """core.E001 for each text field of ``model`` without an enforced limit."""
    return [
        checks.Error(
            f"{model._meta.label}.{field.name} is a TextField without an enforced limit.",
            hint="Use infra.core.models.fields.LimitedTextField with a max_length "
            "(the limits by kind of text are in that module).",
            obj=field,
            id="core.E001",
        )
        for field in model._meta.local_fields
        if isinstance(field, models.TextField) and not isinstance(field, LimitedTextField)
    ]


@checks.register(checks.Tags.models)
def logged_models_keep_the_logging_queryset(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A logged model whose own manager drops ChangeLoggingQuerySet would delete and update rows
    without their change records (core.deletion): core.E002."""
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
                        id="core.E002",
                    )
                )
    return errors
