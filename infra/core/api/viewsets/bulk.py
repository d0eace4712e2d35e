"""Bulk writes through the API: the request read and answered here, the write done by the service
(``core.services.bulk``): every item checked, every bad item named, all saved or none."""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from ... import versions
from ...bulk import create_many
from ...services import bulk as service
from ..serializers import has_changes, preload_related
from .conditional import StaleItems, if_match, sent_version


class BulkValidationError(Exception):
    """A bulk request with bad items: answered 400 (or 409) with every bad item named by its index."""

    def __init__(self, errors: dict[int, object], status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(errors)
        self.status_code = status_code
        self.payload = _item_errors(errors)


@contextmanager
def _answered():
    """The service's refusal as the API's answer: 400, or 409 when other records refer to the items."""
    try:
        yield
    except service.BulkInvalid as exc:
        code = status.HTTP_409_CONFLICT if exc.conflict else status.HTTP_400_BAD_REQUEST
        raise BulkValidationError(exc.errors, status_code=code) from exc


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
        # over all the valid items at once, in the service.
        context = {**self.get_serializer_context(), "defer_model_validation": True}
        reader = self.get_serializer_class()(context=context)
        preload_related(reader, items)
        errors, valid = {}, []
        for index, item in enumerate(items):
            try:
                valid.append((index, reader.run_validation(item)))
            except exceptions.ValidationError as exc:
                errors[index] = exc.detail
        with _answered():
            instances = service.create_objects(
                self.model,
                items,
                valid,
                errors,
                authorize=lambda instance: self.check_object_permissions(request, instance),
                create=self.bulk_create,
            )
        return Response(self.get_serializer(instances, many=True).data, status=status.HTTP_201_CREATED)

    def bulk_create(self, instances: list, items: list[dict]) -> list:
        """Write the checked objects of a bulk create: ``instances`` unsaved, ``items`` the attributes
        they were made from. A viewset whose model needs more than its rows names its service here."""
        model = self.model
        if model._meta.many_to_many:
            serializer_class = self.get_serializer_class()
            return [serializer_class(context=self.get_serializer_context()).create(dict(attrs)) for attrs in items]
        return create_many(model, instances, validate=False)

    def bulk_update(self, request, *args, partial: bool = False, **kwargs):
        items = request.data
        if not isinstance(items, list):
            raise exceptions.ParseError(_('Send a list of objects, each with its "id".'))
        self._check_bulk_size(items)
        ids = [i.get("id") if isinstance(i, dict) else None for i in items]
        with transaction.atomic():
            # The objects are read with their rows locked and checked against the versions the
            # request was based on, then written, in one transaction (core.versions).
            queryset = versions.for_update(self.filter_queryset(self.get_queryset()))
            by_id, errors = service.find_objects(queryset, ids, _('Give each object with its "id" (a whole number).'))
            self._check_versions(request, items, ids, by_id, errors)
            serializers, changes = [], []
            for index, item in enumerate(items):
                if index in errors:
                    continue
                instance = by_id[item["id"]]
                self.check_object_permissions(request, instance)
                serializer = self.get_serializer(instance, data=item, partial=partial)
                if not serializer.is_valid():
                    errors[index] = serializer.errors
                    continue
                self.check_new_state(serializer)
                serializers.append(serializer)
                if has_changes(serializer):  # an item that changes nothing is not saved
                    changes.append((index, instance, serializer.validated_data, serializer.save))
            with _answered():
                service.update_objects(self.model, changes, errors)
        return Response([s.data for s in serializers])

    def bulk_partial_update(self, request, *args, **kwargs):
        return self.bulk_update(request, *args, partial=True, **kwargs)

    def bulk_destroy(self, request, *args, **kwargs):
        items = request.data
        if not isinstance(items, list):
            raise exceptions.ParseError(_('Send a list of ids, or of objects each with its "id".'))
        self._check_bulk_size(items)
        ids = [i.get("id") if isinstance(i, dict) else i for i in items]
        with transaction.atomic():
            queryset = versions.for_update(self.filter_queryset(self.get_queryset()))
            by_id, errors = service.find_objects(
                queryset, ids, _("Give ids (whole numbers) or objects each with its id.")
            )
            self._check_versions(request, items, ids, by_id, errors)
            if errors:
                raise BulkValidationError(errors)
            for pk in ids:
                self.check_object_permissions(request, by_id[pk])
            with _answered():
                service.delete_objects([by_id[pk] for pk in ids])
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _check_versions(self, request, items: list, ids: list, by_id: dict, errors: dict[int, object]) -> None:
        """Refuse (412, naming every such item) a bulk write when an object changed since the
        request read it: its ETag not among the If-Match header's, or its last_updated not the one
        its item sends. Call with the objects locked. An unreadable last_updated is its item's error."""
        header = if_match(request)
        expected, index_of = {}, {}
        for index, (item, pk) in enumerate(zip(items, ids, strict=True)):
            if index in errors:
                continue
            try:
                expected[pk] = versions.both(header, sent_version(self.model, pk, item))
            except exceptions.ValidationError as exc:
                errors[index] = exc.detail
                continue
            index_of[pk] = index
        try:
            versions.check(by_id, expected)
        except versions.Stale as exc:
            raise StaleItems({index_of[pk]: obj for pk, obj in exc.current.items()}) from None

    def _check_bulk_size(self, items) -> None:
        limit = settings.REST_FRAMEWORK["MAX_PAGE_SIZE"] * 10
        if not items:
            raise exceptions.ParseError(_("The list is empty."))
        if len(items) > limit:
            raise exceptions.ParseError(_("At most %(n)d objects per request.") % {"n": limit})


def _item_errors(errors) -> dict:
    """Errors of a bulk request keyed by item: {"items": [{"index": 3, "errors": {...}}, ...]}."""
    pairs = sorted(errors.items())
    return {
        "detail": _("Nothing was saved: %(n)d item(s) are not valid.") % {"n": len(pairs)},
        "items": [{"index": n, "errors": exceptions.ValidationError(e).detail} for n, e in pairs],
    }
