"""The base API viewset, made of one mixin per job: exports, as_of, conditional and bulk writes."""

from __future__ import annotations

import copy

from django.db import transaction
from rest_framework import status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from ... import versions
from ...context import set_context_user
from ..serializers import BriefSerializer, concrete_attrs, has_changes
from .as_of import CONTROL_PARAMS, AsOfMixin
from .base import APIMixin, Metadata, defer_related_details
from .bulk import BulkValidationError, BulkWriteMixin
from .conditional import PreconditionFailed, StaleItems, etag_for, if_match, sent_version
from .exports import EXPORT_FORMATS, ExportMixin
from .history import HistoryMixin

__all__ = [
    "CONTROL_PARAMS",
    "EXPORT_FORMATS",
    "APIMixin",
    "AsOfMixin",
    "BaseViewSet",
    "BulkValidationError",
    "BulkWriteMixin",
    "ExportMixin",
    "HistoryMixin",
    "Metadata",
    "PreconditionFailed",
    "StaleItems",
    "defer_related_details",
    "etag_for",
]


class BaseViewSet(APIMixin, AsOfMixin, BulkWriteMixin, ExportMixin, viewsets.ModelViewSet):
    """CRUD with brief lists, ETags, as_of, exports and bulk writes: each app's API names only its
    queryset, serializer and filter set."""

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
    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = etag_for(instance)
        return response

    def filter_queryset(self, queryset):
        # A detail request names its object: building and validating the list filters was most of
        # its time, and a filter must not turn an existing object into a 404.
        if getattr(self, "detail", False):
            return queryset
        return super().filter_queryset(queryset)

    # --- single writes: the object read with its row locked, checked, written, in one transaction
    def get_object(self, *, lock: bool = False):
        """The object of the URL, its permissions checked; ``lock``: its row locked until the
        transaction ends (for a write, inside ``transaction.atomic``), so the version checked is the
        one written over."""
        queryset = self.filter_queryset(self.get_queryset())
        if lock:
            queryset = versions.for_update(queryset)
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        obj = get_object_or_404(queryset, **{self.lookup_field: self.kwargs[lookup_url_kwarg]})
        self.check_object_permissions(self.request, obj)
        return obj

    def check_if_match(self, request, instance, body: object = None) -> None:
        """Refuse (412, with the current ETag) a write based on another version than ``instance``'s:
        the If-Match header, and the ``last_updated`` of the body when it sends one. Call it with the
        instance read by ``get_object(lock=True)``, inside the write's transaction."""
        expected = versions.both(if_match(request), sent_version(type(instance), instance.pk, body))
        if not versions.matches(instance, expected):
            raise PreconditionFailed(etag=etag_for(instance))

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, PreconditionFailed) and exc.etag:
            response["ETag"] = exc.etag
        return response

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
        if has_changes(serializer):  # nothing changed: nothing saved, last_updated stays
            serializer.save()

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            instance = self.get_object(lock=True)
            self.check_if_match(request, instance, request.data)
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.perform_update(serializer)
        if getattr(instance, "_prefetched_objects_cache", None):
            instance._prefetched_objects_cache = {}  # as DRF does: many-to-many read again after a write
        response = Response(serializer.data)
        response["ETag"] = etag_for(instance)  # the saved version: last_updated was set by the save
        return response

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_object(lock=True)
            self.check_if_match(request, instance, request.data)
            instance.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
