"""Receivers that log every single-object save and delete of a ChangeLoggedModel.

Bulk writers (bulk_create, bulk_update, QuerySet.update) bypass signals; they call
core.changelog.record_bulk themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from . import changelog
from .choices import ChangeAction
from .models import ChangeLoggedModel


def _is_logged(sender) -> bool:
    return isinstance(sender, type) and issubclass(sender, ChangeLoggedModel)


@receiver(pre_save)
def _snapshot_before_save(sender, instance, raw=False, **kwargs):
    if raw or not _is_logged(sender):
        return
    instance._changelog_before = changelog.loaded_snapshot(instance)


@receiver(post_save)
def _log_save(sender, instance, created, raw=False, **kwargs):
    if raw or not _is_logged(sender):
        return
    before = None if created else getattr(instance, "_changelog_before", None)
    action = ChangeAction.CREATE if created or before is None else ChangeAction.UPDATE
    changelog.record(instance, action, before, changelog.serialize(instance))
    changelog.remember_saved_state(instance)


@receiver(pre_delete)
def _snapshot_before_delete(sender, instance, **kwargs):
    if _is_logged(sender):
        instance._changelog_before = changelog.serialize(instance)


@receiver(post_delete)
def _log_delete(sender, instance, **kwargs):
    if _is_logged(sender):
        changelog.record(instance, ChangeAction.DELETE, getattr(instance, "_changelog_before", None), None)


@receiver(m2m_changed)
def _log_m2m(sender, instance, action, reverse, model, pk_set, **kwargs):
    if reverse or not isinstance(instance, ChangeLoggedModel):
        return
    if action in ("pre_add", "pre_remove", "pre_clear"):
        instance._changelog_m2m_before = changelog.serialize(instance)
    elif action in ("post_add", "post_remove", "post_clear"):
        before = getattr(instance, "_changelog_m2m_before", None)
        changelog.record(instance, ChangeAction.UPDATE, before, changelog.serialize(instance))
