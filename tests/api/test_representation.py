"""The serializers' fast read path gives exactly what DRF's own to_representation gives."""

import pytest
from django.core.management import call_command
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory, force_authenticate

from infra.core.api.urls import router as core_router
from infra.inventory.api.urls import router

pytestmark = pytest.mark.django_db


def test_every_endpoint_reads_as_drf_would(admin_user):
    """Every model of the demo city, read as a list would read it (related rows trimmed to their
    display fields), serializes to the same data as DRF's general field-by-field lookup."""
    call_command("load_demo", stdout=None, verbosity=0)
    compared = 0
    for prefix, viewset_class, _basename in [*router.registry, *core_router.registry]:
        raw = APIRequestFactory().get(f"/api/{prefix}/")
        force_authenticate(raw, user=admin_user)
        view = viewset_class(action_map={"get": "list"}, format_kwarg=None, args=(), kwargs={})
        view.request = view.initialize_request(raw)
        assert isinstance(view.request, Request)
        serializer_class = view.get_serializer_class()
        for obj in view.get_queryset()[:40]:
            fast = serializer_class(obj, context=view.get_serializer_context()).data
            reference = serializers.Serializer.to_representation(
                serializer_class(context=view.get_serializer_context()), obj
            )
            assert dict(fast) == dict(reference), (prefix, obj.pk)
            compared += 1
    assert compared > 400
