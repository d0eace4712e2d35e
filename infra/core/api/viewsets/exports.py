"""``?format=csv|xlsx`` on any list: the whole filtered list, streamed."""

from __future__ import annotations

import itertools
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse

from ... import exports

EXPORT_FORMATS = ("csv", "xlsx")
EXPORT_CHUNK = 2000


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
        # Write-only fields (secrets) are never read back: they are no column either.
        readable = serializer_class(context=context).fields.items()
        fields = [name for name, field in readable if name != "url" and not field.write_only]

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


def _flat(value) -> object:
    """One cell: a related object by its display text, a list joined, other structures as JSON."""
    if isinstance(value, dict):
        if "display" in value:
            return value["display"]
        return json.dumps(value, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder)
    if isinstance(value, list):
        return "; ".join(str(_flat(v)) for v in value)
    return value
