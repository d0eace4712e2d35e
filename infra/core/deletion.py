"""Deletes and queryset updates in the change log: the rows they remove, and the rows they change.

Django's deletion collector nulls (or sets) the foreign keys that point at a deleted row with one
UPDATE, and deletes many-to-many rows without a signal: a virtual machine loses its host, an
application loses a server, an address loses its interface, and no ``save()`` tells the change log.
``QuerySet.update()`` sends no signal either.

Every delete of a logged model goes through :class:`LoggingCollector` (``ChangeLoggingMixin.delete``
and ``ChangeLoggingQuerySet.delete``: a single delete, a queryset's, the admin's action, and every
cascade they start). Before Django deletes anything it works out, for the whole collection at once,
what each logged row that stays loses (:class:`Effects`), and records those updates with the deletes'
own records in one write, in the delete's transaction: a fixed number of queries per delete, whatever
the number of rows it touches.

A delete that starts at a model without the change log (a permission group that users belong to) is
caught one object at a time by the pre_delete receiver (core.signals), with the same computation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence

from django.db import connections, models, transaction
from django.db.models.deletion import CASCADE, DO_NOTHING, PROTECT, RESTRICT, Collector

from . import changelog
from .choices import ChangeAction
from .events import bulk_written
from .models import ChangeLoggingMixin

# Handlers that delete the rows or refuse: those rows get their own records, or nothing happens.
_NOT_AN_UPDATE = (CASCADE, PROTECT, RESTRICT, DO_NOTHING)
_NOTHING = object()

Change = tuple[models.Model, str, dict | None, dict | None]


def is_logged(model: type) -> bool:
    return isinstance(model, type) and issubclass(model, ChangeLoggingMixin)


@functools.cache
def _set_fields(model: type[models.Model]) -> tuple[models.ForeignKey, ...]:
    """Foreign keys of logged models that a delete of ``model`` sets (SET_NULL, SET_DEFAULT, SET())."""
    return tuple(
        rel.field
        for rel in model._meta.get_fields(include_hidden=True)
        if rel.auto_created
        and not rel.concrete
        and (rel.one_to_many or rel.one_to_one)
        and is_logged(rel.field.model)
        and rel.field.remote_field.on_delete not in _NOT_AN_UPDATE
    )


@functools.cache
def _m2m_fields(model: type[models.Model]) -> tuple[models.ManyToManyField, ...]:
    """Many-to-many fields of logged models whose members are ``model`` objects (the owning side,
    which is the side the change log records, as for ``m2m_changed``)."""
    return tuple(
        rel.field
        for rel in model._meta.get_fields(include_hidden=True)
        if rel.many_to_many and not rel.concrete and is_logged(rel.field.model)
    )


class _ValueOf:
    """Stands in for the collector to learn the value an ``on_delete`` handler sets."""

    def __init__(self) -> None:
        self.value = _NOTHING

    def add_field_update(self, field, value, objs) -> None:
        self.value = value


def _set_value(field: models.ForeignKey, using: str) -> object:
    probe = _ValueOf()
    try:
        field.remote_field.on_delete(probe, field, [], using)
    except AttributeError:  # a handler that does more than set a value: not one this module knows
        return _NOTHING
    value = probe.value
    return value.pk if isinstance(value, models.Model) else value


def _batches(items: list, using: str) -> list[list]:
    size = max(connections[using].ops.bulk_batch_size(["pk"], items), 1)
    return [items[i : i + size] for i in range(0, len(items), size)]


class Effects:
    """What deleting rows does to the logged rows that stay: for each, its state before and after."""

    def __init__(self, using: str) -> None:
        self.using = using
        self.deleted: set[tuple[type, object]] = set()
        # (concrete model, pk) -> [instance, state before the delete, state after]
        self.states: dict[tuple[type, object], list] = {}

    def remove(self, model: type[models.Model], objs: Sequence[models.Model]) -> list[Change]:
        """Note that ``objs`` go, and what that does to other rows; return those rows' updates as
        this step changes them (before this step, after it), for callers that record step by step."""
        if not objs:
            return []
        self.deleted.update((model._meta.concrete_model, obj.pk) for obj in objs)
        touched: dict[tuple[type, object], dict] = {}
        for field in _set_fields(model):
            value = _set_value(field, self.using)
            if value is _NOTHING:
                continue
            json_value = changelog._field_json(field, value)
            for batch in _batches(list(objs), self.using):
                rows = field.model._base_manager.using(self.using).filter(**{f"{field.name}__in": batch})
                for state in self._states(field.model, list(rows), touched):
                    if field.attname in state:  # not a field the model leaves out of its log
                        state[field.attname] = json_value
        for m2m in _m2m_fields(model):
            through = m2m.remote_field.through
            source = through._meta.get_field(m2m.m2m_field_name()).attname
            target = through._meta.get_field(m2m.m2m_reverse_field_name())
            lost: dict[object, set] = {}
            for batch in _batches([getattr(o, target.target_field.attname) for o in objs], self.using):
                pairs = through._base_manager.using(self.using).filter(**{f"{target.attname}__in": batch})
                for owner, member in pairs.values_list(source, target.attname):
                    lost.setdefault(owner, set()).add(member)
            if not lost:
                continue
            owners = self._load(m2m.model, list(lost))
            for owner, state in zip(owners, self._states(m2m.model, owners, touched), strict=True):
                state[m2m.name] = [pk for pk in state[m2m.name] if pk not in lost[owner.pk]]
        return [
            (self.states[key][0], ChangeAction.UPDATE, before, dict(self.states[key][2]))
            for key, before in touched.items()
        ]

    def _load(self, model: type[models.Model], pks: list) -> list[models.Model]:
        """The rows of ``pks``: the ones already met, and the others in one query."""
        concrete = model._meta.concrete_model
        known = {pk: self.states[(concrete, pk)][0] for pk in pks if (concrete, pk) in self.states}
        missing = [pk for pk in pks if pk not in known]
        for batch in _batches(missing, self.using):
            known.update((o.pk, o) for o in model._base_manager.using(self.using).filter(pk__in=batch))
        return [known[pk] for pk in pks if pk in known]

    def _states(self, model: type[models.Model], rows: list[models.Model], touched: dict) -> list[dict]:
        """The "after" state of each row, to be changed in place; new rows are serialized together."""
        concrete = model._meta.concrete_model
        new = [row for row in rows if (concrete, row.pk) not in self.states]
        for row, before in zip(new, changelog.serialize_many(model, new) if new else [], strict=True):
            self.states[(concrete, row.pk)] = [row, before, {k: v for k, v in before.items()}]
        states = []
        for row in rows:
            entry = self.states[(concrete, row.pk)]
            touched.setdefault((concrete, row.pk), dict(entry[2]))
            states.append(entry[2])
        return states

    def changes(self) -> list[Change]:
        """One update per logged row that stays, from its state before the delete to after it."""
        return [
            (instance, ChangeAction.UPDATE, before, after)
            for key, (instance, before, after) in self.states.items()
            if key not in self.deleted
        ]


class LoggingCollector(Collector):
    """Django's deletion collector, recording every change its delete makes (see the module)."""

    def delete(self) -> tuple[int, dict[str, int]]:
        with transaction.atomic(using=self.using, savepoint=False):
            effects = Effects(self.using)
            deletes: list[Change] = []
            for model, instances in list(self.data.items()):
                objs = sorted(instances, key=lambda o: o.pk)
                effects.remove(model, objs)
                for obj in objs:
                    obj._changelog_collected = True  # core.signals leaves it to this collector
                if objs and is_logged(model) and not model._meta.auto_created:
                    befores = changelog.serialize_many(model, objs)
                    deletes += [
                        (obj, ChangeAction.DELETE, before, None) for obj, before in zip(objs, befores, strict=True)
                    ]
            # Written before the rows go (a record names its object by id and text, read now), in the
            # same transaction: a failed delete leaves no record.
            changelog.record_bulk([*effects.changes(), *deletes])
            return super().delete()


def log_uncollected_delete(instance: models.Model, origin: object, using: str) -> None:
    """A delete that did not start at a logged model (a group users belong to): record, for this one
    object, what it does to logged rows. The objects of one delete share their bookkeeping through
    ``origin`` so that a row two of them change shows both steps in turn."""
    if not _set_fields(type(instance)) and not _m2m_fields(type(instance)):
        return
    holder = origin if origin is not None else instance
    effects = getattr(holder, "_changelog_effects", None)
    if effects is None or effects.using != using:
        effects = Effects(using)
        try:
            holder._changelog_effects = effects
        except AttributeError:
            pass
    changelog.record_bulk(effects.remove(type(instance), [instance]))


def logged_update(queryset: models.QuerySet, update: Callable[..., int], kwargs: dict) -> int:
    """Run ``update(**kwargs)`` (Django's ``QuerySet.update``) on a logged model's queryset and record
    one "update" per row it changed: the rows are read before and after, in its transaction."""
    model = queryset.model
    using = queryset.db
    with transaction.atomic(using=using, savepoint=False):
        rows = list(model._base_manager.using(using).filter(pk__in=queryset.values("pk")).select_for_update())
        befores = changelog.serialize_many(model, rows) if rows else []
        count = update(**kwargs)
        if rows:
            after_rows = {o.pk: o for o in model._base_manager.using(using).filter(pk__in=[r.pk for r in rows])}
            stored = [after_rows[r.pk] for r in rows if r.pk in after_rows]
            afters = dict(zip([o.pk for o in stored], changelog.serialize_many(model, stored), strict=True))
            changelog.record_bulk(
                (after_rows[row.pk], ChangeAction.UPDATE, before, afters[row.pk])
                for row, before in zip(rows, befores, strict=True)
                if row.pk in afters
            )
            bulk_written.send(sender=model, pks=[row.pk for row in rows])
    return count


# --- what keeps a delete from happening ------------------------------------------------------------


def protection_reasons(protected: Iterable[models.Model]) -> list[str]:
    """Why the records that refer to an object keep it from being deleted, for people: each protecting
    model's ``protect_reason`` (a model attribute, translated) where it declares one, once."""
    reasons: list[str] = []
    for model in dict.fromkeys(type(obj) for obj in protected):
        reason = getattr(model, "protect_reason", None)
        if reason and str(reason) not in reasons:
            reasons.append(str(reason))
    return reasons


def refusal_message(protected: Iterable[models.Model], head: str) -> str:
    """``head`` followed by the reasons the protecting records give, if any."""
    return " ".join([head, *protection_reasons(protected)])
