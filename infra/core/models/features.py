"""Model features: abstract models an app's model picks from, each for one job.

A model takes the features it needs and no more::

    class Device(ChangeLoggedModel): ...            # an inventory record: all of them (see base.py)
    class ProbeResult(TimestampsMixin): ...         # a high-volume table: timestamps, no change log
    class Check(DisplayMixin, ChangeLoggingMixin): ...

- ``DisplayMixin``: the object's page (``get_absolute_url`` from the URL named after the model) and
  ``display_fields``, what ``__str__`` reads (API responses and pickers load only those).
- ``ConstraintMessagesMixin``: a violated database constraint reported on the field it guards
  (``constraint_fields`` names it where the condition tests several).
- ``TimestampsMixin``: ``created`` and ``last_updated``, the object's version (``core.versions``).
- ``ChangeLoggingMixin``: every create, update and delete lands in the change log (core.signals
  and core.changelog test for this class), and so does every row a delete or a queryset update
  changes on the way (core.deletion); ``changelog_parent``, ``changelog_exclude`` and
  ``changelog_redact`` tune it.

Core code asks for the feature it uses (``issubclass(model, ChangeLoggingMixin)``), never for the
composition, so a model with one feature behaves like any other for that feature.
"""

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.db.models.constants import LOOKUP_SEP
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["ChangeLoggingMixin", "ChangeLoggingQuerySet", "ConstraintMessagesMixin", "DisplayMixin", "TimestampsMixin"]


class DisplayMixin(models.Model):
    """An object shown by name and linked to its page."""

    # The fields __str__ reads: where the object appears only by name (a brief list, a related object
    # in an API response) nothing else is loaded. Empty: __str__ reads more (another object).
    display_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        """The object's page, ``<app>:<model>``; empty when the model has none."""
        meta = self._meta
        try:
            return reverse(f"{meta.app_label}:{meta.model_name}", args=[self.pk])
        except NoReverseMatch:
            return ""


class ConstraintMessagesMixin(models.Model):
    """Database constraints whose violations a form shows beside the field they guard."""

    # Field a check constraint's violation is shown on, when its condition names several fields.
    constraint_fields: dict[str, str] = {}

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None) -> None:
        """Report a violated constraint on the field it guards, so a form shows it beside that field.

        Django does so only for one-field unique constraints that keep its default message. Here a
        unique constraint is shown on its last field (the name in "organization, name"), a check
        constraint on the one field its condition tests, or on the field ``constraint_fields`` names.
        """
        errors: dict[str, list[ValidationError]] = {}
        using = router.db_for_write(type(self), instance=self)
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as error:
                    errors.setdefault(self._constraint_field(constraint), []).extend(error.error_list)
        if errors:
            raise ValidationError(errors)

    def _constraint_field(self, constraint) -> str:
        if constraint.name in self.constraint_fields:
            return self.constraint_fields[constraint.name]
        if getattr(constraint, "fields", None):
            return constraint.fields[-1]
        condition = getattr(constraint, "condition", None)
        names = _condition_fields(condition) if isinstance(condition, models.Q) else set()
        return names.pop() if len(names) == 1 else NON_FIELD_ERRORS


def _condition_fields(q: models.Q) -> set[str]:
    """Names of the fields a Q object tests (its lookups' first parts)."""
    names: set[str] = set()
    for child in q.children:
        if isinstance(child, models.Q):
            names |= _condition_fields(child)
        else:
            names.add(child[0].split(LOOKUP_SEP)[0])
    return names


ONE_TICK = datetime.timedelta(microseconds=1)


def write_time() -> datetime.datetime:
    """The time a write is about: the change context's ``at`` (history entered after the fact, as the
    demo's), else now. An object's ``created`` and ``last_updated`` then agree with its change log."""
    from ..context import current_context

    return current_context().at or timezone.now()


def next_stamp(previous: datetime.datetime | None, now: datetime.datetime) -> datetime.datetime:
    """The stamp of a write made at ``now`` over a row stamped ``previous``: ``now``, or one
    microsecond past ``previous`` when the clock has not moved past it (two writes within one
    microsecond, a clock set back, another server's clock ahead), so a row never gets a stamp it had."""
    if previous is not None and now <= previous:
        return previous + ONE_TICK
    return now


class VersionStampField(models.DateTimeField):
    """``auto_now`` whose value always moves past the one the instance was loaded with.

    ``last_updated`` is the object's version (``core.versions``): a write checked against a version
    must never leave the row with a stamp it had before, or a writer holding that old version would
    pass the check. Saved over a row read with its lock (as conditional writes are), the stamp is
    strictly greater than the stored one. The column is an ordinary timestamp, so migrations see a
    DateTimeField (``deconstruct``): no schema change.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_now", True)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance: models.Model, add: bool) -> datetime.datetime:
        previous = None if add else getattr(model_instance, self.attname)
        value = next_stamp(previous, write_time())
        setattr(model_instance, self.attname, value)
        return value

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs


class CreatedStampField(models.DateTimeField):
    """``auto_now_add`` at the write's time (:func:`write_time`): history entered after the fact
    creates its objects when its change log says. No schema change (``deconstruct``)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_now_add", True)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance: models.Model, add: bool) -> datetime.datetime:
        if not add:
            return getattr(model_instance, self.attname)
        value = write_time()
        setattr(model_instance, self.attname, value)
        return value

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs


class TimestampsMixin(models.Model):
    """When the row was created and last saved (set by Django on save, and by ``core.bulk``'s
    updates); ``last_updated`` is also the object's version, moved by every save."""

    created = CreatedStampField(_("created"), auto_now_add=True, null=True)
    last_updated = VersionStampField(_("last updated"), auto_now=True, null=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        # A save of some fields changes the object too: its version moves with them.
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and update_fields and "last_updated" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "last_updated"]
        super().save(*args, **kwargs)


class ChangeLoggingQuerySet(models.QuerySet):
    """A logged model's queryset: its deletes and updates are recorded like single saves.

    Django's ``QuerySet.delete()`` and ``update()`` send no save signal for the rows they change (a
    nulled foreign key, a lost many-to-many member, an updated column): these record them, with a
    fixed number of queries whatever the number of rows (core.deletion).
    """

    def delete(self) -> tuple[int, dict[str, int]]:
        """Django's ``QuerySet.delete()``, through the collector that logs (core.deletion)."""
        from ..deletion import LoggingCollector

        self._not_support_combined_queries("delete")
        if self.query.is_sliced:
            raise TypeError("Cannot use 'limit' or 'offset' with delete().")
        if self.query.distinct_fields:
            raise TypeError("Cannot call delete() after .distinct(*fields).")
        if self._fields is not None:
            raise TypeError("Cannot call delete() after .values() or .values_list()")
        del_query = self._chain()
        del_query._for_write = True
        del_query.query.select_for_update = False
        del_query.query.select_related = False
        del_query.query.clear_ordering(force=True)
        collector = LoggingCollector(using=del_query.db, origin=self)
        collector.collect(del_query)
        deleted = collector.delete()
        self._result_cache = None
        return deleted

    delete.alters_data = True
    delete.queryset_only = True

    def update(self, **kwargs) -> int:
        """Django's ``QuerySet.update()``, with one "update" record per row it changed."""
        from ..deletion import logged_update

        return logged_update(self, super().update, kwargs)

    update.alters_data = True
    update.queryset_only = False


class ChangeLoggingMixin(models.Model):
    """A model whose every create, update and delete lands in the change log.

    The values an instance was loaded with are kept (as Django's docs suggest for ``from_db``), so
    the log's "before" costs no extra query.
    """

    # Every delete and queryset update goes through the logging queryset (core.checks verifies that
    # a model's own manager keeps it).
    objects = ChangeLoggingQuerySet.as_manager()

    # Name of a foreign key whose object is shown this object's changes in its history too
    # (an interface's changes appear in its device's history).
    changelog_parent: str | None = None
    # Fields left out of the log: bookkeeping that changes on every save (TimestampsMixin's, where
    # the model has them; a name the model lacks is ignored).
    changelog_exclude: tuple[str, ...] = ("created", "last_updated")
    # Secrets (a password hash, an SNMP community): logged as a keyed digest that changes when the
    # value changes and tells nothing about it (core.changelog.redacted).
    changelog_redact: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def delete(self, using=None, keep_parents: bool = False) -> tuple[int, dict[str, int]]:
        """Django's ``Model.delete()``, through the collector that logs what the delete changes."""
        from ..deletion import LoggingCollector

        if self.pk is None:
            raise ValueError(f"{self._meta.object_name} object can't be deleted because its id is None.")
        using = using or router.db_for_write(type(self), instance=self)
        collector = LoggingCollector(using=using, origin=self)
        collector.collect([self], keep_parents=keep_parents)
        return collector.delete()

    delete.alters_data = True

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        # The refreshed values are what the database holds now: the next save's "before".
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        loaded = getattr(self, "_loaded_values", None)
        if loaded is not None:
            deferred = self.get_deferred_fields()
            for f in self._meta.concrete_fields:
                if f.attname not in deferred and (fields is None or f.name in fields or f.attname in fields):
                    loaded[f.attname] = f.value_from_object(self)
