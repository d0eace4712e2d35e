"""Receivers that log every single-object save of a model with ChangeLoggingMixin.

Bulk writes bypass signals: they go through core.bulk (create_many, update_many), which records
their changes with core.changelog.record_bulk in the same transaction. Deletes of logged models go
through core.deletion's collector, which records them and what they change; the delete receivers
here catch only the deletes that started elsewhere (a model without the change log).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from . import changelog, deletion
from .choices import ChangeAction
from .models import ChangeLoggingMixin
from .models.fields import check_text_limits


def _is_logged(sender) -> bool:
    return isinstance(sender, type) and issubclass(sender, ChangeLoggingMixin)


@receiver(pre_save)
def _snapshot_before_save(sender, instance, raw=False, **kwargs):
    if raw or not _is_logged(sender):
        return
    check_text_limits(instance)  # nothing is written, and no record repeats an over-long text
    instance._changelog_before = changelog.loaded_snapshot(instance)


@receiver(post_save)
def _log_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or not _is_logged(sender):
        return
    before = None if created else getattr(instance, "_changelog_before", None)
    action = ChangeAction.CREATE if created or before is None else ChangeAction.UPDATE
    after = changelog.serialize(instance, m2m_from=before)  # a save leaves the many-to-many lists as they were
    written = changelog.saved_fields(instance, update_fields)
    if before is not None and written is not None:
        # save(update_fields=...) wrote only those fields: the others still hold their old values.
        after = {k: v if k in written or k not in before else before[k] for k, v in after.items()}
    changelog.record(instance, action, before, after)
    changelog.remember_saved_state(instance, written)


@receiver(pre_delete)
def _snapshot_before_delete(sender, instance, using, origin=None, **kwargs):
    if getattr(instance, "_changelog_collected", False):
        return  # core.deletion.LoggingCollector records this delete and its effects
    deletion.log_uncollected_delete(instance, origin, using)
    if _is_logged(sender):
        instance._changelog_before = changelog.serialize(instance)


@receiver(post_delete)
def _log_delete(sender, instance, **kwargs):
    if _is_logged(sender) and not getattr(instance, "_changelog_collected", False):
        changelog.record(instance, ChangeAction.DELETE, getattr(instance, "_changelog_before", None), None)


@receiver(m2m_changed)
def _log_m2m(sender, instance, action, reverse, model, pk_set, **kwargs):
    if reverse:
        _log_m2m_reverse(sender, instance, action, model, pk_set)
        return
    if not isinstance(instance, ChangeLoggingMixin):
        return
    if action in ("pre_add", "pre_remove", "pre_clear"):
        check_text_limits(instance)
        instance._changelog_m2m_before = changelog.serialize(instance)
    elif action in ("post_add", "post_remove", "post_clear"):
        before = getattr(instance, "_changelog_m2m_before", None)
        changelog.record(instance, ChangeAction.UPDATE, before, changelog.serialize(instance))


def _log_m2m_reverse(sender, instance, action, model, pk_set) -> None:
    """``device.applications.add(app)`` changes the applications' field: log it on each of them."""
    if not _is_logged(model):
        return
    if action in ("pre_add", "pre_remove", "pre_clear"):
        if pk_set is None:  # clear(): every object that points at this one
            field = next(f for f in model._meta.many_to_many if f.remote_field.through is sender)
            targets = model._base_manager.filter(**{field.name: instance})
        else:
            targets = model._base_manager.filter(pk__in=pk_set)
        targets = list(targets)
        for target in targets:
            check_text_limits(target)
        instance._changelog_m2m_reverse = [(t, changelog.serialize(t)) for t in targets]
    elif action in ("post_add", "post_remove", "post_clear"):
        for target, before in getattr(instance, "_changelog_m2m_reverse", ()):
            changelog.record(target, ChangeAction.UPDATE, before, changelog.serialize(target))
        instance._changelog_m2m_reverse = ()
