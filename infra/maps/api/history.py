"""Diagrams over time in the API: the snapshots (read only, with their figures and their drawing as a
file) and the comparison of two dates as a file.

``GET /api/diagram-snapshots/`` lists snapshots (filters as on the web list: ``view``, ``trigger``,
``as_of_after``/``as_of_before``, ``q``; ``ordering``), never their drawings; ``GET
/api/diagram-snapshots/{id}/`` is one with its figures; ``.../{id}/drawing/?format=pdf&paper=A3`` its
drawing. ``GET /api/diagrams/compare/?view=city&compare_from=2025-12-31&as_of=2026-01-31&format=svg``
draws two dates in one diagram. Every signed-in token reads them, read-only tokens too; nobody writes
snapshots through the API (the web page and the monthly task take them). Bad input is a 400 with the
messages by field in the request's language; a drawing that takes too long is a 503 that says so.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

import diagrams
from infra.core.api.routers import BulkRouter
from infra.core.api.serializers import api_url
from infra.core.api.viewsets import APIMixin
from infra.core.validation import as_id

from ..builders import VIEWS
from ..filters_history import DiagramSnapshotFilterSet, list_queryset
from ..models import DiagramSnapshot
from ..services.snapshots import CompareError
from ..views_history import (
    CompareForm,
    DiagramUnavailable,
    FileForm,
    compare_filename,
    compare_form,
    comparison,
    draw,
    snapshot_cache_key,
    snapshot_filename,
)
from .views import FILE_RESPONSES


class DiagramSnapshotSerializer(serializers.ModelSerializer):
    """A snapshot: what view and filters, the moment, who took it and how, the city's figures then, and
    where its drawing is (as SVG, PDF, PNG or DOT)."""

    url = serializers.SerializerMethodField()
    view_label = serializers.SerializerMethodField()
    taken_by = serializers.SerializerMethodField()
    drawing = serializers.SerializerMethodField()

    class Meta:
        model = DiagramSnapshot
        fields = (
            "id",
            "url",
            "view",
            "view_label",
            "title",
            "params",
            "as_of",
            "taken_at",
            "taken_by",
            "trigger",
            "figures",
            "drawing",
        )
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return api_url(obj, self.context.get("request"))

    def get_view_label(self, obj) -> str:
        return str(VIEWS[obj.view][0]) if obj.view in VIEWS else obj.view

    def get_taken_by(self, obj) -> dict | None:
        user = obj.taken_by
        if user is None:
            return None
        return {"id": user.pk, "username": user.username, "display": user.get_full_name() or user.username}

    def get_drawing(self, obj) -> dict[str, str]:
        request = self.context.get("request")
        base = reverse("api:maps-diagramsnapshot-drawing", args=[obj.pk], request=request)
        return {fmt: f"{base}?format={fmt}" for fmt in diagrams.FORMATS}


class DiagramSnapshotViewSet(APIMixin, viewsets.ReadOnlyModelViewSet):
    """Diagram snapshots, newest date first: read only, for every role and read-only tokens too."""

    queryset = list_queryset()
    serializer_class = DiagramSnapshotSerializer
    filterset_class = DiagramSnapshotFilterSet
    ordering_fields = ("as_of", "taken_at", "view", "id")
    ordering = ("-as_of", "-id")
    lookup_value_regex = "[0-9]+"

    def get_object(self):
        if as_id(self.kwargs.get(self.lookup_field)) is None:
            raise Http404
        return super().get_object()

    @extend_schema(
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=list(diagrams.FORMATS), description="svg by default."),
            OpenApiParameter("paper", OpenApiTypes.STR, enum=list(diagrams.SIZES), description="A PDF's paper."),
            OpenApiParameter("orientation", OpenApiTypes.STR, enum=list(diagrams.ORIENTATIONS)),
        ],
        responses={
            (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.BINARY, description="The drawing as it was."),
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Messages by field."),
            503: OpenApiResponse(OpenApiTypes.OBJECT, description="The drawing took longer than the limit."),
        },
    )
    @action(detail=True, url_path="drawing", filter_backends=[], pagination_class=None)
    def drawing(self, request, pk=None, format=None):
        """The snapshot's drawing, exactly as it was, as a file (SVG, PDF on A4/A3, PNG or DOT)."""
        snapshot = self.get_object()
        form = FileForm(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
        fmt, paper = form.cleaned()
        # The list's queryset leaves the drawing out: read it now, one query.
        snapshot.refresh_from_db(fields=["topology"])
        try:
            data = draw(snapshot.drawing(), fmt, paper, key=snapshot_cache_key(snapshot, fmt, paper))
        except DiagramUnavailable as error:
            return Response({"detail": error.message}, status=error.status)
        return _file(data, fmt, snapshot_filename(snapshot, fmt, paper))

    def perform_content_negotiation(self, request, force=False):
        if getattr(self, "action", None) == "drawing":
            return super().perform_content_negotiation(request, force=True)
        return super().perform_content_negotiation(request, force)


def _file(data: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=diagrams.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _compare_parameters() -> list[OpenApiParameter]:
    text = OpenApiTypes.STR
    return [
        OpenApiParameter("view", text, enum=list(VIEWS), description="The diagram: " + ", ".join(VIEWS) + "."),
        OpenApiParameter("compare_from", OpenApiTypes.DATE, required=True, description="The earlier date."),
        OpenApiParameter("as_of", OpenApiTypes.DATE, description="The later date (now when left out)."),
        OpenApiParameter("format", text, enum=list(diagrams.FORMATS), description="The file (svg by default)."),
        OpenApiParameter("paper", text, enum=list(diagrams.SIZES), description="A PDF's paper (A4 by default)."),
        OpenApiParameter("orientation", text, enum=list(diagrams.ORIENTATIONS), description="A PDF's orientation."),
        OpenApiParameter("organization", text, description="Only this OPD's part."),
        OpenApiParameter("region", text, description="Only this region's sites."),
        OpenApiParameter("site", text, description="The site (the site view needs one)."),
        OpenApiParameter("status", text, description="Only objects in this state."),
        OpenApiParameter("wave", text, description="Only this migration wave's servers."),
    ]


class DiagramCompareView(APIMixin, APIView):
    """Two dates of a view in one diagram (added, removed, changed, with the legend), as a file."""

    @extend_schema(
        parameters=_compare_parameters(),
        responses=FILE_RESPONSES,
    )
    def get(self, request):
        form: CompareForm = compare_form(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError(_messages(form))
        fmt = form.cleaned_data.get("format") or "svg"
        paper = diagrams.Paper.parse(form.cleaned_data.get("paper") or "A4", form.cleaned_data.get("orientation"))
        try:
            result = comparison(form)
            data = draw(result.topology, fmt, paper)
        except CompareError:
            raise exceptions.ValidationError(_messages(form)) from None
        except DiagramUnavailable as error:
            return Response({"detail": error.message}, status=error.status)
        return _file(data, fmt, compare_filename(result, fmt, paper))

    def perform_content_negotiation(self, request, force=False):
        # The answer is a file, not one of the JSON renderers: any Accept header gets it (errors are JSON).
        return super().perform_content_negotiation(request, force=True)


def _messages(form) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


router = BulkRouter(trailing_slash="/?")
router.include_root_view = False  # the project's /api/ index lists it (infra/urls.py)
router.register("diagram-snapshots", DiagramSnapshotViewSet, basename="maps-diagramsnapshot")

urlpatterns = [
    *router.urls,
    path("diagrams/compare/", DiagramCompareView.as_view(), name="diagrams-compare"),
]
