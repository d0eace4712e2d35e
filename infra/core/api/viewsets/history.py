"""``GET .../<id>/history/`` on a detail URL."""

from __future__ import annotations

from ...models import ObjectChange
from ..serializers import ObjectChangeSerializer


class HistoryMixin:
    """``GET .../<id>/history/``: the object's change records, its children's included."""

    def history(self, request, pk=None):
        instance = self.get_object()
        changes = ObjectChange.objects.for_object(instance).select_related("content_type")
        page = self.paginate_queryset(changes)
        serializer = ObjectChangeSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)
