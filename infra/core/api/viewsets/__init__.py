"""The base API viewset, made of one mixin per job: exports, as_of, conditional and bulk writes."""

from __future__ import annotations

import copy

from django.db import transaction
from rest_framework import status, viewsets
from rest_framework.response import Response

from ...context import set_context_user
from ..serializers import BriefSerializer, concrete_attrs
from .as_of import CONTROL_PARAMS, AsOfMixin
from .base import APIMixin, Metadata, defer_related_details
from .bulk import BulkValidationError, BulkWriteMixin
from .conditional import PreconditionFailed, etag_for
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
