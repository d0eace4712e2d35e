"""API viewsets of the inventory: the filter sets are the web lists' own."""

import django_filters
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from infra.core.api.pagination import LimitOffsetPagination
from infra.core.api.serializers import ObjectChangeSerializer, api_url_for
from infra.core.api.viewsets import APIMixin, BaseViewSet, ExportMixin, HistoryMixin
from infra.core.history import state_as_of
from infra.core.permissions import CHANGE, can

from .. import filtersets, models
from ..reconciliation import with_reconciliation
from ..selectors import migration_states_at
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


def _local_iso(moment) -> str:
    return timezone.localtime(moment).isoformat()


def _device_as_of_annotate(self, rows: list[dict], moment) -> None:
    """A device's migration state then, and since when (null: not tracked then)."""
    by_device = {device_id: (state, at) for device_id, state, at in migration_states_at(moment).values()}
    for row in rows:
        state, at = by_device.get(row["id"], (None, None))
        row["migration_state"] = state
        row["migration_state_changed_at"] = _local_iso(at) if at else None


def _device_bulk_create(self, instances: list, items: list[dict]) -> list:
    """New devices have no migration: said so to each, so that the answer does not ask for it per row."""
    created = BaseViewSet.bulk_create(self, instances, items)
    for device in created:
        models.Device.migration.related.set_cached_value(device, None)
    return created


DeviceViewSet = viewset(
    models.Device.objects.select_related("organization", "site", "rack", "host", "primary_ip", "contract", "migration"),
    serializers.DeviceSerializer,
    filtersets.DeviceFilterSet,
    "Devices and servers.",
    as_of_annotate=_device_as_of_annotate,
    as_of_paths={"migration__state": "migration_state"},
    bulk_create=_device_bulk_create,
    as_of_extra_columns=("migration_state", "migration_state_changed_at"),
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


def _contract_bulk_create(self, instances: list, items: list[dict]) -> list:
    """New contracts read with their reconciliation in one query, not one each in the answer."""
    created = BaseViewSet.bulk_create(self, instances, items)
    fresh = with_reconciliation(models.Contract.objects.filter(pk__in=[c.pk for c in created])).in_bulk()
    return [fresh[c.pk] for c in created]


ContractViewSet = viewset(
    with_reconciliation(models.Contract.objects.all()),
    serializers.ContractSerializer,
    filtersets.ContractFilterSet,
    "Contracts (procurement packages, paket pengadaan) with their reconciliation: what each bought against "
    "what the registry holds under it. Filter ?has_mismatch=true for the ones that differ.",
    bulk_create=_contract_bulk_create,
)
YearTargetViewSet = viewset(
    models.YearTarget.objects.all(),
    serializers.YearTargetSerializer,
    filtersets.YearTargetFilterSet,
    "Yearly migration targets.",
)


class MigrationViewSet(InventoryViewSet):
    """Server migrations. The state changes only through ``POST .../transition/``."""

    queryset = models.Migration.objects.select_related(
        "device__organization", "device__site", "device__rack", "wave", "target_rack", "target_host"
    )
    brief_select_related = ("device",)
    serializer_class = serializers.MigrationSerializer
    filterset_class = filtersets.MigrationFilterSet

    as_of_extra_columns = ("organization_id", "organization", "site_id", "site", "rack_id", "rack")
    as_of_paths = {"device__organization": "organization_id", "device__site": "site_id"}

    def as_of_annotate(self, rows: list[dict], moment) -> None:
        """The state then and since when (from the transitions), and the server's OPD, site and rack
        then, each named as it was then. Six queries, whatever the number of rows."""
        states = migration_states_at(moment)
        for row in rows:
            if row["id"] in states:
                _device, row["state"], at = states[row["id"]]
                row["state_changed_at"] = _local_iso(at)
        device_ids = {row.get("device_id") for row in rows} - {None}
        devices = {d["id"]: d for d in state_as_of(models.Device, moment, ids=device_ids)} if device_ids else {}
        for key in ("organization_id", "site_id", "rack_id"):
            for row in rows:
                row[key] = devices.get(row.get("device_id"), {}).get(key)
        request = self.request
        for key, model in (("organization", models.Organization), ("site", models.Site), ("rack", models.Rack)):
            ids = {row[f"{key}_id"] for row in rows} - {None}
            then = {r["id"]: r for r in state_as_of(model, moment, ids=ids)} if ids else {}
            for row in rows:
                pk = row[f"{key}_id"]
                if pk is None:
                    row[key] = None
                    continue
                held = then.get(pk, {})
                row[key] = {"id": pk, "url": api_url_for(model, pk, request), "display": held.get("display")}
                if model is models.Organization:
                    row[key].update(name=held.get("name"), short_name=held.get("short_name"))

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
