"""The diagrams over the API: ``GET /api/diagrams/?view=city&format=pdf&paper=A3`` returns the file.

The query string is the web page's (``forms.DiagramForm``): the same filters give the same drawing, from
the same cache. Any signed-in token may read them, read-only tokens too. Bad input is a 400 with the
form's messages by field, in the request's language; a drawing that takes too long is a 503 that says so.
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

import diagrams
from infra.core.api.viewsets import APIMixin

from ..builders import VIEWS
from ..cache import DiagramUnavailable, asked, bound_form, render_diagram


def _parameters() -> list[OpenApiParameter]:
    text = OpenApiTypes.STR
    return [
        OpenApiParameter("view", text, enum=list(VIEWS), description="The diagram: " + ", ".join(VIEWS) + "."),
        OpenApiParameter("format", text, enum=list(diagrams.FORMATS), description="The file (svg by default)."),
        OpenApiParameter("paper", text, enum=list(diagrams.SIZES), description="A PDF's paper (A4 by default)."),
        OpenApiParameter("orientation", text, enum=list(diagrams.ORIENTATIONS), description="A PDF's orientation."),
        OpenApiParameter("organization", text, description="An OPD by id, short name or name (its part only)."),
        OpenApiParameter("region", text, description="A region by id, code or name (its sites only)."),
        OpenApiParameter("site", text, description="A site by id or name (the site view needs one)."),
        OpenApiParameter("status", text, description="A migration state or a fiber link status."),
        OpenApiParameter("wave", text, description="A migration wave by id or name (its servers only)."),
        OpenApiParameter("as_of", text, description="The registry as it was: a date (2025-12-31) or a date and time."),
        OpenApiParameter("colour_by", text, enum=["migration", "reachability"], description="What colours mean."),
    ]


# What a diagram endpoint answers: the file in the format asked for, or messages.
FILE_RESPONSES = {
    (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.BINARY, description="The drawing."),
    (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="Fitted to the paper."),
    (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
    (200, "text/vnd.graphviz"): OpenApiResponse(OpenApiTypes.STR, description="graphviz source."),
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Messages by field."),
    503: OpenApiResponse(OpenApiTypes.OBJECT, description="The drawing took longer than the limit."),
}


class DiagramView(APIMixin, APIView):
    """One diagram as a file (SVG, PDF, PNG or DOT), drawn from the registry now or as it was."""

    @extend_schema(
        parameters=_parameters(),
        responses=FILE_RESPONSES,
    )
    def get(self, request):
        form = bound_form(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
        wanted = asked(form)
        try:
            rendered = render_diagram(wanted.view, wanted.params, wanted.fmt, wanted.paper)
        except DiagramUnavailable as error:
            return Response({"detail": error.message}, status=error.status)
        response = HttpResponse(rendered.data, content_type=rendered.content_type)
        response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
        return response

    def perform_content_negotiation(self, request, force=False):
        # The answer is a file, not one of the JSON renderers: any Accept header gets it (errors are JSON).
        return super().perform_content_negotiation(request, force=True)
