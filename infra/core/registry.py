"""What each app declares about itself and its models, so core reads declarations, not app names.

An app declares itself once, from its ``AppConfig.ready()``::

    def ready(self) -> None:
        from infra.core.registry import register_app, register_model

        from . import models, search  # noqa: F401  (search.py registers the searchable kinds)

        register_app(self.label, engineers_edit=True)  # engineers add, change and delete its records
        register_model(models.Device, owner="organization")  # an OPD operator edits their own
        register_model(models.Interface, owner="device__organization")
        register_model(models.MigrationTransition, read_only=True)  # no door writes it

- ``engineers_edit``: engineers (Diskominfo) write every record of the app. Without it only
  administrators do (core's own users, tokens and preferences).
- ``owner``: the path from a record to the organization (OPD) that owns it; that OPD's operators
  may add, change and delete such records. Records without one an OPD operator only reads.
- ``read_only``: written only by the app's own services (a log, a history), never through the
  web, the API or the admin, by anyone.
- ``readers``: the roles that may read the model's records at all (administrators always may);
  by default every signed-in role reads every record. For records most users have no use for and
  should not browse (SNMP credentials: engineers and administrators only).

An app may also add a panel to another model's detail page without that model's app importing it
(the probes app shows a device's checks on the device's page)::

    register_detail_panel(Device, "probes/_device_checks.html", device_checks)

``device_checks(request, device)`` returns the panel's context (``None``: no panel for this user or
object); the page includes the template with that context as ``panel``, in a fixed number of queries.
The dashboard takes panels the same way (the probes app's "down now")::

    register_home_panel("probes/_home_down_now.html", down_now)

core.permissions asks this module; the global search has its own registry (core.search). Change
logging, timestamps and display are features a model inherits (core.models.features).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models

__all__ = [
    "DetailPanel",
    "ModelDeclaration",
    "apps_engineers_edit",
    "declaration",
    "declared_models",
    "detail_panels",
    "engineers_edit",
    "home_panels",
    "register_app",
    "register_detail_panel",
    "register_home_panel",
    "register_model",
]


@dataclass(frozen=True)
class ModelDeclaration:
    """How one model is owned and written: see the module's docstring."""

    owner: str | None = None
    read_only: bool = False
    readers: frozenset[str] | None = None


@dataclass(frozen=True)
class DetailPanel:
    """A panel another app adds to a model's detail page: see the module's docstring."""

    template: str
    context: Callable[[object, models.Model], dict | None]


# Filled once at start-up from the apps' ready(); read on every permission check.
_apps_engineers_edit: set[str] = set()
_models: dict[str, ModelDeclaration] = {}
_panels: dict[str, list[DetailPanel]] = {}
_home_panels: list[DetailPanel] = []
_NOTHING_DECLARED = ModelDeclaration()


def _label(model_or_obj) -> str:
    meta = model_or_obj._meta
    return f"{meta.app_label}.{meta.model_name}"


def register_app(app_label: str, *, engineers_edit: bool = False) -> None:
    """Declare what holds for every model of an app (its through tables included)."""
    if engineers_edit:
        _apps_engineers_edit.add(app_label)
    else:
        _apps_engineers_edit.discard(app_label)


def register_model(
    model: type[models.Model],
    *,
    owner: str | None = None,
    read_only: bool = False,
    readers: Iterable[str] | None = None,
) -> None:
    """Declare how ``model`` belongs to an organization, whether any door may write it, and who reads it.

    The owner path is checked now (every model is loaded when apps are ready), so a typo fails at
    start-up, not in an OPD operator's request.
    """
    if owner is not None:
        _check_owner_path(model, owner)
    _models[_label(model)] = ModelDeclaration(
        owner=owner, read_only=read_only, readers=frozenset(readers) if readers is not None else None
    )


def register_detail_panel(
    model: type[models.Model], template: str, context: Callable[[object, models.Model], dict | None]
) -> None:
    """Add a panel to ``model``'s detail page (called from the adding app's ready())."""
    _panels.setdefault(_label(model), []).append(DetailPanel(template, context))


def detail_panels(model_or_obj) -> list[DetailPanel]:
    """The panels other apps added to this model's detail page, in the order they were registered."""
    return list(_panels.get(_label(model_or_obj), ()))


def register_home_panel(template: str, context: Callable[[object], dict | None]) -> None:
    """Add a panel to the dashboard; ``context(request)`` returns its context or ``None`` (no panel)."""
    if not any(panel.template == template for panel in _home_panels):
        _home_panels.append(DetailPanel(template, context))


def home_panels() -> list[DetailPanel]:
    """The panels apps added to the dashboard, in the order they were registered."""
    return list(_home_panels)


def _check_owner_path(model: type[models.Model], path: str) -> None:
    target = model
    for part in path.split("__"):
        try:
            field = target._meta.get_field(part)
        except FieldDoesNotExist as error:
            raise ImproperlyConfigured(f"{_label(model)}: owner path {path!r} has no field {part!r}.") from error
        if not field.concrete or not (field.many_to_one or field.one_to_one):
            raise ImproperlyConfigured(f"{_label(model)}: owner path {path!r} must follow foreign keys ({part!r}).")
        target = field.related_model


def declaration(model_or_obj) -> ModelDeclaration:
    """What the model's app declared about it (nothing declared: no owner, writable)."""
    return _models.get(_label(model_or_obj), _NOTHING_DECLARED)


def engineers_edit(model_or_obj) -> bool:
    """Did the model's app declare that engineers write its records?"""
    return model_or_obj._meta.app_label in _apps_engineers_edit


def declared_models() -> dict[str, ModelDeclaration]:
    """Every declaration by ``app_label.model_name`` (for tests and documentation)."""
    return dict(_models)


def apps_engineers_edit() -> frozenset[str]:
    """The labels of the apps whose records engineers write."""
    return frozenset(_apps_engineers_edit)
