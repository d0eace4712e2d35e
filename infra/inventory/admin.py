"""Django's admin for administrators; engineers work in Simpul's own UI."""

from django.contrib import admin

from infra.core.admin import ProtectionReasonsMixin

from . import models
from .services.fiber import save_link


class ContactInline(admin.TabularInline):
    model = models.Contact
    extra = 0


class InterfaceInline(admin.TabularInline):
    model = models.Interface
    extra = 0


class FiberCoreInline(admin.TabularInline):
    model = models.FiberCore
    extra = 0
    fields = ("number", "tube", "tube_color", "color", "state", "carries")
    readonly_fields = ("number", "tube", "tube_color", "color")

    def has_add_permission(self, request, obj=None):
        return False  # cores follow the link's core count

    def has_delete_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = models.MigrationTransition
    extra = 0
    readonly_fields = (
        "from_state",
        "to_state",
        "at",
        "user",
        "reason",
        "override_reason",
        "is_rollback",
        "is_imported_start",
    )
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class BlockerInline(admin.TabularInline):
    model = models.MigrationBlocker
    extra = 0


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "code", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "code")


@admin.register(models.Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "region")
    list_filter = ("kind",)
    search_fields = ("name", "short_name")
    inlines = [ContactInline]


@admin.register(models.Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "status", "region", "organization")
    list_filter = ("kind", "status")
    search_fields = ("name", "address")
    list_select_related = ("region", "organization")


@admin.register(models.Rack)
class RackAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "room", "u_height")
    list_select_related = ("site",)


@admin.register(models.Device)
class DeviceAdmin(ProtectionReasonsMixin, admin.ModelAdmin):
    list_display = ("name", "organization", "site", "kind", "status", "asset_number")
    list_filter = ("kind", "status", "organization")
    search_fields = ("name", "serial", "asset_number")
    list_select_related = ("organization", "site")
    raw_id_fields = ("host", "primary_ip", "rack", "contract")
    inlines = [InterfaceInline]


@admin.register(models.IPAddress)
class IPAddressAdmin(admin.ModelAdmin):
    list_display = ("address", "prefix_length", "interface", "status", "probe")
    list_filter = ("status", "probe")
    search_fields = ("address", "dns_name")
    raw_id_fields = ("interface",)


@admin.register(models.Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "status", "criticality", "integration_status", "target_year")
    list_filter = ("status", "criticality", "integration_status")
    search_fields = ("name", "short_name")
    filter_horizontal = ("devices",)


@admin.register(models.FiberLink)
class FiberLinkAdmin(admin.ModelAdmin):
    list_display = ("code", "site_a", "site_b", "core_count", "deployment", "length_km", "status")
    list_filter = ("status", "deployment", "cable_type")
    search_fields = ("code", "name", "contractor", "contract__number")
    list_select_related = ("site_a", "site_b")
    raw_id_fields = ("contract",)
    inlines = [FiberCoreInline]

    def save_model(self, request, obj, form, change) -> None:
        save_link(obj)  # with its cores


@admin.register(models.MigrationWave)
class MigrationWaveAdmin(admin.ModelAdmin):
    list_display = ("name", "start_date", "end_date", "status")


@admin.register(models.Migration)
class MigrationAdmin(ProtectionReasonsMixin, admin.ModelAdmin):
    list_display = ("device", "state", "state_changed_at", "readiness", "disposition", "wave")
    list_filter = ("state", "readiness", "disposition", "wave")
    search_fields = ("device__name",)
    list_select_related = ("device", "wave")
    raw_id_fields = ("device", "target_host", "target_rack")
    readonly_fields = ("state", "state_changed_at")
    inlines = [BlockerInline, TransitionInline]


@admin.register(models.Contract)
class ContractAdmin(ProtectionReasonsMixin, admin.ModelAdmin):
    list_display = ("number", "title", "year", "contractor", "value", "status")
    list_filter = ("status", "year")
    search_fields = ("number", "title", "contractor")
