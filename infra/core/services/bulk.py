"""Bulk writes as the API offers them: many objects created, updated or deleted, all or none.

The viewset (``core.api.viewsets.bulk.BulkWriteMixin``) reads the request (its serializers turn
each item into attributes) and answers; the rules of a bulk write live here: every bad item is
named by its index and nothing is written, items of one request may not collide on a unique rule,
the model's rules run once over the batch (``core.validation``) and the rows go in through the
write path (``core.bulk``) with their change records.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from .. import versions
from ..bulk import create_many
from ..deletion import protection_reasons, refusal_message
from ..validation import as_id, condition_holds, unique_checks, validate_instances


class BulkInvalid(Exception):
    """Items of a bulk write that cannot be written, by index (each a dict of messages by field);
    ``conflict``: refused because other records refer to them, not because they are malformed."""

    def __init__(self, errors: dict[int, object], *, conflict: bool = False, reasons: Sequence[str] = ()) -> None:
        super().__init__(errors)
        self.errors = errors
        self.conflict = conflict
        # Why the refusing records keep the objects (core.deletion.protection_reasons), once each.
        self.reasons = list(reasons)


def create_objects(
    model: type[models.Model],
    items: Sequence[object],
    valid: Sequence[tuple[int, dict]],
    errors: dict[int, object],
    *,
    authorize: Callable[[models.Model], None],
    create: Callable[[list[models.Model], list[dict]], list] | None = None,
) -> list[models.Model]:
    """Create the objects of a bulk request, all or none.

    ``items`` are what the client sent; ``valid`` the (index, attributes) of the items the request's
    reader accepted and ``errors`` the messages of those it refused. The model's rules run over the
    valid items at once; items duplicating each other are named too. Any bad item raises
    :class:`BulkInvalid` with every bad item. ``authorize`` sees each object as it would be saved
    (raises if the user may not write it). ``create`` writes the checked objects when the model
    needs more than its rows (a fiber link's cores, a migration's first transition); by default
    they go through ``create_many``. Returns the saved objects, in the order of the items.
    """
    errors = dict(errors)
    instances = [model(**concrete_attrs(model, attrs)) for _index, attrs in valid]
    resolved = {name for _index, attrs in valid for name in resolved_relations(attrs)}
    for position, error in validate_instances(instances, resolved=resolved).items():
        errors[valid[position][0]] = error_messages(error)
    # Items that duplicate each other are named too (from what the client sent, if not valid).
    pairs = [(n, attrs) for n, attrs in valid if n not in errors] + [(n, items[n]) for n in errors]
    pairs.sort(key=lambda pair: pair[0])
    errors.update({n: e for n, e in duplicates_within(model, pairs).items() if n not in errors})
    if errors:
        raise BulkInvalid(errors)
    for instance in instances:
        authorize(instance)
    with transaction.atomic():
        if create is not None:
            return create(instances, [attrs for _index, attrs in valid])
        return create_many(model, instances, validate=False)


def find_objects(
    queryset: models.QuerySet, ids: Sequence[object], message: str
) -> tuple[dict[object, models.Model], dict[int, dict]]:
    """The objects the items of a bulk update or delete name by id, and the errors of the items that
    name none: no usable id (``message``), an id an earlier item names, or no such object."""
    errors = id_errors(ids, message)
    by_id = queryset.in_bulk([pk for n, pk in enumerate(ids) if n not in errors])
    errors.update(
        {n: {"id": [_("No object with this id.")]} for n, pk in enumerate(ids) if n not in errors and pk not in by_id}
    )
    return by_id, errors


def update_objects(
    model: type[models.Model],
    changes: Sequence[tuple[int, models.Model, dict, Callable[[], object]]],
    errors: dict[int, object],
) -> None:
    """Apply the changes of a bulk update, all or none: (index, object, attributes, save) for each
    item the request's reader accepted, ``errors`` for those it refused. Items that would collide on
    a unique rule once applied are named too; then every ``save`` runs in one transaction."""
    errors = dict(errors)
    finals = [(index, final_state(instance, attrs)) for index, instance, attrs, _save in changes]
    errors.update({n: e for n, e in duplicates_within(model, finals).items() if n not in errors})
    if errors:
        raise BulkInvalid(errors)
    with transaction.atomic():
        for _index, _instance, _attrs, save in changes:
            save()


def set_values(
    objects: Sequence[models.Model], values: dict[str, object], *, may_save: Callable[[models.Model], bool]
) -> None:
    """Give every object the same ``values`` and save them, all or none (the web's bulk edit).

    The model's rules run once over the batch (``core.validation``, as ``full_clean()`` would judge
    each object); ``may_save`` is asked of each object as it would be saved (an OPD operator may not
    move a device to another OPD). Any refused object raises :class:`BulkInvalid` with the messages
    of every refused object by its position, and nothing is saved; so does an object someone else
    changed since ``objects`` were read (each save writes every field, and would undo that change).
    Each save is logged as a single save is.
    """
    objects = list(objects)
    for obj in objects:
        for name, value in values.items():
            setattr(obj, name, value)
    errors: dict[int, list[str]] = {index: list(error.messages) for index, error in validate_instances(objects).items()}
    # Objects of the selection that would collide with each other once changed (two servers of the
    # same name moved into one OPD): the database would refuse the second save.
    if objects:
        finals = [(index, final_state(obj, {})) for index, obj in enumerate(objects) if index not in errors]
        for index, found in duplicates_within(type(objects[0]), finals).items():
            errors[index] = [message for messages in found.values() for message in messages]
    for index, obj in enumerate(objects):
        if index not in errors and not may_save(obj):
            errors[index] = [_("you may not save it with these values")]
    if errors:
        raise BulkInvalid(dict(sorted(errors.items())))
    with transaction.atomic():
        # Each save writes every field: an object changed by someone else since it was read would
        # lose that change. Their rows are locked and their versions compared first (core.versions).
        if objects:
            stored = versions.lock(type(objects[0])._base_manager.all(), [obj.pk for obj in objects])
            changed = {
                index: [_("someone else changed it meanwhile; nothing was saved, try again")]
                for index, obj in enumerate(objects)
                # Deleted meanwhile counts too: its save would insert it again.
                if obj.pk not in stored or versions.stamp_of(stored[obj.pk]) != versions.stamp_of(obj)
            }
            if changed:
                raise BulkInvalid(changed)
        for obj in objects:
            obj.save()


def delete_objects(objects: Sequence[models.Model]) -> None:
    """Delete the objects of a bulk delete, all or none: one delete each (so cascades and their
    change records happen as for a single delete); any object other records protect raises
    :class:`BulkInvalid` (a conflict) naming every such object, and nothing is deleted."""
    refused, reasons = {}, []
    with transaction.atomic():
        for index, obj in enumerate(objects):
            try:
                obj.delete()
            except (ProtectedError, RestrictedError) as exc:
                related = sorted({str(o._meta.verbose_name) for o in list(exc.args[1])[:50]})
                head = _("Other records refer to this object: %(names)s.") % {"names": ", ".join(related)}
                refused[index] = {"id": [refusal_message(exc.args[1], head)]}
                reasons += [r for r in protection_reasons(exc.args[1]) if r not in reasons]
        if refused:
            raise BulkInvalid(refused, conflict=True, reasons=reasons)  # rolls back


def concrete_attrs(model: type[models.Model], attrs: dict) -> dict:
    """The attributes that are the model's own columns (not its many-to-many fields)."""
    names = _concrete_names(model)
    return {k: v for k, v in attrs.items() if k in names}


@functools.cache
def _concrete_names(model: type[models.Model]) -> frozenset[str]:
    return frozenset(f.name for f in model._meta.concrete_fields)


def resolved_relations(attrs: dict) -> list[str]:
    """Relations whose objects the reader just read from the database (no need to check again)."""
    return [name for name, value in attrs.items() if isinstance(value, models.Model)]


def error_messages(exc: ValidationError) -> dict | list:
    """A ValidationError's messages: by field, or a plain list."""
    return exc.message_dict if hasattr(exc, "error_dict") else exc.messages


def id_errors(ids: Sequence[object], message: str) -> dict[int, dict]:
    """Items without a usable id, and items naming an object an earlier item already names."""
    errors, seen = {}, {}
    for index, pk in enumerate(ids):
        if not _is_id(pk):
            errors[index] = {"id": [message]}
        elif pk in seen:
            errors[index] = {"id": [_("Item %(other)d already names this object.") % {"other": seen[pk]}]}
        else:
            seen[pk] = index
    return errors


def _is_id(value: object) -> bool:
    return isinstance(value, int) and as_id(value) is not None  # a number, not its digits


def final_state(instance: models.Model, attrs: dict) -> dict:
    """The object's field values once ``attrs`` are applied (for checks across a bulk update)."""
    state = {f.name: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}
    state.update(concrete_attrs(type(instance), attrs))
    return state


def duplicates_within(model: type[models.Model], items: Iterable[tuple[int, object]]) -> dict[int, dict]:
    """Items of one request that would collide on a unique rule (a constraint, or a unique field such
    as a migration's device), named rather than left to the database. A conditional constraint (an
    asset number unless blank) counts only where it applies."""
    items = list(items)
    errors = {}
    for check in unique_checks(model):
        field_name, error = check.error(model())
        seen: dict[tuple, int] = {}
        for index, attrs in items:
            if not isinstance(attrs, dict):
                continue
            key = tuple(_ref(attrs.get(f)) for f in check.fields)
            try:
                hash(key)
            except TypeError:
                continue  # a malformed value, reported by the field itself
            if None in key:
                continue
            if check.condition is not None and not condition_holds(check.condition, _attrs_getter(attrs)):
                continue
            if key in seen:
                message = _("Duplicates item %(other)d: %(message)s") % {
                    "other": seen[key],
                    "message": " ".join(error.messages),
                }
                errors[index] = {field_name: [message]}
            else:
                seen[key] = index
    return errors


def _attrs_getter(attrs: dict) -> Callable[[str], object]:
    """``value_of`` for condition_holds on an item's attributes (or on what the client sent)."""
    return lambda name: _ref(attrs.get(name, attrs.get(name.removesuffix("_id"))))


def _ref(value: object) -> object:
    """A related object, its id, or {"id": ...}: the same key for the same target."""
    if isinstance(value, dict):
        return value.get("id")
    return getattr(value, "pk", value)
