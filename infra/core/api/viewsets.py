"""The base API viewset: CRUD, all-or-nothing bulk writes, brief lists, ETag/If-Match, as_of and
streamed CSV/XLSX exports. Each app's API only names its queryset, serializer and filter set."""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, StreamingHttpResponse
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import exceptions, status, viewsets
from rest_framework.metadata import SimpleMetadata
from rest_framework.parsers import JSONParser
from rest_framework.request import clone_request
from rest_framework.response import Response

from .. import changelog, exports
from ..choices import ChangeAction
from ..context import set_context_user
from ..filtersets import to_utc
from ..history import as_of_columns, state_as_of
from ..validation import as_id, condition_holds, unique_checks, validate_instances
from .serializers import (
    BriefSerializer,
    api_url_for,
    concrete_attrs,
    drf_errors,
    preload_related,
    resolved_relations,
)

EXPORT_FORMATS = ("csv", "xlsx")
EXPORT_CHUNK = 2000
# Query parameters that are not filters (of a historical list or of any list).
CONTROL_PARAMS = ("as_of", "limit", "offset", "format", "brief", "ordering")


class BulkValidationError(Exception):
    """A bulk request with bad items: answered 400 (or 409) with every bad item named by its index."""

    def __init__(self, errors: dict[int, object], status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(errors)
        self.status_code = status_code
        self.payload = _item_errors(errors)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The object changed since you read it (If-Match does not match its ETag). Read it again.")
    default_code = "precondition_failed"


def etag_for(obj) -> str:
    stamp = getattr(obj, "last_updated", None)
    raw = f"{obj._meta.label}:{obj.pk}:{stamp.isoformat() if stamp else ''}"
    return '"' + hashlib.sha1(raw.encode()).hexdigest()[:20] + '"'


class Metadata(SimpleMetadata):
    """OPTIONS describes the fields of POST, and of PUT on one object. On a list URL, PUT is a bulk
    update with no single object to check (DRF would look one up and fail)."""

    def determine_actions(self, request, view):
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
        if lookup in getattr(view, "kwargs", {}):
            return super().determine_actions(request, view)
        actions = {}
        if "POST" in view.allowed_methods:
            view.request = clone_request(request, "POST")
            try:
                view.check_permissions(view.request)
                actions["POST"] = self.get_serializer_info(view.get_serializer())
            except (exceptions.APIException, PermissionDenied, Http404):
                pass
            finally:
                view.request = request
        return actions


class APIMixin:
    """What every API view shares: JSON request bodies, the API-Version header on every answer."""

    parser_classes = [JSONParser]
    metadata_class = Metadata

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["API-Version"] = settings.API_VERSION
        return response


class ExportMixin:
    """``?format=csv`` or ``?format=xlsx`` on a list: the whole filtered list, streamed, one column per
    serializer field (related objects by their display text)."""

    def list(self, request, *args, **kwargs):
        fmt = request.query_params.get("format")
        if fmt in EXPORT_FORMATS:
            return self.export(fmt)
        return super().list(request, *args, **kwargs)

    def export(self, fmt: str) -> StreamingHttpResponse:
        queryset = self.filter_queryset(self.get_queryset())
        serializer_class = self.get_serializer_class()
        context = self.get_serializer_context()
        fields = [name for name in serializer_class(context=context).fields if name != "url"]

        def flatten(objs):
            for item in serializer_class(objs, many=True, context=context).data:
                yield [_flat(item.get(f)) for f in fields]

        objects = queryset.iterator(chunk_size=EXPORT_CHUNK)
        # The query runs now, inside the view: a filter the database refuses is a 400, not a broken download.
        first = next(objects, None)

        def rows():
            yield fields
            batch = []
            for obj in itertools.chain([first] if first is not None else [], objects):
                batch.append(obj)
                if len(batch) == EXPORT_CHUNK:
                    yield from flatten(batch)
                    batch = []
            if batch:
                yield from flatten(batch)

        return exports.response(rows(), self.export_name(), fmt)

    def export_name(self) -> str:
        return str(self.get_queryset().model._meta.verbose_name_plural)


class BaseViewSet(APIMixin, ExportMixin, viewsets.ModelViewSet):
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

    @property
    def model(self):
        return self.queryset.model

    def get_serializer_class(self):
        if self.request is not None and self.request.method in ("GET", "HEAD") and self.brief:
            return BriefSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request is None or self.request.method not in ("GET", "HEAD"):
            return queryset
        if self.brief:
            # A brief list renders only str(obj): keep what __str__ reads and nothing else.
            queryset = queryset.model.objects.all()
            if self.brief_select_related:
                queryset = queryset.select_related(*self.brief_select_related)
            display = getattr(queryset.model, "display_fields", ())
            return queryset.only(*display) if display else queryset
        return defer_related_details(queryset)

    # --- reads -------------------------------------------------------------------------------
    def list(self, request, *args, **kwargs):
        as_of = request.query_params.get("as_of")
        if as_of:
            return self._list_as_of(request, as_of)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = etag_for(instance)
        return response

    def _list_as_of(self, request, raw: str):
        try:
            moment = parse_datetime(raw.replace(" ", "+"))  # a "+" left unencoded in the URL arrives as a space
        except ValueError:  # well formed, but no such day or hour
            moment = None
        if moment is None or moment.tzinfo is None:
            raise exceptions.ValidationError(
                {"as_of": [_("Give a date and time with its offset, e.g. 2025-12-31T23:59:59+07:00.")]}
            )
        moment = to_utc(moment)
        rows = [r for r in state_as_of(self.model, moment) if self._matches(r, request.query_params)]
        for row in rows:
            row["as_of_change"] = timezone.localtime(row["as_of_change"]).isoformat()
        fmt = request.query_params.get("format")
        if fmt in EXPORT_FORMATS:
            self._add_related_as_of(rows, moment, as_text=True)
            columns = as_of_columns(self.model)
            header = [*columns, *(f.name for f in self._foreign_keys())]
            table = [header, *([row.get(c) for c in header] for row in rows)]
            return exports.response(table, self.export_name(), fmt)
        page = self.paginate_queryset(rows)
        self._add_related_as_of(page, moment)
        return self.get_paginated_response(page)

    def _matches(self, row: dict, params) -> bool:
        """Exact filters on the historical values: ?organization=3 matches organization_id 3;
        a repeated parameter (?status=active&status=offline) matches any of its values."""
        for key, values in params.lists():
            if key in CONTROL_PARAMS:
                continue
            for name in (f"{key}_id", key):
                if name in row:
                    held = row[name] if isinstance(row[name], list) else [row[name]]
                    if not {"null" if v is None else str(v) for v in held} & set(values):
                        return False
                    break
            else:
                raise exceptions.ValidationError({key: [_("This filter is not available with as_of.")]})
        return True

    def filter_queryset(self, queryset):
        # A detail request names its object: building and validating the list filters was most of
        # its time, and a filter must not turn an existing object into a 404.
        if getattr(self, "detail", False):
            return queryset
        return super().filter_queryset(queryset)

    def _foreign_keys(self) -> list:
        return [f for f in self.model._meta.concrete_fields if f.is_relation]

    def _add_related_as_of(self, rows: list[dict], moment, as_text: bool = False) -> None:
        """Each foreign key as {id, url, display}, its display as it was at ``moment`` (two queries a key)."""
        request = self.request
        for field in self._foreign_keys():
            ids = {row.get(field.attname) for row in rows} - {None}
            then = {r["id"]: r["display"] for r in state_as_of(field.related_model, moment, ids=ids)} if ids else {}
            for row in rows:
                pk = row.get(field.attname)
                if pk is None:
                    row[field.name] = None
                elif as_text:
                    row[field.name] = then.get(pk)
                else:
                    row[field.name] = {
                        "id": pk,
                        "url": _url_or_none(field.related_model, pk, request),
                        "display": then.get(pk),
                    }

    # --- single writes -----------------------------------------------------------------------
    def check_if_match(self, request, instance) -> None:
        expected = request.headers.get("If-Match")
        if expected and expected.strip() not in ("*", etag_for(instance)):
            raise PreconditionFailed()

    def check_new_state(self, serializer) -> None:
        """The object as it would be saved must be the user's to write too: an OPD operator may not
        create a device for another OPD, nor move one of theirs to another OPD."""
        attrs = concrete_attrs(self.model, serializer.validated_data)
        if serializer.instance is None:
            candidate = self.model(**attrs)
        else:
            candidate = copy.copy(serializer.instance)
            for key, value in attrs.items():
                setattr(candidate, key, value)
        self.check_object_permissions(self.request, candidate)

    def perform_create(self, serializer):
        self.check_new_state(serializer)
        serializer.save()

    def perform_update(self, serializer):
        self.check_new_state(serializer)
        serializer.save()

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


def defer_related_details(queryset):
    """Related objects appear in a response as {id, url, display}: of the rows select_related joins,
    load only what their __str__ reads (a fiber link's two sites: their names, not twenty columns)."""
    tree = queryset.query.select_related
    if not isinstance(tree, dict):
        return queryset
    deferred: list[str] = []

    def walk(model, branches: dict, prefix: str) -> None:
        for name, deeper in branches.items():
            related = model._meta.get_field(name).related_model
            keep = set(getattr(related, "display_fields", ()))
            if keep:
                keep |= {related._meta.pk.name, *deeper}  # a key followed further is read, not deferred
                fields = related._meta.concrete_fields
                deferred.extend(f"{prefix}{name}__{f.name}" for f in fields if f.name not in keep)
            walk(related, deeper, f"{prefix}{name}__")

    walk(queryset.model, tree, "")
    return queryset.defer(*deferred) if deferred else queryset


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


def _url_or_none(model, pk, request) -> str | None:
    try:
        return api_url_for(model, pk, request)
    except NoReverseMatch:
        return None


def _flat(value) -> object:
    """One cell: a related object by its display text, a list joined, other structures as JSON."""
    if isinstance(value, dict):
        if "display" in value:
            return value["display"]
        return json.dumps(value, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder)
    if isinstance(value, list):
        return "; ".join(str(_flat(v)) for v in value)
    return value


def _final_state(instance, attrs: dict) -> dict:
    """The object's field values once ``attrs`` are applied (for checks across a bulk update)."""
    state = {f.name: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}
    state.update(concrete_attrs(type(instance), attrs))
    return state


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


class HistoryMixin:
    """``GET .../<id>/history/``: the object's change records, its children's included."""

    def history(self, request, pk=None):
        from ..models import ObjectChange
        from .views import ObjectChangeSerializer

        instance = self.get_object()
        changes = ObjectChange.objects.for_object(instance).select_related("content_type")
        page = self.paginate_queryset(changes)
        serializer = ObjectChangeSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)
