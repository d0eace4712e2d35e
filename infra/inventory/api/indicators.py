"""The SPBE indicator figures over the API: all of them at a date, and the objects behind one."""

import datetime

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from infra.core.api.pagination import LimitOffsetPagination
from infra.core.api.viewsets import APIMixin
from infra.core.permissions import VIEW, can

from .. import evidence, indicators, models

AS_OF = OpenApiParameter(
    "as_of", datetime.date, description="The date (YYYY-MM-DD, city time; at its end). Today when left out."
)
FORMATS = ("json", *evidence.FORMATS)
FORMAT = OpenApiParameter(
    "format",
    str,
    enum=FORMATS,
    description="json (default), or the evidence page's files: xlsx (summary, objects) or pdf (A4, signature block).",
)


class IndicatorSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    definition = serializers.CharField()
    spbe_indicator = serializers.CharField(allow_blank=True, help_text="The SPBE indicator number, if any.")
    value = serializers.DecimalField(max_digits=14, decimal_places=3, coerce_to_string=False)
    unit = serializers.CharField()
    numerator = serializers.IntegerField(allow_null=True, help_text="For a share: the part counted.")
    denominator = serializers.IntegerField(allow_null=True, help_text="For a share: the whole.")
    objects_count = serializers.IntegerField(help_text="How many objects are behind the figure.")
    target = serializers.DecimalField(
        max_digits=14,
        decimal_places=1,
        coerce_to_string=False,
        allow_null=True,
        help_text="The yearly target for the date's year (cumulative, by 31 December), if one is set.",
    )
    target_label = serializers.CharField(allow_null=True, help_text="What the target counts.")
    target_actual = serializers.DecimalField(
        max_digits=14, decimal_places=3, coerce_to_string=False, help_text="The number compared with the target."
    )
    as_of = serializers.DateField()
    objects_url = serializers.CharField()


class IndicatorObjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="The object's model: organization, device, application, fiberlink, site.")
    url = serializers.CharField(help_text="The object's page today ('' when it has none).")
    details = serializers.DictField(help_text="What the object was at the date, as the figure counts it.")


def figure_data(request, figure: indicators.Figure, query: str) -> dict:
    i = figure.indicator
    return {
        "key": i.key,
        "label": str(i.label),
        "definition": str(i.definition),
        "spbe_indicator": i.spbe,
        "value": figure.value,
        "unit": str(i.unit),
        "numerator": figure.result.numerator,
        "denominator": figure.result.denominator,
        "objects_count": len(figure.result.objects),
        "target": figure.target,
        "target_label": str(i.target_label) if i.target_label else None,
        "target_actual": figure.result.target_actual,
        "as_of": figure.as_of,
        "objects_url": request.build_absolute_uri(f"/api/indicators/{i.key}/objects/{query}"),
    }


def _as_of(request) -> datetime.date | None:
    try:
        return indicators.parse_as_of(request.query_params.get("as_of"))
    except indicators.BadDate as error:
        raise exceptions.ValidationError({"as_of": [str(error)]}) from None


def _allowed(request) -> None:
    if not can(request.user, VIEW, models.YearTarget):
        raise exceptions.PermissionDenied()


class IndicatorListView(APIMixin, APIView):
    """Every SPBE indicator figure at ``as_of`` (a date; today when left out), computed from the change
    log and the migration transitions for a past date: key, label, definition, value and unit, the
    yearly target for that year where one is set, and where to read the objects behind it.
    ``?format=xlsx`` or ``pdf``: the evidence page's files (definitions and a signature block)."""

    @extend_schema(
        parameters=[AS_OF, FORMAT],
        responses={
            200: IndicatorSerializer(many=True),
            (200, evidence.exports.XLSX_TYPE): bytes,
            (200, evidence.PDF_TYPE): bytes,
        },
    )
    def get(self, request):
        _allowed(request)
        fmt = request.query_params.get("format") or "json"
        if fmt not in FORMATS:
            raise exceptions.ValidationError(
                {
                    "format": [
                        _("Unknown format “%(format)s”: choose one of %(choices)s.")
                        % {"format": fmt, "choices": ", ".join(FORMATS)}
                    ]
                }
            )
        as_of = _as_of(request)
        figures = indicators.figures(as_of)
        if fmt != "json":
            return evidence.response(figures, figures[0].as_of, fmt, request.user)
        query = f"?as_of={as_of.isoformat()}" if as_of else ""
        data = [figure_data(request, f, query) for f in figures]
        return Response(IndicatorSerializer(data, many=True).data)


class IndicatorObjectsView(APIMixin, generics.GenericAPIView):
    """The objects behind one figure at ``as_of``, as they were then: their number is the figure (for the
    share of servers migrated, its numerator; for fiber, the links whose lengths add up to it)."""

    serializer_class = IndicatorObjectSerializer
    pagination_class = LimitOffsetPagination
    filter_backends: list = []

    @extend_schema(parameters=[AS_OF], responses={200: IndicatorObjectSerializer(many=True)})
    def get(self, request, key: str):
        _allowed(request)
        if key not in indicators.INDICATORS:
            raise exceptions.NotFound(_("There is no indicator %(key)s.") % {"key": key})
        figure = indicators.figure(key, _as_of(request))
        rows = [
            {"id": r.id, "name": r.name, "kind": r.kind, "url": r.url, "details": r.details}
            for r in figure.result.objects
        ]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
