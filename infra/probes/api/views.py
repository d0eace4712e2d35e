"""API viewsets of the probes: the filter sets are the web lists' own.

Checks, SNMP credentials and maintenance windows are written like the inventory's records (one line of
declaration each on core's BaseViewSet). What the probes found is read-only: events, downtimes and
runs page like every list; raw results are read for given checks over a time range, in time order,
a page at a time by cursor, never counted (the table holds hundreds of millions of rows)."""

import datetime

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from infra.core import exports
from infra.core.api.pagination import LimitOffsetPagination
from infra.core.api.serializers import ObjectChangeSerializer
from infra.core.api.viewsets import APIMixin, BaseViewSet, ExportMixin, HistoryMixin
from infra.core.bulk import create_many
from infra.core.permissions import CHANGE, VIEW, can
from infra.inventory.models import Device, Organization, Site

from .. import filtersets, models, report_files, reports, selectors, websites
from ..choices import PeriodKind
from ..services import alerting
from ..services import checks as check_service
from ..state import period
from . import serializers

# Checks one results request may name: each is a range scan of the (check, time) key.
MAX_RESULT_CHECKS = 100


class ProbesViewSet(HistoryMixin, BaseViewSet):
    ordering_fields = "__all__"

    @extend_schema(
        responses={200: ObjectChangeSerializer(many=True)},
        filters=False,
        parameters=[OpenApiParameter(name, int) for name in ("limit", "offset", "after_id")],
        description="The object's change records, newest first.",
    )
    @action(detail=True, methods=["get"], pagination_class=LimitOffsetPagination)
    def history(self, request, pk=None):
        return HistoryMixin.history(self, request, pk)


class CheckViewSet(ProbesViewSet):
    """Checks: what is probed, how often, and the thresholds of its state. ``state`` is read-only
    (``/api/probes/status/`` has the rest of the current status)."""

    queryset = models.Check.objects.select_related("device", "ip_address", "credential", "status", "website")
    serializer_class = serializers.CheckSerializer
    filterset_class = filtersets.CheckFilterSet

    def bulk_create(self, instances, items):
        # Rows written in one go have no save signals: their status rows are made here, at once due.
        created = create_many(models.Check, instances, validate=False)
        check_service.ensure_status([check.pk for check in created])
        return created


class SnmpCredentialViewSet(ProbesViewSet):
    """SNMP credentials (engineers and administrators only). ``community``, ``auth_key`` and
    ``priv_key`` are write-only: accepted on write, never returned; ``*_set`` says whether each is set.
    Leave a secret out to keep it; send an empty text to clear it."""

    queryset = models.SnmpCredential.objects.all()
    serializer_class = serializers.SnmpCredentialSerializer
    filterset_class = filtersets.SnmpCredentialFilterSet


class MaintenanceWindowViewSet(ProbesViewSet):
    """Maintenance windows of a device, a site or an OPD: alerts held, time left out of availability."""

    queryset = models.MaintenanceWindow.objects.select_related("device", "site", "organization")
    brief_select_related = ("device", "site", "organization")
    serializer_class = serializers.MaintenanceWindowSerializer
    filterset_class = filtersets.MaintenanceWindowFilterSet


class _FoundViewSet(APIMixin, ExportMixin, viewsets.ReadOnlyModelViewSet):
    """What the probes found: read-only, filtered, paged and exported like every list."""


class CheckEventViewSet(_FoundViewSet):
    """State changes, flapping, reboots and interface changes of the checks, newest first."""

    queryset = models.CheckEvent.objects.select_related("probe_check", "root_cause")
    serializer_class = serializers.CheckEventSerializer
    filterset_class = filtersets.CheckEventFilterSet
    ordering_fields = ("at", "id")
    ordering = ("-at", "-id")


class DowntimeViewSet(_FoundViewSet):
    """Downtime records: when a check went down, when it came back (null: still down), and why."""

    queryset = models.Downtime.objects.select_related("probe_check", "root_cause")
    serializer_class = serializers.DowntimeSerializer
    filterset_class = filtersets.DowntimeFilterSet
    ordering_fields = ("start", "end", "id")
    ordering = ("-start", "-id")


class ProbeRunViewSet(_FoundViewSet):
    """Chunks of checks enqueued for the consumers: who ran them and when; late or lost ones show."""

    queryset = models.ProbeRun.objects.select_related("prober")
    serializer_class = serializers.ProbeRunSerializer
    filterset_class = filtersets.ProbeRunFilterSet
    ordering_fields = ("created", "due", "id")
    ordering = ("-created", "-id")


class CheckStatusViewSet(_FoundViewSet):
    """The current state of each check (by the check's id): state, since, flapping, the last result,
    the next probe, and for SNMP what the agent said."""

    queryset = models.CheckStatus.objects.select_related("probe_check")
    serializer_class = serializers.CheckStatusSerializer
    filterset_class = filtersets.CheckStatusFilterSet
    ordering_fields = ("probe_check", "state", "since", "last_at")
    ordering = ("probe_check",)


class ResultPagination(CursorPagination):
    """Raw results a page at a time, in time order, by an opaque cursor (``next``): each page costs
    one range read of the (check, time) key however far in; ``count`` is always null."""

    page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]
    page_size_query_param = "limit"
    max_page_size = settings.REST_FRAMEWORK["MAX_PAGE_SIZE"]
    ordering = ("time",)

    def get_paginated_response(self, data):
        return Response(
            {"count": None, "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"] = {"type": "integer", "nullable": True, "description": "Always null."}
        return response


class ResultViewSet(APIMixin, ExportMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Raw results of the given checks (``?check=ID``, required, repeatable) from ``since`` until
    ``until``, oldest first (``?ordering=-time``: newest first). RTT figures and jitter are null when
    nothing came back. Kept for a limited period (settings.SIMPUL_PROBE_RAW_DAYS); older figures are in
    the hourly and daily roll-ups."""

    queryset = models.Result.objects.select_related("probe_check").only(
        *(f.attname for f in models.Result._meta.concrete_fields), "probe_check__kind", "probe_check__address"
    )
    serializer_class = serializers.ResultSerializer
    filterset_class = filtersets.ResultFilterSet
    pagination_class = ResultPagination
    ordering_fields = ("time",)
    ordering = ("time",)

    def list(self, request, *args, **kwargs):
        checks = request.query_params.getlist("check")
        if not checks:
            raise exceptions.ValidationError({"check": [_("Name the check (or checks) whose results to read.")]})
        if len(checks) > MAX_RESULT_CHECKS:
            raise exceptions.ValidationError(
                {"check": [_("At most %(n)d checks per request.") % {"n": MAX_RESULT_CHECKS}]}
            )
        return super().list(request, *args, **kwargs)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # Probers are few, and a result may name one since removed: read once, not joined per row.
        context["probers"] = dict(models.Prober.objects.values_list("id", "name"))
        return context


SCOPE_MODELS = {"check": models.Check, "device": Device, "site": Site, "organization": Organization}


class AvailabilityView(APIMixin, APIView):
    """Time-weighted availability of one check, device, site or OPD over a day, month or year (the one
    containing ``date``, today by default) or a custom range of days, in the city's time zone, with the
    downtimes within it. Time unknown and in maintenance windows are given apart and never counted as
    up. The arithmetic is ``infra.probes.state``'s, the reading ``infra.probes.selectors``'."""

    @extend_schema(parameters=[serializers.AvailabilityQuerySerializer], responses=serializers.AvailabilitySerializer)
    def get(self, request):
        query = serializers.AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        asked = query.validated_data
        model = SCOPE_MODELS[asked["scope"]]
        if not can(request.user, VIEW, model):
            raise exceptions.PermissionDenied()
        obj = get_object_or_404(model.objects.all(), pk=asked["id"])
        tz = selectors.city_zone()
        start, end = _period(asked, tz)
        found = selectors.report(asked["scope"], obj.pk, start, end)
        figures = found.availability
        data = {
            "scope": asked["scope"],
            "id": obj.pk,
            "display": str(obj),
            "period": asked["period"],
            "start": start,
            "end": end,
            "time_zone": str(tz),
            "checks": found.checks,
            "up": figures.up,
            "down": figures.down,
            "unknown": figures.unknown,
            "maintenance": figures.maintenance,
            "percent": figures.percent,
            "known_percent": figures.known_percent,
            "downtimes": [{"start": d.start, "end": d.end, "seconds": d.seconds} for d in found.downtimes],
        }
        return Response(serializers.AvailabilitySerializer(data).data)


def _period(asked: dict, tz) -> tuple[datetime.datetime, datetime.datetime]:
    """The period asked for as UTC instants, from local midnights (state.period's calendar rules)."""
    try:
        if asked["period"] == PeriodKind.CUSTOM:
            return period("day", asked["start"], tz)[0], period("day", asked["end"], tz)[1]
        return period(asked["period"], asked.get("date") or timezone.localdate(timezone=tz), tz)
    except (ValueError, OverflowError):
        raise exceptions.ValidationError({"date": [_("This date is out of the range a period can have.")]}) from None


class AlertChannelViewSet(ProbesViewSet):
    """Alert channels (engineers and administrators only): webhooks and Telegram chats. ``secret`` (the
    webhook's signing key or the bot token) is write-only; ``secret_set`` says whether it is set. POST
    ``{id}/test/`` sends a test message now and returns its delivery."""

    queryset = models.AlertChannel.objects.all()
    serializer_class = serializers.AlertChannelSerializer
    filterset_class = filtersets.AlertChannelFilterSet

    @extend_schema(request=None, responses={200: serializers.AlertDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        channel = self.get_object()
        if not can(request.user, CHANGE, channel):
            raise exceptions.PermissionDenied()
        delivery = alerting.send_test(channel)
        delivery = models.AlertDelivery.objects.prefetch_related("attempt_log").get(pk=delivery.pk)
        return Response(serializers.AlertDeliverySerializer(delivery, context=self.get_serializer_context()).data)


class AlertRuleViewSet(ProbesViewSet):
    """Alert rules: which events (by OPD, site, minimum severity and kind) go to which channel."""

    queryset = models.AlertRule.objects.select_related("channel", "organization", "site")
    brief_select_related = ("channel",)
    serializer_class = serializers.AlertRuleSerializer
    filterset_class = filtersets.AlertRuleFilterSet


class AlertDeliveryViewSet(_FoundViewSet):
    """The delivery log: each alert (or test) sent to a channel, its status and every attempt."""

    queryset = models.AlertDelivery.objects.select_related("channel", "event").prefetch_related("attempt_log")
    serializer_class = serializers.AlertDeliverySerializer
    filterset_class = filtersets.AlertDeliveryFilterSet
    ordering_fields = ("created", "id", "next_attempt_at")
    ordering = ("-created", "-id")


def _figures(f: reports.Figures) -> dict:
    return {
        "percent": f.percent,
        "known_percent": f.known_percent,
        "up_seconds": f.up,
        "down_seconds": f.down,
        "unknown_seconds": f.unknown,
        "maintenance_seconds": f.maintenance,
        "downtime_count": f.downtime_count,
        "downtime_seconds": f.downtime_seconds,
        "longest_seconds": f.longest_seconds,
    }


def _rows(rows: list[reports.Row]) -> list[dict]:
    return [{"id": r.pk, "name": r.name, "context": r.context, "checks": r.checks, **_figures(r.figures)} for r in rows]


class AvailabilityReportView(APIMixin, APIView):
    """The monthly availability report of one OPD (``organization``; none: the whole city) for ``month``
    (YYYY-MM, the city's calendar; the last full month by default): the total and every site, device
    and check with availability, downtimes, the longest outage, time unknown and in maintenance, in
    seconds. ``?format=csv`` (one flat table), ``xlsx`` (a sheet per level) or ``pdf`` (A4, for print)
    give the same figures as a file. The checks' rows are under ``checks_rows``."""

    @extend_schema(
        parameters=[serializers.AvailabilityReportQuerySerializer],
        responses={
            200: serializers.AvailabilityReportSerializer,
            (200, exports.CSV_TYPE.split(";")[0]): bytes,
            (200, exports.XLSX_TYPE): bytes,
            (200, report_files.PDF_TYPE): bytes,
        },
    )
    def get(self, request):
        if not can(request.user, VIEW, models.Check):
            raise exceptions.PermissionDenied()
        query = serializers.AvailabilityReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        asked = query.validated_data
        try:
            month = reports.parse_month(asked["month"]) if asked.get("month") else reports.last_full_month()
        except reports.BadMonth as error:
            raise exceptions.ValidationError({"month": [str(error)]}) from None
        organization = asked.get("organization")
        try:
            report = reports.monthly(organization, month)
        except Organization.DoesNotExist:
            raise exceptions.ValidationError({"organization": [_("There is no such OPD.")]}) from None
        if asked["format"] != "json":
            return report_files.response(report, asked["format"], keys=True)
        data = {
            "organization": report.organization_id,
            "organization_name": report.organization,
            "month": f"{report.month:%Y-%m}",
            "start": report.start,
            "end": report.end,
            "time_zone": report.time_zone,
            "generated_at": report.generated_at,
            "checks": report.checks_count,
            "total": _figures(report.total),
            "sites": _rows(report.sites),
            "devices": _rows(report.devices),
            "checks_rows": _rows(report.checks),
        }
        return Response(serializers.AvailabilityReportSerializer(data).data)


class WebsitesView(APIMixin, generics.ListAPIView):
    """The "Situs web OPD" report: every OPD (``/api/probes/websites/``, those without a website too)
    or every application with a URL (``/api/probes/websites/applications/``), with its website
    check's state, availability this month up to now, last update and how it was found, certificate
    expiry and warnings. Filters, ``q`` and ``ordering`` as on the page; ``limit``/``offset`` pages;
    ``?format=csv`` or ``xlsx`` gives every filtered row as a file (English column keys)."""

    kind = "organizations"
    serializer_class = serializers.WebsiteRowSerializer
    pagination_class = LimitOffsetPagination
    filter_backends: list = []  # the report filters its rows itself (websites.select)

    @extend_schema(
        parameters=[
            serializers.WebsitesQuerySerializer,
            OpenApiParameter("limit", int, description="Rows per page (at most MAX_PAGE_SIZE)."),
            OpenApiParameter("offset", int, description="Rows to skip."),
        ],
        responses={
            200: serializers.WebsiteRowSerializer,
            (200, exports.CSV_TYPE.split(";")[0]): bytes,
            (200, exports.XLSX_TYPE): bytes,
        },
    )
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        if not can(request.user, VIEW, models.Check):
            raise exceptions.PermissionDenied()
        query = serializers.WebsitesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        asked = query.validated_data
        question = websites.Question(
            organizations=frozenset(asked.get("organization", ())),
            states=frozenset(asked.get("state", ())),
            warnings=frozenset(asked.get("warning", ())),
            stale=asked["stale"],
            no_website=asked["no_website"],
            search=asked.get("q", "").strip(),
            ordering=asked.get("ordering", ""),
        )
        found = websites.select(websites.rows(self.kind), question)
        if asked["format"] != "json":
            rows = websites.export_rows(found, self.kind, keys=True)
            return exports.response(rows, websites.filename(self.kind, keys=True), asked["format"])
        page = self.paginate_queryset(found)
        if page is None:  # no limit: every row, in the same shape
            data = self.get_serializer(found, many=True).data
            return Response({"count": len(found), "next": None, "previous": None, "results": data})
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
