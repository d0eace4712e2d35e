"""API serializers of the inventory: every field, related objects brief, computed figures read-only."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from infra.core.api.serializers import BaseModelSerializer, BriefRelatedField

from .. import models
from ..reconciliation import with_reconciliation
from ..services.fiber import save_link


def _fields(model, *extra: str) -> tuple[str, ...]:
    names = [f.name for f in model._meta.fields if f.name not in ("id", "url")]
    names += [f.name for f in model._meta.many_to_many]
    return ("id", "url", "display", *names, *extra)


class RegionSerializer(BaseModelSerializer):
    class Meta:
        model = models.Region
        fields = _fields(models.Region)


class OrganizationSerializer(BaseModelSerializer):
    class Meta:
        model = models.Organization
        fields = _fields(models.Organization)


class ContactSerializer(BaseModelSerializer):
    class Meta:
        model = models.Contact
        fields = _fields(models.Contact)


class SiteSerializer(BaseModelSerializer):
    class Meta:
        model = models.Site
        fields = _fields(models.Site)


class RackSerializer(BaseModelSerializer):
    class Meta:
        model = models.Rack
        fields = _fields(models.Rack)


@extend_schema_field(
    {
        "type": "object",
        "readOnly": True,
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string", "format": "uri"},
            "display": {"type": "string"},
            "name": {"type": "string"},
            "short_name": {"type": "string"},
        },
    }
)
class OrganizationBriefField(serializers.Field):
    """An OPD as {id, url, display, name, short_name}: lists filtered or grouped by OPD name it either way."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value) -> dict:
        from infra.core.api.serializers import api_url

        return {
            "id": value.pk,
            "url": api_url(value, self.context.get("request")),
            "display": str(value),
            "name": value.name,
            "short_name": value.short_name,
        }


def _tracked_migration(device: models.Device) -> models.Migration | None:
    try:
        return device.migration  # read with the device (select_related)
    except models.Migration.DoesNotExist:
        return None


class DeviceSerializer(BaseModelSerializer):
    migration_state = serializers.SerializerMethodField(
        help_text=_("The server's migration state; null when its migration is not tracked.")
    )
    migration_state_changed_at = serializers.SerializerMethodField(
        help_text=_("When the server reached its migration state.")
    )

    class Meta:
        model = models.Device
        fields = _fields(models.Device, "migration_state", "migration_state_changed_at")

    def get_migration_state(self, obj) -> str | None:
        migration = _tracked_migration(obj)
        return migration.state if migration else None

    def get_migration_state_changed_at(self, obj) -> str | None:
        migration = _tracked_migration(obj)
        return serializers.DateTimeField().to_representation(migration.state_changed_at) if migration else None


class InterfaceSerializer(BaseModelSerializer):
    class Meta:
        model = models.Interface
        fields = _fields(models.Interface)


class IPAddressSerializer(BaseModelSerializer):
    class Meta:
        model = models.IPAddress
        fields = _fields(models.IPAddress)


class ApplicationSerializer(BaseModelSerializer):
    # "url" is every object's API address: the application's own web address is "service_url".
    service_url = serializers.URLField(
        source="url", required=False, allow_blank=True, max_length=200, help_text=_("The application's web address.")
    )

    class Meta:
        model = models.Application
        fields = _fields(models.Application, "service_url")


class FiberLinkSerializer(BaseModelSerializer):
    loss_budget_db = serializers.DecimalField(
        max_digits=8, decimal_places=2, read_only=True, source="loss_budget_db_value"
    )
    loss_margin_db = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True, allow_null=True)

    class Meta:
        model = models.FiberLink
        fields = _fields(models.FiberLink, "loss_budget_db", "loss_margin_db")

    def create(self, validated_data: dict) -> models.FiberLink:
        return save_link(models.FiberLink(**validated_data))  # with its cores

    def update(self, instance: models.FiberLink, validated_data: dict) -> models.FiberLink:
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return save_link(instance)  # cores added or dropped with the core count


class FiberCoreSerializer(BaseModelSerializer):
    class Meta:
        model = models.FiberCore
        fields = _fields(models.FiberCore)
        read_only_fields = ("link", "number", "tube", "tube_color", "color")


class MigrationWaveSerializer(BaseModelSerializer):
    class Meta:
        model = models.MigrationWave
        fields = _fields(models.MigrationWave)


class MigrationSerializer(BaseModelSerializer):
    # The server's OPD and where it stands now (its site and rack), so one call answers "which OPD's
    # servers are where, in which state since when".
    organization = OrganizationBriefField(source="device.organization", help_text=_("The server's OPD."))
    site = BriefRelatedField(
        source="device.site", read_only=True, allow_null=True, help_text=_("The server's current site.")
    )
    rack = BriefRelatedField(
        source="device.rack", read_only=True, allow_null=True, help_text=_("The server's current rack.")
    )

    read_only_hints = {
        "state": _("The state changes only through POST /api/migrations/<id>/transition/ with to_state."),
        "state_changed_at": _("Set by each move through POST /api/migrations/<id>/transition/."),
    }

    class Meta:
        model = models.Migration
        fields = _fields(models.Migration, "organization", "site", "rack")
        read_only_fields = ("state", "state_changed_at")

    def create(self, validated_data):
        from ..services.migration import start_tracking

        data = dict(validated_data)
        return start_tracking(data.pop("device"), **data)


class MigrationTransitionSerializer(BaseModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True, allow_null=True)

    class Meta:
        model = models.MigrationTransition
        fields = (
            "id",
            "url",
            "display",
            "migration",
            "from_state",
            "to_state",
            "at",
            "user",
            "reason",
            "override_reason",
            "is_rollback",
            "is_imported_start",
        )


class TransitionRequestSerializer(serializers.Serializer):
    to_state = serializers.ChoiceField(choices=models.Migration._meta.get_field("state").choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=models.MigrationTransition._meta.get_field("reason").max_length,
    )
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=models.MigrationTransition._meta.get_field("override_reason").max_length,
    )


class MigrationBlockerSerializer(BaseModelSerializer):
    class Meta:
        model = models.MigrationBlocker
        fields = _fields(models.MigrationBlocker)


class YearTargetSerializer(BaseModelSerializer):
    class Meta:
        model = models.YearTarget
        fields = _fields(models.YearTarget)


# What a contract reads from the registry (``with_reconciliation``): computed, never written.
RECONCILIATION_FIELDS = (
    "registry_km",
    "registry_links",
    "registry_sites",
    "registry_devices",
    "km_difference",
    "links_difference",
    "sites_difference",
    "devices_difference",
    "km_mismatch",
    "has_mismatch",
)


class ContractSerializer(BaseModelSerializer):
    """A contract with its reconciliation: the registry's figures under it and their differences from
    the contracted quantities (registry minus contract; null where the contract states none)."""

    registry_km = serializers.DecimalField(
        max_digits=12, decimal_places=3, read_only=True, help_text=_("Sum of the route lengths of its fiber links.")
    )
    registry_links = serializers.IntegerField(read_only=True, help_text=_("Fiber links under it."))
    registry_sites = serializers.IntegerField(
        read_only=True, help_text=_("Distinct sites at its links' ends and where its devices stand.")
    )
    registry_devices = serializers.IntegerField(read_only=True, help_text=_("Devices under it."))
    km_difference = serializers.DecimalField(max_digits=12, decimal_places=3, read_only=True, allow_null=True)
    links_difference = serializers.IntegerField(read_only=True, allow_null=True)
    sites_difference = serializers.IntegerField(read_only=True, allow_null=True)
    devices_difference = serializers.IntegerField(read_only=True, allow_null=True)
    km_mismatch = serializers.BooleanField(
        read_only=True, help_text=_("The fiber length differs by more than the tolerance (1 %, at least 10 m).")
    )
    has_mismatch = serializers.BooleanField(
        read_only=True, help_text=_("Some stated quantity differs from what the registry holds.")
    )

    class Meta:
        model = models.Contract
        fields = _fields(models.Contract, *RECONCILIATION_FIELDS)

    def update(self, instance, validated_data):
        instance = super().update(instance, validated_data)
        # The figures read with the object are those before the write: read them again for the answer.
        for name in RECONCILIATION_FIELDS:
            instance.__dict__.pop(name, None)
        return instance

    def to_representation(self, instance):
        if isinstance(instance, models.Contract) and not hasattr(instance, "has_mismatch"):
            # Just written: read it back with its reconciliation (one query, on writes only).
            instance = with_reconciliation(models.Contract.objects.filter(pk=instance.pk)).get()
        return super().to_representation(instance)
