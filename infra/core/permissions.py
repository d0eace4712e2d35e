"""Who may do what: the one place every door (web, admin, API) asks.

- administrator: everything (users included);
- engineer (Diskominfo): adds, changes and deletes every record of the apps that declare so
  (the inventory, the probes);
- OPD operator: reads everything, changes only the records their own organization owns (the
  models that declare an owner: devices with their interfaces and addresses, applications and
  migrations);
- auditor: reads everything, changes nothing.
Nobody changes or deletes the change log, nor any model declared read-only.

Which apps and models are which is declared by each app (core.registry), not named here.
"""

from django.contrib.auth.backends import ModelBackend
from django.db import models

from . import registry
from .choices import Role

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"

# Records only administrators write.
ADMIN_ONLY_MODELS = {"core.user", "auth.group", "auth.permission"}
# Who signed in (or failed to) from where (django-axes' records): administrators and auditors read them.
SIGN_IN_RECORDS = {"axes.accesslog", "axes.accessfailurelog", "axes.accessattempt", "axes.accessattemptexpiration"}


def role_of(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    return user.role


def _label(model_or_obj) -> str:
    meta = model_or_obj._meta
    return f"{meta.app_label}.{meta.model_name}"


def _organization_id(obj: models.Model, path: str) -> int | None:
    target = obj
    parts = path.split("__")
    for part in parts[:-1]:
        target = getattr(target, part, None)
        if target is None:
            return None
    return getattr(target, f"{parts[-1]}_id", None)


def can(user, action: str, model_or_obj, organization_id: int | None = None) -> bool:
    """May ``user`` do ``action`` (view/add/change/delete) on a model, or on one object?

    For an OPD operator adding a record, pass the organization it will belong to.
    """
    role = role_of(user)
    if role is None:
        return False
    label = _label(model_or_obj)
    if action == VIEW:
        if label in SIGN_IN_RECORDS:
            return role in (Role.ADMINISTRATOR, Role.AUDITOR)
        return label not in ADMIN_ONLY_MODELS or role == Role.ADMINISTRATOR
    declared = registry.declaration(model_or_obj)
    if declared.read_only:
        return False
    if role == Role.ADMINISTRATOR:
        return True
    if label in ADMIN_ONLY_MODELS or role == Role.AUDITOR:
        return False
    if role == Role.ENGINEER:
        return registry.engineers_edit(model_or_obj)
    # OPD operator
    path = declared.owner
    if path is None:
        return False
    if isinstance(model_or_obj, models.Model):
        organization_id = _organization_id(model_or_obj, path)
    if organization_id is None:
        # Without an object, the operator may edit some records of this kind (their own).
        return isinstance(model_or_obj, type)
    return organization_id == user.organization_id


def editable(user, queryset: models.QuerySet) -> models.QuerySet:
    """The part of ``queryset`` the user may change (used for bulk edits and pickers)."""
    role = role_of(user)
    model = queryset.model
    if not can(user, CHANGE, model):
        return queryset.none()
    if role == Role.OPD_OPERATOR:
        return queryset.filter(**{registry.declaration(model).owner + "_id": user.organization_id})
    return queryset


class RoleBackend(ModelBackend):
    """Django's permission checks (admin, has_perm) answered by the role policy above."""

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        app_label, _, codename = perm.partition(".")
        action, _, model_name = codename.partition("_")
        from django.apps import apps

        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            return False
        return can(user_obj, action, obj if obj is not None else model)

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return role_of(user_obj) is not None


def can_import(user, model) -> bool:
    """Spreadsheet imports write many records of any organization at once: engineers and
    administrators only (an OPD operator edits their own records one by one)."""
    return role_of(user) in (Role.ADMINISTRATOR, Role.ENGINEER) and can(user, ADD, model) and can(user, CHANGE, model)
