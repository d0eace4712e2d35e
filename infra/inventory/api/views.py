"""API viewsets of the inventory: the filter sets are the web lists' own."""

import django_filters
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from infra.core.api.pagination import LimitOffsetPagination
from infra.core.api.serializers import ObjectChangeSerializer
from infra.core.api.viewsets import APIMixin, BaseViewSet, ExportMixin, HistoryMixin
from infra.core.permissions import CHANGE, can

from .. import filtersets, models
from ..reconciliation import with_reconciliation
from ..services.fiber import create_links
from ..services.migration import transition
from . import serializers


class InventoryViewSet(HistoryMixin, BaseViewSet):
    ordering_fields = "__all__"

    @extend_schema(
        responses={200: ObjectChangeSerializer(many=True)},
        filters=False,
        parameters=[OpenApiParameter(name, int) for name in ("limit", "offset", "after_id")],
        description="The object's change records, its children's included, newest first.",
    )
    @action(detail=True, methods=["get"], pagination_class=LimitOffsetPagination)
    def history(self, request, pk=None):
        return HistoryMixin.history(self, request, pk)


def viewset(model_queryset, serializer, filterset, doc: str, **attrs):
    attrs.update(queryset=model_queryset, serializer_class=serializer, filterset_class=filterset, __doc__=doc)
    return type(f"{model_queryset.model.__name__}ViewSet", (InventoryViewSet,), attrs)


RegionViewSet = viewset(
    models.Region.objects.select_related("parent"),
    serializers.RegionSerializer,
    filtersets.RegionFilterSet,
    "Regions: kota, kecamatan, kelurahan.",
)
OrganizationViewSet = viewset(
    models.Organization.objects.select_related("parent", "region"),
    serializers.OrganizationSerializer,
    filtersets.OrganizationFilterSet,
    "Organizations (OPD).",
)
ContactViewSet = viewset(
    models.Contact.objects.select_related("organization"),
    serializers.ContactSerializer,
    filtersets.ContactFilterSet,
    "OPD contacts (PIC).",
)
SiteViewSet = viewset(
    models.Site.objects.select_related("region", "organization"),
    serializers.SiteSerializer,
    filtersets.SiteFilterSet,
    "Sites.",
)
RackViewSet = viewset(
    models.Rack.objects.select_related("site"), serializers.RackSerializer, filtersets.RackFilterSet, "Racks and rooms."
)
DeviceViewSet = viewset(
    models.Device.objects.select_related("organization", "site", "rack", "host", "primary_ip", "contract"),
    serializers.DeviceSerializer,
    filtersets.DeviceFilterSet,
    "Devices and servers.",
)
InterfaceViewSet = viewset(
    models.Interface.objects.select_related("device"),
    serializers.InterfaceSerializer,
    filtersets.InterfaceFilterSet,
    "Interfaces.",
)
IPAddressViewSet = viewset(
    models.IPAddress.objects.select_related("interface"),
    serializers.IPAddressSerializer,
    filtersets.IPAddressFilterSet,
    "IP addresses.",
)
ApplicationViewSet = viewset(
    models.Application.objects.select_related("organization").prefetch_related("devices"),
    serializers.ApplicationSerializer,
    filtersets.ApplicationFilterSet,
    "Applications (public-service systems).",
)
FiberLinkViewSet = viewset(
    models.FiberLink.objects.select_related("site_a", "site_b", "interface_a", "interface_b", "contract"),
    serializers.FiberLinkSerializer,
    filtersets.FiberLinkFilterSet,
    "Fiber links between sites, with the loss budget.",
    # New links come with their cores: the fiber service, not bare rows.
    bulk_create=lambda self, instances, items: create_links(instances, validate=False),
)
FiberCoreViewSet = viewset(
    models.FiberCore.objects.select_related("link"),
    serializers.FiberCoreSerializer,
    filtersets.FiberCoreFilterSet,
    "Fiber cores (created with their link).",
    http_method_names=["get", "put", "patch", "head", "options"],
)
MigrationWaveViewSet = viewset(
    models.MigrationWave.objects.all(),
    serializers.MigrationWaveSerializer,
    filtersets.MigrationWaveFilterSet,
    "Migration waves.",
)
MigrationBlockerViewSet = viewset(
    models.MigrationBlocker.objects.select_related("migration__device"),
    serializers.MigrationBlockerSerializer,
    filtersets.MigrationBlockerFilterSet,
    "Migration blockers.",
)
ContractViewSet = viewset(
    with_reconciliation(models.Contract.objects.all()),
    serializers.ContractSerializer,
    filtersets.ContractFilterSet,
    "Contracts (procurement packages, paket pengadaan) with their reconciliation: what each bought against "
    "what the registry holds under it. Filter ?has_mismatch=true for the ones that differ.",
)
YearTargetViewSet = viewset(
    models.YearTarget.objects.all(),
    serializers.YearTargetSerializer,
    filtersets.YearTargetFilterSet,
    "Yearly migration targets.",
)


class MigrationViewSet(InventoryViewSet):
    """Server migrations. The state changes only through ``POST .../transition/``."""

    queryset = models.Migration.objects.select_related("device", "wave", "target_rack", "target_host")
    brief_select_related = ("device",)
    serializer_class = serializers.MigrationSerializer
    filterset_class = filtersets.MigrationFilterSet

    def bulk_create(self, instances, items):
        # Each new migration gets its first transition recorded: the service, not a bare INSERT.
        return [self.get_serializer().create(dict(attrs)) for attrs in items]

    @extend_schema(
        request=serializers.TransitionRequestSerializer,
        responses={201: serializers.MigrationTransitionSerializer},
        description="Move the migration to another state; refused (400) with the allowed states named.",
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        body = serializers.TransitionRequestSerializer(data=request.data)
        with transaction.atomic():
            # Checked against If-Match with the row locked: two moves based on one version cannot both pass.
            migration = self.get_object(lock=True)
            if not can(request.user, CHANGE, migration):
                raise exceptions.PermissionDenied()
            self.check_if_match(request, migration)
            body.is_valid(raise_exception=True)
            try:
                record = transition(migration, user=request.user, **body.validated_data)
            except ValidationError as exc:
                # A field's own error (a stored text over its limit) stays on that field; a refused move on to_state.
                detail = exc.message_dict if hasattr(exc, "error_dict") else {"to_state": exc.messages}
                raise exceptions.ValidationError(detail) from exc
        data = serializers.MigrationTransitionSerializer(record, context=self.get_serializer_context()).data
        return Response(data, status=201)


class MigrationTransitionFilterSet(filtersets.MigrationTransitionFilterSet):
    """The web list's filters, and the questions auditors ask of the API: one OPD's or one server's moves."""

    organization = django_filters.ModelMultipleChoiceFilter(
        queryset=models.Organization.objects.all(),
        field_name="migration__device__organization",
        label=_("Organization"),
    )
    device = django_filters.ModelMultipleChoiceFilter(
        queryset=models.Device.objects.all(), field_name="migration__device", label=_("Server")
    )


class MigrationTransitionViewSet(APIMixin, ExportMixin, viewsets.ReadOnlyModelViewSet):
    """Every recorded move between migration states (``?format=csv`` or ``xlsx`` exports them)."""

    queryset = models.MigrationTransition.objects.select_related("migration__device", "user")
    serializer_class = serializers.MigrationTransitionSerializer
    filterset_class = MigrationTransitionFilterSet
    ordering_fields = ("at", "id")
    ordering = ("at", "id")
