"""Bulk writes through the API: every item checked, every bad item named, all saved or none."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from ... import changelog
from ...choices import ChangeAction
from ...validation import as_id, condition_holds, unique_checks, validate_instances
from ..serializers import (
    concrete_attrs,
    drf_errors,
    preload_related,
    resolved_relations,
)


class BulkValidationError(Exception):
    """A bulk request with bad items: answered 400 (or 409) with every bad item named by its index."""

    def __init__(self, errors: dict[int, object], status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(errors)
        self.status_code = status_code
        self.payload = _item_errors(errors)


class BulkWriteMixin:
    """All-or-nothing bulk writes on a list URL: POST a list, PUT/PATCH a list with ids, DELETE a list of ids."""

    def create(self, request, *args, **kwargs):
        if not isinstance(request.data, list):
            return super().create(request, *args, **kwargs)
        items = request.data
        self._check_bulk_size(items)
        not_objects = {
            n: {"non_field_errors": [_("Expected an object.")]} for n, i in enumerate(items) if not isinstance(i, dict)
        }
        if not_objects:
            raise BulkValidationError(not_objects)
        # One serializer reads every item (as DRF's list serializer does); the model's rules then run
        # over all the valid items at once, one query per unique rule instead of several per item.
        context = {**self.get_serializer_context(), "defer_model_validation": True}
        reader = self.get_serializer_class()(context=context)
        preload_related(reader, items)
        errors, valid = {}, []
        for index, item in enumerate(items):
            try:
                valid.append((index, reader.run_validation(item)))
            except exceptions.ValidationError as exc:
                errors[index] = exc.detail
        instances = [self.model(**concrete_attrs(self.model, attrs)) for _index, attrs in valid]
        resolved = {name for _index, attrs in valid for name in resolved_relations(attrs)}
        for position, error in validate_instances(instances, resolved=resolved).items():
            errors[valid[position][0]] = drf_errors(error)
        # Items that duplicate each other are named too (from what the client sent, if not valid).
        pairs = [(n, attrs) for n, attrs in valid if n not in errors] + [(n, items[n]) for n in errors]
        pairs.sort(key=lambda pair: pair[0])
        errors.update({n: e for n, e in _duplicates_within(self.model, pairs).items() if n not in errors})
        if errors:
            raise BulkValidationError(errors)
        for instance in instances:
            self.check_object_permissions(request, instance)
        with transaction.atomic():
            instances = self.bulk_create(instances, [attrs for _index, attrs in valid])
        return Response(self.get_serializer(instances, many=True).data, status=status.HTTP_201_CREATED)

    def bulk_create(self, instances: list, items: list[dict]) -> list:
        """One INSERT per batch and one change record per object; models without many-to-many fields.
        ``instances`` are the validated, unsaved objects; ``items`` the attributes they were made from."""
        model = self.model
        if model._meta.many_to_many:
            serializer_class = self.get_serializer_class()
            return [serializer_class(context=self.get_serializer_context()).create(dict(attrs)) for attrs in items]
        instances = model.objects.bulk_create(instances, batch_size=1000)
        after_bulk_create = getattr(model, "after_bulk_create", None)
        if after_bulk_create:
            after_bulk_create(instances)
        changelog.record_bulk((obj, ChangeAction.CREATE, None, changelog.serialize(obj)) for obj in instances)
        return instances

    def bulk_update(self, request, *args, partial: bool = False, **kwargs):
        items = request.data
        if not isinstance(items, list):
            raise exceptions.ParseError(_('Send a list of objects, each with its "id".'))
        self._check_bulk_size(items)
        ids = [i.get("id") if isinstance(i, dict) else None for i in items]
        errors = _id_errors(ids, _('Give each object with its "id" (a whole number).'))
        by_id = self.filter_queryset(self.get_queryset()).in_bulk([i for n, i in enumerate(ids) if n not in errors])
        serializers, finals = [], []
        for index, item in enumerate(items):
            if index in errors:
                continue
            instance = by_id.get(item["id"])
            if instance is None:
                errors[index] = {"id": [_("No object with this id.")]}
                continue
            self.check_object_permissions(request, instance)
            serializer = self.get_serializer(instance, data=item, partial=partial)
            if not serializer.is_valid():
                errors[index] = serializer.errors
                continue
            self.check_new_state(serializer)
            serializers.append(serializer)
            finals.append((index, _final_state(instance, serializer.validated_data)))
        errors.update({n: e for n, e in _duplicates_within(self.model, finals).items() if n not in errors})
        if errors:
            raise BulkValidationError(errors)
        with transaction.atomic():
            for serializer in serializers:
                serializer.save()
        return Response([s.data for s in serializers])

    def bulk_partial_update(self, request, *args, **kwargs):
        return self.bulk_update(request, *args, partial=True, **kwargs)

    def bulk_destroy(self, request, *args, **kwargs):
        items = request.data
        if not isinstance(items, list):
            raise exceptions.ParseError(_('Send a list of ids, or of objects each with its "id".'))
        self._check_bulk_size(items)
        ids = [i.get("id") if isinstance(i, dict) else i for i in items]
        errors = _id_errors(ids, _("Give ids (whole numbers) or objects each with its id."))
        by_id = self.filter_queryset(self.get_queryset()).in_bulk([i for n, i in enumerate(ids) if n not in errors])
        errors.update(
            {n: {"id": [_("No object with this id.")]} for n, i in enumerate(ids) if n not in errors and i not in by_id}
        )
        if errors:
            raise BulkValidationError(errors)
        for pk in ids:
            self.check_object_permissions(request, by_id[pk])
        refused = {}
        with transaction.atomic():
            for index, pk in enumerate(ids):
                try:
                    by_id[pk].delete()
                except (ProtectedError, RestrictedError) as exc:
                    related = sorted({str(o._meta.verbose_name) for o in list(exc.args[1])[:50]})
                    refused[index] = {
                        "id": [_("Other records refer to this object: %(names)s.") % {"names": ", ".join(related)}]
                    }
            if refused:
                raise BulkValidationError(refused, status_code=status.HTTP_409_CONFLICT)  # rolls back
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _check_bulk_size(self, items) -> None:
        limit = settings.REST_FRAMEWORK["MAX_PAGE_SIZE"] * 10
        if not items:
            raise exceptions.ParseError(_("The list is empty."))
        if len(items) > limit:
            raise exceptions.ParseError(_("At most %(n)d objects per request.") % {"n": limit})


def _is_id(value: object) -> bool:
    return isinstance(value, int) and as_id(value) is not None  # a number, not its digits


def _id_errors(ids: list, message: str) -> dict[int, dict]:
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


def _final_state(instance, attrs: dict) -> dict:
    """The object's field values once ``attrs`` are applied (for checks across a bulk update)."""
    state = {f.name: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}
    state.update(concrete_attrs(type(instance), attrs))
    return state


def _item_errors(errors) -> dict:
    """Errors of a bulk request keyed by item: {"items": [{"index": 3, "errors": {...}}, ...]}."""
    pairs = sorted(errors.items())
    return {
        "detail": _("Nothing was saved: %(n)d item(s) are not valid.") % {"n": len(pairs)},
        "items": [{"index": n, "errors": exceptions.ValidationError(e).detail} for n, e in pairs],
    }


def _duplicates_within(model, items: Iterable[tuple[int, dict]]) -> dict[int, dict]:
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


def _attrs_getter(attrs: dict):
    """``value_of`` for condition_holds on an item's attributes (or on what the client sent)."""
    return lambda name: _ref(attrs.get(name, attrs.get(name.removesuffix("_id"))))


def _ref(value) -> object:
    """A related object, its id, or {"id": ...}: the same key for the same target."""
    if isinstance(value, dict):
        return value.get("id")
    return getattr(value, "pk", value)
