"""What every API view shares: JSON bodies, the API-Version header, OPTIONS, lean related rows."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request

from ..parsers import JSONParser


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
    """What every API view shares: JSON request bodies (nested at most ``parsers.MAX_JSON_DEPTH`` deep),
    the API-Version header on every answer."""

    parser_classes = [JSONParser]
    metadata_class = Metadata

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["API-Version"] = settings.API_VERSION
        return response


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
