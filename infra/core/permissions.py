"""Who may do what: the one place every door (web, admin, API) asks.

- administrator: everything (users included);
- engineer (Diskominfo): adds, changes and deletes every record of the apps that declare so
  (the inventory, the probes);
- OPD operator: reads everything, changes only the records their own organization owns (the
  models that declare an owner: devices with their interfaces and addresses, applications and
  migrations), and links into them (many-to-many) only records their organization owns: their
  application runs on their servers (``refused_links``);
- auditor: reads everything, changes nothing.
A model may declare the roles that read it at all (``readers``: SNMP credentials are read by
engineers and administrators only); administrators read everything.
Nobody changes or deletes the change log, nor any model declared read-only. The change records of
users, groups and permissions are read by administrators and auditors only.

Which apps and models are which is declared by each app (core.registry), not named here.
"""

from collections.abc import Iterable

from django.contrib.auth.backends import ModelBackend
from django.db import models
from django.utils.translation import gettext as _

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
    declared = registry.declaration(model_or_obj)
    if declared.readers is not None and role != Role.ADMINISTRATOR and role not in declared.readers:
        return False  # who may not read a record may do nothing else with it either
    if action == VIEW:
        if label in SIGN_IN_RECORDS:
            return role in (Role.ADMINISTRATOR, Role.AUDITOR)
        return label not in ADMIN_ONLY_MODELS or role == Role.ADMINISTRATOR
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


def readable_changes(user, queryset: models.QuerySet) -> models.QuerySet:
    """The change records ``user`` may read: all of them for administrators and auditors; for the
    others, none about users, groups or permissions (an account's role and status are not theirs to
    audit), nor about records their role may not read (``readers``). A subquery, not a list of ids:
    no extra query."""
    role = role_of(user)
    if role in (Role.ADMINISTRATOR, Role.AUDITOR):
        return queryset
    from django.contrib.contenttypes.models import ContentType

    hidden = models.Q()
    restricted = {
        label
        for label, declared in registry.declared_models().items()
        if declared.readers is not None and role not in declared.readers
    }
    for label in ADMIN_ONLY_MODELS | restricted:
        app_label, model = label.split(".")
        hidden |= models.Q(app_label=app_label, model=model)
    return queryset.exclude(content_type__in=ContentType.objects.filter(hidden).values("pk"))


def editable(user, queryset: models.QuerySet) -> models.QuerySet:
    """The part of ``queryset`` the user may change (used for bulk edits and pickers)."""
    role = role_of(user)
    model = queryset.model
    if not can(user, CHANGE, model):
        return queryset.none()
    if role == Role.OPD_OPERATOR:
        return queryset.filter(**{registry.declaration(model).owner + "_id": user.organization_id})
    return queryset


def refused_links(user, obj: models.Model, field_name: str, chosen: Iterable[models.Model]) -> list[models.Model]:
    """The objects of ``chosen`` that ``user`` may not newly link into ``obj``'s many-to-many field.

    Linking a record into your own is a change of that record too: an OPD operator links only
    records their organization owns (those they may change: their own servers into their own
    application). Links already stored stay whoever made them, so an engineer's link to another
    OPD's server survives the operator's next save. Other roles link whatever they may read.
    One query for the stored links and one for the new objects, for an operator only.
    """
    if role_of(user) != Role.OPD_OPERATOR:
        return []
    chosen = list(chosen)
    stored = set(getattr(obj, field_name).values_list("pk", flat=True)) if obj.pk is not None else set()
    new = {o.pk for o in chosen} - stored
    if not new:
        return []
    target = obj._meta.get_field(field_name).related_model
    allowed = set(editable(user, target._base_manager.filter(pk__in=new)).values_list("pk", flat=True))
    return [o for o in chosen if o.pk in new and o.pk not in allowed]


def link_errors(user, obj: models.Model, values: dict[str, object]) -> dict[str, list[str]]:
    """Messages, by field, for the many-to-many values of ``values`` that ``user`` may not link into
    ``obj`` (:func:`refused_links`), each naming the refused record: asked by the web forms and the API."""
    errors: dict[str, list[str]] = {}
    for field in obj._meta.many_to_many:
        chosen = values.get(field.name)
        if chosen is None:
            continue
        for refused in refused_links(user, obj, field.name, chosen):
            errors.setdefault(field.name, []).append(
                _("%(object)s belongs to another organization: you may link only your own organization's %(kind)s.")
                % {"object": refused, "kind": field.related_model._meta.verbose_name_plural}
            )
    return errors


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
