"""The base API viewset: CRUD, all-or-nothing bulk writes, brief lists, ETag/If-Match, as_of and
streamed CSV/XLSX exports. Each app's API only names its queryset, serializer and filter set."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import exceptions, status, viewsets
from rest_framework.response import Response

from .. import changelog, exports
from ..choices import ChangeAction
from ..context import set_context_user
from ..history import state_as_of
from .serializers import BriefSerializer

EXPORT_FORMATS = ("csv", "xlsx")
EXPORT_CHUNK = 2000


class BulkValidationError(Exception):
    """A bulk request with bad items: answered 400 with every bad item named by its index."""

    def __init__(self, errors: dict[int, object]):
        super().__init__(errors)
        self.payload = _item_errors(errors)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The object changed since you read it (If-Match does not match its ETag). Read it again.")
    default_code = "precondition_failed"


def etag_for(obj) -> str:
    stamp = getattr(obj, "last_updated", None)
    raw = f"{obj._meta.label}:{obj.pk}:{stamp.isoformat() if stamp else ''}"
    return '"' + hashlib.sha1(raw.encode()).hexdigest()[:20] + '"'


class BaseViewSet(viewsets.ModelViewSet):
    # What str(obj) reads, for ?brief=1 lists (e.g. a migration's device).
    brief_select_related: tuple[str, ...] = ()
    ordering = ("pk",)

    # --- plumbing ----------------------------------------------------------------------------
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        set_context_user(request.user)

    @property
    def brief(self) -> bool:
        return self.request.query_params.get("brief", "").lower() in ("1", "true", "yes")

    def get_serializer_class(self):
        if self.request is not None and self.request.method == "GET" and self.brief:
            return BriefSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.brief and self.request.method == "GET":
            # A brief list renders only str(obj): keep what __str__ reads and nothing else.
            queryset = queryset.model.objects.select_related(*self.brief_select_related)
        return queryset

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["API-Version"] = settings.API_VERSION
        return response

    # --- reads -------------------------------------------------------------------------------
    def list(self, request, *args, **kwargs):
        as_of = request.query_params.get("as_of")
        if as_of:
            return self._list_as_of(request, as_of)
        fmt = request.query_params.get("format")
        if fmt in EXPORT_FORMATS:
            return self._export(fmt)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = etag_for(instance)
        return response

    def _list_as_of(self, request, raw: str):
        moment = parse_datetime(raw.replace(" ", "+"))
        if moment is None or moment.tzinfo is None:
            raise exceptions.ValidationError(
                {"as_of": _("Give a date and time with its offset, e.g. 2025-12-31T23:59:59+07:00.")}
            )
        rows = state_as_of(self.queryset.model, moment)
        rows = [r for r in rows if self._matches(r, request.query_params)]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(page)

    def _matches(self, row: dict, params) -> bool:
        """Exact filters on the historical values: ?organization=3 matches organization_id 3."""
        for key, value in params.items():
            if key in ("as_of", "limit", "offset", "format", "brief", "ordering"):
                continue
            for name in (f"{key}_id", key):
                if name in row:
                    if str(row[name]) != value:
                        return False
                    break
            else:
                raise exceptions.ValidationError({key: _("This filter is not available with as_of.")})
        return True

    def _export(self, fmt: str):
        queryset = self.filter_queryset(self.get_queryset())
        serializer_class = self.get_serializer_class()
        fields = [name for name in serializer_class(context=self.get_serializer_context()).fields if name != "url"]

        def rows():
            yield fields
            batch = []
            for obj in queryset.iterator(chunk_size=EXPORT_CHUNK):
                batch.append(obj)
                if len(batch) == EXPORT_CHUNK:
                    yield from self._flatten(serializer_class, batch, fields)
                    batch = []
            if batch:
                yield from self._flatten(serializer_class, batch, fields)

        name = str(self.queryset.model._meta.verbose_name_plural)
        response = exports.response(rows(), name, fmt)
        assert isinstance(response, StreamingHttpResponse)
        return response

    def _flatten(self, serializer_class, objs, fields):
        data = serializer_class(objs, many=True, context=self.get_serializer_context()).data
        for item in data:
            yield [_flat(item.get(f)) for f in fields]

    # --- single writes -----------------------------------------------------------------------
    def check_if_match(self, request, instance) -> None:
        expected = request.headers.get("If-Match")
        if expected and expected.strip() not in ("*", etag_for(instance)):
            raise PreconditionFailed()

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        self.check_if_match(request, instance)
        with transaction.atomic():
            response = super().update(request, *args, **kwargs)
        instance.refresh_from_db()
        response["ETag"] = etag_for(instance)
        return response

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        self.check_if_match(request, instance)
        with transaction.atomic():
            instance.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- bulk writes: all or nothing -----------------------------------------------------------
    def create(self, request, *args, **kwargs):
        if not isinstance(request.data, list):
            return super().create(request, *args, **kwargs)
        items = request.data
        self._check_bulk_size(items)
        serializer = self.get_serializer(data=items, many=True)
        valid = serializer.is_valid()
        errors = {} if valid else _errors_by_index(serializer.errors)
        if valid:
            errors.update(_duplicates_within(self.queryset.model, serializer.validated_data))
        else:
            # Still name items that duplicate each other, from what the client sent.
            errors.update({n: e for n, e in _duplicates_within(self.queryset.model, items).items() if n not in errors})
        if errors:
            raise BulkValidationError(errors)
        for attrs in serializer.validated_data:
            self.check_object_permissions(request, self.queryset.model(**_concrete(self.queryset.model, attrs)))
        with transaction.atomic():
            instances = self.bulk_create(serializer.validated_data)
        return Response(self.get_serializer(instances, many=True).data, status=status.HTTP_201_CREATED)

    def bulk_create(self, items: list[dict]) -> list:
        """One INSERT per batch and one change record per object; models without many-to-many fields."""
        model = self.queryset.model
        if model._meta.many_to_many:
            serializer_class = self.get_serializer_class()
            return [serializer_class(context=self.get_serializer_context()).create(dict(attrs)) for attrs in items]
        instances = model.objects.bulk_create([model(**attrs) for attrs in items], batch_size=1000)
        after_bulk_create = getattr(model, "after_bulk_create", None)
        if after_bulk_create:
            after_bulk_create(instances)
        changelog.record_bulk((obj, ChangeAction.CREATE, None, changelog.serialize(obj)) for obj in instances)
        return instances

    def bulk_update(self, request, *args, partial: bool = False, **kwargs):
        items = request.data
        if not isinstance(items, list) or not all(isinstance(i, dict) and "id" in i for i in items):
            raise exceptions.ValidationError(_("Send a list of objects, each with its \"id\"."))
        self._check_bulk_size(items)
        by_id = self.filter_queryset(self.get_queryset()).in_bulk([i["id"] for i in items])
        errors, serializers = {}, []
        for index, item in enumerate(items):
            instance = by_id.get(item["id"])
            if instance is None:
                errors[index] = {"id": [_("No object with this id.")]}
                continue
            self.check_object_permissions(request, instance)
            serializer = self.get_serializer(instance, data=item, partial=partial)
            if serializer.is_valid():
                serializers.append(serializer)
            else:
                errors[index] = serializer.errors
        if errors:
            raise BulkValidationError(errors)
        with transaction.atomic():
            for serializer in serializers:
                self.check_object_permissions(request, serializer.instance)
                serializer.save()
        return Response([s.data for s in serializers])

    def bulk_partial_update(self, request, *args, **kwargs):
        return self.bulk_update(request, *args, partial=True, **kwargs)

    def bulk_destroy(self, request, *args, **kwargs):
        items = request.data
        if not isinstance(items, list):
            raise exceptions.ValidationError(_("Send a list of ids, or of objects each with its \"id\"."))
        ids = [i.get("id") if isinstance(i, dict) else i for i in items]
        self._check_bulk_size(ids)
        by_id = self.filter_queryset(self.get_queryset()).in_bulk([i for i in ids if isinstance(i, int)])
        errors = {n: {"id": [_("No object with this id.")]} for n, i in enumerate(ids) if i not in by_id}
        if errors:
            raise BulkValidationError(errors)
        with transaction.atomic():
            for obj in by_id.values():
                self.check_object_permissions(request, obj)
                obj.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _check_bulk_size(self, items) -> None:
        limit = settings.REST_FRAMEWORK["MAX_PAGE_SIZE"] * 10
        if not items:
            raise exceptions.ValidationError(_("The list is empty."))
        if len(items) > limit:
            raise exceptions.ValidationError(_("At most %(n)d objects per request.") % {"n": limit})


def _flat(value) -> object:
    if isinstance(value, dict):
        return value.get("display", value.get("id"))
    if isinstance(value, list):
        return "; ".join(str(_flat(v)) for v in value)
    return value


def _concrete(model, attrs: dict) -> dict:
    names = {f.name for f in model._meta.concrete_fields}
    return {k: v for k, v in attrs.items() if k in names}


def _errors_by_index(errors) -> dict[int, object]:
    """A list serializer's errors as {index: errors} (DRF gives a list, or a dict keyed by index)."""
    pairs = errors.items() if isinstance(errors, dict) else enumerate(errors)
    return {int(n): e for n, e in pairs if e and str(n).isdigit()} or {0: errors}


def _item_errors(errors) -> dict:
    """Errors of a bulk request keyed by item: {"items": [{"index": 3, "errors": {...}}, ...]}."""
    pairs = sorted(errors.items())
    return {
        "detail": _("Nothing was saved: %(n)d item(s) are not valid.") % {"n": len(pairs)},
        "items": [{"index": n, "errors": exceptions.ValidationError(e).detail} for n, e in pairs],
    }


def _duplicates_within(model, items: list[dict]) -> dict[int, dict]:
    """Items of one request that would collide on a unique constraint, named rather than left to the DB."""
    from django.db.models import UniqueConstraint

    errors = {}
    for constraint in model._meta.constraints:
        if not isinstance(constraint, UniqueConstraint) or constraint.condition is not None:
            continue
        seen: dict[tuple, int] = {}
        for index, attrs in enumerate(items):
            key = tuple(_ref(attrs.get(f)) for f in constraint.fields)
            if None in key:
                continue
            if key in seen:
                errors[index] = {"non_field_errors": [
                    _("Duplicates item %(other)d: %(message)s") % {"other": seen[key], "message": constraint.violation_error_message}
                ]}
            else:
                seen[key] = index
    return errors


def _ref(value) -> object:
    """A related object, its id, or {"id": ...}: the same key for the same target."""
    if isinstance(value, dict):
        return value.get("id")
    return getattr(value, "pk", value)


class HistoryMixin:
    """``GET .../<id>/history/``: the object's change records, its children's included."""

    def history(self, request, pk=None):
        from .views import ObjectChangeSerializer
        from ..models import ObjectChange

        instance = self.get_object()
        changes = ObjectChange.objects.for_object(instance).select_related("content_type")
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(ObjectChangeSerializer(page, many=True, context=self.get_serializer_context()).data)
